// Command parley is the Parley IM server.
//
//	parley serve [flags]                 run the server
//	parley usersig --sdkappid N --key KEY --user ID [--expire SECONDS]
//	parley version                       also parley --version
//	parley config check [flags]          load the configuration as serve would; report
//	parley config print [flags]          the effective configuration, secrets masked
//
// The command line is github.com/urfave/cli/v3 rather than cobra: it has
// no dependencies of its own (cobra brings pflag, and viper for environment
// variables), and a flag takes its environment variable as a value source
// and shows it, with the default, in --help: the settings table
// (internal/config.Settings) maps onto that one to one.
package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math"
	"net"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/urfave/cli/v3"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/broker"
	"github.com/parleyim/parley/internal/config"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/tlsreload"
	"github.com/parleyim/parley/internal/webhook"
	"github.com/parleyim/parley/usersig"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "parley:", err)
		os.Exit(1)
	}
}

// usage goes to stderr with a missing or unknown command.
const usage = `usage:
  parley serve [flags]
  parley usersig --sdkappid N --key KEY --user ID [--expire SECONDS]
  parley version
  parley config check|print [flags]
Run 'parley --help' or 'parley <command> --help' for the flags.
`

// run is the whole command line: help and version go to stdout, errors are
// returned (main prints them and exits 1), and nothing calls os.Exit, so
// tests run it in process. getenv is os.Getenv in production.
func run(args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	serveFlags, checkFlags, printFlags := newSettingFlags(getenv), newSettingFlags(getenv), newSettingFlags(getenv)
	cli.VersionPrinter = func(cmd *cli.Command) { fmt.Fprint(cmd.Root().Writer, versionText(readBuildInfo())) }
	root := &cli.Command{
		Name:  "parley",
		Usage: "self-hosted IM server, wire-compatible with Tencent Cloud Chat's REST API",
		UsageText: `parley serve [flags]
parley usersig --sdkappid N --key KEY --user ID [--expire SECONDS]
parley version
parley config check|print [flags]`,
		Version:   shortVersion(readBuildInfo()),
		Writer:    stdout,
		ErrWriter: stderr,
		// Errors are returned to main, never turned into os.Exit here.
		ExitErrHandler: func(context.Context, *cli.Command, error) {},
		OnUsageError:   usageError,
		Action: func(_ context.Context, cmd *cli.Command) error {
			fmt.Fprint(stderr, usage)
			if cmd.Args().Present() {
				return fmt.Errorf("unknown command %q", cmd.Args().First())
			}
			return errors.New("missing command")
		},
		Commands: []*cli.Command{
			{
				Name:  "serve",
				Usage: "run the server",
				Description: "Settings come from flags, then environment variables, then the --config file, then defaults;\n" +
					"docs/configuration.md describes each. With no app configured, a default app is created in the\n" +
					"data directory on first start and printed.",
				Flags:        serveFlags.flags,
				OnUsageError: usageError,
				Action: func(ctx context.Context, cmd *cli.Command) error {
					if err := noArgs(cmd); err != nil {
						return err
					}
					cfg, err := serveFlags.load(cmd)
					if err != nil {
						return err
					}
					return serve(ctx, cfg, stdout, stderr)
				},
			},
			{
				Name:  "usersig",
				Usage: "mint a UserSig (login ticket) for a user of an app",
				Flags: []cli.Flag{
					&cli.StringFlag{Name: "sdkappid", Usage: "the app's SDKAppID", DefaultText: "none", Sources: envSource(getenv, "PARLEY_SDKAPPID")},
					&cli.StringFlag{Name: "key", Usage: "the app's secret key", DefaultText: "none", Sources: envSource(getenv, "PARLEY_SECRET_KEY")},
					&cli.StringFlag{Name: "user", Usage: "UserID to sign for", DefaultText: "none"},
					&cli.Int64Flag{Name: "expire", Usage: "validity in seconds", Value: 86400 * 180},
				},
				OnUsageError: usageError,
				Action: func(_ context.Context, cmd *cli.Command) error {
					if err := noArgs(cmd); err != nil {
						return err
					}
					return genUserSig(cmd, stdout)
				},
			},
			{
				Name:         "version",
				Usage:        "print the version, commit and Go version",
				OnUsageError: usageError,
				Action: func(_ context.Context, cmd *cli.Command) error {
					if err := noArgs(cmd); err != nil {
						return err
					}
					fmt.Fprint(stdout, versionText(readBuildInfo()))
					return nil
				},
			},
			{
				Name:         "config",
				Usage:        "check or print the configuration serve would run with",
				OnUsageError: usageError,
				Action: func(_ context.Context, cmd *cli.Command) error {
					fmt.Fprint(stderr, usage)
					if cmd.Args().Present() {
						return fmt.Errorf("config: unknown command %q (check or print)", cmd.Args().First())
					}
					return errors.New("config: missing command (check or print)")
				},
				Commands: []*cli.Command{
					{
						Name:  "check",
						Usage: "load flags, environment and file as serve would, build and validate the apps, and report",
						Description: "Exits 0 printing \"configuration OK: ...\", or non-zero with the error. It opens no store and\n" +
							"writes nothing: the default app is read if it exists, not created.",
						Flags:        checkFlags.flags,
						OnUsageError: usageError,
						Action: func(_ context.Context, cmd *cli.Command) error {
							if err := noArgs(cmd); err != nil {
								return err
							}
							cfg, err := checkFlags.load(cmd)
							if err != nil {
								return err
							}
							return configCheck(cfg, stdout)
						},
					},
					{
						Name:         "print",
						Usage:        "print the effective configuration as TOML, secrets masked",
						Flags:        printFlags.flags,
						OnUsageError: usageError,
						Action: func(_ context.Context, cmd *cli.Command) error {
							if err := noArgs(cmd); err != nil {
								return err
							}
							cfg, err := printFlags.load(cmd)
							if err != nil {
								return err
							}
							return configPrint(cfg, stdout)
						},
					},
				},
			},
		},
	}
	return root.Run(context.Background(), append([]string{"parley"}, args...))
}

