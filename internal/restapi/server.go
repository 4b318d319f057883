// Package restapi is the admin REST door: POST /v4/<service>/<command>,
// wire-compatible with Tencent Cloud Chat's server API. It authenticates the
// app admin, applies rate limits, decodes the request, calls the domain
// service the gateway also calls, and writes Tencent's envelope.
package restapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/usersig"
)

// MaxBodyBytes caps a request body, chunked or not.
const MaxBodyBytes = 1 << 20

// DefaultRequestTimeout is Server.RequestTimeout's default.
const DefaultRequestTimeout = 30 * time.Second

// Server handles /v4/.
type Server struct {
	Apps      *app.Registry
	Accounts  *account.Service
	Profiles  *profile.Service
	Relations *relation.Service
	Messages  *message.Service
	Sessions  Sessions
	Verifier  *usersig.Verifier
	Logger    *slog.Logger
	Metrics   *Metrics
	Now       func() time.Time

	// Conversations serves recentcontact/*.
	Conversations *conversation.Service
	// Groups serves group_open_http_svc/*.
	Groups *group.Service

	// RequestTimeout bounds a call's work: its context ends then and the
	// call is answered 60008 (default DefaultRequestTimeout). The node's
	// HTTP layer bounds the body read (see server.Options.BodyTimeout).
	RequestTimeout time.Duration

	// RequestLogSample is the fraction of REST calls logged at info with
	// one "rest call" line each (sdkappid, api, code, duration_ms, client,
	// forwarded_for, request_id): 0 (the zero value) logs none, 1 or more
	// every call, and a value in between that share of successful calls,
	// chosen at random. While it is above 0, failed calls (ErrorCode != 0)
	// are always logged, with their ErrorInfo: they are the lines an
	// operator looks up by request ID. At 0 failures are logged at debug
	// only. server.Options.RequestLogSample sets it (default 1).
	RequestLogSample float64

	routes  map[string]route
	limiter *rateLimiter
}

// Sessions is the view of online clients the REST door needs: kicking a
// user and reading online status, for every node of the cluster.
type Sessions interface {
	Kick(ctx context.Context, app uint64, user, reason string) (int, error)
	// Online returns, per user of users that is online, the platforms of
	// their sessions, oldest first; users offline are absent.
	Online(ctx context.Context, app uint64, users []string) (map[string][]string, error)
}

// route is one command and the codes its service reports with.
type route struct {
	svc *service
	fn  func(c *call) (response, error)
}

// service holds what differs between Tencent's services in error
// reporting: which code means "bad parameter", "not an admin" and
// "internal error", and whether responses carry ErrorDisplay.
type service struct {
	name       string
	badParam   int
	notAdmin   int
	internal   int
	hasDisplay bool
}

var (
	svcAccount = &service{"im_open_login_svc", errcode.AccountInvalidParam, errcode.AccountRequestFailed, errcode.AccountInternal, false}
	svcProfile = &service{"profile", errcode.ProfileBadRequest, errcode.ProfileRequiresAdmin, errcode.ProfileInternal, true}
	svcSNS     = &service{"sns", errcode.SNSBadRequest, errcode.SNSRequiresAdmin, errcode.SNSInternal, true}
	svcOpenIM  = &service{"openim", errcode.OpenIMBadRequest, errcode.OpenIMRequiresAdmin, errcode.OpenIMInternal, false}

	svcRecentContact = &service{"recentcontact", errcode.RecentContactBadParam, errcode.RecentContactRequiresAdmin,
		errcode.RecentContactInternal, true}
)

// call is one authenticated request.
type call struct {
	ctx  context.Context
	app  *app.App
	body []byte
	svc  *service
	s    *Server
	// identifier is the admin making the call (openim/sendmsg sends as it
	// when From_Account is absent).
	identifier string
}

// decode parses the body into v. Malformed JSON is 60003; JSON of the
// wrong shape (a number where a string belongs) is the service's own
// bad-parameter code, as Tencent answers "Err_Profile_Comm_Decode_Fail".
func (c *call) decode(v any) error {
	err := json.Unmarshal(c.body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" { // the body itself: an array, a string, a number
			return errcode.Newf(c.svc.badParam, "Err_Decode_Fail: the body must be a JSON object, not %s", typeErr.Value)
		}
		return errcode.Newf(c.svc.badParam, "Err_Decode_Fail: field %s has the wrong type", typeErr.Field)
	}
	return errcode.Newf(errcode.JSONParse, "Err_Json_Parse_Fail: %v", err)
}

