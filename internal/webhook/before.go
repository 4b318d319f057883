package webhook

import (
	"context"
	"encoding/json"
	"time"

	"github.com/parleyim/parley/internal/hook"
)

// Ranges of the app codes a before-callback may return that reach the
// caller as they are (rest-spec §4.1).
const (
	groupCodeLow, groupCodeHigh = 10100, 10200 // group before-callbacks
	snsCodeLow, snsCodeHigh     = 38000, 39000 // Prev friend callbacks
)

// Codes of a before-callback's ErrorCode.
const (
	codeAllow  = 0
	codeReject = 1
	codeDrop   = 2
)

// Service implements hook.Before with the apps' before-callbacks.
var _ hook.Before = (*Service)(nil)

// ask sends a before-callback and returns its answer, or, when it got
// none, the verdict of the app's AllowOnTimeout (so the runner's own
// policy never decides for an app).
func (s *Service) ask(ctx context.Context, ep *endpoint, command, platform, clientIP string, body any) (Response, *hook.Verdict) {
	b, err := json.Marshal(body)
	if err != nil {
		v := hook.RejectWith(hook.CodeTimeout, "Err_Callback_Request: "+err.Error())
		return Response{}, &v
	}
	r, err := s.post(ctx, ep, command, platform, clientIP, b, false)
	if err == nil {
		return r, nil
	}
	s.log.Warn("webhook: before-callback got no answer", "app", ep.app, "command", command, "err", err,
		"allow", ep.allow)
	v := hook.AllowVerdict
	if !ep.allow {
		v = hook.RejectWith(hook.CodeTimeout, "Err_Callback_Timeout: the app's "+command+" did not answer")
	}
	return Response{}, &v
}

// platformOf is the OptPlatform of a before-callback.
func platformOf(ctx context.Context, admin bool) (platform, clientIP string) {
	if admin || !hook.IsFromClient(ctx) {
		return platformREST, hook.OriginOf(ctx).ClientIP // the REST caller's
	}
	o := hook.OriginOf(ctx)
	if o.Platform == "" {
		o.Platform = platformUnknown
	}
	return o.Platform, o.ClientIP
}

// topVerdict maps a before-callback's ErrorCode: 0 allows, 1 rejects with
// rejectCode, 2 drops (when the change may be dropped), a code in one of
// the app ranges rejects with it; any other code rejects with rejectCode.
func topVerdict(r Response, rejectCode int, canDrop bool, lo, hi int) (hook.Verdict, bool) {
	switch c := r.ErrorCode; {
	case c == codeAllow:
		return hook.AllowVerdict, true
	case c == codeDrop && canDrop:
		return hook.Verdict{Action: hook.Drop}, false
	case c >= lo && c <= hi:
		return hook.RejectWith(c, rejectInfo(r)), false
	default:
		return hook.RejectWith(rejectCode, rejectInfo(r)), false
	}
}

func rejectInfo(r Response) string {
	if r.ErrorInfo != "" {
		return r.ErrorInfo
	}
	return "rejected by the app's before-callback"
}

type c2cBeforeSend struct {
	CallbackCommand string          `json:"CallbackCommand"`
	From            string          `json:"From_Account"`
	To              string          `json:"To_Account"`
	MsgRandom       uint32          `json:"MsgRandom"`
	MsgTime         int64           `json:"MsgTime"`
	OnlineOnlyFlag  int             `json:"OnlineOnlyFlag"`
	MsgBody         json.RawMessage `json:"MsgBody"`
	CloudCustomData string          `json:"CloudCustomData"`
	EventTime       int64           `json:"EventTime"`
}

// BeforeSendMessage sends C2C.CallbackBeforeSendMsg: 0 allows (a returned
// MsgBody or CloudCustomData rewrites the message), 1 rejects with 20006, 2
// drops, an app code in [10100, 10200] or [38000, 39000] rejects with it.
func (s *Service) BeforeSendMessage(ctx context.Context, m hook.Message) (hook.Verdict, error) {
	ep := s.wants(m.App, CmdC2CBeforeSendMsg)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	now := s.now()
	online := 0
	if m.OnlineOnly {
		online = 1
	}
	platform, ip := platformOf(ctx, m.Admin)
	r, failed := s.ask(ctx, ep, CmdC2CBeforeSendMsg, platform, ip, c2cBeforeSend{CallbackCommand: CmdC2CBeforeSendMsg,
		From: m.From, To: m.To, MsgRandom: m.Random, MsgTime: now.Unix(), OnlineOnlyFlag: online, MsgBody: m.MsgBody,
		CloudCustomData: m.CloudCustomData, EventTime: now.UnixMilli()})
	if failed != nil {
		return *failed, nil
	}
	v, allowed := topVerdict(r, hook.CodeRejected, true, groupCodeLow, groupCodeHigh)
	if !allowed {
		if c := r.ErrorCode; c >= snsCodeLow && c <= snsCodeHigh {
			v = hook.RejectWith(c, rejectInfo(r))
		}
		return v, nil
	}
	if len(r.MsgBody) > 0 && string(r.MsgBody) != "null" || r.CloudCustomData != nil {
		v = hook.Verdict{Action: hook.Rewrite, CloudCustomData: r.CloudCustomData}
		if len(r.MsgBody) > 0 && string(r.MsgBody) != "null" {
			v.MsgBody = r.MsgBody
		}
	}
	return v, nil
}