// usageError reports a bad flag as an error naming the command, instead of
// the library's default of printing the whole help to stdout.
func usageError(_ context.Context, cmd *cli.Command, err error, _ bool) error {
	return fmt.Errorf("%s: %w (see '%s --help')", subName(cmd), err, cmd.FullName())
}

// subName is the command's name under parley ("config check"); main
// prefixes every error with "parley: ".
func subName(cmd *cli.Command) string {
	if cmd.Root() == cmd {
		return "parley"
	}
	return strings.TrimPrefix(cmd.FullName(), cmd.Root().Name+" ")
}

// noArgs refuses positional arguments: none of the commands takes any, and
// an ignored argument is usually a flag typed without its dashes.
func noArgs(cmd *cli.Command) error {
	if cmd.Args().Present() {
		return fmt.Errorf("%s: unexpected argument %q (see '%s --help')", subName(cmd), cmd.Args().First(), cmd.FullName())
	}
	return nil
}

// envVar is a flag's environment variable. It reads through getenv, so
// tests inject the environment, and an empty variable is not set (the
// PARLEY_* contract since the first release). It implements
// cli.EnvValueSource, so --help shows it.
type envVar struct {
	key    string
	getenv func(string) string
	found  *bool // set when the value came from here
}

func (e envVar) Lookup() (string, bool) {
	v := e.getenv(e.key)
	if v != "" && e.found != nil {
		*e.found = true
	}
	return v, v != ""
}
func (e envVar) IsFromEnv() bool  { return true }
func (e envVar) Key() string      { return e.key }
func (e envVar) String() string   { return "environment variable " + e.key }
func (e envVar) GoString() string { return fmt.Sprintf("envVar{%q}", e.key) }

func envSource(getenv func(string) string, key string) cli.ValueSourceChain {
	return cli.NewValueSourceChain(envVar{key: key, getenv: getenv})
}

// settingFlags are the flags of serve, config check or config print, made
// from config.Settings; each command gets its own (a flag holds its value).
type settingFlags struct {
	flags []cli.Flag
	// fromEnv[flag] is set when the flag's value came from its
	// environment variable rather than the command line, so an error
	// names what the operator actually set.
	fromEnv map[string]*bool
}

