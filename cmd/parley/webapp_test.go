package main

import (
	"bytes"
	"context"
	"net"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/config"
)

// The development login is on by itself only for the default app on a
// loopback address; the operator's setting wins either way.
func TestDevLoginOn(t *testing.T) {
	on, off := true, false
	loop4 := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 8080}
	loop6 := &net.TCPAddr{IP: net.IPv6loopback, Port: 8080}
	any4 := &net.TCPAddr{IP: net.IPv4zero, Port: 8080}
	lan := &net.TCPAddr{IP: net.IPv4(192, 168, 1, 5), Port: 8080}
	for _, tc := range []struct {
		name      string
		setting   *bool
		defaulted bool
		addr      net.Addr
		want      bool
	}{
		{"default app on 127.0.0.1", nil, true, loop4, true},
		{"default app on ::1", nil, true, loop6, true},
		{"default app on every interface", nil, true, any4, false},
		{"default app on a LAN address", nil, true, lan, false},
		{"configured apps on loopback", nil, false, loop4, false},
		{"turned on for configured apps on a LAN address", &on, false, lan, true},
		{"turned off for the default app on loopback", &off, true, loop4, false},
	} {
		cfg := config.Config{DevLogin: tc.setting}
		if got := devLoginOn(cfg, tc.defaulted, tc.addr); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

// The banner names the app's URL, a wildcard address shown as loopback.
func TestWebAppBanner(t *testing.T) {
	var b bytes.Buffer
	printWebAppBanner(&b, "http", "0.0.0.0:9000", true)
	if !strings.Contains(b.String(), "Web app: http://127.0.0.1:9000/app/") || !strings.Contains(b.String(), "type any UserID") {
		t.Fatalf("banner %q", b.String())
	}
	b.Reset()
	printWebAppBanner(&b, "https", "[::1]:8443", false)
	if !strings.Contains(b.String(), "Web app: https://[::1]:8443/app/") || !strings.Contains(b.String(), "development login is off") {
		t.Fatalf("banner %q", b.String())
	}
}

// lockedBuffer is a bytes.Buffer serve may write while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// serveWebApp runs serve with the default app on a loopback port and
// returns the web app's URL from the banner; the server stops with the test.
func serveWebApp(t *testing.T, devLogin *bool) string {
	t.Helper()
	cfg := config.Default()
	cfg.Listen, cfg.DataDir, cfg.DevLogin = "127.0.0.1:0", t.TempDir(), devLogin
	ctx, cancel := context.WithCancel(context.Background())
	var out, logs lockedBuffer
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, &out, &logs) }()
	t.Cleanup(func() {
		cancel()
		<-done
	})
	re := regexp.MustCompile(`Web app: (http://\S+/app/)`)
	for range 300 { // bounded: 30 s
		if m := re.FindStringSubmatch(out.String()); m != nil {
			return m[1]
		}
		select {
		case err := <-done:
			done <- err // for the cleanup, which waits for serve's end
			t.Fatalf("serve ended: %v\n%s", err, logs.String())
		case <-time.After(100 * time.Millisecond):
		}
	}
	t.Fatalf("no web app URL in the banner:\n%s", out.String())
	return ""
}

func devLoginStatus(t *testing.T, appURL string) int {
	t.Helper()
	resp, err := http.Post(appURL+"api/dev-login", "application/json", strings.NewReader(`{"userID":"walter"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// The wiring end to end: the default app on loopback serves the app and
// signs development UserSigs; PARLEY_DEV_LOGIN=false (dev_login) turns that off.
func TestServeMountsTheWebAppAndItsDevLogin(t *testing.T) {
	appURL := serveWebApp(t, nil)
	resp, err := http.Get(appURL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("GET %s: %d %q", appURL, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	if s := devLoginStatus(t, appURL); s != 200 {
		t.Fatalf("dev-login on the default app on loopback: %d, want 200", s)
	}
	off := false
	if s := devLoginStatus(t, serveWebApp(t, &off)); s != http.StatusForbidden {
		t.Fatalf("dev-login turned off: %d, want 403", s)
	}
}
