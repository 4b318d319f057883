package usersig

import (
	"testing"
	"time"

	tencentyun "github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"
)

// Tencent's official Go signer is the independent oracle. It stamps
// time.Now() itself, so these tests verify against the real clock.

func TestOracleSignsWeVerify(t *testing.T) {
	s, err := tencentyun.GenUserSig(vecAppID, vecKey, vecUser, 3600)
	mustOK(t, err)
	now := time.Now()
	tk, err := Verify(s, vecAppID, vecKey, vecUser, now)
	mustOK(t, err)
	if tk.Expire != 3600 || tk.UserBuf != nil || now.Unix()-tk.Time > 60 {
		t.Errorf("ticket = %+v", tk)
	}

	_, err = Verify(s, vecAppID, vecKey+"x", vecUser, now)
	wantCode(t, err, CodeWrongKey)
	_, err = Verify(s, vecAppID, vecKey, "xiaojun2", now)
	wantCode(t, err, CodeIdentifierMismatch)
	_, err = Verify(s, vecAppID+1, vecKey, vecUser, now)
	wantCode(t, err, CodeSDKAppIDMismatch)
	_, err = Verify(s, vecAppID, vecKey, vecUser, now.Add(3601*time.Second))
	wantCode(t, err, CodeExpired)
}

func TestOracleSignsWithBufWeVerify(t *testing.T) {
	buf := []byte{0, 1, 2, 0xfe, 0xff, 'x'}
	s, err := tencentyun.GenUserSigWithBuf(vecAppID, vecKey, vecUser, 3600, buf)
	mustOK(t, err)
	tk, err := Verify(s, vecAppID, vecKey, vecUser, time.Now())
	mustOK(t, err)
	if string(tk.UserBuf) != string(buf) {
		t.Errorf("UserBuf = %x, want %x", tk.UserBuf, buf)
	}
	_, err = Verify(s, vecAppID, "other", vecUser, time.Now())
	wantCode(t, err, CodeWrongKey)
}

// PrivateMapKey is a UserSig whose userbuf is TRTC's binary permission blob;
// it exercises a realistic, longer userbuf.
func TestOraclePrivateMapKeyWeVerify(t *testing.T) {
	s, err := tencentyun.GenPrivateMapKeyWithStringRoomID(vecAppID, vecKey, vecUser, 600, "room-42", 255)
	mustOK(t, err)
	tk, err := Verify(s, vecAppID, vecKey, vecUser, time.Now())
	mustOK(t, err)
	if len(tk.UserBuf) == 0 {
		t.Error("expected a userbuf")
	}
}

func TestWeSignOracleVerifies(t *testing.T) {
	now := time.Now()
	s, err := Generate(vecAppID, vecKey, vecUser, 3600, now)
	mustOK(t, err)
	mustOK(t, tencentyun.VerifyUserSig(vecAppID, vecKey, vecUser, s, now))
	if err := tencentyun.VerifyUserSig(vecAppID, vecKey+"x", vecUser, s, now); err != tencentyun.ErrSigNotMatch {
		t.Errorf("oracle with wrong key: %v", err)
	}
	if err := tencentyun.VerifyUserSig(vecAppID, vecKey, vecUser, s, now.Add(3601*time.Second)); err != tencentyun.ErrExpired {
		t.Errorf("oracle after expiry: %v", err)
	}

	buf := []byte("\x00binary\xff")
	s, err = GenerateWithUserBuf(vecAppID, vecKey, vecUser, 3600, buf, now)
	mustOK(t, err)
	mustOK(t, tencentyun.VerifyUserSigWithBuf(vecAppID, vecKey, vecUser, s, now, buf))

	// A present-but-empty userbuf is signed and emitted; the oracle accepts
	// it when told to expect an empty userbuf.
	s, err = GenerateWithUserBuf(vecAppID, vecKey, vecUser, 3600, []byte{}, now)
	mustOK(t, err)
	mustOK(t, tencentyun.VerifyUserSigWithBuf(vecAppID, vecKey, vecUser, s, now, []byte{}))
	tk, err := Verify(s, vecAppID, vecKey, vecUser, now)
	mustOK(t, err)
	if tk.UserBuf == nil || len(tk.UserBuf) != 0 {
		t.Errorf("UserBuf = %#v, want empty non-nil", tk.UserBuf)
	}
}

// Documents an upstream quirk rather than our behaviour: the official signer
// signs an empty userbuf but omits it from the JSON, so nobody can verify
// the result. We must reject it too (70009), not accept it as userbuf-less.
func TestOracleEmptyUserBufIsUnverifiable(t *testing.T) {
	s, err := tencentyun.GenUserSigWithBuf(vecAppID, vecKey, vecUser, 3600, []byte{})
	mustOK(t, err)
	_, err = Verify(s, vecAppID, vecKey, vecUser, time.Now())
	wantCode(t, err, CodeWrongKey)
	if tencentyun.VerifyUserSigWithBuf(vecAppID, vecKey, vecUser, s, time.Now(), []byte{}) == nil {
		t.Error("oracle unexpectedly verifies its own empty-userbuf sig; quirk fixed upstream?")
	}
}

// The spec's full sample (Python layout, level 6) verifies with the oracle
// as well, confirming the vector is not tuned to this implementation.
func TestOracleVerifiesSpecVector(t *testing.T) {
	mustOK(t, tencentyun.VerifyUserSig(vecAppID, vecKey, vecUser, vecUserSig, unix(1700000100)))
}
