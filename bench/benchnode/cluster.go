package benchnode

import (
	"bufio"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/internal/webhook"
)

// NodeConfig is what a node of a several-node benchmark runs on.
type NodeConfig struct {
	AppID uint64
	Key   string
	// PostgresDSN selects the PostgreSQL store; empty is the embedded
	// store in a temporary directory (Serve's).
	PostgresDSN string
	// PostgresConns bounds the node's pool (0: the store's default).
	PostgresConns int
	// NATSURL makes the node a cluster member: pushes go through NATS, as
	// with PARLEY_NATS_URL. Empty is the in-process broker.
	NATSURL string
	// Options are the node's options: a benchmark's setup, such as the
	// synthetic group directory of bench/fanout (a broker from NATSURL
	// takes Options.Broker's place).
	Options server.Options
	// Configure adjusts the app before the node starts (a benchmark's
	// group caps, say); nil leaves app.New's defaults without rate limits.
	Configure func(a *app.App)
}

// ServeWith is Serve on the store and broker cfg names: the same assembly
// and runtime settings, one app without rate limits, the address as the
// first line on stdout.
func ServeWith(cfg NodeConfig, extra func(mux *http.ServeMux, node *server.Node)) {
	ProfileFromEnv()
	TraceFromEnv()
	ctx := context.Background()
	var st store.Store
	var err error
	if cfg.PostgresDSN != "" {
		st, err = postgres.Open(ctx, cfg.PostgresDSN, cfg.PostgresConns)
	} else {
		dir, derr := os.MkdirTemp("", "parley-bench")
		if derr != nil {
			log.Fatal(derr)
		}
		defer os.RemoveAll(dir)
		sqlite.ReserveWriterProc() // as the server does
		st, err = sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	}
	if err != nil {
		log.Fatal(err)
	}
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	opts := cfg.Options
	if cfg.NATSURL != "" {
		b, err := broker.ConnectNATS(broker.NATSOptions{URL: cfg.NATSURL, Name: "parley bench", Logger: logger})
		if err != nil {
			log.Fatal(err)
		}
		opts.Broker = b
	}
	// PARLEY_BENCH_WEBHOOK_URL (with _COMMANDS, comma-separated) gives the
	// app a webhook, to measure what the callbacks cost messaging.
	if u := os.Getenv("PARLEY_BENCH_WEBHOOK_URL"); u != "" {
		opts.Webhooks = map[store.AppID]webhook.Config{cfg.AppID: {URL: u, AllowOnTimeout: true,
			Commands: webhook.SplitCommands(os.Getenv("PARLEY_BENCH_WEBHOOK_COMMANDS"))}}
	}
	a := app.New(cfg.AppID, cfg.Key, "admin")
	a.RateLimits = map[string]float64{}
	a.ClientRateLimits = app.ClientRateLimits{}
	a.GroupMessageRate = 0
	if cfg.Configure != nil {
		cfg.Configure(a)
	}
	node, err := server.New(ctx, st, []*app.App{a}, logger, opts)
	if err != nil {
		log.Fatal(err)
	}
	// As Serve does: the outbox dispatcher runs (idle without consumers).
	// PARLEY_BENCH_OUTBOX=c2c.sent registers a consumer of that kind that
	// only counts, to measure what writing and dispatching entries costs.
	if kind := os.Getenv("PARLEY_BENCH_OUTBOX"); kind != "" {
		if err := node.Consumers.Register(outbox.Consumer{Name: "bench", Kinds: []string{kind},
			Deliver: func(context.Context, store.OutboxEntry) error { return nil }}); err != nil {
			log.Fatal(err)
		}
	}
	defer node.StartOutbox(ctx)()
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

// StartNATS runs the nats-server executable bin on a free loopback port
// and returns its client URL once it greets clients; the caller kills the
// process. The benchmark runs the real server so its CPU and memory can be
// read from outside like the nodes'.
func StartNATS(bin string) (string, *exec.Cmd) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	_, port, _ := net.SplitHostPort(addr)
	// Its log (stderr) is discarded: a start that fails shows as no greeting.
	cmd := exec.Command(bin, "-a", "127.0.0.1", "-p", port)
	if err := cmd.Start(); err != nil {
		log.Fatalf("nats-server: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err != nil {
			continue
		}
		c.SetReadDeadline(time.Now().Add(time.Second))
		line, err := bufio.NewReader(c).ReadString('\n')
		c.Close()
		if err == nil && strings.HasPrefix(line, "INFO ") {
			return "nats://" + addr, cmd
		}
	}
	cmd.Process.Kill()
	log.Fatalf("nats-server did not accept clients on %s within 10 s", addr)
	return "", nil
}

// FindNATSServer returns the nats-server executable: the given path, else
// nats-server on PATH, else in $(go env GOPATH)/bin.
func FindNATSServer(path string) string {
	if path != "" {
		return path
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		p := filepath.Join(strings.Split(strings.TrimSpace(string(out)), string(os.PathListSeparator))[0], "bin", "nats-server")
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	log.Fatal("no nats-server: go install github.com/nats-io/nats-server/v2@v2.15.2 (or pass its path)")
	return ""
}

// FreshPostgresDB creates an empty database next to the one adminDSN names
// and returns its DSN and a function that drops it: each run measures the
// same empty tables.
func FreshPostgresDB(adminDSN string) (string, func()) {
	var b [6]byte
	rand.Read(b[:])
	name := "parley_bench_" + hex.EncodeToString(b[:])
	exec := func(q string) error {
		db, err := sql.Open("pgx", adminDSN)
		if err != nil {
			return err
		}
		defer db.Close()
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		_, err = db.ExecContext(ctx, q)
		return err
	}
	if err := exec("CREATE DATABASE " + name); err != nil {
		log.Fatal(err)
	}
	u, err := url.Parse(adminDSN)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
		log.Fatalf("-dsn must be a postgres:// URL: %q", adminDSN)
	}
	u.Path = "/" + name
	return u.String(), func() {
		if err := exec("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"); err != nil {
			log.Printf("drop %s: %v", name, err)
		}
	}
}
