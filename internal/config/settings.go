package config

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/webhook"
)

// Setting is one knob of `parley serve`: the names it is given by on the
// command line, in the environment and in the config file, its default and
// what it means. Settings is the one place these are written down: the
// CLI's flags and --help, Default, the environment and flag layers and
// docs/configuration.md are all made from it, so they cannot disagree.
type Setting struct {
	// Flag is the long flag name without dashes; every setting with an
	// environment variable has one, and Env is always "PARLEY_" + Flag in
	// upper case with "-" as "_" (TestSettingNames holds that).
	Flag string
	Env  string
	// Key is the TOML key, dotted inside a table ("store.driver"); ""
	// when the file cannot set it.
	Key   string
	Group string
	// Type names the value's syntax for people: "address", "path",
	// "string", "bool", "duration", "number", "integer", "list".
	Type string
	// Default is the literal value the setting has when nothing sets it;
	// Default() is built by applying these. "" when there is none.
	Default string
	// DefaultDoc replaces Default in --help and the docs when the default
	// is not a literal value ("Tencent's quotas").
	DefaultDoc string
	Usage      string
	// Secret settings are masked by `parley config print`.
	Secret bool
	// apply parses a non-empty raw value from a flag or the environment
	// into c. nil for --config, which Load reads before anything else.
	apply func(c *Config, v string) error
}

// Groups of settings, in the order --help and the docs show them.
const (
	GroupServer = "Server"
	GroupTLS    = "TLS"
	GroupOps    = "Operations"
	GroupStore  = "Store"
	GroupApp    = "App from flags or environment"
)

// Groups lists the groups in display order.
var Groups = []string{GroupServer, GroupTLS, GroupOps, GroupStore, GroupApp}

// DefaultHTTPBodyTimeout is how long a request body may take to arrive;
// it equals server.DefaultBodyTimeout (cmd/parley's tests hold that).
const DefaultHTTPBodyTimeout = 10 * time.Second

// LogLevels are the accepted values of log_level.
var LogLevels = []string{"debug", "info", "warn", "error"}

