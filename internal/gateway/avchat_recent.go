package gateway

import (
	"github.com/parleyim/parley/internal/store"
)

// PushRecent gives a new member of an AVChatRoom the room's recent history
// (group.RecentDelivery): each message as the msg.new push a member online
// when it was sent got, oldest first. origin, the connection that joined,
// gets them directly; without one (nil) every session of user does.
func (g *Gateway) PushRecent(app uint64, user string, origin any, msgs []store.Message) {
	c, _ := origin.(*conn)
	for _, m := range msgs {
		frame := PushFrame("msg.new", 0, wireMessage(m))
		if c != nil {
			c.Push(frame)
			continue
		}
		g.PublishUser(app, user, frame)
	}
}

// OnlineMembers counts the users with a session on this node in group
// (each once, whatever their devices); ok is false when the node is one
// of a cluster (a session directory), whose count is the directory's. The
// cost is one pass over the group's local sessions, for a count clients
// ask for at most once a minute.
func (g *Gateway) OnlineMembers(app uint64, group string) (n int, ok bool) {
	if g.directory != nil {
		return 0, false
	}
	members := g.groups.members(groupKey{app, group})
	seen := make(map[string]struct{}, len(members))
	for _, m := range members {
		seen[m.user] = struct{}{}
	}
	return len(seen), true
}
