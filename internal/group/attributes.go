package group

// Group attributes (seed 002, "Custom Group Attribute"; REST
// group_open_attr_http_svc/get_group_attr and group_open_http_svc
// set/modify/clear_group_attr): a small map of strings per group, which an
// audio chat room uses for its seats. Both doors call these functions; what
// differs between them is who may call (attrAccess).

import (
	"context"
	"maps"
	"slices"
	"sync"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
)

// Codes of the group attributes: the client SDK's (2641, 2642) and the
// server's (rest-spec §3.7 and its code table).
const (
	// CodeAttrTypeUnsupported: a client may use attributes only in an
	// AVChatRoom (seed 002: "this API will return the 2641 error code").
	CodeAttrTypeUnsupported = 2641
	// CodeAttrNotJoined: the client is not a member of the room.
	CodeAttrNotJoined     = 2642
	CodeAttrKeyTooLong    = 10045
	CodeAttrValueTooLong  = 10046
	CodeAttrTooManyKeys   = 10047
	CodeAttrTooLarge      = 10048
	CodeAttrWriteTooOften = 10049
)

// Limits of a group's attributes (seed 002: "up to 16 group attribute keys
// ..., which can contain up to 32 bytes. The size of each group attribute
// value can be up to 4 KB, and the total size of all group attributes
// (including keys and values) can be up to 16 KB"). REST's error texts say
// 4,000 and 16,000 bytes; the seed's KB (1024) is taken, which accepts
// every map Tencent accepts.
const (
	MaxAttributeKeys       = 16
	MaxAttributeKeyBytes   = 32
	MaxAttributeValueBytes = 4 << 10
	MaxAttributeTotalBytes = 16 << 10
)

// The write-rate rule (seed 002: init, set and delete "can be called by a
// logged-in user up to five times every second in the backend, and the
// 10049 error code will be called back if the limit is exceeded"): at most
// AttributeWritesPerWindow writes in any AttributeWriteWindow by one writer
// (a user, or the app's admin) to one group. The SDK's own 10 per 5 s (8511)
// is the client's to enforce.
const (
	AttributeWritesPerWindow = 5
	AttributeWriteWindow     = time.Second
	// maxRateEntries bounds the writers the rule remembers; past it (after
	// forgetting every writer whose window is over) a new writer is
	// refused with 10049 rather than growing the map.
	maxRateEntries = 1 << 16
)

// PushAttributesChanged is the push every online member hears when a
// group's attributes change, with the whole map (seed 002:
// onGroupAttributeChanged "all the group attributes will be called back").
const PushAttributesChanged = "group.attributes_changed"

// PushAttributes is the data of attributes_changed.
type PushAttributes struct {
	GroupID    string            `json:"groupID"`
	Operator   string            `json:"operator,omitempty"`
	Attributes map[string]string `json:"attributes"`
}

// Attribute write kinds, named as Group.CallbackAfterGroupAttrChanged's
// OptionType: set (replace all: init / REST set_group_attr), modify
// (upsert: set / modify_group_attr), delete (some keys), clear (all).
const (
	AttrInit   = "set"
	AttrSet    = "modify"
	AttrDelete = "delete"
	AttrClear  = "clear"
)

// attrAccess checks who may use st's attributes. A client: only in an
// AVChatRoom (2641; seed 002 "only audio-video groups (AVChatRoom) support
// group attributes") and only as a member (2642), any member (a user
// taking a seat sets it). The app's admin (REST): every type, except that
// clear_group_attr does not apply to a Community (rest-spec §3.7's type
// table).
func attrAccess(st state, actor Actor, op string) error {
	if actor.AppAdmin {
		if op == AttrClear && st.r.Type == rules.Community {
			return newErr(CodeNoPermission, "Err_Group_Type_Not_Support: clear_group_attr does not apply to a Community")
		}
		return nil
	}
	if st.r.Type != rules.AVChatRoom {
		return newErr(CodeAttrTypeUnsupported, "Err_Group_Attr_Type_Not_Support: group attributes are for AVChatRoom groups, %q is %s",
			st.g.ID, st.r.V2TIMName)
	}
	if st.role == 0 {
		return newErr(CodeAttrNotJoined, "Err_Group_Attr_Not_Joined: %q has not joined %q", actor.User, st.g.ID)
	}
	return nil
}

// checkAttrKeys validates the keys a call names: at most 16 (10047), each
// 1 to 32 bytes (10004, 10045).
func checkAttrKeys(keys []string) error {
	if len(keys) > MaxAttributeKeys {
		return newErr(CodeAttrTooManyKeys, "Err_Group_Attr_Too_Many_Keys: %d keys, at most %d", len(keys), MaxAttributeKeys)
	}
	for _, k := range keys {
		if k == "" {
			return newErr(CodeInvalidParam, "Err_Group_Attr_Key_Empty: an attribute key is 1 to %d bytes", MaxAttributeKeyBytes)
		}
		if len(k) > MaxAttributeKeyBytes {
			return newErr(CodeAttrKeyTooLong, "Err_Group_Attr_Key_Too_Long: %q is over %d bytes", k, MaxAttributeKeyBytes)
		}
	}
	return nil
}

