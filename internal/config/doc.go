package config

import (
	"bufio"
	"fmt"
	"io"
	"strings"
)

//go:generate sh -c "cd ../.. && go run ./internal/config/cmd/configdoc > docs/configuration.md"

// DocCommand regenerates docs/configuration.md from the repository root;
// TestConfigurationDocIsCurrent names it when the file is stale.
const DocCommand = "go run ./internal/config/cmd/configdoc > docs/configuration.md"

// WriteMarkdown writes the configuration reference, docs/configuration.md,
// from Settings and AppKeys.
func WriteMarkdown(out io.Writer) error {
	w := bufio.NewWriter(out)
	p := func(format string, a ...any) { fmt.Fprintf(w, format, a...) }
	p("# Configuration reference\n\n")
	p("<!-- Generated from internal/config/settings.go by `%s`; do not edit by hand. -->\n\n", DocCommand)
	p("`parley serve` (and `parley config check`, `parley config print`, which load exactly what `serve` would)\n")
	p("take each setting from, highest precedence first: its command-line flag, its environment variable, the\n")
	p("TOML file named by `--config`/`PARLEY_CONFIG`, the default. An empty flag or variable counts as not set.\n")
	p("`parley serve --help` lists the same flags, variables and defaults.\n\n")
	p("Unknown keys in the file are an error, so a misspelt setting never falls back to its default silently;\n")
	p("so is a bad value anywhere (`log_level = \"verbose\"`, `PARLEY_HTTP_BODY_TIMEOUT=10`). Check a configuration\n")
	p("without starting the server with `parley config check` (exit status 0 and `configuration OK: ...`, or the\n")
	p("error), and see the effective one, secrets masked, with `parley config print`.\n\n")
	for _, g := range Groups {
		p("## %s\n\n", g)
		if g == GroupApp {
			p("These declare one app without a file (the file's `[[apps]]` declares any number, below). `sdkappid` and\n")
			p("`secret-key` go together; the others need them. With no app declared at all, `serve` creates a default\n")
			p("app on first start, keeps it in `<data>/default-app.json` and prints it.\n\n")
		}
		p("| Flag | Environment | File key | Type | Default | Meaning |\n|---|---|---|---|---|---|\n")
		for i := range Settings {
			s := &Settings[i]
			if s.Group != g {
				continue
			}
			usage := s.Usage
			if s.Secret {
				usage += " (masked by `config print`)"
			}
			p("| %s | %s | %s | %s | %s | %s |\n", code("--", s.Flag), code("", s.Env), code("", s.Key), s.Type, dflt(s.Default, s.DefaultDoc), cell(usage))
		}
		p("\n")
	}
	p("## Apps in the file: `[[apps]]`\n\n")
	p("Each `[[apps]]` table declares one app; their data never mixes. A key left out (or `0` for a number)\n")
	p("takes its default. `rate_limits` and `client_rate_limits` are sub-tables: `[apps.rate_limits]`,\n")
	p("`[apps.client_rate_limits]`.\n\n")
	p("| Key | Type | Default | Meaning |\n|---|---|---|---|\n")
	for _, k := range AppKeys {
		usage := k.Usage
		if k.Secret {
			usage += " (masked by `config print`)"
		}
		p("| %s | %s | %s | %s |\n", code("", k.Key), k.Type, dflt(k.Default, k.DefaultDoc), cell(usage))
	}
	p("\n## Example\n\n```toml\n%s```\n", exampleTOML)
	p("\n## TLS\n\n")
	p("With `tls_cert` and `tls_key` the listen address serves HTTPS and WSS (TLS 1.2 or later). Send the process\n")
	p("`SIGHUP` after renewing the files: the new certificate is used for every new connection; if the files\n")
	p("cannot be loaded the error is logged and the old certificate stays in use. Without TLS, `SIGHUP` is\n")
	p("left to its default action. ACME (automatic certificates) is not built in: put Caddy in front, or renew\n")
	p("with an ACME client and send `SIGHUP` (docs/deploy.md).\n")
	return w.Flush()
}

// exampleTOML is a config file using most keys; TestExampleTOMLLoads
// holds that it loads and builds.
const exampleTOML = `listen = "0.0.0.0:8080"
data_dir = "/var/lib/parley"
log_level = "info"
http_body_timeout = "10s"
tls_cert = "/etc/parley/tls/fullchain.pem"
tls_key = "/etc/parley/tls/privkey.pem"
admin_listen = "127.0.0.1:9090"
pprof = false
request_log_sample = 0.1

[store]
driver = "postgres"                     # or "sqlite" (default)
dsn = "postgres://parley:secret@db:5432/parley"
max_conns = 32

[[apps]]
sdkappid = 1400000001
secret_key = "64 hex characters from your console or openssl rand -hex 32"
admins = ["administrator"]
check_friend_for_c2c = false
show_sent_to_blocked = true
max_friends = 3000
max_friend_lists = 32
max_blocked = 1000
max_pending_requests = 100
max_web_instances = 1
max_instances_per_platform = 3
message_retention_days = 7
recall_window_seconds = 120
profile_custom_fields = ["Hobby"]
friend_custom_fields = ["Level"]
[apps.rate_limits]
default = 200
"sns/friend_add" = 500
[apps.client_rate_limits]
messages = 50
friend_requests = 10
writes = 50
reads = 200
`

func code(prefix, s string) string {
	if s == "" {
		return ""
	}
	return "`" + prefix + s + "`"
}

// dflt shows a literal default as code and a described one as prose.
func dflt(literal, doc string) string {
	if doc != "" {
		return cell(doc)
	}
	return code("", literal)
}

func cell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
