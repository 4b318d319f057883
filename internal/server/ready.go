package server

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/store"
)

// ready serves /readyz: 200 while this node can serve (its store answers
// within a second, its broker is connected to the other nodes, and it is not
// draining), 503 otherwise, so a load balancer stops sending clients to a
// node that is shutting down or has lost its database or its NATS link. /healthz stays a liveness check: the process is up.
func (n *Node) ready(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if n.Gateway.Draining() {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "draining")
		return
	}
	if h, ok := n.Gateway.Broker.(broker.HealthChecker); ok {
		if err := h.Healthy(); err != nil {
			w.WriteHeader(http.StatusServiceUnavailable)
			fmt.Fprintf(w, "broker unavailable: %v\n", err)
			return
		}
	}
	ctx, cancel := context.WithTimeout(r.Context(), time.Second)
	defer cancel()
	err := n.Store.Read(ctx, func(tx store.Tx) error {
		_, err := tx.AccountExists(ctx, 0, "")
		return err
	})
	if err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		fmt.Fprintln(w, "store unavailable")
		return
	}
	fmt.Fprintln(w, "ready")
}