// checkAttrMap validates a whole map of attributes: its keys, each value
// (10046) and the total of keys and values (10048).
func checkAttrMap(m map[string]string) error {
	keys := sortedKeys(m)
	if err := checkAttrKeys(keys); err != nil {
		return err
	}
	total := 0
	for _, k := range keys {
		v := m[k]
		if len(v) > MaxAttributeValueBytes {
			return newErr(CodeAttrValueTooLong, "Err_Group_Attr_Value_Too_Long: the value of %q is %d bytes, at most %d", k, len(v),
				MaxAttributeValueBytes)
		}
		total += len(k) + len(v)
	}
	if total > MaxAttributeTotalBytes {
		return newErr(CodeAttrTooLarge, "Err_Group_Attr_Too_Large: %d bytes of keys and values, at most %d", total, MaxAttributeTotalBytes)
	}
	return nil
}

// InitAttributes replaces groupID's attributes with attrs (seed 002
// initGroupAttributes: "the original group attributes, if any, will be
// cleared first"; REST set_group_attr) and returns the new map.
func (s *Service) InitAttributes(ctx context.Context, a *app.App, actor Actor, groupID string, attrs map[string]string) (map[string]string, error) {
	if err := checkAttrMap(attrs); err != nil {
		return nil, err
	}
	return s.writeAttributes(ctx, a, actor, groupID, AttrInit, func(old map[string]string) (map[string]string, bool) {
		return maps.Clone(attrs), !maps.Equal(old, attrs)
	})
}

// SetAttributes adds or replaces the keys of attrs, leaving the others
// (setGroupAttributes; REST modify_group_attr), and returns the new map.
// The result must keep the limits.
func (s *Service) SetAttributes(ctx context.Context, a *app.App, actor Actor, groupID string, attrs map[string]string) (map[string]string, error) {
	if len(attrs) == 0 {
		return nil, newErr(CodeInvalidParam, "Err_Group_Attr_Empty: no attribute to set")
	}
	if err := checkAttrMap(attrs); err != nil {
		return nil, err
	}
	return s.writeAttributes(ctx, a, actor, groupID, AttrSet, func(old map[string]string) (map[string]string, bool) {
		next := maps.Clone(old)
		maps.Copy(next, attrs)
		return next, !maps.Equal(old, next)
	})
}

// DeleteAttributes removes keys from groupID's attributes, all of them
// when keys is empty (deleteGroupAttributes with null or []; REST
// clear_group_attr), and returns the keys that were there. Keys that are
// not there are no error.
func (s *Service) DeleteAttributes(ctx context.Context, a *app.App, actor Actor, groupID string, keys []string) ([]string, error) {
	if err := checkAttrKeys(keys); err != nil {
		return nil, err
	}
	op := AttrDelete
	if len(keys) == 0 {
		op = AttrClear
	}
	var deleted []string
	_, err := s.writeAttributes(ctx, a, actor, groupID, op, func(old map[string]string) (map[string]string, bool) {
		deleted = deleted[:0]
		next := map[string]string{}
		if len(keys) > 0 {
			next = maps.Clone(old)
			for _, k := range keys {
				if _, ok := next[k]; ok && !slices.Contains(deleted, k) {
					deleted = append(deleted, k)
					delete(next, k)
				}
			}
		} else {
			deleted = append(deleted, sortedKeys(old)...)
		}
		return next, len(deleted) > 0
	})
	if err != nil {
		return nil, err
	}
	return deleted, nil
}

// Attributes returns groupID's attributes, only those of keys when keys is
// not empty (getGroupAttributes; REST get_group_attr).
func (s *Service) Attributes(ctx context.Context, a *app.App, actor Actor, groupID string, keys []string) (map[string]string, error) {
	if err := checkAttrKeys(keys); err != nil {
		return nil, err
	}
	var out map[string]string
	err := s.Store.Read(ctx, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, false, true)
		if err != nil {
			return err
		}
		if err := attrAccess(st, actor, ""); err != nil {
			return err
		}
		out, err = tx.GroupAttributes(ctx, a.SDKAppID, groupID)
		return err
	})
	if err != nil {
		return nil, wrap(err, "attributes of %s", groupID)
	}
	if len(keys) > 0 {
		only := make(map[string]string, len(keys))
		for _, k := range keys {
			if v, ok := out[k]; ok {
				only[k] = v
			}
		}
		out = only
	}
	return out, nil
}

