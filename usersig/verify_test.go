package usersig

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// pyDoc is the spec vector as Python's json.dumps writes it.
const pyDoc = `{"TLS.ver": "2.0", "TLS.identifier": "xiaojun", "TLS.sdkappid": 1400000000, "TLS.expire": 86400, "TLS.time": 1700000000, "TLS.sig": "` + vecSig + `"}`

func verifyDoc(t *testing.T, doc string, level int) (Ticket, error) {
	t.Helper()
	return Verify(wrap(t, doc, level), vecAppID, vecKey, vecUser, unix(vecTime+100))
}

func TestLayoutIndependence(t *testing.T) {
	docs := map[string]string{
		"python separators":   pyDoc,
		"alphabetical keys":   `{"TLS.expire":86400,"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.sig":"` + vecSig + `","TLS.time":1700000000,"TLS.ver":"2.0"}`,
		"python alphabetical": `{"TLS.expire": 86400, "TLS.identifier": "xiaojun", "TLS.sdkappid": 1400000000, "TLS.sig": "` + vecSig + `", "TLS.time": 1700000000, "TLS.ver": "2.0"}`,
		"trailing newline":    `{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}` + "\n",
		"pretty printed":      "{\n  \"TLS.sig\" : \"" + vecSig + "\",\r\n\t\"TLS.time\" : 1700000000 ,\n  \"TLS.expire\":86400,\"TLS.sdkappid\":1400000000,\"TLS.identifier\":\"xiaojun\"\n}\n\n",
		"no ver":              `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}`,
		"other ver":           `{"TLS.ver":"9.9","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}`,
		"numbers as strings":  `{"TLS.identifier":"xiaojun","TLS.sdkappid":"1400000000","TLS.expire":"86400","TLS.time":"1700000000","TLS.sig":"` + vecSig + `"}`,
		"escaped identifier":  `{"TLS.identifier":"xiao\u006aun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}`,
		"unpadded sig":        `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"` + strings.TrimRight(vecSig, "=") + `"}`,
		"unknown extra field": `{"TLS.identifier":"xiaojun","X":[1,{"a":null}],"TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}`,
		"null userbuf":        `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.userbuf":null,"TLS.sig":"` + vecSig + `"}`,
	}
	levels := []int{zlib.NoCompression, zlib.BestSpeed, zlib.DefaultCompression, zlib.BestCompression, zlib.HuffmanOnly}
	for name, doc := range docs {
		for _, level := range levels {
			tk, err := verifyDoc(t, doc, level)
			if err != nil {
				t.Errorf("%s at level %d: %v", name, level, err)
				continue
			}
			if tk.Identifier != vecUser || tk.SDKAppID != vecAppID || tk.Time != vecTime || tk.Expire != vecExpire || tk.UserBuf != nil {
				t.Errorf("%s at level %d: ticket %+v", name, level, tk)
			}
		}
	}
}

func TestUserBufLayouts(t *testing.T) {
	for name, doc := range map[string]string{
		"python": `{"TLS.ver": "2.0", "TLS.identifier": "xiaojun", "TLS.sdkappid": 1400000000, "TLS.expire": 86400, "TLS.time": 1700000000, "TLS.userbuf": "YWJj", "TLS.sig": "` + vecSigBuf + `"}`,
		"first":  `{"TLS.userbuf":"YWJj","TLS.sig":"` + vecSigBuf + `","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000}`,
	} {
		tk, err := verifyDoc(t, doc, 9)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if string(tk.UserBuf) != "abc" {
			t.Errorf("%s: UserBuf %q", name, tk.UserBuf)
		}
	}

	// Dropping the userbuf from a sig that signed one, or adding one to a sig
	// that did not, must break the MAC.
	_, err := verifyDoc(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"`+vecSigBuf+`"}`, 6)
	wantCode(t, err, CodeWrongKey)
	_, err = verifyDoc(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.userbuf":"YWJj","TLS.sig":"`+vecSig+`"}`, 6)
	wantCode(t, err, CodeWrongKey)
	_, err = verifyDoc(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.userbuf":"","TLS.sig":"`+vecSig+`"}`, 6)
	wantCode(t, err, CodeWrongKey)
}

