package main

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"

	"github.com/BurntSushi/toml"

	"github.com/parleyim/parley/internal/config"
	"github.com/parleyim/parley/internal/tlsreload/testcert"
)

func envMap(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func runEnv(env map[string]string, args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(args, &out, &errb, envMap(env))
	return out.String(), errb.String(), err
}

// --help, -h and help work on every command, exit 0, and the commands that
// load settings list every flag with its variable and default.
func TestHelpEverywhere(t *testing.T) {
	for _, args := range [][]string{
		{"help"}, {"-h"}, {"--help"},
		{"serve", "--help"}, {"serve", "-h"}, {"help", "serve"},
		{"usersig", "--help"}, {"help", "usersig"},
		{"version", "--help"},
		{"config", "--help"}, {"config", "-h"}, {"help", "config"},
		{"config", "check", "--help"}, {"config", "print", "-h"}, {"config", "help", "check"},
	} {
		out, stderr, err := runCmd(args...)
		if err != nil || out == "" || stderr != "" {
			t.Errorf("%q: err %v, stdout %d bytes, stderr %q", args, err, len(out), stderr)
			continue
		}
		joined := strings.Join(args, " ")
		loads := strings.Contains(joined, "serve") || strings.Contains(joined, "check") || strings.Contains(joined, "print")
		if !loads {
			continue
		}
		for _, s := range config.Settings {
			if s.Flag == "" {
				continue
			}
			for _, want := range []string{"--" + s.Flag + " ", "[$" + s.Env + "]", "(default: " + s.DefaultText() + ")"} {
				if !strings.Contains(out, want) {
					t.Errorf("%q: help lacks %q", args, want)
				}
			}
		}
	}
	out, _, _ := runCmd("usersig", "--help")
	for _, want := range []string{"--sdkappid", "$PARLEY_SDKAPPID", "--key", "$PARLEY_SECRET_KEY", "--user", "--expire", "(default: 15552000)"} {
		if !strings.Contains(out, want) {
			t.Errorf("usersig --help lacks %q:\n%s", want, out)
		}
	}
}

// Nothing a user types is silently ignored: unknown commands, flags and
// positional arguments are errors, and print nothing on stdout.
func TestUnknownArgumentsAreErrors(t *testing.T) {
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"serve", "extra"}, `unexpected argument "extra"`},
		{[]string{"serve", "--data", "/tmp/x", "listen"}, `unexpected argument "listen"`},
		{[]string{"usersig", "--sdkappid", "1400000001", "--key", testKey, "--user", "alice", "bob"}, `unexpected argument "bob"`},
		{[]string{"version", "now"}, `unexpected argument "now"`},
		{[]string{"config"}, "missing command"},
		{[]string{"config", "lint"}, `unknown command "lint"`},
		{[]string{"config", "check", "now"}, `unexpected argument "now"`},
		{[]string{"config", "print", "--bogus"}, "bogus"},
		{[]string{"--bogus"}, "bogus"},
		{[]string{"serve", "--listen"}, "listen"},
		{[]string{"version", "--short"}, "short"},
	} {
		out, _, err := runCmd(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %v, want one with %q", tc.args, err, tc.want)
		}
		if out != "" {
			t.Errorf("%q: printed %q on stdout", tc.args, out)
		}
	}
}

