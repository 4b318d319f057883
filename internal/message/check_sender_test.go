package message_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// countingHook allows every send and records whom it was asked about.
type countingHook struct {
	hook.AllowAll
	mu    sync.Mutex
	asked [][2]string
}

func (h *countingHook) BeforeSendMessage(_ context.Context, m hook.Message) (hook.Verdict, error) {
	h.mu.Lock()
	h.asked = append(h.asked, [2]string{m.From, m.To})
	h.mu.Unlock()
	return hook.AllowVerdict, nil
}

// A send that asks for the sender's check (REST sendmsg) answers an absent
// sender before anything else, then an absent receiver, then the body's
// fault; it stores nothing, and a before-send hook is never asked about it.
func TestCheckSenderAnswersAbsentAccountsFirst(t *testing.T) {
	engines(t, func(t *testing.T, st store.Store) {
		for _, hooked := range []bool{false, true} {
			alice, bob := "alice", "bob"
			if hooked {
				alice, bob = "alice2", "bob2"
			}
			svc, a := setup(t, st, alice, bob)
			h := &countingHook{}
			if hooked {
				svc.Hook = &hook.Runner{Before: h}
			}
			tooLong := message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem",
				MsgContent: []byte(`{"Text":"` + strings.Repeat("x", message.MaxContentBytes+1) + `"}`)}}}
			for _, c := range []struct {
				name     string
				from, to string
				content  message.Content
				want     error
				wantCode int
			}{
				{"no sender", "ghost", bob, text("hi"), message.ErrUnknownSender, 0},
				{"neither", "ghost", "phantom", text("hi"), message.ErrUnknownSender, 0},
				{"to oneself, absent", "ghost", "ghost", text("hi"), message.ErrUnknownSender, 0},
				{"no receiver", alice, "phantom", text("hi"), message.ErrUnknownReceiver, 0},
				{"no sender, body too long", "ghost", bob, tooLong, message.ErrUnknownSender, 0},
				{"no receiver, body too long", alice, "phantom", tooLong, message.ErrUnknownReceiver, 0},
				{"both exist, body too long", alice, bob, tooLong, nil, message.CodeTooLong},
			} {
				_, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: c.from, To: c.to, Random: 1, Admin: true, CheckSender: true, Content: c.content})
				switch {
				case c.want != nil && !errors.Is(err, c.want):
					t.Errorf("hooked %v, %s: %v, want %v", hooked, c.name, err, c.want)
				case c.want == nil && code(err) != c.wantCode:
					t.Errorf("hooked %v, %s: %v, want code %d", hooked, c.name, err, c.wantCode)
				}
			}
			// Without the check an absent sender is not the send's concern.
			if _, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: "ghost", To: bob, Random: 2, Admin: true, Content: text("hi")}); err != nil {
				t.Errorf("hooked %v, unchecked sender: %v", hooked, err)
			}
			sent, err := svc.SendC2C(t.Context(), a, message.SendRequest{From: alice, To: bob, Random: 3, Admin: true, CheckSender: true, Content: text("hi")})
			if err != nil || sent.Message.Seq != 1 {
				t.Errorf("hooked %v, a send between accounts: seq %d, %v; want seq 1 (nothing stored before it)", hooked, sent.Message.Seq, err)
			}
			if hooked {
				// The hook heard of the unchecked send and the last one only;
				// a too-long body is refused before the hook too.
				if len(h.asked) != 2 || h.asked[0] != [2]string{"ghost", bob} || h.asked[1] != [2]string{alice, bob} {
					t.Errorf("the hook was asked about %v, want ghost→%s and %s→%s", h.asked, bob, alice, bob)
				}
			}
		}
	})
}