// Settings is every setting of `parley serve`, in display order.
var Settings = []Setting{
	{Flag: "config", Env: "PARLEY_CONFIG", Group: GroupServer, Type: "path", DefaultDoc: "none",
		Usage: "TOML config file; flags and environment override its values"},
	{Flag: "listen", Env: "PARLEY_LISTEN", Key: "listen", Group: GroupServer, Type: "address", Default: DefaultListen,
		Usage: "listen address for REST (/v4/), the client socket (/v1/ws), the web app (/app/), /healthz and, without admin_listen, /metrics",
		apply: func(c *Config, v string) error { c.Listen = v; return nil }},
	{Flag: "data", Env: "PARLEY_DATA", Key: "data_dir", Group: GroupServer, Type: "path", Default: DefaultDataDir,
		Usage: "data directory: the embedded database and the default app",
		apply: func(c *Config, v string) error { c.DataDir = v; return nil }},
	{Flag: "log-level", Env: "PARLEY_LOG_LEVEL", Key: "log_level", Group: GroupServer, Type: "string", Default: "info",
		Usage: "debug, info, warn or error (JSON logs on stderr)",
		apply: func(c *Config, v string) error { c.LogLevel = v; return nil }},
	{Flag: "http-body-timeout", Env: "PARLEY_HTTP_BODY_TIMEOUT", Key: "http_body_timeout", Group: GroupServer, Type: "duration",
		Default: DefaultHTTPBodyTimeout.String(),
		Usage:   "how long a REST request's body may take to arrive (a Go duration); past it the call is answered 60008 and its connection closed",
		apply: func(c *Config, v string) error {
			d, err := time.ParseDuration(v)
			if err != nil || d <= 0 {
				return errors.New("want a positive Go duration such as 10s")
			}
			c.HTTPBodyTimeout = d
			return nil
		}},
	{Flag: "tls-cert", Env: "PARLEY_TLS_CERT", Key: "tls_cert", Group: GroupTLS, Type: "path", DefaultDoc: "none (plain HTTP)",
		Usage: "PEM certificate chain: serve HTTPS and WSS on the listen address; needs tls_key; reloaded on SIGHUP",
		apply: func(c *Config, v string) error { c.TLSCert = v; return nil }},
	{Flag: "tls-key", Env: "PARLEY_TLS_KEY", Key: "tls_key", Group: GroupTLS, Type: "path", DefaultDoc: "none",
		Usage: "PEM private key of tls_cert; reloaded with it on SIGHUP",
		apply: func(c *Config, v string) error { c.TLSKey = v; return nil }},
	{Flag: "admin-listen", Env: "PARLEY_ADMIN_LISTEN", Key: "admin_listen", Group: GroupOps, Type: "address", DefaultDoc: "none",
		Usage: "a second listen address for operators; when set, /metrics (and pprof) are served only there",
		apply: func(c *Config, v string) error { c.AdminListen = v; return nil }},
	{Flag: "pprof", Env: "PARLEY_PPROF", Key: "pprof", Group: GroupOps, Type: "bool", Default: "false",
		Usage: "serve /debug/pprof/ on the admin listener (needs admin_listen)",
		apply: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.Pprof = b
			return nil
		}},
	{Flag: "gateway-netpoll", Env: "PARLEY_GATEWAY_NETPOLL", Key: "gateway_netpoll", Group: GroupOps, Type: "bool", DefaultDoc: "true",
		Usage: "park idle logged-in client connections on the node's epoll poller instead of a reader goroutine each (Linux, plain TCP; TLS connections always keep their reader); false keeps a reader per connection",
		apply: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.GatewayNetpoll = &b
			return nil
		}},
	{Flag: "dev-login", Env: "PARLEY_DEV_LOGIN", Key: "dev_login", Group: GroupOps, Type: "bool", DefaultDoc: "on for the default app on a loopback listen address, else off",
		Usage: "the web app's development login (POST /app/api/dev-login signs a UserSig for any typed UserID, not for admins); true turns it on for every app whatever the address, false turns it off",
		apply: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.DevLogin = &b
			return nil
		}},
	{Flag: "request-log-sample", Env: "PARLEY_REQUEST_LOG_SAMPLE", Key: "request_log_sample", Group: GroupOps, Type: "number", Default: "1",
		Usage: "share of REST requests logged, 0 to 1; 0 turns request logs off (errors are still logged)",
		apply: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return errors.New("want a number from 0 to 1")
			}
			c.RequestLogSample = &f
			return nil
		}},
	{Flag: "store", Env: "PARLEY_STORE", Key: "store.driver", Group: GroupStore, Type: "string", Default: "sqlite",
		Usage: "storage engine: sqlite (embedded, in the data directory) or postgres",
		apply: func(c *Config, v string) error { c.Store.Driver = v; return nil }},
	{Flag: "postgres-dsn", Env: "PARLEY_POSTGRES_DSN", Key: "store.dsn", Group: GroupStore, Type: "string", DefaultDoc: "none", Secret: true,
		Usage: "PostgreSQL connection string (URL or key=value) for store postgres",
		apply: func(c *Config, v string) error { c.Store.DSN = v; return nil }},
	{Flag: "nats-url", Env: "PARLEY_NATS_URL", Key: "nats.url", Group: GroupStore, Type: "string", DefaultDoc: "none (one node)", Secret: true,
		Usage: "NATS server(s) of a cluster (nats://host:4222, comma-separated for several): pushes reach the clients on every node; empty for one node",
		apply: func(c *Config, v string) error { c.NATS.URL = v; return nil }},
	{Key: "store.max_conns", Group: GroupStore, Type: "integer", Default: "32",
		Usage: "PostgreSQL connection pool size; 0 means the default",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil {
				return errors.New("want a whole number")
			}
			c.Store.MaxConns = n
			return nil
		}},
	{Flag: "sdkappid", Env: "PARLEY_SDKAPPID", Group: GroupApp, Type: "integer", DefaultDoc: "none",
		Usage: "declare one app without a file: its SDKAppID (needs secret-key too)",
		apply: func(c *Config, v string) error {
			n, err := strconv.ParseUint(v, 10, 32)
			if err != nil || n == 0 {
				return errors.New("want a positive 32-bit number")
			}
			c.env.sdkAppID = n
			return nil
		}},
	{Flag: "secret-key", Env: "PARLEY_SECRET_KEY", Group: GroupApp, Type: "string", DefaultDoc: "none", Secret: true,
		Usage: "the secret key of the app declared by sdkappid (at least 16 characters; prefer the environment to a flag, which other local users can see)",
		apply: func(c *Config, v string) error { c.env.secretKey = v; return nil }},
	{Flag: "admin", Env: "PARLEY_ADMIN", Group: GroupApp, Type: "list", Default: DefaultAdmin,
		Usage: "admin UserID(s) of the app declared by sdkappid, comma-separated",
		apply: func(c *Config, v string) error {
			var admins []string
			for _, a := range strings.Split(v, ",") {
				if a = strings.TrimSpace(a); a != "" {
					admins = append(admins, a)
				}
			}
			c.env.admins = admins
			return nil
		}},
	{Flag: "rate-limit", Env: "PARLEY_RATE_LIMIT", Group: GroupApp, Type: "number", DefaultDoc: "Tencent's quotas",
		Usage: "REST calls/s for every API of the app declared by sdkappid; 0 = unlimited",
		apply: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 {
				return errors.New("want a number of calls per second (0 = unlimited)")
			}
			c.env.rate = &f
			return nil
		}},
	{Flag: "client-rate-limit", Env: "PARLEY_CLIENT_RATE_LIMIT", Group: GroupApp, Type: "number", DefaultDoc: "50 / 10 / 50 / 200",
		Usage: "client-socket calls/s per user for every class (messages, friend requests, writes, reads) of the app declared by sdkappid; 0 = unlimited",
		apply: func(c *Config, v string) error {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 {
				return errors.New("want a number of calls per second (0 = unlimited)")
			}
			c.env.clientRate = &f
			return nil
		}},
	{Flag: "webhook-url", Env: "PARLEY_WEBHOOK_URL", Group: GroupApp, Type: "string", DefaultDoc: "none (no callbacks)",
		Usage: "callback URL of the app declared by sdkappid: Tencent's callbacks are POSTed there",
		apply: func(c *Config, v string) error { c.env.webhook().URL = v; return nil }},
	{Flag: "webhook-token", Env: "PARLEY_WEBHOOK_TOKEN", Group: GroupApp, Type: "string", DefaultDoc: "none (unsigned)", Secret: true,
		Usage: "callback token of the app declared by sdkappid: adds Sign = sha256(token + RequestTime) and RequestTime",
		apply: func(c *Config, v string) error { c.env.webhook().Token = v; return nil }},
	{Flag: "webhook-commands", Env: "PARLEY_WEBHOOK_COMMANDS", Group: GroupApp, Type: "list", DefaultDoc: "none",
		Usage: "callbacks sent for the app declared by sdkappid, comma-separated CallbackCommand names (C2C.CallbackAfterSendMsg, ...) or * for all",
		apply: func(c *Config, v string) error { c.env.webhook().Commands = webhook.SplitCommands(v); return nil }},
	{Flag: "webhook-timeout-ms", Env: "PARLEY_WEBHOOK_TIMEOUT_MS", Group: GroupApp, Type: "integer", Default: "2000",
		Usage: "bound of one callback request of the app declared by sdkappid, in milliseconds",
		apply: func(c *Config, v string) error {
			n, err := strconv.Atoi(v)
			if err != nil || n <= 0 || n > 60000 {
				return errors.New("want milliseconds from 1 to 60000")
			}
			c.env.webhook().TimeoutMS = n
			return nil
		}},
	{Flag: "webhook-allow-on-timeout", Env: "PARLEY_WEBHOOK_ALLOW_ON_TIMEOUT", Group: GroupApp, Type: "bool", Default: "true",
		Usage: "a before-callback of the app declared by sdkappid that does not answer allows the change (false: rejected, 20006)",
		apply: func(c *Config, v string) error {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return errors.New("want true or false")
			}
			c.env.webhook().AllowOnTimeout = &b
			return nil
		}},
}

