package group

import (
	"context"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Applications returns the pending join applications to the groups where
// actor is owner or admin, oldest first (at most MaxApplications).
func (s *Service) Applications(ctx context.Context, a *app.App, actor Actor) ([]store.GroupApplication, error) {
	var out []store.GroupApplication
	err := s.Store.Read(ctx, func(tx Tx) (err error) {
		out, err = tx.GroupApplicationsFor(ctx, a.SDKAppID, actor.User, MaxApplications)
		return err
	})
	return out, wrap(err, "applications for %s", actor.User)
}

// HandleApplication accepts or refuses applicant's pending application to
// groupID: the type's Approve rule (owner and admins). The application is
// taken in the handler's write, so once one handler has it no other can
// (10007). The applicant hears group.application_accepted or _refused; an
// accepted one becomes a member (the cap and joined-group limit apply) and
// every online member hears member_entered.
func (s *Service) HandleApplication(ctx context.Context, a *app.App, actor Actor, groupID, applicant string, accept bool) error {
	if applicant == "" {
		return newErr(CodeInvalidParam, "Err_Group_Account_Empty: whose application?")
	}
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		events = events[:0]
		st, err := load(ctx, tx, a, groupID, actor, true, false)
		if err != nil {
			return err
		}
		if err := st.permit(st.r.Approve, actor, rules.RoleMember, "handling applications"); err != nil {
			return err
		}
		_, ok, err := tx.TakeGroupApplication(ctx, a.SDKAppID, groupID, applicant)
		if err != nil {
			return err
		}
		if !ok {
			return newErr(CodeNoPermission, "Err_Group_Application_Handled: no pending application of %q to %q", applicant, groupID)
		}
		if !accept {
			events = append(events, logged(a.SDKAppID, KindApplicationRefused, applicant, groupID, actor.User))
			return nil
		}
		if _, err := add(ctx, tx, a, &st, applicant, rules.RoleMember, s.now().Unix()); err != nil {
			return err
		}
		events = append(events, logged(a.SDKAppID, KindApplicationAccepted, applicant, groupID, actor.User))
		return s.outboxJoined(ctx, tx, a, st, outbox.JoinTypeApply, operatorOf(actor), []string{applicant})
	})
	if err != nil {
		return wrap(err, "handle %s's application to %s", applicant, groupID)
	}
	if accept {
		s.joined(a, groupID, applicant)
		s.push(a, groupID, PushMemberEntered, PushUsers{GroupID: groupID, Operator: actor.User, UserIDs: []string{applicant}}, actor.Origin)
	}
	return nil
}
