package usersig

import (
	"testing"
	"time"

	tencentyun "github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"
)

func TestGenerateRejects(t *testing.T) {
	now := unix(vecTime)
	for name, gen := range map[string]func() (string, error){
		"empty key":        func() (string, error) { return Generate(vecAppID, "", vecUser, 60, now) },
		"empty identifier": func() (string, error) { return Generate(vecAppID, vecKey, "", 60, now) },
		"invalid utf8":     func() (string, error) { return Generate(vecAppID, vecKey, "a\xffb", 60, now) },
		"negative expire":  func() (string, error) { return Generate(vecAppID, vecKey, vecUser, -1, now) },
	} {
		if s, err := gen(); err == nil {
			t.Errorf("%s: got %q, want error", name, s)
		}
	}
}

// Identifiers that JSON must escape still round-trip, here and through the
// official verifier, because the MAC covers the decoded string.
func TestGenerateEscapedIdentifiers(t *testing.T) {
	now := time.Now()
	for _, id := range []string{`a"b\c`, "<admin>&", "用户", "tab\tnl\n", "\u2028", "e\u0301"} {
		s, err := Generate(vecAppID, vecKey, id, 60, now)
		mustOK(t, err)
		tk, err := Verify(s, vecAppID, vecKey, id, now)
		if err != nil || tk.Identifier != id {
			t.Errorf("%q: ticket %+v, err %v", id, tk, err)
		}
		if err := tencentyun.VerifyUserSig(vecAppID, vecKey, id, s, now); err != nil {
			t.Errorf("%q: oracle: %v", id, err)
		}
	}
}

func TestGenerateZeroExpire(t *testing.T) {
	s, err := Generate(vecAppID, vecKey, vecUser, 0, unix(vecTime))
	mustOK(t, err)
	_, err = Verify(s, vecAppID, vecKey, vecUser, unix(vecTime))
	mustOK(t, err)
	_, err = Verify(s, vecAppID, vecKey, vecUser, unix(vecTime+1))
	wantCode(t, err, CodeExpired)
}

// Sub-second precision in now is truncated, never rounded up, for both the
// issue time and the expiry comparison.
func TestWholeSeconds(t *testing.T) {
	issued := time.Unix(vecTime, 999_999_999)
	s, err := Generate(vecAppID, vecKey, vecUser, 10, issued)
	mustOK(t, err)
	tk, err := Verify(s, vecAppID, vecKey, vecUser, time.Unix(vecTime+10, 999_999_999))
	mustOK(t, err)
	if tk.Time != vecTime {
		t.Errorf("Time = %d", tk.Time)
	}
}
