package message

import (
	"context"
	"errors"
	"slices"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
)

// GroupSendRequest is one message to a group.
type GroupSendRequest struct {
	From    string
	GroupID string
	Random  uint32
	// ClientMsgID, when set, is the sender's idempotency key; otherwise a
	// retry is recognised by the same Random and content.
	ClientMsgID       string
	Content           Content
	OnlineOnly        bool
	ExcludeFromUnread bool
	ExcludeFromLast   bool
	// Targets, when set, are the only members who get the message, with
	// the sender (a targeted message); NeedReadReceipt asks for read
	// receipts; Priority orders sends under the group's rate limit
	// (group_targeted.go, group_receipts.go, group_ratelimit.go).
	Targets         []string
	NeedReadReceipt bool
	Priority        Priority
	// Admin sends (the REST API) need not come from a member.
	Admin  bool
	Origin any // the connection sending, not echoed to
}

// SendGroup stores a group message once, with the group's next seq, and
// answers once it is durable. The group's policy decides: only members
// send (10007; admins may without being one), a group that stores no
// messages (AVChatRoom) or an online-only message is never stored nor
// counted. No member's row is written but the sender's own-message
// counter, so a send costs the same in a group of 3 or of 100,000.
//
// The new message is published once for the whole group: the gateway's
// group delivery carries it to every online member session on every node
// (the broker's group subjects), the sender's other devices included.
func (s *Service) SendGroup(ctx context.Context, a *app.App, req GroupSendRequest) (Sent, error) {
	if sent, done, err := s.beforeSendGroup(ctx, a, &req); done {
		return sent, err
	}
	m, err := s.compose(a, req.From, req.Random, req.ClientMsgID, req.Content, sendFlags(req.ExcludeFromUnread, req.ExcludeFromLast, false))
	if err != nil {
		return Sent{}, err
	}
	id := convid.Group(req.GroupID)
	m.ConvKey = id.Key(req.From)
	var c conv
	var ext groupExt
	var notReceiving []string
	// As for one-to-one sends, the rules are checked on the read side.
	err = s.Store.Read(ctx, func(tx Tx) (err error) {
		if c, err = resolve(ctx, tx, a, req.From, id, req.Admin); err != nil {
			return err
		}
		if notReceiving, err = notReceivingOf(ctx, tx, a, req.GroupID); err != nil {
			return err
		}
		if c.member {
			if err := checkNotMuted(ctx, tx, a, c.group, req.From, m.SentAt/1000); err != nil {
				return err
			}
		}
		ext, err = s.prepareGroupExt(ctx, tx, a, c, req, &m)
		return err
	})
	if err != nil {
		return Sent{}, errcode.Wrapf(err, "message: resolve group %s for %s", req.GroupID, req.From)
	}
	if err := s.admitGroupSend(a, req.GroupID, req.Priority); err != nil {
		return Sent{}, err
	}
	sent := Sent{Message: m, Key: MsgKey(m)}
	if req.OnlineOnly || !c.policy.Stored {
		sent.Dropped = true
		if !req.OnlineOnly {
			s.keepRecent(ctx, a, c.group, sent.Message)
		}
		s.publishGroupNew(a, &sent, req.Origin, ext.only(req.From), notReceiving)
		return sent, nil
	}
	err = s.Store.Write(ctx, func(tx Tx) error {
		stored, dup, err := tx.AppendMessage(ctx, m)
		if errors.Is(err, store.ErrNoGroup) {
			// Dismissed between the check and the write.
			return errcode.Newf(CodeNoSuchGroup, "Err_Group_Not_Exist: %q", req.GroupID)
		}
		sent.Message, sent.Duplicate = stored, dup
		if err != nil || dup {
			return err
		}
		if err := ext.record(ctx, tx, a.SDKAppID, req.GroupID, stored.Seq); err != nil {
			return err
		}
		return s.outboxGroupSent(ctx, tx, a, c.group, stored, req.Admin)
	})
	if err != nil {
		return Sent{}, errcode.Wrapf(err, "message: send to group %s from %s", req.GroupID, req.From)
	}
	sent.Key = MsgKey(sent.Message)
	if !sent.Duplicate {
		s.outboxCommitted(a, outboxKindGroupSent)
		s.publishGroupNew(a, &sent, req.Origin, ext.only(req.From), notReceiving)
	}
	return sent, nil
}

