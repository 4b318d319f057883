// Package server assembles a Parley node: storage engine, domain services,
// the REST door and the operational endpoints, on one listener.
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
	"github.com/parleyim/parley/internal/config"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/profile"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/restapi"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
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
	Handler   http.Handler
	Logger    *slog.Logger
}

// OpenStore opens the engine the config selects.
func OpenStore(ctx context.Context, cfg config.Config) (store.Store, error) {
	switch cfg.Store.Driver {
	case "", "sqlite":
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, err
		}
		return sqlite.Open(ctx, filepath.Join(cfg.DataDir, "parley.db"))
	case "postgres":
		if cfg.Store.DSN == "" {
			return nil, errors.New("store driver postgres needs a DSN (PARLEY_POSTGRES_DSN or [store] dsn)")
		}
		return postgres.Open(ctx, cfg.Store.DSN, cfg.Store.MaxConns)
	}
	return nil, fmt.Errorf("unknown store driver %q (sqlite or postgres)", cfg.Store.Driver)
}

// New assembles a node over an opened store.
func New(ctx context.Context, st store.Store, apps []*app.App, logger *slog.Logger) (*Node, error) {
	registry, err := app.NewRegistry(apps...)
	if err != nil {
		return nil, err
	}
	if len(apps) == 0 {
		return nil, errors.New("no app configured")
	}
	n := &Node{Apps: registry, Store: st, Events: event.NewBus(), Logger: logger}
	n.Accounts = &account.Service{Store: st, Events: n.Events}
	n.Profiles = &profile.Service{Store: st, Events: n.Events}
	n.Relations = &relation.Service{Store: st, Events: n.Events}
	for _, a := range apps {
		if err := n.Accounts.EnsureAdmins(ctx, a); err != nil {
			return nil, fmt.Errorf("app %d: %w", a.SDKAppID, err)
		}
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	rest := &restapi.Server{
		Apps: registry, Accounts: n.Accounts, Profiles: n.Profiles, Relations: n.Relations,
		Verifier: usersig.NewVerifier(10_000), Logger: logger, Metrics: restapi.NewMetrics(reg),
	}
	mux := http.NewServeMux()
	mux.Handle("/v4/", rest.Handler())
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		fmt.Fprintln(w, "ok")
	})
	n.Handler = mux
	return n, nil
}

// Serve runs the HTTP server on ln until ctx ends, then drains requests in
// flight before returning.
func (n *Node) Serve(ctx context.Context, ln net.Listener) error {
	srv := &http.Server{Handler: n.Handler, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	if errors.Is(<-errc, http.ErrServerClosed) {
		return err
	}
	return err
}
