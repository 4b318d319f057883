// Command healthcheck asks a Parley node on this host whether it is up: it
// GETs /healthz and exits 0 on HTTP 200, 1 otherwise. It exists because the
// distroless image has no shell or curl for a Docker HEALTHCHECK, and it is a
// separate static program so the server binary needs no extra subcommand.
//
// The port is taken from PARLEY_LISTEN (the node's own setting, so a node
// moved to another port is still checked where it listens); the host is
// always loopback, since 0.0.0.0 or a public address is not dialable as such
// and the check runs inside the node's network namespace. An argument, if
// given, is the full URL to check instead.
package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// timeout stays below Docker's default HEALTHCHECK timeout (30 s) and the
// Dockerfile's (3 s), so a hung node is reported unhealthy by this program
// rather than killed by the engine.
const timeout = 2 * time.Second

func main() {
	target, err := healthURL(os.Args[1:], os.Getenv("PARLEY_LISTEN"))
	if err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
	if err := check(target); err != nil {
		fmt.Fprintln(os.Stderr, "healthcheck:", err)
		os.Exit(1)
	}
}

// healthURL is the URL to check: args[0] when given, else /healthz on
// loopback at PARLEY_LISTEN's port (8080 when unset, the image's default).
func healthURL(args []string, listen string) (string, error) {
	if len(args) > 0 {
		return args[0], nil
	}
	port := "8080"
	if listen != "" {
		_, p, err := net.SplitHostPort(listen)
		if err != nil {
			return "", fmt.Errorf("PARLEY_LISTEN=%q: %v", listen, err)
		}
		port = p
	}
	return "http://" + net.JoinHostPort("127.0.0.1", port) + "/healthz", nil
}

func check(target string) error {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return err
	}
	// No proxy: HTTP_PROXY set for the container must not reroute a
	// loopback check.
	client := &http.Client{Transport: &http.Transport{Proxy: nil}}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: HTTP %d", target, resp.StatusCode)
	}
	return nil
}
