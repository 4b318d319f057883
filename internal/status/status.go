// Package status is user status (seed 002, "User Status"): the general
// status, online (a session on some node), offline (the last session ended
// without a logout) or unlogined (never logged in, or logged out), and a
// custom status string the user sets. Status is per user, not per device.
// The custom status is stored so every node and every device reads the
// same; it is cleared when the user's last session ends. Both doors use
// this service; who hears a change (subscribers, the user's own devices)
// is the door's delivery (gateway/ops_status.go).
package status

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/store"
)

// Status types, V2TIM's values (V2TIM_USER_STATUS_*).
const (
	Unlogined = 0
	Online    = 1
	Offline   = 2
)

// Bounds. The seeds give the call rates and list sizes; they give no length
// for the custom status, so it is bounded like a profile's short strings.
const (
	MaxCustomStatusBytes = 100
	MaxQueryUsers        = 500 // getUserStatus, per call
	MaxSubscribeUsers    = 100 // subscribe / unsubscribe, per call
	MaxSubscriptions     = 200 // per user; the oldest are evicted past it
	RateCalls            = 20  // other users' status and subscriptions: 20 calls
	RateWindow           = 5 * time.Second
)

// Codes the SDKs use for a bad parameter and for too many calls.
const (
	CodeInvalidParameter = 6017
	CodeRateLimited      = 7008
)

// Status is one user's status as both SDKs show it (V2TIMUserStatus).
type Status struct {
	UserID       string `json:"userID"`
	StatusType   int    `json:"statusType"`
	CustomStatus string `json:"customStatus"`
}

