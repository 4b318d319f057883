package webhook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Register adds, for each app with after-callbacks configured, one outbox
// consumer of the kinds its commands are made from. maxAttempts is the
// dispatcher's budget (outbox.Options.MaxAttempts, 8 when zero): a delivery
// failing on its last attempt is counted as dropped and logged here, by
// command, besides the outbox's own count.
func (s *Service) Register(c *outbox.Consumers, maxAttempts int) error {
	if maxAttempts <= 0 {
		maxAttempts = 8
	}
	s.maxAttempts = maxAttempts
	for app, ep := range s.endpoints {
		var kinds []string
		for _, cmd := range Commands {
			if cmd.Kind != "" && cmd.Available && ep.commands[cmd.Name] {
				kinds = append(kinds, cmd.Kind)
			}
		}
		if len(kinds) == 0 {
			continue
		}
		err := c.Register(outbox.Consumer{Name: fmt.Sprintf("webhook-%d", app), Apps: []store.AppID{app}, Kinds: kinds,
			Deliver: func(ctx context.Context, e store.OutboxEntry) error { return s.deliver(ctx, ep, e) }})
		if err != nil {
			return err
		}
	}
	return nil
}

// Fields of a payload that are Parley's and not the callback body's: the
// query carries OptPlatform and ClientIP, and the suppression mark only
// tells this consumer to skip.
var queryFields = []string{"OptPlatform", "ClientIP", "ForbidAfterSendMsgCallback"}

// deliver sends the after-callback of one outbox entry. The answer's code
// is ignored, as at Tencent; no usable answer is an error, which the outbox
// retries with backoff.
func (s *Service) deliver(ctx context.Context, ep *endpoint, e store.OutboxEntry) error {
	cmd := commandOfKind(e.Kind)
	if cmd == nil || !ep.commands[cmd.Name] {
		return nil
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(e.Payload, &fields); err != nil {
		// An entry that cannot be decoded never will be: logged and
		// acknowledged rather than retried.
		s.log.Error("webhook: undecodable outbox entry", "app", e.App, "id", e.ID, "kind", e.Kind, "err", err)
		return nil
	}
	var suppressed bool
	_ = json.Unmarshal(fields["ForbidAfterSendMsgCallback"], &suppressed)
	if suppressed {
		return nil
	}
	var platform, clientIP string
	_ = json.Unmarshal(fields["OptPlatform"], &platform)
	_ = json.Unmarshal(fields["ClientIP"], &clientIP)
	if platform == "" {
		platform = afterPlatform(fields)
	}
	for _, f := range queryFields {
		delete(fields, f)
	}
	if e.Kind == outbox.KindMessageSent {
		// C2C.CallbackAfterSendMsg reports the send's outcome; only
		// stored messages reach the outbox.
		fields["SendMsgResult"] = json.RawMessage("0")
		fields["ErrorInfo"] = json.RawMessage(`""`)
	}
	fields["CallbackCommand"], _ = json.Marshal(cmd.Name)
	body, err := json.Marshal(fields)
	if err != nil {
		return err
	}
	_, err = s.post(ctx, ep, cmd.Name, platform, clientIP, body, true)
	if err != nil && e.Attempts >= s.maxAttempts {
		var ce *callError
		reason := "error"
		if errors.As(err, &ce) {
			reason = ce.reason
		}
		s.metrics.of(cmd.Name).drops.Inc()
		s.log.Error("webhook: callback given up after its last attempt", "app", e.App, "command", cmd.Name,
			"id", e.ID, "attempts", e.Attempts, "reason", reason, "err", err)
	}
	return err
}

// afterPlatform is the OptPlatform of an entry whose payload names none:
// REST-made relationship changes carry their admin; the rest are a
// client's whose platform the entry does not record.
func afterPlatform(fields map[string]json.RawMessage) string {
	var admin string
	_ = json.Unmarshal(fields["Admin_Account"], &admin)
	if admin != "" {
		return platformREST
	}
	return platformUnknown
}

// OptPlatform values Parley sets itself.
const (
	platformREST    = "RESTAPI"
	platformUnknown = "Unknown"
)
