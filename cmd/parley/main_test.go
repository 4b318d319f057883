package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	tencentyun "github.com/tencentyun/tls-sig-api-v2-golang/tencentyun"

	"github.com/parleyim/parley/internal/config"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/usersig"
)

const (
	testAppID = 1400000001
	testKey   = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
)

func noEnv(string) string { return "" }

func runCmd(args ...string) (stdout, stderr string, err error) {
	var out, errb bytes.Buffer
	err = run(args, &out, &errb, noEnv)
	return out.String(), errb.String(), err
}

func TestUserSigCommand(t *testing.T) {
	out, _, err := runCmd("usersig", "--sdkappid", "1400000001", "--key", testKey, "--user", "alice")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out, "\n") || strings.Count(out, "\n") != 1 {
		t.Fatalf("output %q, want one line", out)
	}
	sig := strings.TrimSpace(out)
	now := time.Now()
	tk, err := usersig.Verify(sig, testAppID, testKey, "alice", now)
	if err != nil {
		t.Fatalf("usersig.Verify: %v", err)
	}
	if tk.Expire != 86400*180 {
		t.Fatalf("default expire %d, want %d", tk.Expire, 86400*180)
	}
	if d := now.Unix() - tk.Time; d < -5 || d > 5 {
		t.Fatalf("ticket time %d, now %d", tk.Time, now.Unix())
	}
	// The official verifier agrees.
	if err := tencentyun.VerifyUserSig(testAppID, testKey, "alice", sig, now); err != nil {
		t.Fatalf("official verifier: %v", err)
	}
	// It is bound to its user, app and key.
	if _, err := usersig.Verify(sig, testAppID, testKey, "bob", now); err == nil {
		t.Fatal("sig verified for another user")
	}
	if _, err := usersig.Verify(sig, testAppID+1, testKey, "alice", now); err == nil {
		t.Fatal("sig verified for another app")
	}
	if _, err := usersig.Verify(sig, testAppID, testKey+"x", "alice", now); err == nil {
		t.Fatal("sig verified with another key")
	}
}

func TestUserSigCommandExpire(t *testing.T) {
	out, _, err := runCmd("usersig", "--sdkappid=1400000001", "--key="+testKey, "--user=admin_1", "--expire=60")
	if err != nil {
		t.Fatal(err)
	}
	sig := strings.TrimSpace(out)
	now := time.Now()
	tk, err := usersig.Verify(sig, testAppID, testKey, "admin_1", now)
	if err != nil {
		t.Fatal(err)
	}
	if tk.Expire != 60 {
		t.Fatalf("expire %d, want 60", tk.Expire)
	}
	_, err = usersig.Verify(sig, testAppID, testKey, "admin_1", now.Add(2*time.Minute))
	if se, ok := err.(*usersig.Error); !ok || se.Code != usersig.CodeExpired {
		t.Fatalf("after expiry: %v, want code %d", err, usersig.CodeExpired)
	}
}

func TestUserSigCommandErrors(t *testing.T) {
	for _, args := range [][]string{
		{"usersig"},
		{"usersig", "--key", testKey, "--user", "alice"},
		{"usersig", "--sdkappid", "1400000001", "--user", "alice"},
		{"usersig", "--sdkappid", "1400000001", "--key", testKey},
		{"usersig", "--sdkappid", "0", "--key", testKey, "--user", "alice"},
		{"usersig", "--sdkappid", "abc", "--key", testKey, "--user", "alice"},
		{"usersig", "--sdkappid", "4294967296", "--key", testKey, "--user", "alice"},
		{"usersig", "--sdkappid", "1400000001", "--key", testKey, "--user", "alice", "--expire", "-1"},
		{"usersig", "--sdkappid", "1400000001", "--key", testKey, "--user", "alice", "--bogus"},
	} {
		out, _, err := runCmd(args...)
		if err == nil {
			t.Errorf("%q: no error", args)
		}
		if out != "" {
			t.Errorf("%q: printed %q on failure", args, out)
		}
	}
}

func TestUnknownAndMissingCommand(t *testing.T) {
	out, stderr, err := runCmd("frobnicate")
	if err == nil || !strings.Contains(err.Error(), "frobnicate") {
		t.Fatalf("unknown command: err %v", err)
	}
	if out != "" || !strings.Contains(stderr, "usage") {
		t.Fatalf("unknown command: stdout %q stderr %q", out, stderr)
	}
	_, stderr, err = runCmd()
	if err == nil || !strings.Contains(stderr, "usage") {
		t.Fatalf("no command: err %v stderr %q", err, stderr)
	}
	for _, h := range []string{"help", "-h", "--help"} {
		out, _, err := runCmd(h)
		if err != nil || !strings.Contains(out, "parley usersig") || !strings.Contains(out, "parley serve") {
			t.Fatalf("%s: err %v out %q", h, err, out)
		}
	}
}