func TestErrorCodes(t *testing.T) {
	good := wrap(t, pyDoc, 6)
	now := unix(vecTime + 100)
	docWithout := func(drop string) string {
		fields := []string{
			`"TLS.identifier":"xiaojun"`, `"TLS.sdkappid":1400000000`,
			`"TLS.expire":86400`, `"TLS.time":1700000000`, `"TLS.sig":"` + vecSig + `"`,
		}
		var kept []string
		for _, f := range fields {
			if !strings.HasPrefix(f, `"`+drop+`"`) {
				kept = append(kept, f)
			}
		}
		return "{" + strings.Join(kept, ",") + "}"
	}
	deflated := func(level int) string {
		var b bytes.Buffer
		zw, _ := zlib.NewWriterLevel(&b, level)
		zw.Write([]byte(pyDoc))
		zw.Close()
		return encodeSig(b.Bytes())
	}
	truncated := deflated(6)
	truncated = encodeSig(mustDecode(t, truncated)[:20])
	corrupted := mustDecode(t, deflated(0))
	corrupted[len(corrupted)-1] ^= 1 // Adler-32 trailer

	cases := []struct {
		name         string
		sig, key, id string
		app          uint64
		code         int
	}{
		{"empty", "", vecKey, vecUser, vecAppID, CodeEmpty},
		{"garbage base64", "!!!not base64!!!", vecKey, vecUser, vecAppID, CodeMalformed},
		{"base64 bad length", "eJyrV", vecKey, vecUser, vecAppID, CodeMalformed},
		{"not zlib", encodeSig([]byte(pyDoc)), vecKey, vecUser, vecAppID, CodeMalformed},
		{"raw deflate without zlib header", encodeSig(mustDecode(t, good)[2:]), vecKey, vecUser, vecAppID, CodeMalformed},
		{"truncated zlib", truncated, vecKey, vecUser, vecAppID, CodeMalformed},
		{"bad adler32", encodeSig(corrupted), vecKey, vecUser, vecAppID, CodeMalformed},
		{"too long", strings.Repeat("A", maxSigLen+4), vecKey, vecUser, vecAppID, CodeMalformed},
		{"not json", wrap(t, "TLS.identifier:xiaojun", 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"json array", wrap(t, `["TLS.identifier"]`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"json null", wrap(t, `null`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"truncated json", wrap(t, pyDoc[:len(pyDoc)-1], 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"trailing junk json", wrap(t, pyDoc+"x", 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"empty doc", wrap(t, "", 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"missing identifier", wrap(t, docWithout("TLS.identifier"), 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"missing sdkappid", wrap(t, docWithout("TLS.sdkappid"), 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"missing time", wrap(t, docWithout("TLS.time"), 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"missing sig", wrap(t, docWithout("TLS.sig"), 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"identifier number", wrap(t, `{"TLS.identifier":7,"TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"sdkappid negative", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":-1,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"sdkappid float", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1.4e9,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"time bool", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":true,"TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"time overflow", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":99999999999999999999,"TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"expire string junk", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":"1d","TLS.time":1700000000,"TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"sig not base64", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"%%%"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"sig number", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":5}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"userbuf not base64", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.userbuf":"#","TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"userbuf array", wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.userbuf":[1],"TLS.sig":"`+vecSig+`"}`, 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"key case differs", wrap(t, strings.Replace(pyDoc, "TLS.identifier", "tls.identifier", 1), 6), vecKey, vecUser, vecAppID, CodeInvalid},
		{"wrong sdkappid", good, vecKey, vecUser, vecAppID + 1, CodeSDKAppIDMismatch},
		{"wrong identifier", good, vecKey, "xiaojun ", vecAppID, CodeIdentifierMismatch},
		{"identifier case", good, vecKey, "Xiaojun", vecAppID, CodeIdentifierMismatch},
		{"wrong key", good, vecKey[:63] + "f", vecUser, vecAppID, CodeWrongKey},
		{"empty key", good, "", vecUser, vecAppID, CodeWrongKey},
		{"hex-decoded key", good, string(mustHex(t, vecKey)), vecUser, vecAppID, CodeWrongKey},
		{"tampered expire", wrap(t, strings.Replace(pyDoc, "86400", "86401", 1), 6), vecKey, vecUser, vecAppID, CodeWrongKey},
		{"tampered time", wrap(t, strings.Replace(pyDoc, "1700000000,", "1700000001,", 1), 6), vecKey, vecUser, vecAppID, CodeWrongKey},
		{"short sig", wrap(t, strings.Replace(pyDoc, vecSig, "AAAA", 1), 6), vecKey, vecUser, vecAppID, CodeWrongKey},
		{"missing expire means expired", wrap(t, docWithout("TLS.expire"), 6), vecKey, vecUser, vecAppID, CodeWrongKey},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Verify(c.sig, c.app, c.key, c.id, now)
			wantCode(t, err, c.code)
		})
	}
}

// Without TLS.expire the ticket has zero lifetime: the MAC is over
// "TLS.expire:0", and once signed that way it is expired a second later.
func TestMissingExpireIsZero(t *testing.T) {
	tk := Ticket{Identifier: vecUser, SDKAppID: vecAppID, Time: vecTime}
	sig := base64.StdEncoding.EncodeToString(mac(vecKey, tk))
	s := wrap(t, `{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.time":1700000000,"TLS.sig":"`+sig+`"}`, 6)
	got, err := Verify(s, vecAppID, vecKey, vecUser, unix(vecTime))
	mustOK(t, err)
	if got.Expire != 0 {
		t.Errorf("Expire = %d", got.Expire)
	}
	_, err = Verify(s, vecAppID, vecKey, vecUser, unix(vecTime+1))
	wantCode(t, err, CodeExpired)
}

// The documented precedence: sdkappid before identifier before MAC before
// expiry.
func TestCheckOrder(t *testing.T) {
	late := unix(vecTime + vecExpire + 1)
	_, err := Verify(vecUserSig, vecAppID+1, "wrong", "nobody", late)
	wantCode(t, err, CodeSDKAppIDMismatch)
	_, err = Verify(vecUserSig, vecAppID, "wrong", "nobody", late)
	wantCode(t, err, CodeIdentifierMismatch)
	_, err = Verify(vecUserSig, vecAppID, "wrong", vecUser, late)
	wantCode(t, err, CodeWrongKey)
	_, err = Verify(vecUserSig, vecAppID, vecKey, vecUser, late)
	wantCode(t, err, CodeExpired)
}

func TestZlibBomb(t *testing.T) {
	// 16 MiB of spaces inside valid JSON compresses to ~16 KiB.
	doc := `{"TLS.identifier":"xiaojun",` + strings.Repeat(" ", 16<<20) + `"TLS.sdkappid":1}`
	s := wrap(t, doc, 9)
	if len(s) > maxSigLen {
		t.Fatalf("bomb is %d bytes, would be rejected before inflating", len(s))
	}
	_, err := Verify(s, vecAppID, vecKey, vecUser, unix(vecTime))
	wantCode(t, err, CodeMalformed)

	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	Verify(s, vecAppID, vecKey, vecUser, unix(vecTime))
	runtime.ReadMemStats(&after)
	if n := after.TotalAlloc - before.TotalAlloc; n > 2<<20 {
		t.Errorf("rejecting the bomb allocated %d bytes", n)
	}

	// Just over the cap is rejected, just under is parsed (and then fails as
	// JSON only because the filler makes it a non-object).
	over := wrap(t, strings.Repeat(" ", maxInflated+1), 9)
	_, err = Verify(over, vecAppID, vecKey, vecUser, unix(vecTime))
	wantCode(t, err, CodeMalformed)
	under := wrap(t, strings.Repeat(" ", maxInflated), 9)
	_, err = Verify(under, vecAppID, vecKey, vecUser, unix(vecTime))
	wantCode(t, err, CodeInvalid)
}

func TestParse(t *testing.T) {
	tk, err := Parse(vecUserSig)
	mustOK(t, err)
	if tk.Identifier != vecUser || tk.SDKAppID != vecAppID || tk.Time != vecTime || tk.Expire != vecExpire {
		t.Errorf("ticket = %+v", tk)
	}
	// Parse ignores the signature: a forged document still parses.
	forged := wrap(t, strings.Replace(pyDoc, vecSig, "AAAA", 1), 0)
	_, err = Parse(forged)
	mustOK(t, err)

	_, err = Parse("")
	wantCode(t, err, CodeEmpty)
	_, err = Parse("@@@@")
	wantCode(t, err, CodeMalformed)
	_, err = Parse(wrap(t, "{}", 6))
	wantCode(t, err, CodeInvalid)
}

func TestErrorString(t *testing.T) {
	_, err := Verify("", 1, "k", "u", unix(0))
	var e *Error
	if !errors.As(err, &e) || !strings.HasPrefix(e.Error(), "70002 ") {
		t.Errorf("Error() = %q", err)
	}
}

func TestExpiresAtSaturates(t *testing.T) {
	tk := Ticket{Time: 1 << 62, Expire: 1 << 62}
	if tk.expiredAt(unix(1 << 40)) {
		t.Error("overflowing lifetime must not wrap into the past")
	}
	tk = Ticket{Time: -(1 << 62), Expire: -(1 << 62) - 10}
	if !tk.expiredAt(unix(0)) {
		t.Error("underflowing lifetime must not wrap into the future")
	}
}

func mustDecode(t *testing.T, s string) []byte {
	t.Helper()
	b, err := decodeSig(s)
	mustOK(t, err)
	return b
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	mustOK(t, err)
	return b
}

// A ticket genuinely signed with an empty key is refused even when the app's
// configured key is empty too: such a ticket is forgeable by anyone.
func TestEmptyKeyNeverVerifies(t *testing.T) {
	tk := Ticket{Identifier: vecUser, SDKAppID: vecAppID, Time: vecTime, Expire: vecExpire}
	sig := base64.StdEncoding.EncodeToString(mac("", tk))
	s := wrap(t, strings.Replace(pyDoc, vecSig, sig, 1), 6)
	_, err := Verify(s, vecAppID, "", vecUser, unix(vecTime))
	wantCode(t, err, CodeWrongKey)
	_, err = NewVerifier(4).Verify(s, vecAppID, "", vecUser, unix(vecTime))
	wantCode(t, err, CodeWrongKey)
}