// Handler builds the routing table and returns the HTTP handler.
func (s *Server) Handler() http.Handler {
	s.routes = map[string]route{}
	s.accountRoutes()
	s.profileRoutes()
	s.snsRoutes()
	s.stateRoutes()
	s.recentContactRoutes()
	s.openimRoutes()
	s.groupRoutes()
	s.limiter = newRateLimiter()
	if s.Logger == nil {
		s.Logger = slog.Default()
	}
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.RequestTimeout <= 0 {
		s.RequestTimeout = DefaultRequestTimeout
	}
	return http.HandlerFunc(s.serve)
}

func (s *Server) add(svc *service, command string, fn func(c *call) (response, error)) {
	s.routes[svc.name+"/"+command] = route{svc: svc, fn: fn}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := requestID(r.Header.Get(RequestIDHeader))
	w.Header().Set(RequestIDHeader, id)
	ctx, cancel := context.WithTimeout(r.Context(), s.RequestTimeout)
	// The callbacks' ClientIP of a REST-made change is the caller's address
	// (its OptPlatform stays RESTAPI: the context is not a client's).
	if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		ctx = hook.WithOrigin(ctx, hook.Origin{ClientIP: host})
	}
	defer cancel()
	q := r.URL.Query() // parsed once: dispatch and the request log read it
	api, resp, svc := s.dispatch(ctx, w, r, q, id)
	code := resp.env().ErrorCode
	writeResponse(w, resp, svc)
	d := time.Since(start)
	if s.Metrics != nil {
		s.Metrics.observe(api, code, d)
	}
	if s.logged(code) {
		s.logCall(ctx, r, q, api, code, resp.env().ErrorInfo, id, d)
	} else if code != 0 {
		s.Logger.LogAttrs(ctx, slog.LevelDebug, "rest call failed",
			slog.String("api", api), slog.Int("code", code), slog.String("info", resp.env().ErrorInfo),
			slog.String("request_id", id))
	}
}

// logged reports whether a call answered with code gets a "rest call"
// line (see RequestLogSample).
func (s *Server) logged(code int) bool {
	p := s.RequestLogSample
	switch {
	case p <= 0:
		return false
	case p >= 1, code != 0:
		return true
	}
	return rand.Float64() < p
}

// maxForwardedFor caps the X-Forwarded-For entry logged: the header is the
// client's to write.
const maxForwardedFor = 64

// logCall writes a call's "rest call" line. client is the TCP peer; a
// proxy's X-Forwarded-For is logged beside it (its first entry, as sent:
// nothing here trusts it), never instead of it.
func (s *Server) logCall(ctx context.Context, r *http.Request, q url.Values, api string, code int, info, id string, d time.Duration) {
	if !s.Logger.Enabled(ctx, slog.LevelInfo) {
		return
	}
	var app uint64
	if v := q.Get("sdkappid"); v != "" {
		app, _ = strconv.ParseUint(v, 10, 32)
	}
	attrs := make([]slog.Attr, 0, 9)
	attrs = append(attrs, slog.Uint64("sdkappid", app), slog.String("api", api), slog.Int("code", code),
		slog.Float64("duration_ms", float64(d.Microseconds())/1000), slog.String("client", r.RemoteAddr))
	if fwd := r.Header.Get("X-Forwarded-For"); fwd != "" {
		first, _, _ := strings.Cut(fwd, ",")
		first = strings.TrimSpace(first)
		if len(first) > maxForwardedFor {
			first = first[:maxForwardedFor]
		}
		attrs = append(attrs, slog.String("forwarded_for", first))
	}
	attrs = append(attrs, slog.String("request_id", id))
	if code != 0 {
		attrs = append(attrs, slog.String("info", info))
	}
	s.Logger.LogAttrs(ctx, slog.LevelInfo, "rest call", attrs...)
}

