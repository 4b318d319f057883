package usersig

import (
	"math"
	"time"
)

// Ticket is the decoded content of a UserSig.
type Ticket struct {
	Identifier string
	SDKAppID   uint64
	Time       int64  // unix seconds, issue time
	Expire     int64  // seconds of validity
	UserBuf    []byte // nil when absent
}

// ExpiresAt is the last instant at which the ticket is still accepted: the
// check is inclusive, matching Tencent's verifier.
func (t Ticket) ExpiresAt() time.Time { return time.Unix(t.expiresAtUnix(), 0) }

// expiresAtUnix saturates rather than wrapping, because both fields come from
// the signed document and a wrapped sum would flip a ticket minted with an
// absurd lifetime between "never expires" and "always expired" depending on
// the sign of the overflow.
func (t Ticket) expiresAtUnix() int64 {
	switch {
	case t.Expire > 0 && t.Time > math.MaxInt64-t.Expire:
		return math.MaxInt64
	case t.Expire < 0 && t.Time < math.MinInt64-t.Expire:
		return math.MinInt64
	}
	return t.Time + t.Expire
}

// expiredAt compares whole seconds, as Tencent does, so a ticket stays valid
// for the entire second named by Time+Expire.
func (t Ticket) expiredAt(now time.Time) bool { return now.Unix() > t.expiresAtUnix() }