// Failure is a user a call did not serve, with why (Web's failureUserList).
type Failure struct {
	UserID  string `json:"userID"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// Tx is what the service needs from storage.
type Tx interface {
	store.AccountLookup
	store.UserStatuses
}

// Store runs the service's transactions.
type Store = store.Scoped[Tx]

// StoreOf is st as the service sees it.
func StoreOf(st store.Store) Store { return store.Scope(st, func(tx store.Tx) Tx { return tx }) }

// OnlineFunc reports, per user of users with a live session anywhere, the
// platforms of those sessions (gateway.Gateway.Online).
type OnlineFunc func(ctx context.Context, app uint64, users []string) (map[string][]string, error)

// Service answers and changes user status.
type Service struct {
	Store  Store
	Online OnlineFunc

	limiter limiter
}

// ErrDisabled is the app's feature switch off (72001).
var ErrDisabled = errcode.New(errcode.UserStatusDisabled, "user status is not enabled for this app (user_status)")

// SetCustom stores user's custom status ("" clears it) and returns the
// user's status, online: only a logged-in user sets it.
func (s *Service) SetCustom(ctx context.Context, a *app.App, user, custom string) (Status, error) {
	if len(custom) > MaxCustomStatusBytes {
		return Status{}, errcode.Newf(CodeInvalidParameter, "customStatus: at most %d bytes", MaxCustomStatusBytes)
	}
	err := s.Store.Write(ctx, func(tx Tx) error {
		return tx.SetCustomStatus(ctx, store.AppID(a.SDKAppID), user, custom, time.Now().UnixMilli())
	})
	if err != nil {
		return Status{}, errcode.Wrapf(err, "status: set custom status of %s", user)
	}
	return Status{UserID: user, StatusType: Online, CustomStatus: custom}, nil
}

// Get returns the status of users as self asks for it, in request order,
// and the users it does not serve: others when the app's switch is off
// (72001), unknown accounts (70107). Self is always served and never
// limited; asking for anyone else takes one of self's 20 calls per 5 s.
// All failing is an error: the first failure's.
func (s *Service) Get(ctx context.Context, a *app.App, self string, users []string) ([]Status, []Failure, error) {
	if len(users) == 0 || len(users) > MaxQueryUsers {
		return nil, nil, errcode.Newf(CodeInvalidParameter, "userIDList: 1 to %d users", MaxQueryUsers)
	}
	users = dedupe(users)
	others := slices.ContainsFunc(users, func(u string) bool { return u != self })
	if others && a.Switches.UserStatus {
		if err := s.Allow(a.SDKAppID, self); err != nil {
			return nil, nil, err
		}
	}
	var failures []Failure
	asked := make([]string, 0, len(users))
	for _, u := range users {
		if u != self && !a.Switches.UserStatus {
			failures = append(failures, Failure{UserID: u, Code: errcode.UserStatusDisabled, Message: ErrDisabled.Error()})
			continue
		}
		asked = append(asked, u)
	}
	list, missing, err := s.statuses(ctx, a.SDKAppID, asked)
	if err != nil {
		return nil, nil, err
	}
	for _, u := range missing {
		failures = append(failures, Failure{UserID: u, Code: errcode.AccountNotExist, Message: "account not found"})
	}
	if len(list) == 0 {
		f := failures[0]
		return nil, failures, errcode.New(f.Code, f.Message)
	}
	return list, failures, nil
}

// statuses reads the status of users (existing accounts) and returns the
// ones that do not exist apart.
func (s *Service) statuses(ctx context.Context, app uint64, users []string) ([]Status, []string, error) {
	if len(users) == 0 {
		return nil, nil, nil
	}
	var exist map[string]bool
	var rows map[string]store.UserStatusRow
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if exist, err = tx.ExistingAccounts(ctx, store.AppID(app), users); err != nil {
			return err
		}
		rows, err = tx.UserStatuses(ctx, store.AppID(app), users)
		return err
	})
	if err != nil {
		return nil, nil, errcode.Wrapf(err, "status: read status of %d users", len(users))
	}
	online, err := s.Online(ctx, app, users)
	if err != nil {
		return nil, nil, errcode.Wrapf(err, "status: online status of %d users", len(users))
	}
	var list []Status
	var missing []string
	for _, u := range users {
		if !exist[u] {
			missing = append(missing, u)
			continue
		}
		list = append(list, statusOf(u, rows[u], len(online[u]) > 0))
	}
	return list, missing, nil
}

func statusOf(user string, row store.UserStatusRow, online bool) Status {
	st := Status{UserID: user, StatusType: Unlogined, CustomStatus: row.Custom}
	switch {
	case online:
		st.StatusType = Online
	case row.Offline:
		st.StatusType = Offline
	}
	return st
}

// LoggedIn returns the status of user, who has just logged in: online,
// with the stored custom status (one read; "" unless the last session's end
// was never recorded).
func (s *Service) LoggedIn(ctx context.Context, app uint64, user string) (Status, error) {
	var rows map[string]store.UserStatusRow
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		rows, err = tx.UserStatuses(ctx, store.AppID(app), []string{user})
		return err
	})
	if err != nil {
		return Status{}, errcode.Wrapf(err, "status: read the status of %s", user)
	}
	return statusOf(user, rows[user], true), nil
}

// Ended records that user's last session ended, by a logout or not, and
// clears the custom status; it returns the status now (offline or
// unlogined, no custom status). The caller decides it was the last one.
func (s *Service) Ended(ctx context.Context, app uint64, user string, loggedOut bool) (Status, error) {
	err := s.Store.Write(ctx, func(tx Tx) error {
		return tx.EndUserStatus(ctx, store.AppID(app), user, !loggedOut, time.Now().UnixMilli())
	})
	if err != nil {
		return Status{}, errcode.Wrapf(err, "status: end the status of %s", user)
	}
	st := Status{UserID: user, StatusType: Offline}
	if loggedOut {
		st.StatusType = Unlogined
	}
	return st, nil
}

// CheckSubscribe validates a subscribe or unsubscribe call of self for
// users: the app's switch (72001), the list size (empty is allowed only
// when emptyOK: unsubscribe all), self's call rate. It returns the users to
// act on, deduplicated, and those refused: self (a user's own changes come
// without a subscription) and unknown accounts.
func (s *Service) CheckSubscribe(ctx context.Context, a *app.App, self string, users []string, emptyOK bool) ([]string, []Failure, error) {
	if !a.Switches.UserStatus {
		return nil, nil, ErrDisabled
	}
	if (len(users) == 0 && !emptyOK) || len(users) > MaxSubscribeUsers {
		return nil, nil, errcode.Newf(CodeInvalidParameter, "userIDList: 1 to %d users", MaxSubscribeUsers)
	}
	if err := s.Allow(a.SDKAppID, self); err != nil {
		return nil, nil, err
	}
	users = dedupe(users)
	var failures []Failure
	ok := make([]string, 0, len(users))
	for _, u := range users {
		if u == self {
			failures = append(failures, Failure{UserID: u, Code: CodeInvalidParameter, Message: "cannot subscribe to one's own status"})
			continue
		}
		ok = append(ok, u)
	}
	if len(ok) == 0 || emptyOK {
		// Unsubscribing from a user that does not exist is harmless.
		return ok, failures, nil
	}
	var exist map[string]bool
	if err := s.Store.Read(ctx, func(tx Tx) (err error) {
		exist, err = tx.ExistingAccounts(ctx, store.AppID(a.SDKAppID), ok)
		return err
	}); err != nil {
		return nil, nil, errcode.Wrapf(err, "status: accounts to subscribe to")
	}
	found := ok[:0]
	for _, u := range ok {
		if exist[u] {
			found = append(found, u)
		} else {
			failures = append(failures, Failure{UserID: u, Code: errcode.AccountNotExist, Message: "account not found"})
		}
	}
	return found, failures, nil
}

// Allow takes one of user's status calls: 20 per 5 s, a token bucket.
func (s *Service) Allow(app uint64, user string) error {
	if !s.limiter.take(userKey{app, user}, time.Now()) {
		return errcode.Newf(CodeRateLimited, "too many user status calls: at most %d per %s", RateCalls, RateWindow)
	}
	return nil
}

func dedupe(users []string) []string {
	seen := make(map[string]bool, len(users))
	out := make([]string, 0, len(users))
	for _, u := range users {
		if !seen[u] {
			seen[u] = true
			out = append(out, u)
		}
	}
	return out
}

type userKey struct {
	app  uint64
	user string
}

// limiter is a token bucket per user: RateCalls tokens, refilled over
// RateWindow. Buckets full again (idle for a window) are swept once a
// window, so it holds only users who called in the last one.
type limiter struct {
	mu      sync.Mutex
	buckets map[userKey]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

func (l *limiter) take(k userKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.buckets == nil {
		l.buckets = map[userKey]*bucket{}
	}
	if now.Sub(l.swept) >= RateWindow {
		for key, b := range l.buckets {
			if now.Sub(b.at) >= RateWindow {
				delete(l.buckets, key)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[k]
	if !ok {
		b = &bucket{tokens: RateCalls, at: now}
		l.buckets[k] = b
	}
	b.tokens = min(RateCalls, b.tokens+now.Sub(b.at).Seconds()*RateCalls/RateWindow.Seconds())
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}
