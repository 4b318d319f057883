package server

import (
	"github.com/parleyim/parley/internal/gateway"
	grouppkg "github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/store"
)

// groupDelivery is the group service's Delivery over the gateway: a group
// push is encoded once as a push frame (seq 0: group pushes are not in any
// user's change log) and published once on the group's subject.
type groupDelivery struct{ g *gateway.Gateway }

func (d groupDelivery) JoinedGroup(app uint64, group, user string) { d.g.JoinedGroup(app, group, user) }
func (d groupDelivery) LeftGroup(app uint64, group, user string)   { d.g.LeftGroup(app, group, user) }

func (d groupDelivery) PushGroup(app uint64, group, kind string, data any, origin any) {
	p := gateway.GroupPush{Frame: gateway.PushFrame(kind, 0, data), Origin: origin}
	if deleted, ok := data.(grouppkg.PushTopicsDeleted); ok {
		// Each node forgets the deleted topics' message order.
		p.EndedTopics = deleted.TopicIDList
	}
	if err := d.g.PublishGroup(app, group, p); err != nil {
		// The service validated the group ID; this is a bug, not a
		// client's error. Members resync on reconnect.
		d.g.Logger.Error("group push refused", "sdkappid", app, "group", group, "kind", kind, "error", err.Error())
	}
}

// PushRecent is group.RecentDelivery: a new room member's recent history.
func (d groupDelivery) PushRecent(app uint64, user string, origin any, msgs []store.Message) {
	d.g.PushRecent(app, user, origin, msgs)
}

// OnlineMembers is group.OnlineCounter: a lone node counts its sessions.
func (d groupDelivery) OnlineMembers(app uint64, group string) (int, bool) {
	return d.g.OnlineMembers(app, group)
}
