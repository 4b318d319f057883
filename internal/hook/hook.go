// Package hook is the synchronous hook point before a change is written:
// the domain services ask a Before (which the webhooks fill with Tencent's
// before-callbacks) whether to allow, reject, drop or rewrite a message or a
// change, and act on the verdict. A hook runs outside any store
// transaction and any lock, under a per-call timeout; when it does not
// answer in time the configured policy (allow, Tencent's default, or deny)
// decides. With no hook configured a service pays one nil check.
package hook

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/store"
)

// Action is what a verdict tells the service to do.
type Action uint8

const (
	// Allow writes the change as asked (Tencent's ErrorCode 0).
	Allow Action = iota
	// Reject refuses it with Verdict.Code (ErrorCode 1).
	Reject
	// Drop answers the sender with success but writes and delivers nothing
	// (ErrorCode 2; messages only).
	Drop
	// Rewrite writes the change with Verdict's replacements (messages:
	// MsgBody and CloudCustomData).
	Rewrite
)

// Verdict is a hook's answer.
type Verdict struct {
	Action Action
	// Code and Message are the error the caller gets on Reject.
	Code    int
	Message string
	// MsgBody, when not nil, replaces the message body on Rewrite (a JSON
	// array of elements, validated like the original).
	MsgBody json.RawMessage
	// CloudCustomData, when not nil, replaces it on Rewrite.
	CloudCustomData *string
	// Items are per-item verdicts of a friend add or response, by target
	// user: a non-zero code fails that item with it.
	Items map[string]ItemVerdict
}

// ItemVerdict steers one item of a friend add or response.
type ItemVerdict struct {
	Code    int
	Message string
}

// Verdict constructors.
var AllowVerdict = Verdict{Action: Allow}

// RejectWith is a Reject verdict with code and message.
func RejectWith(code int, message string) Verdict {
	return Verdict{Action: Reject, Code: code, Message: message}
}

// Err is the error a Reject verdict turns into (nil for other actions).
func (v Verdict) Err() error {
	if v.Action != Reject {
		return nil
	}
	code := v.Code
	if code == 0 {
		code = CodeRejected
	}
	msg := v.Message
	if msg == "" {
		msg = "rejected by the app's before-callback"
	}
	return errcode.New(code, msg)
}

// CodeRejected is the code of a rejection that names none (Tencent's
// 20006 for one-to-one messages: "blocked by the app's callback").
const CodeRejected = 20006

// Message is a one-to-one message about to be written
// (C2C.CallbackBeforeSendMsg).
type Message struct {
	App             store.AppID
	From, To        string
	Random          uint32
	MsgBody         json.RawMessage
	CloudCustomData string
	OnlineOnly      bool
	// Admin marks a message sent through the REST API.
	Admin bool
}

// FriendAddItem is one target of a friend add.
type FriendAddItem struct {
	To, Remark, GroupName, AddSource, AddWording string
}

// FriendAdd is a client's friend add about to be applied
// (Sns.CallbackPrevFriendAdd); REST adds are not asked, as at Tencent.
type FriendAdd struct {
	App     store.AppID
	From    string
	Items   []FriendAddItem
	AddType string
	Force   bool
}

// FriendResponse is a client's answer to a friend request
// (Sns.CallbackPrevFriendResponse).
type FriendResponse struct {
	App store.AppID
	// From answers the request of To.
	From, To string
	// Action is Response_Action_AgreeAndAdd, _Agree or _Reject.
	Action string
	Remark string
}

// ProfileSet is a profile change about to be written.
type ProfileSet struct {
	App   store.AppID
	User  string
	Items map[string]store.Value
}

// Before is the hook point. Each method returns the verdict for one
// change; an error counts as no answer (the timeout policy applies). Calls
// may run concurrently.
type Before interface {
	BeforeSendMessage(ctx context.Context, m Message) (Verdict, error)
	BeforeFriendAdd(ctx context.Context, r FriendAdd) (Verdict, error)
	BeforeFriendResponse(ctx context.Context, r FriendResponse) (Verdict, error)
	BeforeProfileSet(ctx context.Context, p ProfileSet) (Verdict, error)
}

// AllowAll is a Before that allows everything; embed it to implement only
// some of the methods.
type AllowAll struct{}

func (AllowAll) BeforeSendMessage(context.Context, Message) (Verdict, error) {
	return AllowVerdict, nil
}
func (AllowAll) BeforeFriendAdd(context.Context, FriendAdd) (Verdict, error) {
	return AllowVerdict, nil
}
func (AllowAll) BeforeFriendResponse(context.Context, FriendResponse) (Verdict, error) {
	return AllowVerdict, nil
}
func (AllowAll) BeforeProfileSet(context.Context, ProfileSet) (Verdict, error) {
	return AllowVerdict, nil
}

// DefaultTimeout bounds one hook call (Tencent's callback timeout).
const DefaultTimeout = 2 * time.Second

// CodeTimeout is the code of a change denied because its hook did not
// answer (Options.DenyOnTimeout): Tencent's "callback timed out".
const CodeTimeout = 20006

// Runner calls a Before with the timeout and its policy. A nil Runner
// allows everything at the cost of a nil check.
type Runner struct {
	Before Before
	// Timeout bounds each call: DefaultTimeout when zero.
	Timeout time.Duration
	// DenyOnTimeout rejects (CodeTimeout) a change whose hook did not
	// answer in time or failed; false allows it, Tencent's default.
	DenyOnTimeout bool
	Logger        *slog.Logger
}

// errNoAnswer is a hook that did not return in time.
var errNoAnswer = errors.New("hook: no answer within the timeout")