func newSettingFlags(getenv func(string) string) *settingFlags {
	sf := &settingFlags{fromEnv: map[string]*bool{}}
	for i := range config.Settings {
		s := &config.Settings[i]
		if s.Flag == "" {
			continue // file only
		}
		found := new(bool)
		sf.fromEnv[s.Flag] = found
		src := cli.NewValueSourceChain(envVar{key: s.Env, getenv: getenv, found: found})
		usage := s.Usage
		if s.Secret {
			usage += " (masked by config print)"
		}
		if s.Type == "bool" {
			sf.flags = append(sf.flags, &cli.BoolFlag{Name: s.Flag, Usage: usage, Category: s.Group, Sources: src,
				DefaultText: s.DefaultText()})
		} else {
			sf.flags = append(sf.flags, &cli.StringFlag{Name: s.Flag, Usage: usage, Category: s.Group, Sources: src,
				DefaultText: s.DefaultText(), TakesFile: s.Type == "path"})
		}
	}
	return sf
}

// load reads the configuration serve runs with: cmd's flags and their
// environment variables over the file over the defaults (config.Load).
func (sf *settingFlags) load(cmd *cli.Command) (config.Config, error) {
	return config.Load(func(s *config.Setting) (string, string, bool) {
		if s.Flag == "" || !cmd.IsSet(s.Flag) {
			return "", "", false
		}
		v := cmd.String(s.Flag)
		if s.Type == "bool" {
			v = strconv.FormatBool(cmd.Bool(s.Flag))
		}
		origin := "--" + s.Flag
		if f := sf.fromEnv[s.Flag]; f != nil && *f {
			origin = s.Env
		}
		return v, origin, v != ""
	})
}

func genUserSig(cmd *cli.Command, stdout io.Writer) error {
	key, user, expire := cmd.String("key"), cmd.String("user"), cmd.Int64("expire")
	if cmd.String("sdkappid") == "" || key == "" || user == "" {
		return errors.New("usersig needs --sdkappid, --key and --user")
	}
	id, err := strconv.ParseUint(cmd.String("sdkappid"), 10, 64)
	if err != nil || id == 0 || id > math.MaxUint32 {
		return fmt.Errorf("usersig: --sdkappid %q must be a positive 32-bit number", cmd.String("sdkappid"))
	}
	sig, err := usersig.Generate(id, key, user, expire, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, sig)
	return nil
}

