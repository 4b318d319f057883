package usersig

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"testing"
)

func TestVectorContentAndMAC(t *testing.T) {
	tk := Ticket{Identifier: vecUser, SDKAppID: vecAppID, Time: vecTime, Expire: vecExpire}
	if got := base64.StdEncoding.EncodeToString(mac(vecKey, tk)); got != vecSig {
		t.Errorf("TLS.sig = %s, want %s", got, vecSig)
	}
	tk.UserBuf = []byte("abc")
	if got := base64.StdEncoding.EncodeToString(mac(vecKey, tk)); got != vecSigBuf {
		t.Errorf("TLS.sig with userbuf = %s, want %s", got, vecSigBuf)
	}
}

func TestVectorContentLiteral(t *testing.T) {
	tk := Ticket{Identifier: vecUser, SDKAppID: vecAppID, Time: vecTime, Expire: vecExpire}
	if got := string(content(tk)); got != vecContent {
		t.Errorf("content = %q, want %q", got, vecContent)
	}
	tk.UserBuf = []byte("abc")
	if got, want := string(content(tk)), vecContent+"TLS.userbuf:YWJj\n"; got != want {
		t.Errorf("content = %q, want %q", got, want)
	}
	// Pin the spec's literal to its sig with a bare HMAC, independent of mac.
	h := hmac.New(sha256.New, []byte(vecKey))
	h.Write([]byte(vecContent))
	if got := base64.StdEncoding.EncodeToString(h.Sum(nil)); got != vecSig {
		t.Errorf("HMAC(content) = %s, want %s", got, vecSig)
	}
}

func TestVectorFullUserSig(t *testing.T) {
	tk, err := Verify(vecUserSig, vecAppID, vecKey, vecUser, unix(1700000100))
	mustOK(t, err)
	want := Ticket{Identifier: vecUser, SDKAppID: vecAppID, Time: vecTime, Expire: vecExpire}
	if tk.Identifier != want.Identifier || tk.SDKAppID != want.SDKAppID || tk.Time != want.Time || tk.Expire != want.Expire || tk.UserBuf != nil {
		t.Fatalf("ticket = %+v, want %+v", tk, want)
	}
	if got := tk.ExpiresAt().Unix(); got != vecTime+vecExpire {
		t.Errorf("ExpiresAt = %d", got)
	}

	// Valid through the whole second Time+Expire, expired one second later.
	_, err = Verify(vecUserSig, vecAppID, vecKey, vecUser, unix(vecTime+vecExpire))
	mustOK(t, err)
	_, err = Verify(vecUserSig, vecAppID, vecKey, vecUser, unix(1700086401))
	wantCode(t, err, CodeExpired)
}

func TestVectorWithUserBufRoundTrip(t *testing.T) {
	s, err := GenerateWithUserBuf(vecAppID, vecKey, vecUser, vecExpire, []byte("abc"), unix(vecTime))
	mustOK(t, err)
	doc := inflateForTest(t, s)
	if !bytes.Contains(doc, []byte(`"TLS.sig":"`+vecSigBuf+`"`)) {
		t.Errorf("document %s lacks expected TLS.sig", doc)
	}
	if !bytes.Contains(doc, []byte(`"TLS.userbuf":"YWJj"`)) {
		t.Errorf("document %s lacks expected TLS.userbuf", doc)
	}
	tk, err := Verify(s, vecAppID, vecKey, vecUser, unix(vecTime+1))
	mustOK(t, err)
	if string(tk.UserBuf) != "abc" {
		t.Errorf("UserBuf = %q", tk.UserBuf)
	}
}

func TestGenerateMatchesVector(t *testing.T) {
	s, err := Generate(vecAppID, vecKey, vecUser, vecExpire, unix(vecTime))
	mustOK(t, err)
	want := `{"TLS.ver":"2.0","TLS.identifier":"xiaojun","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"` + vecSig + `"}`
	if got := string(inflateForTest(t, s)); got != want {
		t.Errorf("document\n got %s\nwant %s", got, want)
	}
	for _, c := range s {
		if c == '+' || c == '/' || c == '=' {
			t.Fatalf("sig %q contains standard base64 character %q", s, c)
		}
	}
}

func inflateForTest(t *testing.T, s string) []byte {
	t.Helper()
	raw, err := decodeSig(s)
	mustOK(t, err)
	doc, err := inflate(raw)
	mustOK(t, err)
	return doc
}
