package server

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlstore"
)

// writeObservable is a store that reports its write transactions
// (sqlstore.DB, both engines).
type writeObservable interface {
	ObserveWrites(sqlstore.WriteObserver)
}

// observeStore registers the store's write metrics on reg and attaches them
// to st, when st reports its writes. On SQLite a transaction is one group
// commit (its batch the writes it carried); on PostgreSQL every Write is
// its own (batch 1, retries included in its time).
func observeStore(reg prometheus.Registerer, st store.Store) {
	o, ok := st.(writeObservable)
	if !ok {
		return
	}
	latency := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "parley_store_commit_duration_seconds",
		Help:    "Store write transactions, begin to durable commit (SQLite: one group commit; PostgreSQL: one Write with its retries).",
		Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
	})
	batch := prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "parley_store_commit_batch_size",
		Help:    "Writes carried by one store transaction (SQLite's group committer; always 1 on PostgreSQL).",
		Buckets: []float64{1, 2, 4, 8, 16, 32, 64, 128, 256},
	})
	reg.MustRegister(latency, batch)
	o.ObserveWrites(func(n int, d time.Duration) {
		latency.Observe(d.Seconds())
		batch.Observe(float64(n))
	})
}
