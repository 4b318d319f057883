package server

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/pprof"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// errPprofNeedsAdmin refuses profiling on the public listener: pprof shows
// the process's memory and command line and can run CPU profiles for as
// long as it is asked, so it goes only where the operator chose to expose
// operations.
var errPprofNeedsAdmin = errors.New("pprof needs an admin listener (set AdminListen)")

// adminHandler serves the operational endpoints of the admin listener:
// /metrics, and net/http/pprof under /debug/pprof/ when asked. The handlers
// are registered on this mux only; net/http/pprof's own registration on
// http.DefaultServeMux is never served by a node.
func adminHandler(reg *prometheus.Registry, withPprof bool) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if withPprof {
		mux.HandleFunc("/debug/pprof/", pprof.Index)
		mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
		mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
		mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
		mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	}
	return mux
}

// ServeWithAdmin is Serve with the admin listener given rather than opened
// from Options.AdminListen (tests, and embedders that open their own
// sockets). admin may be nil only when the node has no admin endpoints
// (AdminListen was empty). Both servers stop together: when ctx ends, or
// when either fails (then the other is shut down and the error returned).
func (n *Node) ServeWithAdmin(ctx context.Context, ln, admin net.Listener) error {
	if (admin != nil) != (n.AdminHandler != nil) {
		ln.Close()
		if admin != nil {
			admin.Close()
			return errors.New("admin listener given to a node without AdminListen")
		}
		return errors.New("node has AdminListen but no admin listener was given")
	}
	servers := []*http.Server{{Handler: n.Handler, ReadHeaderTimeout: readHeaderTimeout, IdleTimeout: idleTimeout,
		MaxHeaderBytes: n.limits.maxHeaderBytes}}
	listeners := []net.Listener{ln}
	if admin != nil {
		// No write timeout: a CPU profile or trace runs for the seconds
		// it is asked for. Nothing on this listener reads a body.
		servers = append(servers, &http.Server{Handler: n.AdminHandler, ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout: readHeaderTimeout, IdleTimeout: idleTimeout, MaxHeaderBytes: DefaultMaxHeaderBytes})
		listeners = append(listeners, admin)
		n.Logger.Info("parley admin listening", "addr", admin.Addr().String(), "pprof", n.pprof)
	}
	errc := make(chan error, len(servers))
	for i, srv := range servers {
		go func() { errc <- srv.Serve(listeners[i]) }()
	}
	go n.RunMaintenance(ctx)
	stopOutbox := n.StartOutbox(ctx)
	var failed error
	select {
	case failed = <-errc:
	case <-ctx.Done():
	}
	sessions := n.Presence.Count()
	n.Logger.Info("parley shutting down", "sessions", sessions)
	start := time.Now()
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var wg sync.WaitGroup
	shutdownErrs := make([]error, len(servers))
	for i, srv := range servers {
		wg.Go(func() { shutdownErrs[i] = srv.Shutdown(shutdownCtx) })
	}
	// The HTTP servers do not track hijacked connections: every WebSocket
	// is ended with 1001 (after what is queued for it) in the same bound.
	var sockets, forced int
	wg.Go(func() { sockets, forced = n.Gateway.Shutdown(shutdownCtx) })
	wg.Wait()
	n.LeaveCluster(shutdownCtx)
	// Last, so the sessions' final state changes and the writes of the
	// requests just drained are in it.
	stopOutbox()
	// Collect the Serve results still pending (http.ErrServerClosed after
	// a Shutdown), keeping the first real failure.
	pending := len(servers)
	if failed != nil {
		pending--
	}
	for range pending {
		if err := <-errc; failed == nil && !errors.Is(err, http.ErrServerClosed) {
			failed = err
		}
	}
	n.Logger.Info("parley stopped", "sessions", sessions, "websockets", sockets, "websockets_closed_by_force", forced,
		"drain_ms", time.Since(start).Milliseconds())
	if failed != nil && !errors.Is(failed, http.ErrServerClosed) {
		return failed
	}
	return errors.Join(shutdownErrs...)
}
