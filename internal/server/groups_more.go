package server

import "github.com/parleyim/parley/internal/gateway"

// PushGroupTo is group.TargetedDelivery: one publish on the group's
// subject that only the listed members' sessions hear.
func (d groupDelivery) PushGroupTo(app uint64, group, kind string, data any, members []string) {
	if err := d.g.PublishGroup(app, group, gateway.GroupPush{Frame: gateway.PushFrame(kind, 0, data), Only: members}); err != nil {
		d.g.Logger.Error("group push refused", "sdkappid", app, "group", group, "kind", kind, "error", err.Error())
	}
}
