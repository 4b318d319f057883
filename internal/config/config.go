// Package config loads the server's settings from flags, environment and an
// optional TOML file, and turns them into apps.
package config

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"os"
	"path/filepath"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/webhook"
)

// Config is everything `parley serve` needs. Every field is described,
// with its flag, environment variable and default, in Settings.
type Config struct {
	Listen   string `toml:"listen"`
	DataDir  string `toml:"data_dir"`
	LogLevel string `toml:"log_level"` // one of LogLevels (Validate)
	// HTTPBodyTimeout bounds how long a REST request's body may take to
	// arrive (server.Options.BodyTimeout).
	HTTPBodyTimeout time.Duration `toml:"http_body_timeout"`
	// TLSCert and TLSKey are PEM files, both or neither; with them the main
	// listener serves HTTPS and WSS, and SIGHUP reloads them.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// AdminListen is a second listener for operators (/metrics, pprof);
	// "" means none, and /metrics stays on the main listener.
	AdminListen string `toml:"admin_listen"`
	// Pprof serves /debug/pprof/ on AdminListen; Validate refuses it
	// without AdminListen.
	Pprof bool `toml:"pprof"`
	// RequestLogSample is the share (0 to 1) of REST requests logged; 0
	// turns request logs off. nil means 1: Default sets it, so a nil
	// pointer only comes from a Config built by hand.
	RequestLogSample *float64 `toml:"request_log_sample"`
	// DevLogin turns the web app's development login on or off; nil is
	// automatic: on for the default app on a loopback address (cmd/parley).
	DevLogin *bool `toml:"dev_login"`
	// GatewayNetpoll parks idle client connections on the node's poller;
	// nil is the default (on).
	GatewayNetpoll *bool       `toml:"gateway_netpoll"`
	Store          StoreConfig `toml:"store"`
	NATS           NATSConfig  `toml:"nats"`
	Apps           []AppConfig `toml:"apps"`

	env envApp // the app-from-flags-or-environment settings while applying
}

// StoreConfig selects the storage engine.
// NATSConfig joins this node to a cluster: pushes go through the NATS
// server (or cluster) at URL to every node with a session of their user.
// Empty: one node, an in-process broker.
type NATSConfig struct {
	URL string `toml:"url"`
}

type StoreConfig struct {
	Driver   string `toml:"driver"` // "sqlite" (default) or "postgres"
	DSN      string `toml:"dsn"`    // PostgreSQL connection string
	MaxConns int    `toml:"max_conns"`
}

// AppConfig declares one app in the config file.
type AppConfig struct {
	SDKAppID          uint64   `toml:"sdkappid"`
	SecretKey         string   `toml:"secret_key"`
	Admins            []string `toml:"admins"`
	CheckFriendForC2C *bool    `toml:"check_friend_for_c2c"`
	ShowSentToBlocked *bool    `toml:"show_sent_to_blocked"`
	UserStatus        *bool    `toml:"user_status"`
	// AVChatRoomNewMemberHistory: app.Switches.AVChatRoomNewMemberHistory.
	AVChatRoomNewMemberHistory bool     `toml:"avchatroom_new_member_history"`
	MaxFriends                 int      `toml:"max_friends,omitzero"`
	MaxFriendLists             int      `toml:"max_friend_lists,omitzero"`
	MaxBlocked                 int      `toml:"max_blocked,omitzero"`
	MaxPendingRequests         int      `toml:"max_pending_requests,omitzero"`
	MaxWebInstances            int      `toml:"max_web_instances,omitzero"`
	MaxPlatformInstances       int      `toml:"max_instances_per_platform,omitzero"`
	MessageRetentionDays       int      `toml:"message_retention_days,omitzero"`
	RecallWindowSeconds        int      `toml:"recall_window_seconds,omitzero"`
	ProfileCustomFields        []string `toml:"profile_custom_fields"`
	FriendCustomFields         []string `toml:"friend_custom_fields"`
	// GroupMessageReadReceipts: the group types whose messages may ask for
	// read receipts (Private, Public, ChatRoom); none by default.
	GroupMessageReadReceipts []string `toml:"group_message_read_receipts" json:",omitempty"`
	// GroupMessagesPerSecond: messages a second per group (0 unlimited);
	// nil keeps Tencent's 40.
	GroupMessagesPerSecond *float64           `toml:"group_messages_per_second" json:",omitempty"`
	RateLimits             map[string]float64 `toml:"rate_limits"`
	// GroupMemberCaps: the highest member cap per group type (REST names).
	GroupMemberCaps map[string]int `toml:"group_member_caps" json:",omitempty"`
	// ClientRateLimits: messages, friend_requests, writes, reads (calls/s
	// per user on the client socket; 0 = unlimited).
	ClientRateLimits map[string]float64 `toml:"client_rate_limits" json:",omitempty"`
	// Webhook sends the app's callbacks ([apps.webhook]); nil sends none.
	Webhook *WebhookConfig `toml:"webhook" json:",omitempty"`
}

