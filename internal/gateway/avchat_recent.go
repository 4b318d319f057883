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
