package usersig

import (
	"crypto/hmac"
	"time"
)

// Verify checks sig for the given app, key and identifier at time now and
// returns its ticket. All errors are *Error carrying Tencent's code.
//
// The checks run in Tencent's documented precedence (empty, undecodable,
// sdkappid, identifier, signature, expiry) so that clients see the same code
// Tencent would give them. The signature is checked before expiry so that an
// unauthenticated document never gets to report anything about itself
// beyond its claimed identity.
func Verify(sig string, sdkAppID uint64, key, identifier string, now time.Time) (Ticket, error) {
	t, claimed, err := decode(sig)
	if err != nil {
		return Ticket{}, err
	}
	if t.SDKAppID != sdkAppID {
		return Ticket{}, errSDKAppIDMismatch()
	}
	if t.Identifier != identifier {
		return Ticket{}, errIdentifierMismatch()
	}
	// A misconfigured app with an empty secret must not accept tickets
	// anyone could have signed.
	if key == "" || !hmac.Equal(mac(key, t), claimed) {
		return Ticket{}, errWrongKey()
	}
	if t.expiredAt(now) {
		return Ticket{}, errExpired()
	}
	return t, nil
}
