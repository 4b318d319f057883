package sdk

import (
	"context"
	"encoding/json"
)

// Group attributes and counters (V2TIMGroupManager's initGroupAttributes,
// setGroupAttributes, deleteGroupAttributes, getGroupAttributes,
// setGroupCounters, getGroupCounters, increaseGroupCounter and
// decreaseGroupCounter) over the group.*Attributes and group.*Counter ops.
// The server's limits and codes apply: attributes only in an AVChatRoom
// (2641) the user has joined (2642), at most 16 keys of 32 bytes (10047,
// 10045), values of 4 KB (10046), 16 KB in all (10048), five writes a
// second per group (10049); at most 20 counters per group (10063), none in
// a Community (10007). Changes reach the group listeners of the other
// members (OnGroupAttributeChanged with the whole map,
// OnGroupCounterChanged per counter) and of this user's other devices.

// InitGroupAttributes replaces every attribute of groupID with attrs.
func (g *GroupManager) InitGroupAttributes(ctx context.Context, groupID string, attrs map[string]string) error {
	return g.m.call(ctx, "group.initAttributes", map[string]any{"groupID": groupID, "attributes": nonNilAttrs(attrs)}, nil)
}

// SetGroupAttributes adds or replaces the attributes of attrs, leaving the
// others.
func (g *GroupManager) SetGroupAttributes(ctx context.Context, groupID string, attrs map[string]string) error {
	return g.m.call(ctx, "group.setAttributes", map[string]any{"groupID": groupID, "attributes": nonNilAttrs(attrs)}, nil)
}

// DeleteGroupAttributes deletes keys, or every attribute when keys is nil
// or empty.
func (g *GroupManager) DeleteGroupAttributes(ctx context.Context, groupID string, keys []string) error {
	return g.m.call(ctx, "group.deleteAttributes", map[string]any{"groupID": groupID, "keys": nonNilKeys(keys)}, nil)
}

// GetGroupAttributes returns the attributes of keys that exist, or all of
// them when keys is nil or empty.
func (g *GroupManager) GetGroupAttributes(ctx context.Context, groupID string, keys []string) (map[string]string, error) {
	var ans struct {
		Attributes map[string]string `json:"attributes"`
	}
	err := g.m.call(ctx, "group.getAttributes", map[string]any{"groupID": groupID, "keys": nonNilKeys(keys)}, &ans)
	return ans.Attributes, err
}

// SetGroupCounters sets counters and returns them as stored.
func (g *GroupManager) SetGroupCounters(ctx context.Context, groupID string, counters map[string]int64) (map[string]int64, error) {
	var ans struct {
		Counters map[string]int64 `json:"counters"`
	}
	err := g.m.call(ctx, "group.setCounters", map[string]any{"groupID": groupID, "counters": counters}, &ans)
	return ans.Counters, err
}

// GetGroupCounters returns the counters of keys that exist, or all of them
// when keys is nil or empty.
func (g *GroupManager) GetGroupCounters(ctx context.Context, groupID string, keys []string) (map[string]int64, error) {
	var ans struct {
		Counters map[string]int64 `json:"counters"`
	}
	err := g.m.call(ctx, "group.getCounters", map[string]any{"groupID": groupID, "keys": nonNilKeys(keys)}, &ans)
	return ans.Counters, err
}

// IncreaseGroupCounter adds value to counter key (a new counter starts at
// 0) and returns {key: new value}, as V2TIM's callback does.
func (g *GroupManager) IncreaseGroupCounter(ctx context.Context, groupID, key string, value int64) (map[string]int64, error) {
	return g.changeCounter(ctx, "group.increaseCounter", groupID, key, value)
}

// DecreaseGroupCounter subtracts value from counter key and returns {key:
// new value}.
func (g *GroupManager) DecreaseGroupCounter(ctx context.Context, groupID, key string, value int64) (map[string]int64, error) {
	return g.changeCounter(ctx, "group.decreaseCounter", groupID, key, value)
}

func (g *GroupManager) changeCounter(ctx context.Context, op, groupID, key string, value int64) (map[string]int64, error) {
	var ans struct {
		Key   string `json:"key"`
		Value int64  `json:"value"`
	}
	if err := g.m.call(ctx, op, map[string]any{"groupID": groupID, "key": key, "value": value}, &ans); err != nil {
		return nil, err
	}
	return map[string]int64{ans.Key: ans.Value}, nil
}

func nonNilAttrs(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func nonNilKeys(keys []string) []string {
	if keys == nil {
		return []string{}
	}
	return keys
}

// onGroupAttrPush reports group.attributes_changed (the whole map) and
// group.counters_changed (each changed counter; deleted counters are not
// reported, as V2TIM has no callback for them). It runs on the callback
// goroutine.
func (m *Manager) onGroupAttrPush(kind string, data json.RawMessage) {
	var d struct {
		GroupID    string            `json:"groupID"`
		Attributes map[string]string `json:"attributes"`
		Counters   map[string]int64  `json:"counters"`
	}
	if json.Unmarshal(data, &d) != nil || d.GroupID == "" {
		m.log.Warn("parley sdk: ignoring an invalid group push", "push", kind)
		return
	}
	g, id := m.groups, d.GroupID
	if kind == "group.attributes_changed" {
		attrs := nonNilAttrs(d.Attributes)
		g.fire(func(l GroupListener) { l.OnGroupAttributeChanged(id, attrs) })
		return
	}
	for _, k := range sortedCounterKeys(d.Counters) {
		v := d.Counters[k]
		g.fire(func(l GroupListener) { l.OnGroupCounterChanged(id, k, v) })
	}
}

func sortedCounterKeys(m map[string]int64) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}