// publishGroupNew announces a new group message: to only when it is not
// nil (a targeted message), else to every member but those in except
// (their receive option is not_receive). A listed receiver who does not
// receive the group's messages is left out of only as well.
func (s *Service) publishGroupNew(a *app.App, sent *Sent, origin any, only, except []string) {
	if only != nil && len(except) > 0 {
		only = slices.DeleteFunc(slices.Clone(only), func(u string) bool { return slices.Contains(except, u) })
		if len(only) == 0 {
			return
		}
		except = nil
	}
	s.Events.Publish(event.Event{App: a.SDKAppID, Kind: event.MessageNew, User: sent.Message.Sender, Message: &sent.Message, Origin: origin,
		Only: only, Except: except})
}

// ConversationOf is user's view of a conversation (false when there is
// none: no message yet, or not a member of the group), with its unread
// count as the kind's policy counts it.
func (s *Service) ConversationOf(ctx context.Context, a *app.App, user string, id convid.ID) (store.Conversation, bool, error) {
	var c conv
	var view store.Conversation
	var ok bool
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		if c, err = resolve(ctx, tx, a, user, id, true); err != nil {
			return err
		}
		view, ok, err = tx.Conversation(ctx, a.SDKAppID, user, c.key)
		return err
	})
	if ok && c.policy.Unread&UnreadExcludesEverything != 0 {
		view.Unread = 0
	}
	return view, ok, errcode.Wrapf(err, "message: conversation %s of %s", id, user)
}

// UserGroups returns the groups user is a member of in app: what the
// gateway's group delivery subscribes a logging-in user's sessions to
// (gateway.GroupDirectory).
func (s *Service) UserGroups(ctx context.Context, app uint64, user string) ([]string, error) {
	var groups []string
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		groups, err = tx.MemberGroups(ctx, store.AppID(app), user)
		return err
	})
	return groups, errcode.Wrapf(err, "message: groups of %s", user)
}

// checkNotMuted refuses (10017) a member muted until after now (unix s),
// and a common member of a group muted as a whole; the owner and admins
// still speak when all are muted. A sender who is not a member (the app's
// admin) is never muted. In a topic, a mute in that topic counts too.
func checkNotMuted(ctx context.Context, tx Tx, a *app.App, g store.Group, user string, now int64) error {
	m, ok, err := tx.GroupMember(ctx, a.SDKAppID, memberGroupOf(g.ID), user)
	if err != nil || !ok {
		return err
	}
	if m.MuteUntil > now {
		return errcode.Newf(CodeMuted, "Err_Group_Member_Muted: %q is muted in %q until %d", user, g.ID, m.MuteUntil)
	}
	if g.MuteAll && m.Role == rules.RoleMember {
		return errcode.Newf(CodeMuted, "Err_Group_All_Muted: %q is muted as a whole", g.ID)
	}
	return checkTopicMute(ctx, tx, a, g, user, now)
}

// GroupMessages is a group's stored messages as the app's admin reads them
// (REST group_msg_get_simple): up to limit with seq at most before (0: the
// newest), newest first, recalled ones included (Status says so). A type
// that stores no messages (AVChatRoom) is refused (10007).
func (s *Service) GroupMessages(ctx context.Context, a *app.App, groupID string, before uint64, limit int) ([]store.Message, error) {
	var out []store.Message
	err := s.Store.Read(ctx, func(tx Tx) error {
		c, err := resolve(ctx, tx, a, "", convid.Group(groupID), true)
		if err != nil {
			return err
		}
		if !c.policy.Stored {
			return errcode.Newf(CodeNoPermission, "Err_Group_Type_Not_Support: %s groups store no messages", c.group.Type)
		}
		out, err = tx.LatestMessages(ctx, a.SDKAppID, c.key, before, limit)
		return err
	})
	return out, errcode.Wrapf(err, "message: messages of group %s", groupID)
}

// GroupMessageKey is the MsgKey of groupID's message seq, for a recall by
// seq (REST group_msg_recall); false when there is none.
func (s *Service) GroupMessageKey(ctx context.Context, a *app.App, groupID string, seq uint64) (string, bool, error) {
	var key string
	var ok bool
	err := s.Store.Read(ctx, func(tx Tx) error {
		m, found, err := tx.Message(ctx, a.SDKAppID, convid.GroupKey(groupID), seq)
		key, ok = MsgKey(m), found
		return err
	})
	return key, ok, errcode.Wrapf(err, "message: message %d of group %s", seq, groupID)
}