// call runs fn on its own goroutine under the timeout, so a hook that
// ignores its context does not hold the caller past it, and applies the
// policy when it fails or is late.
func call(r *Runner, ctx context.Context, what string, fn func(context.Context) (Verdict, error)) Verdict {
	timeout := r.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	hctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	type answer struct {
		v   Verdict
		err error
	}
	done := make(chan answer, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- answer{err: fmt.Errorf("hook panic: %v", p)}
			}
		}()
		v, err := fn(hctx)
		done <- answer{v, err}
	}()
	var a answer
	select {
	case a = <-done:
	case <-hctx.Done():
		a.err = errNoAnswer
	}
	if a.err == nil {
		return a.v
	}
	if ctx.Err() != nil {
		// The caller itself gave up (its request timed out or its
		// connection closed): nothing is written.
		return RejectWith(errcode.Timeout, "the request ended while its before-callback ran: "+ctx.Err().Error())
	}
	log := r.Logger
	if log == nil {
		log = slog.Default()
	}
	log.Warn("hook failed", "hook", what, "err", a.err, "deny", r.DenyOnTimeout)
	if r.DenyOnTimeout {
		return RejectWith(CodeTimeout, "Err_Callback_Timeout: the app's before-callback did not answer")
	}
	return AllowVerdict
}

// SendMessage asks about a message.
func (r *Runner) SendMessage(ctx context.Context, m Message) Verdict {
	if r == nil || r.Before == nil || BeforeSendForbidden(ctx) {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeSendMessage", func(c context.Context) (Verdict, error) { return r.Before.BeforeSendMessage(c, m) })
}

// FriendAdd asks about a client's friend add.
func (r *Runner) FriendAdd(ctx context.Context, f FriendAdd) Verdict {
	if r == nil || r.Before == nil {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeFriendAdd", func(c context.Context) (Verdict, error) { return r.Before.BeforeFriendAdd(c, f) })
}

// FriendResponse asks about a client's answer to a friend request.
func (r *Runner) FriendResponse(ctx context.Context, f FriendResponse) Verdict {
	if r == nil || r.Before == nil {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeFriendResponse", func(c context.Context) (Verdict, error) {
		return r.Before.BeforeFriendResponse(c, f)
	})
}

// ProfileSet asks about a profile change.
func (r *Runner) ProfileSet(ctx context.Context, p ProfileSet) Verdict {
	if r == nil || r.Before == nil {
		return AllowVerdict
	}
	return call(r, ctx, "BeforeProfileSet", func(c context.Context) (Verdict, error) { return r.Before.BeforeProfileSet(c, p) })
}

type clientDoorKey struct{}

// FromClient marks ctx as a request of a client (the gateway door). Some
// hooks only run for those: Tencent does not call the friend
// before-callbacks for requests an app server makes through REST.
func FromClient(ctx context.Context) context.Context {
	return context.WithValue(ctx, clientDoorKey{}, true)
}

// IsFromClient reports whether ctx is a client's request.
func IsFromClient(ctx context.Context) bool {
	v, _ := ctx.Value(clientDoorKey{}).(bool)
	return v
}

// Origin is where a request came from, for the callbacks' OptPlatform and
// ClientIP: the platform of a client's session ("Android", "Web", ...) and
// the address it connected from. A REST-made change carries the caller's
// address only.
type Origin struct {
	Platform string
	ClientIP string
}

type originKey struct{}

// WithOrigin marks ctx with the client session the request came from.
func WithOrigin(ctx context.Context, o Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// PlatformOf is the OptPlatform and ClientIP of a change made under ctx:
// "RESTAPI" and the caller's address for a REST-made change, the session's
// platform and address for a client's ("Unknown" when the session named
// none).
func PlatformOf(ctx context.Context) (platform, clientIP string) {
	if !IsFromClient(ctx) {
		return "RESTAPI", OriginOf(ctx).ClientIP
	}
	o := OriginOf(ctx)
	if o.Platform == "" {
		o.Platform = "Unknown"
	}
	return o.Platform, o.ClientIP
}

// OriginOf is the origin ctx was marked with; zero when none.
func OriginOf(ctx context.Context) Origin {
	o, _ := ctx.Value(originKey{}).(Origin)
	return o
}

// Suppression of the message callbacks of one request (REST
// ForbidCallbackControl: "ForbidBeforeSendMsgCallback",
// "ForbidAfterSendMsgCallback").
const (
	ForbidBeforeSendMsg = "ForbidBeforeSendMsgCallback"
	ForbidAfterSendMsg  = "ForbidAfterSendMsgCallback"
)

type forbidKey struct{}

type forbidden struct{ before, after bool }

// WithForbidden marks ctx with a request's ForbidCallbackControl list;
// names other than the two above are ignored, as at Tencent.
func WithForbidden(ctx context.Context, names []string) context.Context {
	var f forbidden
	for _, n := range names {
		switch n {
		case ForbidBeforeSendMsg:
			f.before = true
		case ForbidAfterSendMsg:
			f.after = true
		}
	}
	if !f.before && !f.after {
		return ctx
	}
	return context.WithValue(ctx, forbidKey{}, f)
}

// BeforeSendForbidden reports whether the request suppressed its
// before-send callback: SendMessage then allows without asking.
func BeforeSendForbidden(ctx context.Context) bool {
	f, _ := ctx.Value(forbidKey{}).(forbidden)
	return f.before
}

// AfterSendForbidden reports whether the request suppressed its
// after-send callback; the message's outbox entry carries it so the
// webhook consumer skips it (other consumers, offline push, still see it).
func AfterSendForbidden(ctx context.Context) bool {
	f, _ := ctx.Value(forbidKey{}).(forbidden)
	return f.after
}
