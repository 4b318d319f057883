package message

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
)

// AVChatRoom messages: never stored, never counted; the only trace one
// leaves is its entry in the room's ring of recent messages when the app
// gives new members the history (app.Switches.AVChatRoomNewMemberHistory).

// CodeGroupInvalidParam is the group APIs' invalid parameter (10004).
const CodeGroupInvalidParam = 10004

// RecentRingSize is how many messages a room's ring keeps: the seed's "up
// to 20 messages" for a new member.
const RecentRingSize = 20

// keepRecent puts m in g's ring when g is a room of an app that gives new
// members the history. The ring lives in the store (20 rows per room at
// most, rewritten in place), so a member joining on any node reads what
// was said on every node; it costs one small write per message, and only
// for apps that turned the feature on. A failure costs the new members of
// the room this message, never the send.
func (s *Service) keepRecent(ctx context.Context, a *app.App, g store.Group, m store.Message) {
	if g.Type != rules.AVChatRoom || !a.Switches.AVChatRoomNewMemberHistory {
		return
	}
	_ = s.Store.Write(ctx, func(tx Tx) error {
		return tx.AppendRecentMessage(ctx, a.SDKAppID, g.ID, m, RecentRingSize)
	})
}

// BroadcastRequest is one message to every AVChatRoom of an app (REST
// send_broadcast_msg).
type BroadcastRequest struct {
	From    string
	Random  uint32
	Content Content
}

// broadcastPage is how many rooms one read of the broadcast lists.
const broadcastPage = 1000

// SendBroadcast sends one message to every AVChatRoom of a: composed and
// validated once, then published once per room (each room's members hear
// it through the room's subject, as any room message), never stored. It
// returns the message and how many rooms it went to. Rooms are read a page
// at a time, so memory is bounded whatever their number; a room created
// during the walk may or may not get it.
func (s *Service) SendBroadcast(ctx context.Context, a *app.App, req BroadcastRequest) (Sent, int, error) {
	if req.From == "" {
		return Sent{}, 0, errcode.Newf(CodeGroupInvalidParam, "Err_Group_From_Account_Empty: who sends?")
	}
	m, err := s.compose(a, req.From, req.Random, "", req.Content, 0)
	if err != nil {
		return Sent{}, 0, err
	}
	sent := Sent{Message: m, Key: MsgKey(m), Dropped: true}
	rooms, after := 0, ""
	for {
		var page []string
		err := s.Store.Read(ctx, func(tx Tx) (err error) {
			page, err = tx.GroupsOfType(ctx, a.SDKAppID, rules.AVChatRoom, after, broadcastPage)
			return err
		})
		if err != nil {
			return Sent{}, rooms, errcode.Wrapf(err, "message: rooms of app %d", a.SDKAppID)
		}
		for _, room := range page {
			one := sent
			one.Message.ConvKey = convid.Group(room).Key(req.From)
			s.keepRecent(ctx, a, store.Group{ID: room, Type: rules.AVChatRoom}, one.Message)
			s.publishGroupNew(a, &one, nil, nil, nil)
			rooms++
		}
		if len(page) < broadcastPage {
			return sent, rooms, nil
		}
		after = page[len(page)-1]
	}
}