// dispatch runs the request under ctx and returns the API name for metrics
// (or "unknown"), the response, and the service (nil when not resolved).
// id is the request ID that failures the client cannot act on are logged
// and answered with.
func (s *Server) dispatch(ctx context.Context, w http.ResponseWriter, r *http.Request, q url.Values, id string) (string, response, *service) {
	path := strings.TrimPrefix(r.URL.Path, "/v4/")
	rt, ok := s.routes[path]
	if !ok {
		return "unknown", failure(errcode.New(errcode.BadResource, "Err_Invalid_Request_Resource: unknown service or command")), nil
	}
	fail := func(err *errcode.Error) (string, response, *service) { return path, failure(err), rt.svc }
	if r.Method != http.MethodPost {
		return fail(errcode.New(errcode.HTTPParse, "Err_Http_Method_Not_Post"))
	}
	a, err := s.authenticate(q)
	if err != nil {
		return fail(errcode.As(err, errcode.AccountInternal))
	}
	identifier := q.Get("identifier")
	if !a.IsAdmin(identifier) {
		return fail(errcode.New(rt.svc.notAdmin, "Err_Identifier_Not_App_Admin"))
	}
	if !s.limiter.allow(a, path, s.Now()) {
		return fail(errcode.New(errcode.RateLimited, "Err_Rest_Api_Frequency_Limit"))
	}
	body, rerr := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if rerr != nil {
		// What is left of the body is still on the wire and cannot be
		// told from a next request: the connection closes after this
		// answer (MaxBytesReader already asks for that when too large).
		w.Header().Set("Connection", "close")
		var tooBig *http.MaxBytesError
		switch {
		case errors.As(rerr, &tooBig):
			return fail(errcode.Newf(errcode.HTTPParse, "Err_Http_Body_Too_Large: at most %d bytes", MaxBodyBytes))
		case errors.Is(rerr, os.ErrDeadlineExceeded):
			return fail(errcode.New(errcode.Timeout, "Err_Http_Body_Timeout: the request body did not arrive in time"))
		}
		return fail(errcode.New(errcode.HTTPParse, "Err_Http_Body_Read_Fail"))
	}
	if len(strings.TrimSpace(string(body))) == 0 {
		return fail(errcode.New(errcode.JSONParse, "Err_Json_Parse_Fail: the body may not be empty, send {}"))
	}
	c := &call{ctx: ctx, app: a, body: body, svc: rt.svc, s: s, identifier: identifier}
	resp, herr := rt.fn(c)
	if herr != nil {
		var ce *errcode.Error
		if errors.As(herr, &ce) {
			return fail(ce)
		}
		attrs := []slog.Attr{slog.String("api", path), slog.Uint64("sdkappid", a.SDKAppID),
			slog.String("identifier", identifier), slog.String("request_id", id), slog.String("error", herr.Error())}
		if errors.Is(herr, context.DeadlineExceeded) && ctx.Err() != nil {
			// The work outlived RequestTimeout; whether a write it made
			// commits is unknown to the client, as with Tencent's 60008.
			s.Logger.LogAttrs(ctx, slog.LevelError, "rest call timeout", attrs...)
			return fail(errcode.Newf(errcode.Timeout, "Err_Request_Timeout: not done within %s (request id %s)", s.RequestTimeout, id))
		}
		s.Logger.LogAttrs(ctx, slog.LevelError, "rest call error", attrs...)
		return fail(errcode.New(rt.svc.internal, "Err_Internal_Server_Error (request id "+id+")"))
	}
	return path, resp, rt.svc
}

// authenticate resolves the app and checks the admin's UserSig.
func (s *Server) authenticate(q map[string][]string) (*app.App, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	raw := get("sdkappid")
	if raw == "" {
		return nil, errcode.New(errcode.SDKAppIDMissing, "Err_SDKAppID_Missing")
	}
	id, err := strconv.ParseUint(raw, 10, 32)
	if err != nil {
		return nil, errcode.New(errcode.InvalidSDKAppID, "Err_SDKAppID_Invalid")
	}
	a, ok := s.Apps.Lookup(id)
	if !ok {
		return nil, errcode.New(errcode.InvalidSDKAppID, "Err_SDKAppID_Invalid: no such app")
	}
	if v := get("random"); v != "" {
		if _, err := strconv.ParseUint(v, 10, 32); err != nil {
			return nil, errcode.New(errcode.HTTPParse, "Err_Random_Invalid: must be 0 to 4294967295")
		}
	}
	if v := get("contenttype"); v != "" && v != "json" {
		return nil, errcode.New(errcode.HTTPParse, "Err_ContentType_Invalid: must be json")
	}
	identifier := get("identifier")
	if identifier == "" {
		return nil, errcode.New(errcode.AccountOrSigInURL, "Err_Identifier_Missing")
	}
	if _, err := s.Verifier.Verify(get("usersig"), id, a.SecretKey, identifier, s.Now()); err != nil {
		var se *usersig.Error
		if errors.As(err, &se) {
			return nil, errcode.New(se.Code, se.Info)
		}
		return nil, err
	}
	return a, nil
}
