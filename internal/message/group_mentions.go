package message

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/store"
)

// GroupAt is one entry of a group message's GroupAtInfo (the REST API's
// shape, kept in the stored body so every receiver sees whom it mentions):
// GroupAtAllFlag 1 mentions everyone, 0 the member GroupAt_Account.
type GroupAt struct {
	GroupAtAllFlag int    `json:"GroupAtAllFlag"`
	GroupAtAccount string `json:"GroupAt_Account,omitempty"`
}

// MaxMentions bounds the members one message lists (@all aside): each
// costs a row, so a message's cost stays bounded whatever the group's
// size. The seeds give no number; a hundred is far past a typed message.
const MaxMentions = 100

// AtAllLabel is the user ID the SDKs put in atUserList for @all.
const AtAllLabel = store.AtAllLabel

// AtUsers turns V2TIM's atUserList (user IDs, AtAllLabel for everyone)
// into GroupAtInfo.
func AtUsers(users []string) []GroupAt {
	out := make([]GroupAt, 0, len(users))
	for _, u := range users {
		if u == AtAllLabel {
			out = append(out, GroupAt{GroupAtAllFlag: 1})
		} else {
			out = append(out, GroupAt{GroupAtAccount: u})
		}
	}
	return out
}

// mentions is what one message mentions, resolved against the group.
type mentions struct {
	users []string // members, each once
	all   bool
}

// mentionsOf validates content's GroupAtInfo (10004: a flag other than
// 0/1, an entry without an account, more than MaxMentions) and keeps the
// listed users who are members other than the sender (a mention of anyone
// else reaches no conversation).
func mentionsOf(ctx context.Context, tx Tx, a *app.App, c conv, sender string, at []GroupAt) (mentions, error) {
	var m mentions
	if len(at) == 0 {
		return m, nil
	}
	var listed []string
	seen := map[string]bool{}
	for i, e := range at {
		switch {
		case e.GroupAtAllFlag == 1:
			m.all = true
		case e.GroupAtAllFlag != 0:
			return m, errcode.Newf(CodeGroupBadParam, "Err_Group_At_Flag_Invalid: GroupAtInfo[%d].GroupAtAllFlag must be 0 or 1", i)
		case e.GroupAtAccount == "":
			return m, errcode.Newf(CodeGroupBadParam, "Err_Group_At_Account_Empty: GroupAtInfo[%d] names no account", i)
		case !seen[e.GroupAtAccount]:
			seen[e.GroupAtAccount] = true
			listed = append(listed, e.GroupAtAccount)
		}
	}
	if len(listed) > MaxMentions {
		return m, errcode.Newf(CodeGroupBadParam, "Err_Group_At_Too_Many: %d members mentioned, at most %d", len(listed), MaxMentions)
	}
	if len(listed) == 0 {
		return m, nil
	}
	members, err := tx.GroupMembersAmong(ctx, a.SDKAppID, c.group.ID, listed)
	if err != nil {
		return m, err
	}
	in := map[string]bool{}
	for _, gm := range members {
		in[gm.User] = true
	}
	for _, u := range listed {
		if in[u] && u != sender {
			m.users = append(m.users, u)
		}
	}
	return m, nil
}

// GroupAtInfo returns user's unread mentions per group conversation
// (V2TIMConversation.groupAtInfoList): the messages after their read
// cursor that mention them or everyone, ascending by seq; only groupIDs
// when not nil. Reading past a mention clears it. Its cost is the user's
// listed mentions and one row pair per group, whatever the groups' sizes.
func (s *Service) GroupAtInfo(ctx context.Context, a *app.App, user string, groupIDs []string) (map[string][]store.GroupAtInfo, error) {
	var out map[string][]store.GroupAtInfo
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		out, err = tx.GroupAtInfo(ctx, a.SDKAppID, user, groupIDs)
		return err
	})
	return out, errcode.Wrapf(err, "message: at-info of %s", user)
}