// webhook is the env app's webhook, made on its first setting.
func (e *envApp) webhook() *WebhookConfig {
	if e.hook == nil {
		e.hook = &WebhookConfig{}
	}
	return e.hook
}

// Lookup returns the raw value given for a setting by a flag or the
// environment, and how to name where it came from in an error ("--listen",
// "PARLEY_LISTEN"). An empty value counts as not given, as it always has
// for the PARLEY_* variables.
type Lookup func(s *Setting) (value, origin string, ok bool)

// EnvLookup reads the settings from the environment only; getenv is
// os.Getenv in production and a map in tests.
func EnvLookup(getenv func(string) string) Lookup {
	return func(s *Setting) (string, string, bool) {
		if s.Env == "" {
			return "", "", false
		}
		v := getenv(s.Env)
		return v, s.Env, v != ""
	}
}

// envApp gathers the app-from-flags-or-environment settings until every
// setting is read; apply then turns it into an entry of Apps.
type envApp struct {
	sdkAppID   uint64
	secretKey  string
	admins     []string
	rate       *float64
	clientRate *float64
	hook       *WebhookConfig
	given      []string // origins of the optional app settings given
}

// Load assembles the configuration `parley serve` runs with. Precedence,
// highest first: flags, environment (both through lookup), the file named
// by --config/PARLEY_CONFIG, the built-in defaults. The result is
// validated (Validate); the apps are not built (BuildApps).
func Load(lookup Lookup) (Config, error) {
	c := Default()
	if v, _, ok := lookup(SettingByFlag("config")); ok {
		if err := c.LoadFile(v); err != nil {
			return c, err
		}
	}
	if err := c.apply(lookup); err != nil {
		return c, err
	}
	return c, c.Validate()
}

