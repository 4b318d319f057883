package gateway

// Session state changes for the outbox (State.StateChange): each is queued
// by account.Service.RecordState, which never blocks and does nothing when
// no consumer wants them.

import (
	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/presence"
)

func (c *conn) recordState(action, reason, kickReason string, kicked ...string) {
	c.mu.Lock()
	s := c.session
	c.mu.Unlock()
	if s == nil {
		return
	}
	c.g.Accounts.RecordState(account.Session{App: s.App, User: s.User, Platform: s.Platform}, action, reason, kickReason, kicked...)
}

// stateLogin records a login and the platforms it pushed out, on this
// node or others.
func (c *conn) stateLogin(k presence.Kicks) {
	platforms := make([]string, 0, len(k.Local)+len(k.Remote))
	for _, s := range k.Local {
		platforms = append(platforms, s.Platform)
	}
	for _, r := range k.Remote {
		platforms = append(platforms, r.Platform)
	}
	c.recordState(outbox.ActionLogin, outbox.ReasonRegister, "", platforms...)
}

func (c *conn) stateLogout() { c.recordState(outbox.ActionLogout, outbox.ReasonUnregister, "") }

func (c *conn) stateKicked(reason string) {
	c.recordState(outbox.ActionLogout, outbox.ReasonKicked, reason)
}

// stateDisconnected records a session that ended without a logout or a
// kick; a missed heartbeat is Tencent's TimeOut, any other end LinkClose.
func (c *conn) stateDisconnected(reason string) {
	r := outbox.ReasonLinkClose
	if reason == "heartbeat_timeout" {
		r = outbox.ReasonTimeOut
	}
	c.recordState(outbox.ActionDisconnect, r, "")
}
