package sqlite

import (
	"os"
	"runtime"
	"sync"
)

var reserveOnce sync.Once

// ReserveWriterProc gives the process one scheduler P more than the Go
// runtime's default (GOMAXPROCS, the cores), once, unless the operator set
// GOMAXPROCS in the environment. A node on the embedded engine calls it
// when it opens its store.
//
// Why: this driver is SQLite compiled to Go, so the store's single writer
// holds a P for the whole of every commit, where a C library's would run
// on a thread of its own. With as many Ps as cores, the requests the writer
// answers, and the sends that make its next batch, wait for the one P left
// (and the writer, back from its fsync, waits behind them). With one P
// more, the kernel shares the cores among the writer and the rest.
// Measured with bench/messaging on 2 cores (docs/benchmarks.md): about a
// tenth more messages per second and a p99 several milliseconds lower, for
// the same CPU per message.
func ReserveWriterProc() {
	reserveOnce.Do(func() {
		if os.Getenv("GOMAXPROCS") != "" {
			return
		}
		runtime.GOMAXPROCS(runtime.GOMAXPROCS(0) + 1)
	})
}
