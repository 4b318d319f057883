package message

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/store"
)

// recallOthersRule is who may recall other members' messages in a group of
// groupType: the members who moderate it, as for kicks (rules.Kick): the
// owner of a Work group, the owner and admins of Public, Meeting and
// Community groups (an admin over common members only). AVChatRoom
// messages are not stored and cannot be recalled. Their recall has no
// time window; a member recalling their own message has the app's.
func recallOthersRule(groupType string) rules.Who {
	r := rules.OrWork(groupType)
	if !r.Stored {
		return rules.Nobody
	}
	return r.Kick
}

// mayRecallOthers reports whether by may recall sender's message in group
// c by their roles.
func mayRecallOthers(ctx context.Context, tx Tx, a *app.App, c conv, by, sender string) (bool, error) {
	who := recallOthersRule(c.group.Type)
	if who != rules.Owner && who != rules.OwnerAndAdmins {
		return false, nil
	}
	ms, err := tx.GroupMembersAmong(ctx, a.SDKAppID, c.group.ID, []string{by, sender})
	if err != nil {
		return false, err
	}
	byRole, senderRole := 0, store.RoleMember // a sender who left counts as a common member
	for _, m := range ms {
		if m.User == by {
			byRole = m.Role
		}
		if m.User == sender {
			senderRole = m.Role
		}
	}
	switch {
	case byRole == store.RoleOwner:
		return true, nil
	case who == rules.OwnerAndAdmins && byRole == store.RoleAdmin:
		return senderRole == store.RoleMember, nil
	}
	return false, nil
}