type friendItem struct {
	To         string `json:"To_Account"`
	Remark     string `json:"Remark"`
	GroupName  string `json:"GroupName"`
	AddSource  string `json:"AddSource"`
	AddWording string `json:"AddWording"`
}

type prevFriendAdd struct {
	CallbackCommand string       `json:"CallbackCommand"`
	Requester       string       `json:"Requester_Account"`
	From            string       `json:"From_Account"`
	FriendItem      []friendItem `json:"FriendItem"`
	AddType         string       `json:"AddType"`
	ForceAddFlags   int          `json:"ForceAddFlags"`
	EventTime       int64        `json:"EventTime"`
}

// friendVerdict maps the answer of a Prev friend callback: its top-level
// code as topVerdict (no drop), and each ResultItem's non-zero ResultCode
// to that item's failure (codes outside [38000, 39000] as 30001, so the
// app's intent, refusing, survives a code it should not have used).
func friendVerdict(r Response) hook.Verdict {
	v, allowed := topVerdict(r, hook.CodeRejected, false, snsCodeLow, snsCodeHigh)
	if !allowed {
		return v
	}
	for _, it := range r.ResultItem {
		if it.ResultCode == 0 {
			continue
		}
		code := it.ResultCode
		if code < snsCodeLow || code > snsCodeHigh {
			code = 30001
		}
		if v.Items == nil {
			v.Items = map[string]hook.ItemVerdict{}
		}
		info := it.ResultInfo
		if info == "" {
			info = "refused by the app's before-callback"
		}
		v.Items[it.To_Account] = hook.ItemVerdict{Code: code, Message: info}
	}
	return v
}

// BeforeFriendAdd sends Sns.CallbackPrevFriendAdd (client-made adds only:
// the relation service does not ask for REST ones).
func (s *Service) BeforeFriendAdd(ctx context.Context, f hook.FriendAdd) (hook.Verdict, error) {
	ep := s.wants(f.App, CmdPrevFriendAdd)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	body := prevFriendAdd{CallbackCommand: CmdPrevFriendAdd, Requester: f.From, From: f.From, AddType: f.AddType,
		EventTime: s.now().UnixMilli()}
	if f.Force {
		body.ForceAddFlags = 1
	}
	for _, it := range f.Items {
		body.FriendItem = append(body.FriendItem, friendItem(it))
	}
	platform, ip := platformOf(ctx, false)
	r, failed := s.ask(ctx, ep, CmdPrevFriendAdd, platform, ip, body)
	if failed != nil {
		return *failed, nil
	}
	return friendVerdict(r), nil
}

type responseItem struct {
	To             string `json:"To_Account"`
	Remark         string `json:"Remark"`
	TagName        string `json:"TagName"`
	ResponseAction string `json:"ResponseAction"`
}

type prevFriendResponse struct {
	CallbackCommand    string         `json:"CallbackCommand"`
	Requester          string         `json:"Requester_Account"`
	From               string         `json:"From_Account"`
	ResponseFriendItem []responseItem `json:"ResponseFriendItem"`
	EventTime          int64          `json:"EventTime"`
}

// BeforeFriendResponse sends Sns.CallbackPrevFriendResponse.
func (s *Service) BeforeFriendResponse(ctx context.Context, f hook.FriendResponse) (hook.Verdict, error) {
	ep := s.wants(f.App, CmdPrevFriendResponse)
	if ep == nil {
		return hook.AllowVerdict, nil
	}
	platform, ip := platformOf(ctx, false)
	r, failed := s.ask(ctx, ep, CmdPrevFriendResponse, platform, ip, prevFriendResponse{
		CallbackCommand: CmdPrevFriendResponse, Requester: f.From, From: f.From,
		ResponseFriendItem: []responseItem{{To: f.To, Remark: f.Remark, ResponseAction: f.Action}},
		EventTime:          s.now().UnixMilli()})
	if failed != nil {
		return *failed, nil
	}
	return friendVerdict(r), nil
}

// BeforeProfileSet allows: Tencent has no before-callback for profiles
// (Profile.CallbackPortraitSet is an after-callback).
func (s *Service) BeforeProfileSet(context.Context, hook.ProfileSet) (hook.Verdict, error) {
	return hook.AllowVerdict, nil
}

// HookRunner is the hook runner of these webhooks: its timeout exceeds
// every app's, so each app's AllowOnTimeout decides.
func (s *Service) HookRunner() *hook.Runner {
	return &hook.Runner{Before: s, Timeout: s.MaxTimeout() + time.Second, Logger: s.log}
}

// HasBefore reports whether any app sends a before-callback Parley asks,
// so a node without one keeps the hook's nil check.
func (s *Service) HasBefore() bool {
	for _, ep := range s.endpoints {
		for _, c := range Commands {
			if c.Before && c.Available && ep.commands[c.Name] {
				return true
			}
		}
	}
	return false
}