func TestServeRejectsBadFlags(t *testing.T) {
	// Fails before opening anything.
	if _, _, err := runCmd("serve", "--no-such-flag"); err == nil {
		t.Fatal("serve accepted an unknown flag")
	}
	getenv := func(k string) string {
		if k == "PARLEY_SDKAPPID" {
			return "1400000001"
		}
		return ""
	}
	var out, errb bytes.Buffer
	err := run([]string{"serve", "--data", t.TempDir()}, &out, &errb, getenv)
	if err == nil || !strings.Contains(err.Error(), "PARLEY_SECRET_KEY") {
		t.Fatalf("serve with half an app in the environment: %v", err)
	}
}

func TestHTTPBodyTimeoutEnv(t *testing.T) {
	env := func(v string) func(string) string {
		return func(k string) string {
			if k == "PARLEY_HTTP_BODY_TIMEOUT" {
				return v
			}
			return ""
		}
	}
	opts := func(getenv func(string) string) (server.Options, error) {
		cfg, err := config.Load(config.EnvLookup(getenv))
		return serverOptions(cfg), err
	}
	o, err := opts(env("2500ms"))
	if err != nil || o.BodyTimeout != 2500*time.Millisecond {
		t.Fatalf("2500ms: %v %v", o.BodyTimeout, err)
	}
	if o, err := opts(noEnv); err != nil || o.BodyTimeout != server.DefaultBodyTimeout {
		t.Fatalf("unset: %v %v (want the server's default)", o.BodyTimeout, err)
	}
	if config.DefaultHTTPBodyTimeout != server.DefaultBodyTimeout {
		t.Fatalf("documented default %v, server's %v", config.DefaultHTTPBodyTimeout, server.DefaultBodyTimeout)
	}
	for _, bad := range []string{"10", "-1s", "0s", "soon"} {
		if _, err := opts(env(bad)); err == nil || !strings.Contains(err.Error(), "PARLEY_HTTP_BODY_TIMEOUT") {
			t.Fatalf("%q accepted (%v)", bad, err)
		}
		// serve itself refuses it, before opening anything.
		var out, errb bytes.Buffer
		err := run([]string{"serve", "--data", t.TempDir()}, &out, &errb, env(bad))
		if err == nil || !strings.Contains(err.Error(), "PARLEY_HTTP_BODY_TIMEOUT") {
			t.Fatalf("serve with PARLEY_HTTP_BODY_TIMEOUT=%q: %v", bad, err)
		}
	}
}

// The admin listener, pprof and the request-log sample reach the node from
// the environment.
func TestObservabilitySettingsReachTheNode(t *testing.T) {
	env := map[string]string{"PARLEY_ADMIN_LISTEN": "127.0.0.1:9191", "PARLEY_PPROF": "true", "PARLEY_REQUEST_LOG_SAMPLE": "0.25"}
	cfg, err := config.Load(config.EnvLookup(func(k string) string { return env[k] }))
	if err != nil {
		t.Fatal(err)
	}
	o := serverOptions(cfg)
	if o.AdminListen != "127.0.0.1:9191" || !o.Pprof || o.RequestLogSample == nil || *o.RequestLogSample != 0.25 {
		t.Fatalf("options %+v", o)
	}
}

// A release build's stamped version and commit win over build information.
func TestStampedVersion(t *testing.T) {
	defer func(v, c string) { version, commit = v, c }(version, commit)
	version, commit = "v1.2.3", "0123abc"
	text := versionText(readBuildInfo())
	if !strings.HasPrefix(text, "parley v1.2.3\ncommit: 0123abc\ngo: ") {
		t.Fatalf("version text %q", text)
	}
}

// gateway_netpoll reaches the gateway: on unless set false, and a bad value
// is refused with the variable's name.
func TestGatewayNetpollSetting(t *testing.T) {
	load := func(v string) (server.Options, error) {
		cfg, err := config.Load(config.EnvLookup(func(k string) string {
			if k == "PARLEY_GATEWAY_NETPOLL" {
				return v
			}
			return ""
		}))
		return serverOptions(cfg), err
	}
	for v, off := range map[string]bool{"": false, "true": false, "false": true, "0": true} {
		o, err := load(v)
		if err != nil || o.Gateway.DisableNetpoll != off {
			t.Fatalf("PARLEY_GATEWAY_NETPOLL=%q: DisableNetpoll %v (%v), want %v", v, o.Gateway.DisableNetpoll, err, off)
		}
	}
	if _, err := load("sometimes"); err == nil || !strings.Contains(err.Error(), "PARLEY_GATEWAY_NETPOLL") {
		t.Fatalf("a bad value accepted: %v", err)
	}
}
