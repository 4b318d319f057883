package group

// Group counters (REST group_open_http_svc get/update/delete_group_counter;
// the client's setGroupCounters, getGroupCounters, increaseGroupCounter and
// decreaseGroupCounter): named int64 values per group, such as a live
// room's likes, written under the group row's lock so concurrent increases
// never lose one.

import (
	"context"
	"math"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
)

// CodeCounterTooManyKeys: a group may have at most MaxCounterKeys counters
// (rest-spec: "The number of keys in the group counter exceeds the limit
// of 20").
const CodeCounterTooManyKeys = 10063

// Limits of a group's counters: 20 keys (update_group_counter: "up to 20
// keys"); a key's length is cut off in the spec's field note, so it takes
// Tencent's documented 128 bytes.
const (
	MaxCounterKeys     = 20
	MaxCounterKeyBytes = 128
)

// Counter update modes (update_group_counter's Mode).
const (
	CounterSet      = "Set"
	CounterIncrease = "Increase"
	CounterDecrease = "Decrease"
)

// PushCountersChanged is the push every online member hears when a group's
// counters change: the counters that changed with their new values, and
// the keys deleted (onGroupCounterChanged is per key).
const PushCountersChanged = "group.counters_changed"

// PushCounters is the data of counters_changed.
type PushCounters struct {
	GroupID  string           `json:"groupID"`
	Operator string           `json:"operator,omitempty"`
	Counters map[string]int64 `json:"counters"`
	Deleted  []string         `json:"deleted,omitempty"`
}

// counterAccess: counters apply to every type but Community (rest-spec's
// type table: "Community / No"; 10007), and a client must be a member
// (load refuses others, 10007); any member may write them.
func counterAccess(st state) error {
	if st.r.Type == rules.Community {
		return newErr(CodeNoPermission, "Err_Group_Type_Not_Support: Community groups have no group counters")
	}
	return nil
}

func checkCounterKeys(keys []string) error {
	if len(keys) > MaxCounterKeys {
		return newErr(CodeCounterTooManyKeys, "Err_Group_Counter_Too_Many_Keys: %d keys, at most %d", len(keys), MaxCounterKeys)
	}
	for _, k := range keys {
		if k == "" || len(k) > MaxCounterKeyBytes {
			return newErr(CodeInvalidParam, "Err_Group_Counter_Key_Invalid: a counter key is 1 to %d bytes", MaxCounterKeyBytes)
		}
	}
	return nil
}

// UpdateCounters applies values to groupID's counters by mode: Set
// replaces each named counter, Increase and Decrease add or subtract each
// value (a counter not there starts at 0; the result must stay within
// int64, else 10004). The group may hold at most 20 counters afterwards
// (10063). It returns the updated counters with their new values.
func (s *Service) UpdateCounters(ctx context.Context, a *app.App, actor Actor, groupID, mode string, values map[string]int64) (map[string]int64, error) {
	if mode == "" {
		mode = CounterSet
	}
	if mode != CounterSet && mode != CounterIncrease && mode != CounterDecrease {
		return nil, newErr(CodeInvalidParam, "Err_Group_Counter_Mode_Invalid: %q (Set, Increase, Decrease)", mode)
	}
	if len(values) == 0 {
		return nil, newErr(CodeInvalidParam, "Err_Group_Counter_Empty: no counter to update")
	}
	if err := checkCounterKeys(sortedKeys64(values)); err != nil {
		return nil, err
	}
	if err := checkExisting(groupID); err != nil {
		return nil, err
	}
	var updated map[string]int64
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if err := counterAccess(st); err != nil {
			return err
		}
		old, err := tx.GroupCounters(ctx, a.SDKAppID, groupID)
		if err != nil {
			return err
		}
		updated = make(map[string]int64, len(values))
		added := 0
		for k, v := range values {
			cur, ok := old[k]
			if !ok {
				added++
			}
			next, err := applyCounter(mode, cur, v)
			if err != nil {
				return newErr(CodeInvalidParam, "Err_Group_Counter_Overflow: %q: %v", k, err)
			}
			updated[k] = next
		}
		if len(old)+added > MaxCounterKeys {
			return newErr(CodeCounterTooManyKeys, "Err_Group_Counter_Too_Many_Keys: %q would have %d counters, at most %d",
				groupID, len(old)+added, MaxCounterKeys)
		}
		return tx.PutGroupCounters(ctx, a.SDKAppID, groupID, updated)
	})
	if err != nil {
		return nil, wrap(err, "update counters of %s", groupID)
	}
	s.push(a, groupID, PushCountersChanged, PushCounters{GroupID: groupID, Operator: actor.User, Counters: updated}, actor.Origin)
	return updated, nil
}

