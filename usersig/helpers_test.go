package usersig

import (
	"bytes"
	"compress/zlib"
	"errors"
	"testing"
	"time"
)

// The spec's test vector.
const (
	vecAppID   = 1400000000
	vecKey     = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e"
	vecUser    = "xiaojun"
	vecTime    = 1700000000
	vecExpire  = 86400
	vecContent = "TLS.identifier:xiaojun\nTLS.sdkappid:1400000000\nTLS.time:1700000000\nTLS.expire:86400\n"
	vecSig     = "SNF4FmVCPucoXsBOpbVF3fFCf57JPm0ezZ1jeVILlVc="
	vecSigBuf  = "Oab3vXglY45Pcxz+SSjhdxBWuhTAxVhxYLfvVjGhOJ0="
	vecUserSig = "eJyrVgrxCdYrSy1SslJQMtIzUNJRAItkpqTmlWSmZUIkKjIT87NK82CSxSnZiQUFmSlAKUMTAyiAyqVWFGQWpQJlLMxM4IIlmbkgIUNzNMXFmekg44P93EzccsOcA0qT8yOKnfwLksLcjNPcnNNMzb0Ccg1Sq6IMs1LDPH1ywpJtlWoBk68y0A__"
)

func unix(s int64) time.Time { return time.Unix(s, 0) }

// wrap builds a UserSig around an arbitrary JSON document, the way a
// third-party signer would, at the given zlib level.
func wrap(t testing.TB, doc string, level int) string {
	t.Helper()
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, level)
	if err != nil {
		t.Fatal(err)
	}
	zw.Write([]byte(doc))
	zw.Close()
	return encodeSig(buf.Bytes())
}

func wantCode(t testing.TB, err error, code int) {
	t.Helper()
	if err == nil {
		t.Fatalf("got nil error, want code %d", code)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("error %v (%T) is not *Error", err, err)
	}
	if e.Code != code {
		t.Fatalf("got code %d (%v), want %d", e.Code, err, code)
	}
}

func mustOK(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}