func TestVersion(t *testing.T) {
	for _, args := range [][]string{{"version"}, {"--version"}, {"-v"}} {
		out, _, err := runCmd(args...)
		if err != nil {
			t.Fatalf("%q: %v", args, err)
		}
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 || !strings.HasPrefix(lines[0], "parley ") || !strings.HasPrefix(lines[1], "commit: ") ||
			!strings.HasPrefix(lines[2], "go: "+runtime.Version()) {
			t.Fatalf("%q: %q", args, out)
		}
	}
	bi := &debug.BuildInfo{GoVersion: "go1.99.1", Main: debug.Module{Path: "github.com/parleyim/parley", Version: "v1.2.3"},
		Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "0123abcd"}, {Key: "vcs.modified", Value: "true"}}}
	if got := versionText(buildInfo{bi, true}); !strings.HasPrefix(got, "parley v1.2.3\ncommit: 0123abcd (modified)\ngo: go1.99.1 ") {
		t.Fatalf("with build info: %q", got)
	}
	bi.Settings[1].Value = "false"
	if got := versionText(buildInfo{bi, true}); !strings.Contains(got, "commit: 0123abcd\n") {
		t.Fatalf("clean tree: %q", got)
	}
	if got := versionText(buildInfo{&debug.BuildInfo{}, true}); !strings.HasPrefix(got, "parley (devel)\ncommit: unknown\ngo: "+runtime.Version()) {
		t.Fatalf("no version or VCS stamp: %q", got)
	}
	if got := versionText(buildInfo{}); !strings.HasPrefix(got, "parley (devel)\ncommit: unknown\ngo: "+runtime.Version()) {
		t.Fatalf("no build info: %q", got)
	}
}

