package config

import (
	"io"
	"net/url"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"
)

// Masked returns a copy of c fit to show: every app's secret key and the
// DSN's password are cut to a short prefix and "…" (MaskSecret). c is not
// changed.
func (c Config) Masked() Config {
	m := c
	m.env = envApp{}
	m.Store.DSN = MaskDSN(c.Store.DSN)
	m.NATS.URL = MaskDSN(c.NATS.URL)
	m.Apps = make([]AppConfig, len(c.Apps))
	for i, a := range c.Apps {
		a.SecretKey = MaskSecret(a.SecretKey)
		if a.Webhook != nil {
			w := *a.Webhook
			w.Token = MaskSecret(w.Token)
			a.Webhook = &w
		}
		m.Apps[i] = a
	}
	return m
}

// WriteTOML writes c as a TOML config file. It does not mask: call Masked
// first for anything a person or a log will read.
func (c Config) WriteTOML(w io.Writer) error {
	return toml.NewEncoder(w).Encode(c)
}

// MaskSecret keeps at most the first 4 characters of s, and never more than
// a quarter of it, so a masked value tells two keys apart without giving
// away enough to guess: a 64-hex key shows "5725…", "secret" shows "s…".
func MaskSecret(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	return string(r[:min(4, len(r)/4)]) + "…"
}

// keywordPassword finds password=... in a key=value DSN, quoted or not.
var keywordPassword = regexp.MustCompile(`(?i)(\bpassword\s*=\s*)('(?:[^'\\]|\\.)*'|[^\s]+)`)

// queryPassword finds password=... in a URL DSN's query.
var queryPassword = regexp.MustCompile(`((?:^|&)password=)([^&]*)`)

// MaskDSN masks the password of a PostgreSQL connection string, in its URL
// form (postgres://user:pass@host/db?password=...) or its key=value form
// (host=db password=pass); everything else is kept so the target stays
// readable.
func MaskDSN(dsn string) string {
	if dsn == "" {
		return ""
	}
	if strings.Contains(dsn, "://") {
		u, err := url.Parse(dsn)
		if err != nil {
			// Unparseable: show nothing of it rather than a password.
			return MaskSecret(dsn)
		}
		u.RawQuery = queryPassword.ReplaceAllStringFunc(u.RawQuery, func(m string) string {
			sub := queryPassword.FindStringSubmatch(m)
			pw, _ := url.QueryUnescape(sub[2])
			return sub[1] + MaskSecret(pw)
		})
		user := u.User
		u.User = nil
		s := u.String()
		if user == nil {
			return s
		}
		// Spliced by hand: url.UserPassword would percent-encode "…".
		info := url.User(user.Username()).String()
		if pw, ok := user.Password(); ok {
			info += ":" + MaskSecret(pw)
		}
		scheme := u.Scheme + "://"
		return scheme + info + "@" + strings.TrimPrefix(s, scheme)
	}
	return keywordPassword.ReplaceAllStringFunc(dsn, func(m string) string {
		sub := keywordPassword.FindStringSubmatch(m)
		return sub[1] + MaskSecret(strings.Trim(sub[2], "'"))
	})
}
