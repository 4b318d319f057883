package hook_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/hook"
)

// fn is a Before whose message hook is a function.
type fn struct {
	hook.AllowAll
	send func(ctx context.Context) (hook.Verdict, error)
}

func (f fn) BeforeSendMessage(ctx context.Context, _ hook.Message) (hook.Verdict, error) {
	return f.send(ctx)
}

func code(err error) int {
	var ce *errcode.Error
	if errors.As(err, &ce) {
		return ce.Code
	}
	return 0
}

func TestRunnerPolicies(t *testing.T) {
	var none *hook.Runner
	if v := none.SendMessage(t.Context(), hook.Message{}); v.Action != hook.Allow {
		t.Fatalf("nil runner: %+v", v)
	}
	hang := make(chan struct{})
	defer close(hang)
	cases := []struct {
		name     string
		send     func(ctx context.Context) (hook.Verdict, error)
		deny     bool
		want     hook.Action
		wantCode int
	}{
		{"verdict passes through", func(context.Context) (hook.Verdict, error) { return hook.RejectWith(20999, "no"), nil }, false, hook.Reject, 20999},
		{"reject without a code", func(context.Context) (hook.Verdict, error) { return hook.Verdict{Action: hook.Reject}, nil }, false, hook.Reject, hook.CodeRejected},
		{"late, allow", func(context.Context) (hook.Verdict, error) { <-hang; return hook.AllowVerdict, nil }, false, hook.Allow, 0},
		{"late, deny", func(context.Context) (hook.Verdict, error) { <-hang; return hook.AllowVerdict, nil }, true, hook.Reject, hook.CodeTimeout},
		{"failed, deny", func(context.Context) (hook.Verdict, error) {
			return hook.Verdict{Action: hook.Drop}, errors.New("down")
		}, true, hook.Reject, hook.CodeTimeout},
		{"panic, allow", func(context.Context) (hook.Verdict, error) { panic("bug") }, false, hook.Allow, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := &hook.Runner{Before: fn{send: c.send}, Timeout: 50 * time.Millisecond, DenyOnTimeout: c.deny}
			v := r.SendMessage(t.Context(), hook.Message{})
			if v.Action != c.want || code(v.Err()) != c.wantCode {
				t.Fatalf("verdict %+v (err %v), want action %d code %d", v, v.Err(), c.want, c.wantCode)
			}
		})
	}
	// The caller's own end is not the hook's timeout: nothing is written,
	// whatever the policy.
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	r := &hook.Runner{Before: fn{send: func(ctx context.Context) (hook.Verdict, error) { <-ctx.Done(); return hook.Verdict{}, ctx.Err() }}}
	if v := r.SendMessage(ctx, hook.Message{}); v.Action != hook.Reject || code(v.Err()) != errcode.Timeout {
		t.Fatalf("cancelled caller: %+v", v)
	}
}

func TestFromClient(t *testing.T) {
	if hook.IsFromClient(t.Context()) || !hook.IsFromClient(hook.FromClient(t.Context())) {
		t.Fatal("FromClient marks the context, and only it")
	}
}
