package gateway

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
)

// Group attribute and counter ops (V2TIM initGroupAttributes,
// setGroupAttributes, deleteGroupAttributes, getGroupAttributes,
// setGroupCounters, getGroupCounters, increaseGroupCounter,
// decreaseGroupCounter) as the logged-in member, on the group service: the
// limits, codes (2641, 2642, 10045-10049, 10063) and pushes
// (group.attributes_changed with the whole map, group.counters_changed)
// are its own, the same for REST.

func (g *Gateway) chatGroupAttrOps() {
	g.ops["group.initAttributes"] = g.needGroups(g.chatGroupInitAttributes)
	g.ops["group.setAttributes"] = g.needGroups(g.chatGroupSetAttributes)
	g.ops["group.deleteAttributes"] = g.needGroups(g.chatGroupDeleteAttributes)
	g.ops["group.getAttributes"] = g.needGroups(g.chatGroupGetAttributes)
	g.ops["group.setCounters"] = g.needGroups(g.chatGroupSetCounters)
	g.ops["group.getCounters"] = g.needGroups(g.chatGroupGetCounters)
	g.ops["group.increaseCounter"] = g.needGroups(g.chatGroupChangeCounter(group.CounterIncrease))
	g.ops["group.decreaseCounter"] = g.needGroups(g.chatGroupChangeCounter(group.CounterDecrease))
}

type groupAttrsRequest struct {
	GroupID    string            `json:"groupID"`
	Attributes map[string]string `json:"attributes"`
}

type groupKeysRequest struct {
	GroupID string   `json:"groupID"`
	Keys    []string `json:"keys"`
}

func attrsAnswer(groupID string, attrs map[string]string) any {
	if attrs == nil {
		attrs = map[string]string{}
	}
	return map[string]any{"groupID": groupID, "attributes": attrs}
}

func (g *Gateway) chatGroupInitAttributes(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d groupAttrsRequest
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	attrs, err := g.GroupService.InitAttributes(ctx, c.app, c.member(), d.GroupID, d.Attributes)
	if err != nil {
		return nil, err
	}
	return attrsAnswer(d.GroupID, attrs), nil
}

func (g *Gateway) chatGroupSetAttributes(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d groupAttrsRequest
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	attrs, err := g.GroupService.SetAttributes(ctx, c.app, c.member(), d.GroupID, d.Attributes)
	if err != nil {
		return nil, err
	}
	return attrsAnswer(d.GroupID, attrs), nil
}

// chatGroupDeleteAttributes deletes keys, or every attribute when keys is
// absent or empty, and answers the keys that were deleted (web's keyList).
func (g *Gateway) chatGroupDeleteAttributes(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d groupKeysRequest
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	deleted, err := g.GroupService.DeleteAttributes(ctx, c.app, c.member(), d.GroupID, d.Keys)
	if err != nil {
		return nil, err
	}
	if deleted == nil {
		deleted = []string{}
	}
	return map[string]any{"groupID": d.GroupID, "keys": deleted}, nil
}

func (g *Gateway) chatGroupGetAttributes(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d groupKeysRequest
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	attrs, err := g.GroupService.Attributes(ctx, c.app, c.member(), d.GroupID, d.Keys)
	if err != nil {
		return nil, err
	}
	return attrsAnswer(d.GroupID, attrs), nil
}

func countersAnswer(groupID string, counters map[string]int64) any {
	if counters == nil {
		counters = map[string]int64{}
	}
	return map[string]any{"groupID": groupID, "counters": counters}
}

func (g *Gateway) chatGroupSetCounters(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID  string           `json:"groupID"`
		Counters map[string]int64 `json:"counters"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	counters, err := g.GroupService.SetCounters(ctx, c.app, c.member(), d.GroupID, d.Counters)
	if err != nil {
		return nil, err
	}
	return countersAnswer(d.GroupID, counters), nil
}

func (g *Gateway) chatGroupGetCounters(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d groupKeysRequest
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	counters, err := g.GroupService.Counters(ctx, c.app, c.member(), d.GroupID, d.Keys)
	if err != nil {
		return nil, err
	}
	return countersAnswer(d.GroupID, counters), nil
}

// chatGroupChangeCounter is increaseCounter or decreaseCounter: {groupID,
// key, value}, answered with the counter's new value.
func (g *Gateway) chatGroupChangeCounter(mode string) opFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
		var d struct {
			GroupID string `json:"groupID"`
			Key     string `json:"key"`
			Value   *int64 `json:"value"`
		}
		if err := decode(data, &d); err != nil {
			return nil, err
		}
		if d.Value == nil {
			return nil, errcode.New(group.CodeInvalidParam, "Err_Group_Counter_Value_Missing: value is required")
		}
		counters, err := g.GroupService.UpdateCounters(ctx, c.app, c.member(), d.GroupID, mode, map[string]int64{d.Key: *d.Value})
		if err != nil {
			return nil, err
		}
		return map[string]any{"groupID": d.GroupID, "key": d.Key, "value": counters[d.Key]}, nil
	}
}
