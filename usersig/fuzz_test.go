package usersig

import (
	"bytes"
	"errors"
	"testing"
)

var knownCodes = map[int]bool{
	CodeExpired: true, CodeEmpty: true, CodeMalformed: true, CodeInvalid: true,
	CodeWrongKey: true, CodeIdentifierMismatch: true, CodeSDKAppIDMismatch: true,
}

var fuzzVerifier = NewVerifier(16)

// FuzzVerify feeds both raw sig strings and JSON documents (wrapped into a
// sig here, since random bytes rarely survive zlib) through every entry
// point, checking that errors are always *Error with a known code and that
// Parse, Verify and the cached Verifier agree.
func FuzzVerify(f *testing.F) {
	valid, _ := Generate(vecAppID, vecKey, vecUser, vecExpire, unix(vecTime))
	withBuf, _ := GenerateWithUserBuf(vecAppID, vecKey, vecUser, vecExpire, []byte("abc"), unix(vecTime))
	for _, s := range []string{
		vecUserSig, valid, withBuf, "", "_", "*-_", "eJyrVgrxCdYrSy1SslJQ", "!!!",
		vecUserSig[:len(vecUserSig)-4], encodeSig([]byte(pyDoc)),
	} {
		f.Add(s, []byte(nil))
	}
	for _, d := range []string{
		pyDoc,
		`{"TLS.identifier":"xiaojun","TLS.sdkappid":"1400000000","TLS.expire":"86400","TLS.time":"1700000000","TLS.sig":"` + vecSig + `"}`,
		`{"TLS.userbuf":"YWJj","TLS.sig":"` + vecSigBuf + `","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000}`,
		`{"TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}`,
		`{"TLS.identifier":null,"TLS.sdkappid":-1,"TLS.time":1e3,"TLS.userbuf":"","TLS.sig":""}`,
		`[]`, `null`, `{`, "",
	} {
		f.Add("", []byte(d))
	}

	f.Fuzz(func(t *testing.T, sig string, doc []byte) {
		check(t, sig)
		if doc != nil {
			check(t, wrap(t, string(doc), 0))
			check(t, wrap(t, string(doc), 6))
		}
	})
}

func check(t *testing.T, sig string) {
	now := unix(vecTime + 100)
	pt, perr := Parse(sig)
	vt, verr := Verify(sig, vecAppID, vecKey, vecUser, now)
	ct, cerr := fuzzVerifier.Verify(sig, vecAppID, vecKey, vecUser, now)
	for _, err := range []error{perr, verr, cerr} {
		if err == nil {
			continue
		}
		var e *Error
		if !errors.As(err, &e) || !knownCodes[e.Code] {
			t.Fatalf("sig %q: error %v (%T) is not a known *Error", sig, err, err)
		}
	}
	if perr != nil && (verr == nil || code(verr) != code(perr)) {
		t.Fatalf("sig %q: Parse %v but Verify %v", sig, perr, verr)
	}
	if (verr == nil) != (cerr == nil) || (verr != nil && code(verr) != code(cerr)) {
		t.Fatalf("sig %q: Verify %v but Verifier %v", sig, verr, cerr)
	}
	if verr != nil {
		return
	}
	if !sameTicket(vt, pt) || !sameTicket(vt, ct) {
		t.Fatalf("sig %q: tickets differ: %+v %+v %+v", sig, pt, vt, ct)
	}
	if vt.SDKAppID != vecAppID || vt.Identifier != vecUser || vt.expiredAt(now) {
		t.Fatalf("sig %q: accepted ticket %+v", sig, vt)
	}
	// Anything accepted must re-sign to the same MAC: a success can only come
	// from the test key.
	if _, claimed, err := decode(sig); err != nil || !bytes.Equal(mac(vecKey, vt), claimed) {
		t.Fatalf("sig %q: accepted without a matching MAC", sig)
	}
}

func code(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return -1
}

func sameTicket(a, b Ticket) bool {
	return a.Identifier == b.Identifier && a.SDKAppID == b.SDKAppID && a.Time == b.Time &&
		a.Expire == b.Expire && bytes.Equal(a.UserBuf, b.UserBuf) && (a.UserBuf == nil) == (b.UserBuf == nil)
}