// Env reads the PARLEY_* variables into c; getenv is os.Getenv in
// production and a map in tests. Call it at most once per Config: the app
// declared by PARLEY_SDKAPPID is appended to Apps.
func (c *Config) Env(getenv func(string) string) error {
	return c.apply(EnvLookup(getenv))
}

func (c *Config) apply(lookup Lookup) error {
	c.env = envApp{}
	for i := range Settings {
		s := &Settings[i]
		if s.apply == nil {
			continue
		}
		v, origin, ok := lookup(s)
		if !ok || v == "" {
			continue
		}
		if err := s.apply(c, v); err != nil {
			return fmt.Errorf("%s=%q: %w", origin, v, err)
		}
		if s.Group == GroupApp && s.Flag != "sdkappid" && s.Flag != "secret-key" {
			c.env.given = append(c.env.given, origin)
		}
	}
	e := c.env
	if e.sdkAppID == 0 && e.secretKey == "" {
		if len(e.given) > 0 {
			return fmt.Errorf("%s: applies to the app declared by PARLEY_SDKAPPID and PARLEY_SECRET_KEY (--sdkappid, --secret-key), which are not set", strings.Join(e.given, ", "))
		}
		return nil
	}
	if e.sdkAppID == 0 || e.secretKey == "" {
		return errors.New("PARLEY_SDKAPPID and PARLEY_SECRET_KEY (--sdkappid, --secret-key) must be set together")
	}
	ac := AppConfig{SDKAppID: e.sdkAppID, SecretKey: e.secretKey, Admins: e.admins}
	if len(ac.Admins) == 0 {
		ac.Admins = []string{DefaultAdmin}
	}
	if e.rate != nil {
		// One figure for every API: load tests and private deployments
		// that do not want Tencent's per-API quotas set 0 (unlimited).
		ac.RateLimits = map[string]float64{"default": *e.rate}
		for api := range app.DefaultRateLimits() {
			ac.RateLimits[api] = *e.rate
		}
	}
	if e.clientRate != nil {
		r := *e.clientRate
		ac.ClientRateLimits = map[string]float64{"messages": r, "friend_requests": r, "writes": r, "reads": r}
	}
	ac.Webhook = e.hook
	c.Apps = append(c.Apps, ac)
	return nil
}

