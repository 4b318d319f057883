// Package server assembles a Parley node: storage engine, domain services,
// the REST door and the operational endpoints (metrics, profiling), on the
// public listener or, when configured, a separate admin listener.
package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/parleyim/parley/internal/account"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/config"
	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/presence"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/restapi"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/webhook"
	"github.com/parleyim/parley/usersig"
)

// Node is an assembled server, ready to serve.
type Node struct {
	Apps      *app.Registry
	Store     store.Store
	Events    *event.Bus
	Accounts  *account.Service
	Profiles  *profile.Service
	Relations *relation.Service
	Messages  *message.Service
	Presence  *presence.Registry
	Gateway   *gateway.Gateway
	Handler   http.Handler
	// AdminHandler serves /metrics (and /debug/pprof/ with Options.Pprof)
	// for the admin listener; nil when Options.AdminListen is empty, and
	// then /metrics is on Handler.
	AdminHandler http.Handler
	Logger       *slog.Logger
	retention    time.Duration
	limits       httpLimits
	adminListen  string
	pprof        bool

	// Conversations is the conversation list as each user sees it.
	Conversations *conversation.Service
	// Groups is the group service (both doors).
	Groups *group.Service

	// Consumers is the registry of outbox consumers (webhooks, offline
	// push): entries are written only for kinds registered there.
	Consumers *outbox.Consumers
	// Outbox dispatches the outbox to Consumers while the node serves, and
	// flushes it on shutdown.
	Outbox *outbox.Dispatcher
	// States writes session state changes to the outbox.
	States *account.StateRecorder
	// Webhooks sends the apps' callbacks (Options.Webhooks); nil without.
	Webhooks *webhook.Service
}

// OpenStore opens the engine the config selects.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	switch cfg.Store.Driver {
	case "", "sqlite":
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		sqlite.ReserveWriterProc()
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "parley.db"))
	case "postgres":
		if cfg.Store.DSN == "" {
			return nil, errors.New("store driver postgres needs a DSN (PARLEY_POSTGRES_DSN or [store] dsn)")
		}
		return postgres.Open(ctx, cfg.Store.DSN, cfg.Store.MaxConns)
	}
	return nil, fmt.Errorf("unknown store driver %q (sqlite or postgres)", cfg.Store.Driver)
}

// Options tunes a node; the zero value is production's defaults.
type Options struct {
	Gateway gateway.Options
	// Broker carries pushes between the nodes of a cluster (NATS); nil is
	// an in-process broker for one node. The node does not close it. With a
	// broker the node is part of a cluster: presence (the login policy,
	// kicks, online status) is kept in the store's session directory for
	// every node sharing the store (gateway.Gateway.ClusterPresence);
	// without, it is this node's alone and costs no store write.
	Broker broker.Broker
	// Groups says which groups a user is a member of when it logs in, for
	// group delivery (gateway.GroupDirectory); nil: the store's members
	// (message.Service.UserGroups).
	Groups gateway.GroupDirectory
	// EventRetention is how long change-log entries are kept for clients
	// to resync from (default 30 days).
	EventRetention time.Duration

	// BodyTimeout bounds reading a request's body from when its handler
	// starts (default DefaultBodyTimeout). A REST call whose body is not in
	// by then is answered 60008 and its connection closed.
	BodyTimeout time.Duration
	// RequestTimeout bounds a REST call's work (default
	// DefaultRequestTimeout); past it the call is answered 60008.
	RequestTimeout time.Duration
	// WriteTimeout bounds writing the answer, from when the handler starts
	// (default RequestTimeout + 10 s).
	WriteTimeout time.Duration
	// MaxHeaderBytes caps the request line and headers (default
	// DefaultMaxHeaderBytes); larger requests get HTTP 431.
	MaxHeaderBytes int

	// AdminListen is the address of the admin listener ("127.0.0.1:9090");
	// empty (the default) means none. With one, /metrics (and pprof) are
	// served there only, and the public listener answers them 404; without
	// one, /metrics is on the public listener. Serve opens it.
	AdminListen string
	// Pprof serves net/http/pprof under /debug/pprof/ on the admin
	// listener. It needs AdminListen: New refuses it without.
	Pprof bool
	// RequestLogSample is the fraction of REST calls logged at info with a
	// "rest call" line (restapi.Server.RequestLogSample has the rules:
	// failures are logged whenever it is above 0). nil, the default, logs
	// every call; 0 logs none; it must be within [0, 1].
	RequestLogSample *float64

	// Consumers receive the outbox's entries; nil is an empty registry
	// (Node.Consumers) that may be filled later. With no consumer of a
	// kind for an app, no entry of it is written.
	Consumers *outbox.Consumers
	// Outbox tunes the dispatcher (outbox.Options; Metrics and Logger are
	// the node's).
	Outbox outbox.Options
	// Hook is asked before a one-to-one message, a client's friend add or
	// response and a profile change are written; nil asks nothing.
	Hook *hook.Runner
	// Webhooks are the apps' callbacks, by SDKAppID (internal/webhook):
	// their after-callbacks are consumers of the outbox, their
	// before-callbacks the Hook (which must then be nil).
	Webhooks map[store.AppID]webhook.Config
	// DevLogin turns on the web app's development login (webapp.go): the
	// node signs a UserSig for any typed UserID. Off by default.
	DevLogin bool
}

