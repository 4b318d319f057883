package main

import (
	"bytes"
	"net"
	"strings"
	"testing"

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