// Validate rejects settings the server cannot run with, naming the
// setting. It checks what needs no I/O; the apps are checked by BuildApps.
func (c *Config) Validate() error {
	lvl := strings.ToLower(c.LogLevel)
	found := false
	for _, l := range LogLevels {
		found = found || lvl == l
	}
	if !found {
		return fmt.Errorf("log_level %q: want one of %s", c.LogLevel, strings.Join(LogLevels, ", "))
	}
	if c.Listen == "" {
		return errors.New("listen: an address is required")
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("tls_cert and tls_key (--tls-cert, --tls-key) must be set together")
	}
	if c.HTTPBodyTimeout <= 0 {
		return fmt.Errorf("http_body_timeout %s: want a positive Go duration such as 10s (PARLEY_HTTP_BODY_TIMEOUT)", c.HTTPBodyTimeout)
	}
	if s := c.RequestLogSample; s != nil && !(*s >= 0 && *s <= 1) {
		return fmt.Errorf("request_log_sample %g: want a number from 0 to 1", *s)
	}
	if c.Pprof && c.AdminListen == "" {
		return errors.New("pprof needs admin_listen (--admin-listen): profiles are never served on the public listener")
	}
	if c.AdminListen != "" && c.AdminListen == c.Listen {
		return fmt.Errorf("admin_listen %q: must differ from listen", c.AdminListen)
	}
	switch c.Store.Driver {
	case "sqlite", "":
	case "postgres":
		if c.Store.DSN == "" {
			return errors.New("store driver postgres needs a DSN (PARLEY_POSTGRES_DSN or [store] dsn)")
		}
	default:
		return fmt.Errorf("store driver %q: want sqlite or postgres", c.Store.Driver)
	}
	for _, a := range c.Apps {
		if a.Webhook == nil {
			continue
		}
		if err := a.Webhook.Webhook().Validate(); err != nil {
			return fmt.Errorf("app %d: %w", a.SDKAppID, err)
		}
	}
	if c.Store.MaxConns < 0 {
		return fmt.Errorf("store.max_conns %d: want a positive number (0 = default)", c.Store.MaxConns)
	}
	return nil
}

// SettingByFlag returns the setting with that flag name, or nil.
func SettingByFlag(flag string) *Setting {
	for i := range Settings {
		if Settings[i].Flag == flag {
			return &Settings[i]
		}
	}
	return nil
}

// DefaultText is the default as people read it.
func (s *Setting) DefaultText() string {
	if s.DefaultDoc != "" {
		return s.DefaultDoc
	}
	return s.Default
}

// AppKey is one key of an [[apps]] table in the config file. Apps have no
// flags: a file declares any number of them (flags and environment declare
// at most one, above).
type AppKey struct {
	Key        string // under [[apps]], dotted into its sub-tables
	Type       string
	Default    string // a literal value
	DefaultDoc string // instead of Default when the default is not one
	Usage      string
	Secret     bool
}