func writeTOML(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "parley.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// config check loads what serve would and reports in one line, or fails
// with the error; it writes nothing.
func TestConfigCheck(t *testing.T) {
	data := filepath.Join(t.TempDir(), "data")
	out, _, err := runEnv(nil, "config", "check", "--data", data)
	if err != nil || out != fmt.Sprintf("configuration OK: 1 app (the default app, created in %s on first start), store sqlite\n", data) {
		t.Fatalf("no app: %q %v", out, err)
	}
	if _, err := os.Stat(data); !os.IsNotExist(err) {
		t.Fatalf("config check created the data directory: %v", err)
	}
	if _, _, err := config.DefaultApp(data); err != nil {
		t.Fatal(err)
	}
	out, _, err = runEnv(nil, "config", "check", "--data", data)
	if err != nil || !strings.HasPrefix(out, "configuration OK: 1 app (the default app kept in "+data+")") {
		t.Fatalf("default app kept: %q %v", out, err)
	}

	env := map[string]string{"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": testKey, "PARLEY_STORE": "postgres", "PARLEY_POSTGRES_DSN": "postgres://db/x"}
	out, _, err = runEnv(env, "config", "check")
	if err != nil || out != "configuration OK: 1 app, store postgres\n" {
		t.Fatalf("env app: %q %v", out, err)
	}
	two := fmt.Sprintf("[[apps]]\nsdkappid = 1400000002\nsecret_key = %q\n[[apps]]\nsdkappid = 1400000003\nsecret_key = %q\n", testKey, testKey)
	out, _, err = runEnv(map[string]string{"PARLEY_CONFIG": writeTOML(t, two)}, "config", "check")
	if err != nil || out != "configuration OK: 2 apps, store sqlite\n" {
		t.Fatalf("file apps: %q %v", out, err)
	}

	dir := t.TempDir()
	for _, tc := range []struct {
		env  map[string]string
		args []string
		want string
	}{
		{map[string]string{"PARLEY_LOG_LEVEL": "verbose"}, nil, "log_level"},
		{nil, []string{"--log-level", "trace"}, "log_level"},
		{nil, []string{"--config", writeTOML(t, "[[apps]]\nsdkappid = 1400000001\nsecret_key = \"short\"\n")}, "secret key"},
		{nil, []string{"--config", writeTOML(t, two+two)}, "twice"},
		{nil, []string{"--config", writeTOML(t, "max_freinds = 1\n")}, "max_freinds"},
		{nil, []string{"--config", filepath.Join(dir, "none.toml")}, "none.toml"},
		{nil, []string{"--tls-cert", filepath.Join(dir, "c.pem")}, "tls_key"},
		{nil, []string{"--tls-cert", filepath.Join(dir, "c.pem"), "--tls-key", filepath.Join(dir, "k.pem")}, "c.pem"},
		{map[string]string{"PARLEY_HTTP_BODY_TIMEOUT": "soon"}, nil, "PARLEY_HTTP_BODY_TIMEOUT"},
		{nil, []string{"--http-body-timeout", "soon"}, "--http-body-timeout"},
		{map[string]string{"PARLEY_PPROF": "1"}, nil, "admin_listen"},
		{map[string]string{"PARLEY_PPROF": "maybe"}, nil, "PARLEY_PPROF"},
		{map[string]string{"PARLEY_REQUEST_LOG_SAMPLE": "2"}, nil, "request_log_sample"},
		{map[string]string{"PARLEY_RATE_LIMIT": "0"}, nil, "PARLEY_RATE_LIMIT"},
		{nil, []string{"--sdkappid", "1400000001"}, "PARLEY_SECRET_KEY"},
	} {
		out, _, err := runEnv(tc.env, append([]string{"config", "check", "--data", dir}, tc.args...)...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || out != "" {
			t.Errorf("env %v args %q: stdout %q, error %v, want one naming %q", tc.env, tc.args, out, err, tc.want)
		}
	}
	// A certificate and key that load pass.
	ca := testcert.NewCA(t)
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca.Leaf(t, "127.0.0.1").Write(t, certFile, keyFile)
	if out, _, err := runEnv(env, "config", "check", "--tls-cert", certFile, "--tls-key", keyFile); err != nil || !strings.HasPrefix(out, "configuration OK") {
		t.Fatalf("with TLS: %q %v", out, err)
	}
}

// config print shows the effective configuration, flags over environment
// over file, as a TOML file with the secrets masked.
func TestConfigPrint(t *testing.T) {
	file := writeTOML(t, fmt.Sprintf("listen = \"127.0.0.1:1\"\nlog_level = \"warn\"\n[[apps]]\nsdkappid = 1400000002\nsecret_key = %q\nmax_friends = 10\n", testKey))
	env := map[string]string{"PARLEY_CONFIG": file, "PARLEY_LISTEN": "127.0.0.1:2", "PARLEY_SDKAPPID": "1400000001",
		"PARLEY_SECRET_KEY": "ffffffffffffffffffffffffffffffff", "PARLEY_STORE": "postgres",
		"PARLEY_POSTGRES_DSN": "postgres://parley:s3cretpassword@db:5432/parley?sslmode=disable"}
	out, _, err := runEnv(env, "config", "print", "--listen", "127.0.0.1:3", "--request-log-sample", "0.25")
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{testKey, "ffffffffffffffffffffffffffffffff", "s3cretpassword"} {
		if strings.Contains(out, secret) {
			t.Fatalf("config print shows a secret:\n%s", out)
		}
	}
	var got config.Config
	md, err := toml.Decode(out, &got)
	if err != nil || len(md.Undecoded()) > 0 {
		t.Fatalf("not a config file (%v, unknown %v):\n%s", err, md.Undecoded(), out)
	}
	if got.Listen != "127.0.0.1:3" || got.LogLevel != "warn" || *got.RequestLogSample != 0.25 || got.HTTPBodyTimeout.String() != "10s" ||
		len(got.Apps) != 2 || got.Apps[0].MaxFriends != 10 || got.Apps[0].SecretKey != "0123…" || got.Apps[1].SDKAppID != 1400000001 ||
		got.Store.DSN != "postgres://parley:s3c…@db:5432/parley?sslmode=disable" {
		t.Fatalf("effective configuration:\n%s", out)
	}
	if _, _, err := runEnv(map[string]string{"PARLEY_LOG_LEVEL": "loud"}, "config", "print"); err == nil {
		t.Fatal("config print of a bad configuration must fail like serve")
	}
}

// serve stops on a bad TLS setting before it listens.
func TestServeRefusesBadTLS(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": testKey}
	if _, _, err := runEnv(env, "serve", "--data", dir, "--tls-key", filepath.Join(dir, "k.pem")); err == nil || !strings.Contains(err.Error(), "tls_cert") {
		t.Fatalf("key without cert: %v", err)
	}
	if _, _, err := runEnv(env, "serve", "--data", dir, "--tls-cert", filepath.Join(dir, "c.pem"), "--tls-key", filepath.Join(dir, "k.pem")); err == nil || !strings.Contains(err.Error(), "c.pem") {
		t.Fatalf("missing files: %v", err)
	}
}
