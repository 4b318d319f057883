package e2e

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/tlsreload/testcert"
	"github.com/parleyim/parley/usersig"
)

// TestTLSServesAndReloadsOnSIGHUP runs the binary with --tls-cert and
// --tls-key: a client that verifies against the test CA gets /healthz and
// a logged-in WSS session; after the files are replaced and SIGHUP is
// sent, new connections get the new certificate; files that do not load
// are logged and the previous certificate stays.
func TestTLSServesAndReloadsOnSIGHUP(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca := testcert.NewCA(t)
	first := ca.Leaf(t, "127.0.0.1")
	first.Write(t, certFile, keyFile)

	addr := freeAddr(t)
	env := append([]string{fmt.Sprint("PARLEY_SDKAPPID=", appA), "PARLEY_SECRET_KEY=" + keyA, "PARLEY_ADMIN=admin",
		"PARLEY_TLS_KEY=" + keyFile}, storeEnv(t)...)
	cmd := exec.Command(binary(t), "serve", "--listen", addr, "--data", t.TempDir(), "--tls-cert", certFile)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{t: t, cmd: cmd, addr: addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.kill)

	tlsConf := &tls.Config{RootCAs: ca.Pool}
	// A fresh transport per call: each call is a new handshake, so it sees
	// the certificate in use now.
	healthz := func() (serial string, err error) {
		cli := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsConf}}
		resp, err := cli.Get("https://" + addr + "/healthz")
		if err != nil {
			return "", err
		}
		defer resp.Body.Close()
		io.Copy(io.Discard, resp.Body)
		if resp.StatusCode != 200 {
			return "", fmt.Errorf("status %d", resp.StatusCode)
		}
		return resp.TLS.PeerCertificates[0].SerialNumber.String(), nil
	}
	waitUntil(t, p, "healthy over TLS", func() bool { s, err := healthz(); return err == nil && s == first.Serial.String() })

	// Plain HTTP on the TLS port is not served.
	if resp, err := http.Get("http://" + addr + "/healthz"); err == nil {
		if resp.StatusCode == 200 {
			t.Fatal("plain HTTP answered 200 on the TLS listener")
		}
		resp.Body.Close()
	}
	// A client that does not trust the CA is refused.
	if _, err := (&http.Client{Timeout: 5 * time.Second}).Get("https://" + addr + "/healthz"); err == nil {
		t.Fatal("a client without the test CA accepted the certificate")
	}

	// WSS: the client socket on the same listener, logged in.
	d := ws.Dialer{TLSConfig: tlsConf, Timeout: 5 * time.Second}
	nc, _, _, err := d.Dial(context.Background(), fmt.Sprintf("wss://%s/v1/ws?sdkappid=%d", addr, appA))
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	defer nc.Close()
	sig, _ := usersig.Generate(appA, keyA, "alice", 3600, time.Now())
	b, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login", "data": map[string]string{"userID": "alice", "userSig": sig, "platform": "Windows"}})
	if err := wsutil.WriteClientText(nc, b); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(time.Now().Add(10 * time.Second))
	msg, err := wsutil.ReadServerText(nc)
	var answer map[string]any
	if err != nil || json.Unmarshal(msg, &answer) != nil || answer["id"] != "login" || answer["code"] != float64(0) {
		t.Fatalf("wss login: %s %v", msg, err)
	}

	// Renewal: new files, then SIGHUP.
	second := ca.Leaf(t, "127.0.0.1")
	second.Write(t, certFile, keyFile)
	if s, err := healthz(); err != nil || s != first.Serial.String() {
		t.Fatalf("before SIGHUP: serial %s %v, want the first certificate still", s, err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, p, "the new certificate after SIGHUP", func() bool { s, err := healthz(); return err == nil && s == second.Serial.String() })
	// The session opened before the reload is still up.
	if err := wsutil.WriteClientText(nc, []byte(`{"v":1,"id":"p","op":"ping"}`)); err != nil {
		t.Fatalf("the WSS session did not survive the reload: %v", err)
	}

	// A broken renewal: logged, and the second certificate stays.
	if err := os.WriteFile(certFile, []byte("-----BEGIN CERTIFICATE-----\nbroken\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	waitUntil(t, p, "the reload error in the log", func() bool { return strings.Contains(p.stderr.String(), "tls reload failed") })
	if s, err := healthz(); err != nil || s != second.Serial.String() {
		t.Fatalf("after a failed reload: serial %s %v, want the second certificate", s, err)
	}
	if cmd.ProcessState != nil {
		t.Fatal("the server exited on SIGHUP")
	}
}

func waitUntil(t *testing.T, p *proc, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s\nstdout:\n%s\nstderr:\n%s", what, p.stdout, p.stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestCLIContract runs the binary as an operator's scripts do: help and
// version exit 0, mistakes exit non-zero with the reason on stderr.
func TestCLIContract(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	runBin := func(env []string, args ...string) (stdout, stderr string, code int) {
		cmd := exec.Command(binary(t), args...)
		cmd.Env = append(os.Environ(), env...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		if ee, ok := err.(*exec.ExitError); ok {
			return out.String(), errb.String(), ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		return out.String(), errb.String(), 0
	}
	for _, args := range [][]string{{"--help"}, {"serve", "--help"}, {"serve", "-h"}, {"help", "serve"}, {"config", "check", "--help"}, {"usersig", "--help"}} {
		out, stderr, code := runBin(nil, args...)
		if code != 0 || !strings.Contains(out, "--help") {
			t.Errorf("%q: exit %d, stderr %q", args, code, stderr)
		}
		if args[0] == "serve" && (!strings.Contains(out, "[$PARLEY_HTTP_BODY_TIMEOUT]") || !strings.Contains(out, "(default: 127.0.0.1:8080)")) {
			t.Errorf("%q does not list the variables and defaults:\n%s", args, out)
		}
	}
	for _, args := range [][]string{{"--version"}, {"version"}} {
		out, _, code := runBin(nil, args...)
		if code != 0 || !strings.HasPrefix(out, "parley ") || !strings.Contains(out, "\ncommit: ") || !strings.Contains(out, "\ngo: go") {
			t.Errorf("%q: exit %d, %q", args, code, out)
		}
	}
	for _, args := range [][]string{{"frobnicate"}, {"serve", "extra"}, {"serve", "--no-such-flag"}, {"config", "check", "x"}, {}} {
		out, stderr, code := runBin(nil, args...)
		if code == 0 || out != "" || !strings.HasPrefix(stderr, "usage") && !strings.Contains(stderr, "parley: ") {
			t.Errorf("%q: exit %d, stdout %q, stderr %q", args, code, out, stderr)
		}
	}
	out, _, code := runBin([]string{fmt.Sprint("PARLEY_SDKAPPID=", appA), "PARLEY_SECRET_KEY=" + keyA}, "config", "check", "--data", t.TempDir())
	if code != 0 || out != "configuration OK: 1 app, store sqlite\n" {
		t.Errorf("config check: exit %d, %q", code, out)
	}
	_, stderr, code := runBin([]string{"PARLEY_LOG_LEVEL=chatty"}, "config", "check", "--data", t.TempDir())
	if code == 0 || !strings.Contains(stderr, "log_level") {
		t.Errorf("config check with a bad level: exit %d, %q", code, stderr)
	}
}
