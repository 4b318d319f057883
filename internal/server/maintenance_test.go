package server_test

import (
	"context"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/resttest"
)

// Messages past their app's retention disappear from history when the
// maintenance pass runs; younger ones stay.
func TestMaintenanceRemovesExpiredMessages(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.MessageRetention = 24 * time.Hour })
	s.Import("alice", "bob")
	ctx := context.Background()
	body := message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"hi"}`)}}}
	if _, err := s.Node.Messages.SendC2C(ctx, s.App, message.SendRequest{From: "alice", To: "bob", Random: 1, Content: body}); err != nil {
		t.Fatal(err)
	}
	history := func() int {
		msgs, err := s.Node.Messages.History(ctx, s.App, "bob", "alice", 0, false, 10)
		if err != nil {
			t.Fatal(err)
		}
		return len(msgs)
	}
	if err := s.Node.Maintain(ctx, time.Now().Add(23*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := history(); n != 1 {
		t.Fatalf("a message inside its retention was removed (%d left)", n)
	}
	if err := s.Node.Maintain(ctx, time.Now().Add(25*time.Hour)); err != nil {
		t.Fatal(err)
	}
	if n := history(); n != 0 {
		t.Fatalf("%d expired messages left after maintenance", n)
	}
}