func serve(ctx context.Context, cfg config.Config, stdout, stderr io.Writer) error {
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
	var cert *tlsreload.Cert
	if cfg.TLSCert != "" {
		if cert, err = tlsreload.Load(cfg.TLSCert, cfg.TLSKey); err != nil {
			return err
		}
	}

	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	st, err := server.OpenStore(ctx, cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	opts := serverOptions(cfg)
	if cfg.NATS.URL != "" {
		// A node of a cluster: pushes reach the clients on every node. A
		// NATS server that cannot be reached stops the start.
		b, err := broker.ConnectNATS(broker.NATSOptions{URL: cfg.NATS.URL, Name: "parley " + cfg.Listen, Logger: logger})
		if err != nil {
			return fmt.Errorf("nats %s: %w", config.MaskDSN(cfg.NATS.URL), err)
		}
		defer b.Close()
		opts.Broker = b
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return err
	}
	opts.DevLogin = devLoginOn(cfg, defaulted, ln.Addr())
	node, err := server.New(ctx, st, apps, logger, opts)
	if err != nil {
		ln.Close()
		return err
	}
	scheme := "http"
	if cert != nil {
		// SIGHUP is caught only with TLS, where it means "reload the
		// certificate"; without TLS it keeps its default action.
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		go cert.ReloadOn(ctx, hup, logger)
		ln = tls.NewListener(ln, cert.ServerConfig())
		scheme = "https"
		logger.Info("tls certificate loaded", cert.Attrs()...)
	}
	logger.Info("parley listening", "addr", ln.Addr().String(), "scheme", scheme, "store", cfg.Store.Driver, "data", cfg.DataDir, "apps", len(apps))
	logger.Info("web app", "url", webAppURL(scheme, ln.Addr().String()), "dev_login", opts.DevLogin)
	if defaulted {
		printBanner(stdout, scheme, ln.Addr().String(), apps[0].SDKAppID, apps[0].SecretKey, apps[0].Admins[0], created)
		printWebAppBanner(stdout, scheme, ln.Addr().String(), opts.DevLogin)
	}
	return node.Serve(ctx, ln)
}

// serverOptions carries the node settings of cfg into server.Options.
// cfg.AdminListen, cfg.Pprof and cfg.RequestLogSample belong to the admin
// listener and request logging of internal/server, which take them from
// here once it has those options.
func serverOptions(cfg config.Config) server.Options {
	o := server.Options{BodyTimeout: cfg.HTTPBodyTimeout, AdminListen: cfg.AdminListen, Pprof: cfg.Pprof,
		RequestLogSample: cfg.RequestLogSample}
	if cfg.GatewayNetpoll != nil && !*cfg.GatewayNetpoll {
		o.Gateway.DisableNetpoll = true
	}
	for _, a := range cfg.Apps {
		if a.Webhook != nil {
			if o.Webhooks == nil {
				o.Webhooks = map[store.AppID]webhook.Config{}
			}
			o.Webhooks[a.SDKAppID] = a.Webhook.Webhook()
		}
	}
	return o
}

// configCheck loads and validates everything serve would before opening
// the store: settings, apps (built, validated, no SDKAppID twice) and the
// TLS files. It writes nothing.
func configCheck(cfg config.Config, stdout io.Writer) error {
	note := ""
	if len(cfg.Apps) == 0 {
		ac, found, err := config.ReadDefaultApp(cfg.DataDir)
		if err != nil {
			return err
		}
		if found {
			cfg.Apps, note = []config.AppConfig{ac}, fmt.Sprintf(" (the default app kept in %s)", cfg.DataDir)
		} else {
			note = fmt.Sprintf(" (the default app, created in %s on first start)", cfg.DataDir)
		}
	}
	apps, err := cfg.BuildApps()
	if err != nil {
		return err
	}
	if _, err := app.NewRegistry(apps...); err != nil {
		return err
	}
	if cfg.TLSCert != "" {
		if _, err := tlsreload.Load(cfg.TLSCert, cfg.TLSKey); err != nil {
			return err
		}
	}
	n := max(len(apps), 1)
	plural := "s"
	if n == 1 {
		plural = ""
	}
	fmt.Fprintf(stdout, "configuration OK: %d app%s%s, store %s\n", n, plural, note, cfg.Store.Driver)
	return nil
}

// configPrint prints what serve would run with as a TOML config file, the
// secrets masked (config.Config.Masked). Per-app keys left at 0 or out
// take their defaults (docs/configuration.md).
func configPrint(cfg config.Config, stdout io.Writer) error {
	if _, err := cfg.BuildApps(); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "# The configuration parley serve would run with; secrets masked.")
	if len(cfg.Apps) == 0 {
		ac, found, err := config.ReadDefaultApp(cfg.DataDir)
		if err != nil {
			return err
		}
		if found {
			fmt.Fprintf(stdout, "# No app configured: serve uses the default app kept in %s.\n", cfg.DataDir)
			cfg.Apps = []config.AppConfig{ac}
		} else {
			fmt.Fprintf(stdout, "# No app configured: serve creates a default app in %s on first start.\n", cfg.DataDir)
		}
	}
	fmt.Fprintln(stdout)
	return cfg.Masked().WriteTOML(stdout)
}

func printBanner(w io.Writer, scheme, addr string, sdkAppID uint64, key, admin string, created bool) {
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
  curl -s -X POST '%s://%s/v4/im_open_login_svc/account_import?sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json' -d '{"UserID":"alice","Nick":"Alice"}'

`, state, sdkAppID, key, admin, sig, scheme, host, sdkAppID, admin, sig)
}

// logLevel maps a validated log_level (config.LogLevels) to slog's.
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