// WebhookConfig is an app's [apps.webhook] table (and PARLEY_WEBHOOK_* for
// the app declared by environment): see internal/webhook.
type WebhookConfig struct {
	URL   string `toml:"url"`
	Token string `toml:"token"`
	// Commands are Tencent's CallbackCommand names, or "*" for all; an
	// unknown name is a configuration error.
	Commands  []string `toml:"commands"`
	TimeoutMS int      `toml:"timeout_ms,omitzero"`
	// AllowOnTimeout: a before-callback with no answer allows the change
	// (nil: true, Tencent's default).
	AllowOnTimeout *bool `toml:"allow_on_timeout"`
}

// Webhook is the webhook.Config of w.
func (w *WebhookConfig) Webhook() webhook.Config {
	c := webhook.Config{URL: w.URL, Token: w.Token, Commands: w.Commands, AllowOnTimeout: true,
		Timeout: time.Duration(w.TimeoutMS) * time.Millisecond}
	if w.AllowOnTimeout != nil {
		c.AllowOnTimeout = *w.AllowOnTimeout
	}
	return c
}

// Defaults for a server started with no configuration at all.
const (
	DefaultListen  = "127.0.0.1:8080"
	DefaultDataDir = "parley-data"
	DefaultAdmin   = "administrator"
)

// Default returns the built-in settings: the Default of every setting in
// Settings (the app settings excepted: they declare an app only when given).
func Default() Config {
	var c Config
	for i := range Settings {
		s := &Settings[i]
		if s.Default != "" && s.apply != nil && s.Group != GroupApp {
			// The defaults are literals in this package; TestDefaults
			// holds that each parses.
			_ = s.apply(&c, s.Default)
		}
	}
	c.env = envApp{}
	return c
}

// LoadFile merges a TOML file into c. Unknown keys are an error: a typo in
// a limit must not silently fall back to the default.
func (c *Config) LoadFile(path string) error {
	md, err := toml.DecodeFile(path, c)
	if err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	if undecoded := md.Undecoded(); len(undecoded) > 0 {
		return fmt.Errorf("config %s: unknown keys %v", path, undecoded)
	}
	if err := checkWrittenLimits(path); err != nil {
		return fmt.Errorf("config %s: %w", path, err)
	}
	return nil
}

// positiveAppKeys are the per-app numbers that only mean something when
// positive. Left out, they take their defaults; written as 0 or less, they
// are an error rather than a silent fall back to the default.
var positiveAppKeys = []string{"max_friends", "max_friend_lists", "max_blocked", "max_pending_requests",
	"max_web_instances", "max_instances_per_platform", "message_retention_days", "recall_window_seconds"}

// checkWrittenLimits reads the file's apps as written (the typed decode
// cannot tell a 0 from a key left out) and refuses limits of 0 or less and
// an admins list written empty.
func checkWrittenLimits(path string) error {
	var raw struct {
		Apps []map[string]any `toml:"apps"`
	}
	if _, err := toml.DecodeFile(path, &raw); err != nil {
		return err
	}
	for i, a := range raw.Apps {
		for _, k := range positiveAppKeys {
			if v, ok := a[k].(int64); ok && v <= 0 {
				return fmt.Errorf("apps[%d].%s = %d: must be positive (leave it out for the default)", i, k, v)
			}
		}
		if admins, ok := a["admins"].([]any); ok && len(admins) == 0 {
			return fmt.Errorf("apps[%d].admins is empty: an app needs at least one admin account (leave it out for %q)", i, DefaultAdmin)
		}
	}
	return nil
}

