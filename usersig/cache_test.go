package usersig

import (
	"fmt"
	"sync"
	"testing"
)

func genAt(t testing.TB, id string, issued, expire int64) string {
	t.Helper()
	s, err := Generate(vecAppID, vecKey, id, expire, unix(issued))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (v *Verifier) cached(sig string, sdkAppID uint64, key, identifier string) bool {
	v.mu.RLock()
	defer v.mu.RUnlock()
	_, ok := v.entries[cacheKey{sig: sig, key: key, identifier: identifier, sdkAppID: sdkAppID}]
	return ok
}

func TestVerifierHitStillEnforcesExpiry(t *testing.T) {
	v := NewVerifier(8)
	s := genAt(t, vecUser, vecTime, 10)

	_, err := v.Verify(s, vecAppID, vecKey, vecUser, unix(vecTime))
	mustOK(t, err)
	if !v.cached(s, vecAppID, vecKey, vecUser) {
		t.Fatal("successful verification was not cached")
	}
	tk, err := v.Verify(s, vecAppID, vecKey, vecUser, unix(vecTime+10)) // hit, last valid second
	mustOK(t, err)
	if tk.Identifier != vecUser || tk.Expire != 10 {
		t.Errorf("cached ticket = %+v", tk)
	}
	_, err = v.Verify(s, vecAppID, vecKey, vecUser, unix(vecTime+11)) // hit, expired
	wantCode(t, err, CodeExpired)
	if v.cached(s, vecAppID, vecKey, vecUser) {
		t.Error("expired entry was kept")
	}
	// Expired stays expired on the miss path too.
	_, err = v.Verify(s, vecAppID, vecKey, vecUser, unix(vecTime+11))
	wantCode(t, err, CodeExpired)
}

func TestVerifierCachedSigUnderOtherParams(t *testing.T) {
	v := NewVerifier(8)
	s := genAt(t, vecUser, vecTime, 100)
	now := unix(vecTime + 1)
	_, err := v.Verify(s, vecAppID, vecKey, vecUser, now)
	mustOK(t, err)

	for i := 0; i < 2; i++ { // second round: nothing from round one may help
		_, err = v.Verify(s, vecAppID, vecKey+"0", vecUser, now)
		wantCode(t, err, CodeWrongKey)
		_, err = v.Verify(s, vecAppID, "", vecUser, now)
		wantCode(t, err, CodeWrongKey)
		_, err = v.Verify(s, vecAppID, vecKey, "someone", now)
		wantCode(t, err, CodeIdentifierMismatch)
		_, err = v.Verify(s, vecAppID+1, vecKey, vecUser, now)
		wantCode(t, err, CodeSDKAppIDMismatch)
	}
	// Failures are not cached; only the one good entry exists.
	if n := len(v.entries); n != 1 {
		t.Errorf("%d entries, want 1", n)
	}
	_, err = v.Verify(s, vecAppID, vecKey, vecUser, now)
	mustOK(t, err)
}

func TestVerifierErrorsMatchVerify(t *testing.T) {
	v := NewVerifier(4)
	for _, sig := range []string{"", "!!", encodeSig([]byte("x")), wrap(t, "{}", 6)} {
		_, want := Verify(sig, vecAppID, vecKey, vecUser, unix(vecTime))
		_, got := v.Verify(sig, vecAppID, vecKey, vecUser, unix(vecTime))
		if got == nil || got.Error() != want.Error() {
			t.Errorf("sig %q: Verifier %v, Verify %v", sig, got, want)
		}
	}
}

func TestVerifierBoundedAndConsistent(t *testing.T) {
	const capacity = 5
	v := NewVerifier(capacity)
	var sigs []string
	for i := range 50 {
		id := fmt.Sprintf("u%d", i)
		s := genAt(t, id, vecTime, 100)
		sigs = append(sigs, s)
		_, err := v.Verify(s, vecAppID, vecKey, id, unix(vecTime))
		mustOK(t, err)
		checkInvariants(t, v, capacity)
	}
	// Everything still verifies after eviction, via the slow path.
	for i, s := range sigs {
		_, err := v.Verify(s, vecAppID, vecKey, fmt.Sprintf("u%d", i), unix(vecTime))
		mustOK(t, err)
	}
	checkInvariants(t, v, capacity)
}

func checkInvariants(t *testing.T, v *Verifier, capacity int) {
	t.Helper()
	v.mu.RLock()
	defer v.mu.RUnlock()
	if len(v.entries) > capacity || len(v.ring) > capacity {
		t.Fatalf("%d entries, %d slots, capacity %d", len(v.entries), len(v.ring), capacity)
	}
	live := 0
	for i, e := range v.ring {
		if e == nil {
			continue
		}
		live++
		if e.slot != i || v.entries[e.key] != e {
			t.Fatalf("slot %d inconsistent", i)
		}
	}
	if live != len(v.entries) {
		t.Fatalf("%d live slots, %d entries", live, len(v.entries))
	}
}

// A recently hit entry gets a second chance over one never hit again.
func TestVerifierSecondChance(t *testing.T) {
	v := NewVerifier(2)
	a, b, c := genAt(t, "a", vecTime, 100), genAt(t, "b", vecTime, 100), genAt(t, "c", vecTime, 100)
	now := unix(vecTime)
	for _, p := range []struct{ sig, id string }{{a, "a"}, {b, "b"}, {a, "a"}, {c, "c"}} {
		_, err := v.Verify(p.sig, vecAppID, vecKey, p.id, now)
		mustOK(t, err)
	}
	if !v.cached(a, vecAppID, vecKey, "a") || v.cached(b, vecAppID, vecKey, "b") || !v.cached(c, vecAppID, vecKey, "c") {
		t.Errorf("want a and c cached, b evicted")
	}
}

func TestVerifierExpiredSlotReused(t *testing.T) {
	v := NewVerifier(2)
	short := genAt(t, "s", vecTime, 1)
	_, err := v.Verify(short, vecAppID, vecKey, "s", unix(vecTime))
	mustOK(t, err)
	_, err = v.Verify(short, vecAppID, vecKey, "s", unix(vecTime+2))
	wantCode(t, err, CodeExpired)
	for _, id := range []string{"x", "y", "z"} {
		_, err := v.Verify(genAt(t, id, vecTime, 100), vecAppID, vecKey, id, unix(vecTime))
		mustOK(t, err)
		checkInvariants(t, v, 2)
	}
}

func TestVerifierUserBufNotShared(t *testing.T) {
	v := NewVerifier(2)
	s, err := GenerateWithUserBuf(vecAppID, vecKey, vecUser, 100, []byte("abc"), unix(vecTime))
	mustOK(t, err)
	for range 3 {
		tk, err := v.Verify(s, vecAppID, vecKey, vecUser, unix(vecTime))
		mustOK(t, err)
		if string(tk.UserBuf) != "abc" {
			t.Fatalf("UserBuf = %q", tk.UserBuf)
		}
		tk.UserBuf[0] = 'X'
	}
}

func TestVerifierDisabled(t *testing.T) {
	for _, capacity := range []int{0, -3} {
		v := NewVerifier(capacity)
		_, err := v.Verify(vecUserSig, vecAppID, vecKey, vecUser, unix(vecTime))
		mustOK(t, err)
		if len(v.entries) != 0 {
			t.Errorf("capacity %d cached something", capacity)
		}
	}
	var zero Verifier
	_, err := zero.Verify(vecUserSig, vecAppID, vecKey, vecUser, unix(vecTime))
	mustOK(t, err)
}

func TestVerifierConcurrent(t *testing.T) {
	v := NewVerifier(8)
	const users = 24
	sigs := make([]string, users)
	for i := range sigs {
		sigs[i] = genAt(t, fmt.Sprintf("u%d", i), vecTime, 100)
	}
	var wg sync.WaitGroup
	for g := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 300 {
				n := (g*7 + i) % users
				id := fmt.Sprintf("u%d", n)
				switch i % 5 {
				case 0:
					if _, err := v.Verify(sigs[n], vecAppID, "bad", id, unix(vecTime)); err == nil {
						t.Error("wrong key accepted")
					}
				case 1:
					if _, err := v.Verify(sigs[n], vecAppID, vecKey, id, unix(vecTime+101)); err == nil {
						t.Error("expired sig accepted")
					}
				default:
					tk, err := v.Verify(sigs[n], vecAppID, vecKey, id, unix(vecTime+int64(i%50)))
					if err != nil || tk.Identifier != id {
						t.Errorf("u%d: %+v %v", n, tk, err)
					}
				}
			}
		}()
	}
	wg.Wait()
	checkInvariants(t, v, 8)
}