// requestLogSample resolves RequestLogSample's default.
func (o Options) requestLogSample() (float64, error) {
	if o.RequestLogSample == nil {
		return 1, nil
	}
	p := *o.RequestLogSample
	if !(p >= 0 && p <= 1) { // NaN fails too
		return 0, fmt.Errorf("request log sample %v: want a fraction from 0 (off) to 1 (every call)", p)
	}
	return p, nil
}

// New assembles a node over an opened store.
func New(ctx context.Context, st store.Store, apps []*app.App, logger *slog.Logger, opts ...Options) (*Node, error) {
	var o Options
	if len(opts) > 0 {
		o = opts[0]
	}
	return build(ctx, st, apps, logger, o)
}

func build(ctx context.Context, st store.Store, apps []*app.App, logger *slog.Logger, opts Options) (*Node, error) {
	registry, err := app.NewRegistry(apps...)
	if err != nil {
		return nil, err
	}
	if len(apps) == 0 {
		return nil, errors.New("no app configured")
	}
	if opts.Pprof && opts.AdminListen == "" {
		return nil, errPprofNeedsAdmin
	}
	sample, err := opts.requestLogSample()
	if err != nil {
		return nil, err
	}
	n := &Node{Apps: registry, Store: st, Events: event.NewBus(), Logger: logger, Consumers: opts.Consumers}
	if n.Consumers == nil {
		n.Consumers = &outbox.Consumers{}
	}
	reg := prometheus.NewRegistry()
	if err := n.buildWebhooks(reg, &opts); err != nil {
		return nil, err
	}
	producer, err := n.buildOutbox(reg, opts.Outbox)
	if err != nil {
		return nil, err
	}
	n.States = account.NewStateRecorder(account.StoreOf(st), producer, logger)
	n.Accounts = &account.Service{Store: account.StoreOf(st), Events: n.Events, States: n.States}
	n.Profiles = &profile.Service{Store: profile.StoreOf(st), Events: n.Events, Outbox: producer, Hook: opts.Hook}
	networked := store.IsNetworked(st)
	n.Relations = &relation.Service{Store: relation.StoreOf(st), Events: n.Events, Outbox: producer, Hook: opts.Hook, GatherAdds: networked}
	n.Messages = &message.Service{Store: message.StoreOf(st), Events: n.Events,
		Attachments: message.Attachments{Outbox: producer, Hook: opts.Hook}, GatherSends: networked}
	n.Conversations = &conversation.Service{Store: conversation.StoreOf(st), Events: n.Events}
	for _, a := range apps {
		if err := n.Accounts.EnsureAdmins(ctx, a); err != nil {
			return nil, fmt.Errorf("app %d: %w", a.SDKAppID, err)
		}
	}

	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	observeStore(reg, st)
	verifier := usersig.NewVerifier(10_000)
	n.Presence = presence.NewRegistry()
	groups := opts.Groups
	if groups == nil {
		groups = n.Messages // the members of the store's groups
	}
	n.Gateway = &gateway.Gateway{
		Apps: registry, Store: st, Accounts: n.Accounts, Profiles: n.Profiles, Relations: n.Relations,
		Messages: n.Messages, Presence: n.Presence, Logger: logger, Conversations: n.Conversations,
		Metrics: gateway.NewMetrics(reg), Broker: opts.Broker, ClusterPresence: opts.Broker != nil,
		Groups: groups,
	}
	n.Gateway.Init(n.Events, opts.Gateway)
	n.Groups = &group.Service{Store: group.StoreOf(st), Events: n.Events, Delivery: groupDelivery{n.Gateway},
		Attachments: group.Attachments{Outbox: producer, Hook: opts.Hook}}
	n.Gateway.GroupService = n.Groups
	if dir := n.Gateway.Directory(); dir != nil {
		// Alive before the first login, so other nodes count its sessions.
		if err := dir.Register(ctx); err != nil {
			return nil, fmt.Errorf("presence: registering this node in the session directory: %w", err)
		}
	}
	reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
		Name: "parley_broker_dropped_total",
		Help: "Pushes the broker dropped for a subscriber that fell behind (its clients resync by seq).",
	}, func() float64 { return float64(n.Gateway.Broker.Dropped()) }))
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "parley_gateway_sessions", Help: "Client sessions logged in on this node.",
	}, func() float64 { return float64(n.Presence.Count()) }))
	n.limits = opts.httpLimits()
	rest := &restapi.Server{
		Apps: registry, Accounts: n.Accounts, Profiles: n.Profiles, Relations: n.Relations, Messages: n.Messages,
		Sessions: n.Gateway, Verifier: verifier, Logger: logger, Metrics: restapi.NewMetrics(reg),
		Conversations: n.Conversations, Groups: n.Groups, RequestTimeout: n.limits.request, RequestLogSample: sample,
	}
	mux := http.NewServeMux()
	mux.Handle("/v4/", rest.Handler())
	if err := rest.CheckRateLimits(apps); err != nil {
		return nil, err
	}
	mux.Handle("GET /v1/ws", n.Gateway)
	n.adminListen, n.pprof = opts.AdminListen, opts.Pprof
	if n.adminListen != "" {
		n.AdminHandler = adminHandler(reg, n.pprof)
	} else {
		mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	}
	n.mountWebApp(mux, opts.DevLogin)
	mux.HandleFunc("GET /readyz", n.ready)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	n.Handler = withDeadlines(mux, n.limits)
	n.retention = opts.EventRetention
	if n.retention <= 0 {
		n.retention = 30 * 24 * time.Hour
	}
	return n, nil
}

