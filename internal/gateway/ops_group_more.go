package gateway

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/errcode"
)

// Group receive options (V2TIM setGroupReceiveMessageOpt): what a member
// does with the group's messages, shown as the group conversation's
// recvOpt.
func (g *Gateway) chatGroupMoreOps() {
	g.ops["group.setReceiveMessageOpt"] = g.needGroups(g.chatGroupSetRecvOpt)
	g.ops["group.getReceiveMessageOpt"] = g.needGroups(g.chatGroupGetRecvOpt)
}

// GroupRecvOpt is one group's receive option of the logged-in user.
type GroupRecvOpt struct {
	GroupID string `json:"groupID"`
	Opt     int    `json:"opt"` // 0 receive, 1 not_receive, 2 receive_not_notify
}

func (g *Gateway) chatGroupSetRecvOpt(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupID string `json:"groupID"`
		Opt     *int   `json:"opt"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Opt == nil {
		return nil, errcode.New(CodeInvalidRequest, "opt: 0 receive, 1 not_receive, 2 receive_not_notify")
	}
	return struct{}{}, g.GroupService.SetRecvOpt(ctx, c.app, c.member(), d.GroupID, c.session.User, *d.Opt)
}

func (g *Gateway) chatGroupGetRecvOpt(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		GroupIDs []string `json:"groupIDList"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	opts, err := g.GroupService.RecvOpts(ctx, c.app, c.session.User, d.GroupIDs)
	if err != nil {
		return nil, err
	}
	out := make([]GroupRecvOpt, len(opts))
	for i, o := range opts {
		out[i] = GroupRecvOpt{GroupID: d.GroupIDs[i], Opt: o}
	}
	return map[string]any{"opts": out}, nil
}
