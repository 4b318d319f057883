// Package benchnode runs the Parley node the benchmark commands measure: the
// same assembly and runtime settings as the parley binary, an embedded store
// in a temporary directory, one app without rate limits. A benchmark runs it
// in a child process of its own, so the server's CPU and memory are not mixed
// with the load generator's.
package benchnode

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// Serve runs a node for appID/key until the process ends. extra adds
// benchmark-only handlers (memory figures, profiles) beside the node's. The
// first line on stdout is the listening address.
func Serve(appID uint64, key string, extra func(mux *http.ServeMux, node *server.Node)) {
	ServeWith(appID, key, server.Options{}, extra)
}

// ServeWith is Serve with node options: a benchmark's setup, such as the
// synthetic group directory of bench/fanout.
func ServeWith(appID uint64, key string, opts server.Options, extra func(mux *http.ServeMux, node *server.Node)) {
	server.TuneRuntime()
	dir, err := os.MkdirTemp("", "parley-bench")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	if err != nil {
		log.Fatal(err)
	}
	a := app.New(appID, key, "admin")
	a.RateLimits = map[string]float64{}
	a.ClientRateLimits = app.ClientRateLimits{}
	node, err := server.New(ctx, st, []*app.App{a}, slog.New(slog.NewTextHandler(io.Discard, nil)), opts)
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/", node.Handler)
	if extra != nil {
		extra(mux, node)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	log.Fatal((&http.Server{Handler: mux}).Serve(ln))
}

// Start runs this executable again with args (which must make it call
// Serve) and returns the child's address; the caller kills the child.
func Start(args ...string) (string, *exec.Cmd) {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		log.Fatal(err)
	}
	return strings.TrimSpace(addr), cmd
}