// BuildApps turns the declared apps into app.Apps with defaults applied.
func (c *Config) BuildApps() ([]*app.App, error) {
	var out []*app.App
	for _, ac := range c.Apps {
		a := app.New(ac.SDKAppID, ac.SecretKey, ac.Admins...)
		if ac.CheckFriendForC2C != nil {
			a.Switches.CheckFriendForC2C = *ac.CheckFriendForC2C
		}
		if ac.ShowSentToBlocked != nil {
			a.Switches.ShowSentToBlocked = *ac.ShowSentToBlocked
		}
		a.Switches.AVChatRoomNewMemberHistory = ac.AVChatRoomNewMemberHistory
		if ac.UserStatus != nil {
			a.Switches.UserStatus = *ac.UserStatus
		}
		setPositive(&a.Limits.MaxFriends, ac.MaxFriends)
		setPositive(&a.Limits.MaxFriendLists, ac.MaxFriendLists)
		setPositive(&a.Limits.MaxBlocked, ac.MaxBlocked)
		setPositive(&a.Limits.MaxPendingRequests, ac.MaxPendingRequests)
		setPositive(&a.Login.MaxWebInstances, ac.MaxWebInstances)
		setPositive(&a.Login.MaxInstancesPerPlatform, ac.MaxPlatformInstances)
		if ac.MessageRetentionDays > 0 {
			a.MessageRetention = time.Duration(ac.MessageRetentionDays) * 24 * time.Hour
		}
		if ac.RecallWindowSeconds > 0 {
			a.RecallWindow = time.Duration(ac.RecallWindowSeconds) * time.Second
		}
		a.ProfileCustomFields = ac.ProfileCustomFields
		a.FriendCustomFields = ac.FriendCustomFields
		for _, t := range ac.GroupMessageReadReceipts {
			if t != "Private" && t != "Public" && t != "ChatRoom" {
				return nil, fmt.Errorf("app %d: group_message_read_receipts: %q is not Private, Public or ChatRoom (the types with read receipts)", a.SDKAppID, t)
			}
		}
		a.GroupReadReceipts = ac.GroupMessageReadReceipts
		if r := ac.GroupMessagesPerSecond; r != nil {
			if *r < 0 {
				return nil, fmt.Errorf("app %d: group_messages_per_second = %g: must not be negative (0 is unlimited)", a.SDKAppID, *r)
			}
			a.GroupMessageRate = *r
		}
		for k, v := range ac.RateLimits {
			a.RateLimits[k] = v
		}
		a.GroupMemberCaps = ac.GroupMemberCaps
		for k, v := range ac.ClientRateLimits {
			if err := a.ClientRateLimits.Set(k, v); err != nil {
				return nil, fmt.Errorf("app %d: %w", a.SDKAppID, err)
			}
		}
		if err := a.Validate(); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, nil
}

func setPositive(dst *int, v int) {
	if v > 0 {
		*dst = v
	}
}

// defaultAppFile keeps the app created on first start, so restarts serve
// the same SDKAppID and key.
const defaultAppFile = "default-app.json"

// ReadDefaultApp loads the app kept in dataDir without creating it: found
// is false when there is none yet (`parley config check` must not write).
func ReadDefaultApp(dataDir string) (ac AppConfig, found bool, err error) {
	path := filepath.Join(dataDir, defaultAppFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return ac, false, nil
	} else if err != nil {
		return ac, false, err
	}
	if err := json.Unmarshal(b, &ac); err != nil {
		return ac, false, fmt.Errorf("%s: %w", path, err)
	}
	return ac, true, nil
}

// DefaultApp loads the app kept in dataDir, creating it on first start. The
// bool reports whether it was just created.
func DefaultApp(dataDir string) (AppConfig, bool, error) {
	if ac, found, err := ReadDefaultApp(dataDir); found || err != nil {
		return ac, false, err
	}
	// Tencent's SDKAppIDs are ten digits starting 14; looking the same keeps
	// client-side validation in existing apps happy.
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return AppConfig{}, false, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return AppConfig{}, false, err
	}
	ac := AppConfig{SDKAppID: 1_400_000_000 + n.Uint64(), SecretKey: hex.EncodeToString(key), Admins: []string{DefaultAdmin}}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return ac, false, err
	}
	b, _ := json.MarshalIndent(ac, "", "  ")
	path := filepath.Join(dataDir, defaultAppFile)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return ac, false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return ac, false, err
	}
	return ac, true, nil
}
