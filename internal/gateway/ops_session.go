package gateway

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/presence"
	"github.com/parleyim/parley/internal/store"
)

// Sync limits.
const (
	defaultSyncLimit = 100
	maxSyncLimit     = 500
)

func (g *Gateway) userOps() {
	g.ops["ping"] = func(context.Context, *conn, json.RawMessage) (any, error) {
		return map[string]int64{"serverTime": time.Now().Unix()}, nil
	}
	g.ops["logout"] = g.logout
	g.ops["sync"] = g.sync
	g.ops["user.get"] = g.userGet
	g.ops["user.setSelf"] = g.userSetSelf
}

func (g *Gateway) logout(_ context.Context, c *conn, _ json.RawMessage) (any, error) {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	g.Presence.Remove(s)
	if c.ending(endLogout, 0) {
		c.logSession("session logout")
		c.stateLogout()
	}
	// The answer is the connection's last frame (Gateway.run): nothing
	// queued after it runs, and the socket closes once it is written.
	return struct{}{}, nil
}

type syncEvent struct {
	Seq     uint64   `json:"seq"`
	Kind    string   `json:"kind"`
	UserIDs []string `json:"userIDs"`
	Time    int64    `json:"time"`
	// Conversation events name conversations, or conversation groups.
	ConversationIDs []string `json:"conversationIDs,omitempty"`
	Names           []string `json:"names,omitempty"`
}

func (g *Gateway) sync(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		After uint64 `json:"after"`
		Limit int    `json:"limit"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	// limit is a page size: 0 (absent) is the default, more than the cap is
	// the cap (the answer says complete false); a negative one is a client
	// bug worth telling.
	if d.Limit < 0 {
		return nil, errcode.Newf(CodeInvalidRequest, "limit must not be negative (0 is the default %d, at most %d)", defaultSyncLimit, maxSyncLimit)
	}
	limit := d.Limit
	if limit == 0 {
		limit = defaultSyncLimit
	}
	limit = min(limit, maxSyncLimit)
	s := c.session
	var entries []store.UserEvent
	var latest uint64
	err := g.Store.Read(ctx, func(tx store.Tx) (err error) {
		if latest, err = tx.UserEventSeq(ctx, s.App, s.User); err != nil {
			return err
		}
		// A position at or beyond the log has nothing after it (the
		// protocol's contract: beyond is a reset), whatever its size: a seq
		// of 2^63 or more is not even storable, so it is not asked for.
		if d.After >= latest {
			return nil
		}
		entries, err = tx.UserEventsAfter(ctx, s.App, s.User, d.After, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	// A log pruned past the client's position, or a position the log never
	// reached, cannot be replayed: the client reloads and continues from
	// latestSeq.
	reset := d.After > latest || (d.After < latest && (len(entries) == 0 || entries[0].Seq != d.After+1))
	events := make([]syncEvent, 0, len(entries))
	if !reset {
		for _, e := range event.FromLog(entries) {
			ids := e.Peers
			if ids == nil {
				ids = []string{}
			}
			events = append(events, conversationSyncEvent(syncEvent{Seq: e.Seq, Kind: string(e.Kind), UserIDs: ids, Time: e.Time}))
		}
	}
	complete := reset || len(entries) == 0 || entries[len(entries)-1].Seq >= latest
	return map[string]any{"events": events, "latestSeq": latest, "complete": complete, "reset": reset}, nil
}

var _ presence.Endpoint = (*conn)(nil)