// RunMaintenance prunes change-log entries older than the retention, once an
// hour, until ctx ends. Clients further behind than that are told to reload.
// In a cluster it also keeps this node alive in the session directory and
// prunes the nodes that stopped renewing.
func (n *Node) RunMaintenance(ctx context.Context) {
	if dir := n.Gateway.Directory(); dir != nil {
		go dir.Run(ctx)
	}
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if err := n.Maintain(ctx, time.Now()); err != nil && ctx.Err() == nil {
			n.Logger.Error("maintenance", "error", err.Error())
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Maintain runs one maintenance pass as of now: change-log entries older
// than the retention and messages past their app's retention go.
func (n *Node) Maintain(ctx context.Context, now time.Time) error {
	var pruned, expired int64
	err := n.Store.Write(ctx, func(tx store.Tx) (err error) {
		if pruned, err = tx.PruneUserEvents(ctx, now.Add(-n.retention).Unix()); err != nil {
			return err
		}
		expired, err = tx.PruneMessages(ctx, now.Unix())
		return err
	})
	if err == nil && (pruned > 0 || expired > 0) {
		n.Logger.Info("maintenance", "change_log_entries", pruned, "expired_messages", expired)
	}
	return err
}

// Serve runs the HTTP server on ln, and the admin listener's when
// Options.AdminListen is set (opened here: an address that cannot be bound
// is an error before anything is served), until ctx ends or either server
// fails; then both drain requests in flight before it returns. It logs
// "parley shutting down" and "parley stopped" with the sessions open and
// how long the drain took. Every WebSocket is ended with close 1001 within
// the same bound (Gateway.Shutdown); /readyz answers 503 meanwhile.
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	var admin net.Listener
	if n.adminListen != "" {
		var err error
		if admin, err = net.Listen("tcp", n.adminListen); err != nil {
			ln.Close()
			return fmt.Errorf("admin listener: %w", err)
		}
	}
	return n.ServeWithAdmin(ctx, ln, admin)
}

// LeaveCluster deletes this node and its sessions from the session
// directory, once its connections are closed, so the other nodes stop
// counting them at once instead of after the TTL. Without a cluster it does
// nothing.
func (n *Node) LeaveCluster(ctx context.Context) {
	dir := n.Gateway.Directory()
	if dir == nil {
		return
	}
	// Its own bound: the drain before it may have used up the caller's.
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := dir.Stop(ctx); err != nil {
		n.Logger.Warn("presence: leaving the session directory failed; other nodes ignore this node's sessions after the TTL", "error", err.Error())
	}
}