type counterOverflow struct{}

func (counterOverflow) Error() string { return "the result is outside int64" }

// applyCounter is cur updated by v in mode, refusing a result past int64.
func applyCounter(mode string, cur, v int64) (int64, error) {
	switch mode {
	case CounterIncrease:
		if v > 0 && cur > math.MaxInt64-v || v < 0 && cur < math.MinInt64-v {
			return 0, counterOverflow{}
		}
		return cur + v, nil
	case CounterDecrease:
		if v > 0 && cur < math.MinInt64+v || v < 0 && cur > math.MaxInt64+v {
			return 0, counterOverflow{}
		}
		return cur - v, nil
	}
	return v, nil
}

// SetCounters is setGroupCounters: UpdateCounters in Set mode.
func (s *Service) SetCounters(ctx context.Context, a *app.App, actor Actor, groupID string, values map[string]int64) (map[string]int64, error) {
	return s.UpdateCounters(ctx, a, actor, groupID, CounterSet, values)
}

// IncreaseCounter adds delta to one counter and returns its new value.
func (s *Service) IncreaseCounter(ctx context.Context, a *app.App, actor Actor, groupID, key string, delta int64) (int64, error) {
	out, err := s.UpdateCounters(ctx, a, actor, groupID, CounterIncrease, map[string]int64{key: delta})
	return out[key], err
}

// DecreaseCounter subtracts delta from one counter and returns its new
// value.
func (s *Service) DecreaseCounter(ctx context.Context, a *app.App, actor Actor, groupID, key string, delta int64) (int64, error) {
	out, err := s.UpdateCounters(ctx, a, actor, groupID, CounterDecrease, map[string]int64{key: delta})
	return out[key], err
}

// Counters returns groupID's counters, only those of keys (that exist)
// when keys is not empty.
func (s *Service) Counters(ctx context.Context, a *app.App, actor Actor, groupID string, keys []string) (map[string]int64, error) {
	if err := checkCounterKeys(keys); err != nil {
		return nil, err
	}
	var out map[string]int64
	err := s.Store.Read(ctx, func(tx Tx) error {
		st, err := load(ctx, tx, a, groupID, actor, false, false)
		if err != nil {
			return err
		}
		if err := counterAccess(st); err != nil {
			return err
		}
		out, err = tx.GroupCounters(ctx, a.SDKAppID, groupID)
		return err
	})
	if err != nil {
		return nil, wrap(err, "counters of %s", groupID)
	}
	if len(keys) > 0 {
		only := make(map[string]int64, len(keys))
		for _, k := range keys {
			if v, ok := out[k]; ok {
				only[k] = v
			}
		}
		out = only
	}
	return out, nil
}

// DeleteCounters removes keys from groupID's counters, all of them when
// keys is empty, and returns the keys that were there.
func (s *Service) DeleteCounters(ctx context.Context, a *app.App, actor Actor, groupID string, keys []string) ([]string, error) {
	if err := checkCounterKeys(keys); err != nil {
		return nil, err
	}
	if err := checkExisting(groupID); err != nil {
		return nil, err
	}
	var deleted []string
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		deleted = deleted[:0]
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if err := counterAccess(st); err != nil {
			return err
		}
		old, err := tx.GroupCounters(ctx, a.SDKAppID, groupID)
		if err != nil {
			return err
		}
		if len(keys) == 0 {
			deleted = append(deleted, sortedKeys64(old)...)
		} else {
			for _, k := range keys {
				if _, ok := old[k]; ok && !slices.Contains(deleted, k) {
					deleted = append(deleted, k)
				}
			}
		}
		if len(deleted) == 0 {
			return nil
		}
		return tx.DeleteGroupCounters(ctx, a.SDKAppID, groupID, deleted)
	})
	if err != nil {
		return nil, wrap(err, "delete counters of %s", groupID)
	}
	if len(deleted) > 0 {
		s.push(a, groupID, PushCountersChanged, PushCounters{GroupID: groupID, Operator: actor.User, Counters: map[string]int64{},
			Deleted: deleted}, actor.Origin)
	}
	return deleted, nil
}

func sortedKeys64(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
