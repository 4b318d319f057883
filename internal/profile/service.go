package profile

import (
	"bytes"
	"context"
	"encoding/json"
	"math"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Service reads and writes profiles. Both the REST API and the client
// gateway call it, so the validation rules live only here.
type Service struct {
	Store  Store
	Events *event.Bus
	// Outbox appends the profile-set entries consumers want; nil appends
	// none.
	Outbox *outbox.Producer
	// Hook is asked before a profile is set; nil allows.
	Hook *hook.Runner
}

// Item is one tag and its raw JSON value as a client sent it.
type Item struct {
	Tag   string          `json:"Tag"`
	Value json.RawMessage `json:"Value"`
}

// ParseItems validates items against the app's tags and returns the values
// to store. Validation is all-or-nothing: one bad item rejects the request,
// so a profile is never half-updated.
func ParseItems(a *app.App, items []Item) (map[string]store.Value, error) {
	if len(items) == 0 {
		return nil, errcode.New(errcode.ProfileBadRequest, "Err_Profile_ProfileItem_Empty")
	}
	out := make(map[string]store.Value, len(items))
	for _, it := range items {
		spec, ok := lookupTag(a, it.Tag)
		if !ok {
			return nil, errcode.Newf(errcode.ProfileUnknownTag, "Err_Profile_Tag_Not_Exist: %s", it.Tag)
		}
		var v store.Value
		if len(it.Value) == 0 || json.Unmarshal(it.Value, &v) != nil {
			// An integer too large for int64 has the right type for a
			// number tag; only its value is out of range.
			if spec.kind == kindUint && isIntegerLiteral(it.Value) {
				return nil, errcode.Newf(errcode.ProfileBadValue, "Err_Profile_Value_Invalid: %s out of range", it.Tag)
			}
			return nil, errcode.Newf(errcode.ProfileBadValueType, "Err_Profile_Value_Type_Invalid: %s", it.Tag)
		}
		if err := checkValue(spec, it.Tag, v); err != nil {
			return nil, err
		}
		out[it.Tag] = v
	}
	return out, nil
}

// isIntegerLiteral reports whether b is a JSON integer (optional minus,
// digits only), whatever its magnitude.
func isIntegerLiteral(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
	}
	if len(b) == 0 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func checkValue(spec tagSpec, tag string, v store.Value) error {
	switch spec.kind {
	case kindUint:
		if !v.IsInt {
			return errcode.Newf(errcode.ProfileBadValueType, "Err_Profile_Value_Type_Invalid: %s must be a number", tag)
		}
		if v.Int < 0 || v.Int > math.MaxUint32 {
			return errcode.Newf(errcode.ProfileBadValue, "Err_Profile_Value_Invalid: %s out of range", tag)
		}
	case kindString:
		if v.IsInt {
			return errcode.Newf(errcode.ProfileBadValueType, "Err_Profile_Value_Type_Invalid: %s must be a string", tag)
		}
		if len(v.Str) > MaxValueBytes || (spec.maxLen > 0 && len(v.Str) > spec.maxLen) {
			return errcode.Newf(errcode.ProfileValueTooLong, "Err_Profile_Value_Too_Long: %s", tag)
		}
		if spec.values != nil && v.Str != "" && !slices.Contains(spec.values, v.Str) {
			return errcode.Newf(errcode.ProfileBadValue, "Err_Profile_Value_Invalid: %s", tag)
		}
	}
	return nil
}

// Set stores a user's profile values.
func (s *Service) Set(ctx context.Context, a *app.App, user string, items []Item) error {
	values, err := ParseItems(a, items)
	if err != nil {
		return err
	}
	return s.SetValues(ctx, a, user, values)
}

// SetValues stores already validated values.
func (s *Service) SetValues(ctx context.Context, a *app.App, user string, values map[string]store.Value) error {
	if err := s.beforeSet(ctx, a, user, values); err != nil {
		return err
	}
	var events []event.Event
	err := event.Write(ctx, s.Store, &events, func(tx Tx) error {
		ok, err := tx.AccountExists(ctx, a.SDKAppID, user)
		if err != nil {
			return err
		}
		if !ok {
			return errcode.New(errcode.ProfileNoAccount, "Err_Profile_Account_Not_Exist")
		}
		if err := tx.SetProfileValues(ctx, a.SDKAppID, user, values); err != nil {
			return err
		}
		if err := s.outboxSet(ctx, tx, a, user, values); err != nil {
			return err
		}
		events, err = ChangeEvents(ctx, tx, a, user)
		return err
	})
	if err != nil {
		return errcode.Wrapf(err, "profile: set %s", user)
	}
	s.Events.Publish(events...)
	if s.Outbox.Wants(a.SDKAppID, outbox.KindProfileSet) {
		s.Outbox.Committed()
	}
	return nil
}

// maxProfileAudience bounds how many friends are told of one profile
// change; it is above every friend cap an app can configure by default.
const maxProfileAudience = 10_000

// ChangeEvents are the events of user's profile change: one for the user
// (their other devices) and one for everyone who has them as a friend.
// Non-friends are not told; they re-read profiles when they need them.
func ChangeEvents(ctx context.Context, tx store.FriendOfLister, a *app.App, user string) ([]event.Event, error) {
	audience, err := tx.ListFriendOf(ctx, a.SDKAppID, user, maxProfileAudience)
	if err != nil {
		return nil, err
	}
	events := make([]event.Event, 0, len(audience)+1)
	events = append(events, event.Event{App: a.SDKAppID, Kind: event.ProfileUpdated, User: user, Peers: []string{user}})
	for _, f := range audience {
		events = append(events, event.Event{App: a.SDKAppID, Kind: event.ProfileUpdated, User: f, Peers: []string{user}})
	}
	return events, nil
}

// Result is one user's answer in Get.
type Result struct {
	User  string
	Items []Pair
	Err   *errcode.Error
}

// Pair is a tag and its typed value, in the order the caller asked for.
type Pair struct {
	Tag   string      `json:"Tag"`
	Value store.Value `json:"Value"`
}

// Get returns the requested tags of each user in request order. A tag the
// user never set comes back with its default (NeedConfirm for AllowType, an
// empty string or 0 otherwise) so typed clients always find every field they
// asked for; unknown users get 40003 individually.
func (s *Service) Get(ctx context.Context, a *app.App, users, tags []string) ([]Result, error) {
	if len(users) == 0 || len(tags) == 0 {
		return nil, errcode.New(errcode.ProfileBadRequest, "Err_Profile_To_Account_Or_TagList_Empty")
	}
	for _, tag := range tags {
		if !KnownTag(a, tag) {
			return nil, errcode.Newf(errcode.ProfileUnknownTag, "Err_Profile_Tag_Not_Exist: %s", tag)
		}
	}
	var exists map[string]bool
	var values map[string]map[string]store.Value
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if exists, err = tx.ExistingAccounts(ctx, a.SDKAppID, users); err != nil {
			return err
		}
		values, err = tx.ProfileValues(ctx, a.SDKAppID, users, tags)
		return err
	})
	if err != nil {
		return nil, errcode.Wrapf(err, "profile: get %d users", len(users))
	}
	out := make([]Result, len(users))
	for i, u := range users {
		out[i].User = u
		if !exists[u] {
			out[i].Err = errcode.New(errcode.ProfileNoAccount, "Err_Profile_Account_Not_Exist")
			continue
		}
		out[i].Items = []Pair{}
		for _, tag := range tags {
			v, ok := values[u][tag]
			if !ok {
				v = DefaultValue(a, tag)
			}
			out[i].Items = append(out[i].Items, Pair{Tag: tag, Value: v})
		}
	}
	return out, nil
}