// writeAttributes runs one attribute write: the rate rule first (no
// transaction for a refused writer), then, under the group row's lock, the
// access check, change (the new whole map and whether it differs from the
// old), the limits on the result, the rows and the after-callback's outbox
// entry. Members hear the whole new map once it is durable; a write that
// changed nothing stores and pushes nothing.
func (s *Service) writeAttributes(ctx context.Context, a *app.App, actor Actor, groupID, op string,
	change func(old map[string]string) (map[string]string, bool)) (map[string]string, error) {
	if err := checkExisting(groupID); err != nil {
		return nil, err
	}
	if !s.attrRate.allow(a.SDKAppID, groupID, operatorOf(actor), s.now()) {
		return nil, newErr(CodeAttrWriteTooOften, "Err_Group_Attr_Write_Too_Often: at most %d attribute writes per %s to one group",
			AttributeWritesPerWindow, AttributeWriteWindow)
	}
	var next map[string]string
	var changed bool
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, true, true)
		if err != nil {
			return err
		}
		if err := attrAccess(st, actor, op); err != nil {
			return err
		}
		old, err := tx.GroupAttributes(ctx, a.SDKAppID, groupID)
		if err != nil {
			return err
		}
		next, changed = change(old)
		if !changed {
			return nil
		}
		if err := checkAttrMap(next); err != nil {
			return err
		}
		var gone []string
		for k := range old {
			if _, ok := next[k]; !ok {
				gone = append(gone, k)
			}
		}
		if len(gone) > 0 && len(gone) == len(old) {
			err = tx.DeleteGroupAttributes(ctx, a.SDKAppID, groupID, nil)
		} else if len(gone) > 0 {
			err = tx.DeleteGroupAttributes(ctx, a.SDKAppID, groupID, gone)
		}
		if err != nil {
			return err
		}
		put := map[string]string{}
		for k, v := range next {
			if ov, ok := old[k]; !ok || ov != v {
				put[k] = v
			}
		}
		if len(put) > 0 {
			if err := tx.PutGroupAttributes(ctx, a.SDKAppID, groupID, put); err != nil {
				return err
			}
		}
		return s.outboxAttrChanged(ctx, tx, a, st, actor, op, next)
	})
	if err != nil {
		return nil, wrap(err, "%s attributes of %s", op, groupID)
	}
	if next == nil {
		next = map[string]string{}
	}
	if changed {
		s.push(a, groupID, PushAttributesChanged, PushAttributes{GroupID: groupID, Operator: actor.User, Attributes: next}, actor.Origin)
	}
	return next, nil
}

// attrRateLimiter is the write-rate rule's memory: per writer of a group,
// the times of its last AttributeWritesPerWindow writes. The zero value is
// ready; it is safe for concurrent use and never held across I/O. It is
// this node's: behind a load balancer each node allows the rate.
type attrRateLimiter struct {
	mu      sync.Mutex
	writers map[attrWriter]*[AttributeWritesPerWindow]int64
}

type attrWriter struct {
	app          uint64
	group, actor string
}

// allow records a write by actor to group at now and reports whether it
// keeps the rule: fewer than AttributeWritesPerWindow earlier writes within
// the window before now.
func (l *attrRateLimiter) allow(app uint64, group, actor string, now time.Time) bool {
	t := now.UnixNano()
	window := int64(AttributeWriteWindow)
	key := attrWriter{app, group, actor}
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.writers == nil {
		l.writers = map[attrWriter]*[AttributeWritesPerWindow]int64{}
	}
	times, ok := l.writers[key]
	if !ok {
		if len(l.writers) >= maxRateEntries {
			for k, v := range l.writers {
				if t-v[len(v)-1] >= window {
					delete(l.writers, k)
				}
			}
			if len(l.writers) >= maxRateEntries {
				return false
			}
		}
		times = &[AttributeWritesPerWindow]int64{}
		for i := range times {
			times[i] = t - window // long ago: as if no write
		}
		l.writers[key] = times
	}
	if t < times[len(times)-1] {
		// The wall clock went back: forget the writes "after" now rather
		// than refuse this writer until the clock catches up.
		for i := range times {
			times[i] = t - window
		}
	}
	// times is oldest first; the oldest of the last N must be out of the
	// window for one more to fit.
	if t-times[0] < window {
		return false
	}
	copy(times[:], times[1:])
	times[len(times)-1] = t
	return true
}

// outboxAttrChanged appends the attribute-changed entry of a write that
// left attrs.
func (s *Service) outboxAttrChanged(ctx context.Context, tx Tx, a *app.App, st state, actor Actor, op string, attrs map[string]string) error {
	if !s.Outbox.Wants(a.SDKAppID, outbox.KindGroupAttrChanged) {
		return nil
	}
	p := outbox.GroupAttrChanged{GroupID: st.g.ID, Type: st.g.Type, Operator: operatorOf(actor), OptionType: op,
		GroupAttr: []outbox.AttrKeyValue{}, EventTime: s.now().UnixMilli()}
	for _, k := range sortedKeys(attrs) {
		p.GroupAttr = append(p.GroupAttr, outbox.AttrKeyValue{Key: k, Value: attrs[k]})
	}
	p.OptPlatform, p.ClientIP = hook.PlatformOf(ctx)
	return s.outboxAdd(ctx, tx, a, outbox.KindGroupAttrChanged, st.g.ID, p)
}
