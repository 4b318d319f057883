// Package account owns user accounts: the UserID rules, import (single and
// batch), deletion with everything hanging off an account, and existence
// checks.
package account

import (
	"context"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/store"
)

// MaxUserIDBytes is the documented cap on a UserID.
const MaxUserIDBytes = 32

// MaxBatch is the cap on accounts per batch call.
const MaxBatch = 100

// ValidUserID reports whether id follows the seeds' rule: 1-32 bytes of
// letters, digits, underscore and hyphen.
func ValidUserID(id string) bool {
	if id == "" || len(id) > MaxUserIDBytes {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// Service manages accounts for both doors (REST import, client sign-up).
type Service struct {
	Store  Store
	Events *event.Bus
	Now    func() time.Time
	// States records session state changes for the outbox (state.go); nil
	// records none.
	States *StateRecorder
}

func (s *Service) now() int64 {
	if s.Now != nil {
		return s.Now().Unix()
	}
	return time.Now().Unix()
}

// Import creates user if new; nick and faceURL, when not empty, are set on
// the profile in the same transaction. Importing an existing user is not an
// error.
func (s *Service) Import(ctx context.Context, a *app.App, user, nick, faceURL string) error {
	if !ValidUserID(user) {
		return errcode.Newf(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_Invalid_UserID: %q", user)
	}
	values := map[string]store.Value{}
	if nick != "" {
		values[profile.TagNick] = store.StringValue(nick)
	}
	if faceURL != "" {
		values[profile.TagImage] = store.StringValue(faceURL)
	}
	for tag, v := range values {
		if len(v.Str) > profile.MaxValueBytes {
			return errcode.Newf(errcode.ProfileValueTooLong, "Err_Profile_Value_Too_Long: %s", tag)
		}
	}
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		events = nil
		if _, err := tx.CreateAccount(ctx, a.SDKAppID, user, s.now()); err != nil {
			return err
		}
		if len(values) == 0 {
			return nil
		}
		if err := tx.SetProfileValues(ctx, a.SDKAppID, user, values); err != nil {
			return err
		}
		var err error
		events, err = profile.ChangeEvents(ctx, tx, a, user)
		return err
	})
	if err != nil {
		return errcode.Wrapf(err, "account: import %s", user)
	}
	s.Events.Publish(events...)
	return nil
}

// SignUp creates user on their first login; an existing user is left as is.
func (s *Service) SignUp(ctx context.Context, a *app.App, user string) error {
	if !ValidUserID(user) {
		return errcode.Newf(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_Invalid_UserID: %q", user)
	}
	var exists bool
	if err := s.Store.Read(ctx, func(tx Tx) (err error) {
		exists, err = tx.AccountExists(ctx, a.SDKAppID, user)
		return err
	}); err != nil || exists {
		return errcode.Wrapf(err, "account: sign up %s", user)
	}
	err := s.Store.Write(ctx, func(tx Tx) error {
		_, err := tx.CreateAccount(ctx, a.SDKAppID, user, s.now())
		return err
	})
	return errcode.Wrapf(err, "account: sign up %s", user)
}

// ImportMany creates the valid users and returns the ones that could not be
// imported, in request order.
func (s *Service) ImportMany(ctx context.Context, a *app.App, users []string) (failed []string, err error) {
	if len(users) == 0 {
		return nil, errcode.New(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_Accounts_Empty")
	}
	if len(users) > MaxBatch {
		return nil, errcode.Newf(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_Too_Many_Accounts: at most %d", MaxBatch)
	}
	var valid []string
	for _, u := range users {
		if ValidUserID(u) {
			valid = append(valid, u)
		} else {
			failed = append(failed, u)
		}
	}
	if len(valid) == 0 {
		return failed, nil
	}
	now := s.now()
	err = s.Store.Write(ctx, func(tx Tx) error {
		for _, u := range valid {
			if _, err := tx.CreateAccount(ctx, a.SDKAppID, u, now); err != nil {
				return err
			}
		}
		return nil
	})
	return failed, errcode.Wrapf(err, "account: import %d accounts", len(valid))
}

// ItemResult is the outcome for one account of a batch; Err nil is success.
type ItemResult struct {
	User string
	Err  *errcode.Error
}

// Delete removes accounts with their profiles and relationship chains.
func (s *Service) Delete(ctx context.Context, a *app.App, users []string) ([]ItemResult, error) {
	if err := checkBatch(users); err != nil {
		return nil, err
	}
	var results []ItemResult
	var deleted []string
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		results, deleted, events = make([]ItemResult, len(users)), nil, nil
		for i, u := range users {
			results[i].User = u
			if a.IsAdmin(u) {
				results[i].Err = errcode.New(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_Cannot_Delete_Admin")
				continue
			}
			// Whoever had the user as a friend loses them: their clients
			// hear it like any other removal.
			friendOf, err := tx.ListFriendOf(ctx, a.SDKAppID, u, a.Limits.MaxFriends*4)
			if err != nil {
				return err
			}
			ok, err := tx.DeleteAccount(ctx, a.SDKAppID, u)
			if err != nil {
				return err
			}
			if !ok {
				results[i].Err = errcode.New(errcode.AccountNotExist, "Err_TLS_PT_Open_Login_Account_Not_Exist")
				continue
			}
			deleted = append(deleted, u)
			for _, f := range friendOf {
				events = append(events, event.Event{App: a.SDKAppID, Kind: event.FriendDeleted, User: f, Peers: []string{u}})
			}
		}
		return nil
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "account: delete %d accounts", len(users))
	}
	s.Events.Publish(events...)
	for _, u := range deleted {
		s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.AccountDeleted, User: u})
	}
	return results, nil
}

// Check reports which users exist.
func (s *Service) Check(ctx context.Context, a *app.App, users []string) (map[string]bool, error) {
	if err := checkBatch(users); err != nil {
		return nil, err
	}
	return s.Existing(ctx, a, users)
}

// Existing reports which users exist, for callers with their own batch
// limits (online status takes 500, kick one).
func (s *Service) Existing(ctx context.Context, a *app.App, users []string) (map[string]bool, error) {
	var exists map[string]bool
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		exists, err = tx.ExistingAccounts(ctx, a.SDKAppID, users)
		return err
	})
	return exists, errcode.Wrapf(err, "account: check %d accounts", len(users))
}

