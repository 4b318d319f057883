package tlsreload

import (
	"bytes"
	"context"
	"crypto/tls"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/tlsreload/testcert"
)

// handshake connects to ln verifying against pool and returns the serial
// number of the certificate the server presented.
func handshake(t *testing.T, addr string, ca *testcert.CA) string {
	t.Helper()
	conn, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca.Pool, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatalf("handshake: %v", err)
	}
	defer conn.Close()
	return conn.ConnectionState().PeerCertificates[0].SerialNumber.String()
}

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// A verifying client gets the first certificate; after the files are
// replaced and the signal arrives, new handshakes get the new one; files
// that do not load are logged and leave the current one in place.
func TestReloadOnSignal(t *testing.T) {
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	ca := testcert.NewCA(t)
	first := ca.Leaf(t, "127.0.0.1")
	first.Write(t, certFile, keyFile)

	c, err := Load(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", c.ServerConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { conn.(*tls.Conn).Handshake(); conn.Close() }()
		}
	}()
	var logs syncBuf
	sig := make(chan os.Signal, 1)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go c.ReloadOn(ctx, sig, slog.New(slog.NewJSONHandler(&logs, nil)))
	addr := ln.Addr().String()

	if got := handshake(t, addr, ca); got != first.Serial.String() {
		t.Fatalf("serial %s, want %s", got, first.Serial)
	}
	second := ca.Leaf(t, "127.0.0.1")
	second.Write(t, certFile, keyFile)
	if got := handshake(t, addr, ca); got != first.Serial.String() {
		t.Fatal("the certificate changed before the signal")
	}
	sig <- nil
	waitFor(t, func() bool { return handshake(t, addr, ca) == second.Serial.String() }, "the new certificate after the signal")

	if err := os.WriteFile(certFile, []byte("not a certificate"), 0o600); err != nil {
		t.Fatal(err)
	}
	sig <- nil
	waitFor(t, func() bool { return strings.Contains(logs.String(), "tls reload failed") }, "an error log for the bad file")
	if got := handshake(t, addr, ca); got != second.Serial.String() {
		t.Fatalf("after a failed reload the server presents %s, want the previous %s", got, second.Serial)
	}
	if !strings.Contains(logs.String(), `"level":"ERROR"`) || !strings.Contains(logs.String(), certFile) {
		t.Fatalf("the failure is not logged as an error naming the file: %s", logs.String())
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(filepath.Join(dir, "none.pem"), filepath.Join(dir, "none.key")); err == nil || !strings.Contains(err.Error(), "none.pem") {
		t.Fatalf("missing files: %v", err)
	}
	ca := testcert.NewCA(t)
	a, b := ca.Leaf(t, "127.0.0.1"), ca.Leaf(t, "127.0.0.1")
	certFile, keyFile := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	os.WriteFile(certFile, a.CertPEM, 0o600)
	os.WriteFile(keyFile, b.KeyPEM, 0o600)
	if _, err := Load(certFile, keyFile); err == nil {
		t.Fatal("a key that does not match the certificate must be refused")
	}
}

func waitFor(t *testing.T, cond func() bool, what string) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
