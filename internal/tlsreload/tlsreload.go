// Package tlsreload serves a TLS certificate from files that are replaced
// while the server runs (a renewal by certbot, an ACME client or an
// operator): Reload reads them again and swaps the certificate atomically,
// so new handshakes get the new one and connections already open keep
// theirs. A reload that fails keeps the certificate in use.
package tlsreload

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"os"
	"sync/atomic"
	"time"
)

// Cert is the certificate the listener presents.
type Cert struct {
	certFile, keyFile string
	cur               atomic.Pointer[tls.Certificate]
}

// Load reads a PEM certificate chain and its private key.
func Load(certFile, keyFile string) (*Cert, error) {
	c := &Cert{certFile: certFile, keyFile: keyFile}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Reload reads the files again. On error the previous certificate stays.
func (c *Cert) Reload() error {
	kp, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
	if err != nil {
		return fmt.Errorf("tls certificate %s, key %s: %w", c.certFile, c.keyFile, err)
	}
	c.cur.Store(&kp)
	return nil
}

// Current returns the certificate in use.
func (c *Cert) Current() *tls.Certificate { return c.cur.Load() }

// GetCertificate is tls.Config.GetCertificate: the certificate in use.
func (c *Cert) GetCertificate(*tls.ClientHelloInfo) (*tls.Certificate, error) {
	return c.cur.Load(), nil
}

// ServerConfig is the TLS configuration of the main listener. It offers
// HTTP/1.1 only: the client socket is a WebSocket upgrade, which needs
// HTTP/1.1 (the gateway hijacks the connection), and a connection's
// ALPN choice applies to every request on it.
func (c *Cert) ServerConfig() *tls.Config {
	return &tls.Config{
		GetCertificate: c.GetCertificate,
		MinVersion:     tls.VersionTLS12,
		NextProtos:     []string{"http/1.1"},
	}
}

// ReloadOn reloads on every value from sig (SIGHUP in production) until
// ctx ends, logging each outcome: a failure at error level, naming the
// files, while the old certificate keeps being served.
func (c *Cert) ReloadOn(ctx context.Context, sig <-chan os.Signal, logger *slog.Logger) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-sig:
		}
		if err := c.Reload(); err != nil {
			logger.Error("tls reload failed; still serving the previous certificate", "error", err.Error())
			continue
		}
		logger.Info("tls certificate reloaded", c.Attrs()...)
	}
}

// Attrs describes the certificate in use for a log line.
func (c *Cert) Attrs() []any {
	kp := c.cur.Load()
	if kp == nil || kp.Leaf == nil {
		return []any{"cert", c.certFile}
	}
	return []any{"cert", c.certFile, "subject", kp.Leaf.Subject.String(), "serial", kp.Leaf.SerialNumber.String(),
		"not_after", kp.Leaf.NotAfter.UTC().Format(time.RFC3339)}
}
