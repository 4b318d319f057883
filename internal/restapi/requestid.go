package restapi

import (
	"crypto/rand"
	"encoding/hex"
)

// RequestIDHeader carries a call's request ID, both ways: every REST
// response has it, and a client may send its own to have it used instead.
const RequestIDHeader = "X-Request-Id"

// maxRequestIDLen caps a client's request ID; longer ones are replaced.
const maxRequestIDLen = 64

// requestID returns the client's ID when it is sane (1 to 64 visible ASCII
// bytes, no spaces or control characters, so it cannot forge log lines or
// headers), and otherwise a new random 16-hex-digit ID.
func requestID(client string) string {
	if n := len(client); n > 0 && n <= maxRequestIDLen {
		sane := true
		for i := 0; i < n; i++ {
			if client[i] <= ' ' || client[i] > '~' {
				sane = false
				break
			}
		}
		if sane {
			return client
		}
	}
	var b [8]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	return hex.EncodeToString(b[:])
}
