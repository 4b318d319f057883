// Command parley is the Parley IM server.
//
//	parley serve [--listen ADDR] [--data DIR] [--config FILE]
//	parley usersig --sdkappid N --key KEY --user ID [--expire SECONDS]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/parleyim/parley/internal/config"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/usersig"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

const usage = `usage:
  parley serve [--listen ADDR] [--data DIR] [--config FILE]
  parley usersig --sdkappid N --key KEY --user ID [--expire SECONDS]
`

func run(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return errors.New("missing command")
	}
	switch args[0] {
	case "serve":
		return serve(args[1:], stdout, stderr, getenv)
	case "usersig":
		return genUserSig(args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

func genUserSig(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("usersig", flag.ContinueOnError)
	fs.SetOutput(stderr)
	id := fs.Uint64("sdkappid", 0, "SDKAppID")
	key := fs.String("key", "", "the app's secret key")
	user := fs.String("user", "", "UserID to sign for")
	expire := fs.Int64("expire", 86400*180, "validity in seconds")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == 0 || *key == "" || *user == "" {
		return errors.New("usersig needs --sdkappid, --key and --user")
	}
	if *id > math.MaxUint32 {
		return errors.New("usersig: --sdkappid must be a 32-bit number")
	}
	sig, err := usersig.Generate(*id, *key, *user, *expire, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, sig)
	return nil
}

func serve(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	cfg := config.Default()
	fs := flag.NewFlagSet("serve", flag.ContinueOnError)
	fs.SetOutput(stderr)
	listen := fs.String("listen", "", "address to listen on (default "+config.DefaultListen+", env PARLEY_LISTEN)")
	data := fs.String("data", "", "data directory (default ./"+config.DefaultDataDir+", env PARLEY_DATA)")
	file := fs.String("config", getenv("PARLEY_CONFIG"), "TOML config file (env PARLEY_CONFIG)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *file != "" {
		if err := cfg.LoadFile(*file); err != nil {
			return err
		}
	}
	if err := cfg.Env(getenv); err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if *data != "" {
		cfg.DataDir = *data
	}
	server.TuneRuntime()
	logger := slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{Level: logLevel(cfg.LogLevel)}))

	var created, defaulted bool
	if len(cfg.Apps) == 0 {
		ac, isNew, err := config.DefaultApp(cfg.DataDir)
		if err != nil {
			return err
		}
		cfg.Apps, created, defaulted = []config.AppConfig{ac}, isNew, true
	}
	apps, err := cfg.BuildApps()
	if err != nil {
		return err
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	opts, err := serverOptions(getenv)
	if err != nil {
		return err
	}
	node, err := server.New(ctx, st, apps, logger, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	logger.Info("parley listening", "addr", ln.Addr().String(), "store", cfg.Store.Driver, "data", cfg.DataDir, "apps", len(apps))
	if defaulted {
		printBanner(stdout, ln.Addr().String(), apps[0].SDKAppID, apps[0].SecretKey, apps[0].Admins[0], created)
	}
	return node.Serve(ctx, ln)
}

// serverOptions reads the node settings that have no config-file key yet:
// PARLEY_HTTP_BODY_TIMEOUT, a Go duration (e.g. "10s") bounding how long a
// request body may take to arrive (default server.DefaultBodyTimeout).
func serverOptions(getenv func(string) string) (server.Options, error) {
	var o server.Options
	if v := getenv("PARLEY_HTTP_BODY_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return o, fmt.Errorf("PARLEY_HTTP_BODY_TIMEOUT=%q: want a positive Go duration such as 10s", v)
		}
		o.BodyTimeout = d
	}
	return o, nil
}

func printBanner(w io.Writer, addr string, sdkAppID uint64, key, admin string, created bool) {
	sig, _ := usersig.Generate(sdkAppID, key, admin, 86400*180, time.Now())
	state := "Using the default app kept in the data directory"
	if created {
		state = "Created a default app (kept in the data directory)"
	}
	host := addr
	if h, p, err := net.SplitHostPort(addr); err == nil && (h == "" || h == "::" || h == "0.0.0.0") {
		host = net.JoinHostPort("127.0.0.1", p)
	}
	fmt.Fprintf(w, `
%s:
  SDKAppID:    %d
  Secret key:  %s
  Admin:       %s
  Admin UserSig (valid 180 days):
    %s

Try it:
  curl -s -X POST 'http://%s/v4/im_open_login_svc/account_import?sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json' -d '{"UserID":"alice","Nick":"Alice"}'

`, state, sdkAppID, key, admin, sig, host, sdkAppID, admin, sig)
}

func logLevel(s string) slog.Level {
	switch strings.ToLower(s) {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