// AppKeys is every key of [[apps]], in display order; TestAppKeysCoverAppConfig
// holds it to AppConfig's fields.
var AppKeys = []AppKey{
	{Key: "sdkappid", Type: "integer", DefaultDoc: "required", Usage: "the app's SDKAppID (a positive 32-bit number)"},
	{Key: "secret_key", Type: "string", DefaultDoc: "required", Secret: true, Usage: "the key UserSigs are signed with (at least 16 characters)"},
	{Key: "admins", Type: "list", Default: `["` + DefaultAdmin + `"]`, Usage: "admin UserIDs; the REST API is called as one of them"},
	{Key: "check_friend_for_c2c", Type: "bool", Default: "false", Usage: "one-to-one messages only between friends (20009/20010/20011 otherwise)"},
	{Key: "show_sent_to_blocked", Type: "bool", Default: "true", Usage: "a blocked sender is told \"sent\" (false: 20007)"},
	{Key: "avchatroom_new_member_history", Type: "bool", Default: "false", Usage: "Message History for New Members: a new member of an AVChatRoom gets its last messages (at most 20 of the last 24 hours) on joining"},
	{Key: "user_status", Type: "bool", Default: "false", Usage: "the console's user status query and status change notification: other users' status and subscriptions (72001 when off; one's own status always works)"},
	{Key: "max_friends", Type: "integer", Default: strconv.Itoa(app.DefaultLimits.MaxFriends), Usage: "friends per user (30010 past it)"},
	{Key: "max_friend_lists", Type: "integer", Default: strconv.Itoa(app.DefaultLimits.MaxFriendLists), Usage: "friend lists (groups) per user"},
	{Key: "max_blocked", Type: "integer", Default: strconv.Itoa(app.DefaultLimits.MaxBlocked), Usage: "blocked users per user"},
	{Key: "max_pending_requests", Type: "integer", Default: strconv.Itoa(app.DefaultLimits.MaxPendingRequests), Usage: "pending friend requests per user"},
	{Key: "max_web_instances", Type: "integer", Default: strconv.Itoa(app.DefaultLoginPolicy.MaxWebInstances), Usage: "Web instances of one user online at once (1-10); a new login pushes out the oldest"},
	{Key: "max_instances_per_platform", Type: "integer", Default: strconv.Itoa(app.DefaultLoginPolicy.MaxInstancesPerPlatform), Usage: "instances per other platform (Android, iOS, iPad, Windows, Mac) online at once (1-3)"},
	{Key: "message_retention_days", Type: "integer", Default: "7", Usage: "one-to-one history (roaming) kept this long, then removed"},
	{Key: "recall_window_seconds", Type: "integer", Default: "120", Usage: "how long after sending a sender may recall a message"},
	{Key: "group_message_read_receipts", Type: "list", Default: "[]", Usage: "group types whose messages may ask for read receipts: \"Private\", \"Public\", \"ChatRoom\" (console: Group Message Read Receipts)"},
	{Key: "group_messages_per_second", Type: "number", Default: "40", Usage: "messages a second one group takes from all its senders, REST included (10023 past it; lower priorities first); 0 = unlimited"},
	{Key: "profile_custom_fields", Type: "list", Default: "[]", Usage: "declared custom profile tags: \"Hobby\" is Tag_Profile_Custom_Hobby (1-8 letters, digits, _)"},
	{Key: "friend_custom_fields", Type: "list", Default: "[]", Usage: "declared custom friend tags: \"Level\" is Tag_SNS_Custom_Level"},
	{Key: "group_member_caps.<type>", Type: "integer", DefaultDoc: "the type's cap (Private 6000, Public 6000, ChatRoom 10000, Community 100000)", Usage: "[apps.group_member_caps]: the highest MaxMemberNum a group of that type (Private, Public, ChatRoom, Community) may ask for, e.g. Public = 10000 (Tencent's value-added raise); 1 to 1000000"},
	{Key: "rate_limits.default", Type: "number", Default: "200", Usage: "[apps.rate_limits]: REST calls/s of an API not listed; 0 = unlimited"},
	{Key: "rate_limits.\"<service>/<command>\"", Type: "number", DefaultDoc: "Tencent's quota for that API", Usage: "[apps.rate_limits]: REST calls/s of one API, e.g. \"sns/friend_add\" = 500; 0 = unlimited"},
	{Key: "client_rate_limits.messages", Type: "number", Default: fmtFloat(app.DefaultClientRateLimits.Messages), Usage: "[apps.client_rate_limits]: msg.send calls/s per user on the client socket (7008 past it); 0 = unlimited"},
	{Key: "client_rate_limits.friend_requests", Type: "number", Default: fmtFloat(app.DefaultClientRateLimits.FriendRequests), Usage: "[apps.client_rate_limits]: friend.add calls/s per user (30540 past it); 0 = unlimited"},
	{Key: "client_rate_limits.writes", Type: "number", Default: fmtFloat(app.DefaultClientRateLimits.Writes), Usage: "[apps.client_rate_limits]: calls/s per user of every other op that changes state; 0 = unlimited"},
	{Key: "client_rate_limits.reads", Type: "number", Default: fmtFloat(app.DefaultClientRateLimits.Reads), Usage: "[apps.client_rate_limits]: calls/s per user of every op that only reads; 0 = unlimited"},
	{Key: "webhook.url", Type: "string", DefaultDoc: "none (no callbacks)", Usage: "[apps.webhook]: the app server's callback URL (http or https); Tencent's callbacks are POSTed there (docs/webhooks.md)"},
	{Key: "webhook.token", Type: "string", DefaultDoc: "none (unsigned)", Secret: true, Usage: "[apps.webhook]: adds Sign = lowercase hex sha256(token + RequestTime) and RequestTime to each callback"},
	{Key: "webhook.commands", Type: "list", Default: "[]", Usage: "[apps.webhook]: the CallbackCommand names sent, e.g. [\"C2C.CallbackAfterSendMsg\"], or [\"*\"] for all; an unknown name stops the start"},
	{Key: "webhook.timeout_ms", Type: "integer", Default: "2000", Usage: "[apps.webhook]: bound of one callback request, in milliseconds (1-60000)"},
	{Key: "webhook.allow_on_timeout", Type: "bool", Default: "true", Usage: "[apps.webhook]: a before-callback that times out, answers non-200 or non-JSON allows the change (false: rejected with 20006)"},
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }
