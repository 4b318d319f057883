package usersig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strconv"
)

// mac computes TLS.sig. The MAC covers a line rendering of the parsed values
// rather than the JSON bytes, which is what lets any JSON layout verify; the
// numbers are therefore always re-rendered in canonical decimal, and the
// userbuf line exists only when the document carried a userbuf (an empty one
// included), exactly as the official signers do.
func mac(key string, t Ticket) []byte {
	h := hmac.New(sha256.New, []byte(key))
	h.Write(content(t))
	return h.Sum(nil)
}

// content renders the lines the MAC covers.
func content(t Ticket) []byte {
	buf := make([]byte, 0, 128+len(t.Identifier)+base64.StdEncoding.EncodedLen(len(t.UserBuf)))
	buf = append(buf, "TLS.identifier:"...)
	buf = append(buf, t.Identifier...)
	buf = append(buf, "\nTLS.sdkappid:"...)
	buf = strconv.AppendUint(buf, t.SDKAppID, 10)
	buf = append(buf, "\nTLS.time:"...)
	buf = strconv.AppendInt(buf, t.Time, 10)
	buf = append(buf, "\nTLS.expire:"...)
	buf = strconv.AppendInt(buf, t.Expire, 10)
	buf = append(buf, '\n')
	if t.UserBuf != nil {
		buf = append(buf, "TLS.userbuf:"...)
		buf = base64.StdEncoding.AppendEncode(buf, t.UserBuf)
		buf = append(buf, '\n')
	}
	return buf
}