// EnsureAdmins creates the app's admin accounts so that they can own data
// and appear in relationship chains like any user.
func (s *Service) EnsureAdmins(ctx context.Context, a *app.App) error {
	err := s.Store.Write(ctx, func(tx Tx) error {
		for _, u := range a.Admins {
			if _, err := tx.CreateAccount(ctx, a.SDKAppID, u, s.now()); err != nil {
				return err
			}
		}
		return nil
	})
	return errcode.Wrapf(err, "account: create the admins of app %d", a.SDKAppID)
}

func checkBatch(users []string) error {
	if len(users) == 0 {
		return errcode.New(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_Accounts_Empty")
	}
	if len(users) > MaxBatch {
		return errcode.Newf(errcode.AccountInvalidParam, "Err_TLS_PT_Open_Login_Too_Many_Accounts: at most %d", MaxBatch)
	}
	return nil
}

// RevokeUserSigs voids every UserSig issued to user before now, as
// Tencent's kick does ("all previous UserSig values for that user will
// expire"): a client login with one of them is refused, a UserSig issued
// from this second on logs in. False if the account does not exist.
func (s *Service) RevokeUserSigs(ctx context.Context, a *app.App, user string) (bool, error) {
	var ok bool
	err := s.Store.Write(ctx, func(tx Tx) (err error) {
		ok, err = tx.RevokeUserSigs(ctx, a.SDKAppID, user, s.now())
		return err
	})
	return ok, errcode.Wrapf(err, "account: revoke the UserSigs of %s", user)
}

// UserSigValid reports whether a UserSig of user issued at issuedAt (unix
// seconds, its TLS.time) is still valid after the kicks so far.
func (s *Service) UserSigValid(ctx context.Context, a *app.App, user string, issuedAt int64) (bool, error) {
	var from int64
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		from, err = tx.UserSigsValidFrom(ctx, a.SDKAppID, user)
		return err
	})
	return issuedAt >= from, errcode.Wrapf(err, "account: UserSig bound of %s", user)
}
