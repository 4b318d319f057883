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
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/parleyim/parley/internal/app"
)

// Config is everything `parley serve` needs.
type Config struct {
	Listen   string      `toml:"listen"`
	DataDir  string      `toml:"data_dir"`
	LogLevel string      `toml:"log_level"`
	Store    StoreConfig `toml:"store"`
	Apps     []AppConfig `toml:"apps"`
}

// StoreConfig selects the storage engine.
type StoreConfig struct {
	Driver   string `toml:"driver"` // "sqlite" (default) or "postgres"
	DSN      string `toml:"dsn"`    // PostgreSQL connection string
	MaxConns int    `toml:"max_conns"`
}

// AppConfig declares one app in the config file.
type AppConfig struct {
	SDKAppID             uint64             `toml:"sdkappid"`
	SecretKey            string             `toml:"secret_key"`
	Admins               []string           `toml:"admins"`
	CheckFriendForC2C    *bool              `toml:"check_friend_for_c2c"`
	ShowSentToBlocked    *bool              `toml:"show_sent_to_blocked"`
	MaxFriends           int                `toml:"max_friends"`
	MaxFriendLists       int                `toml:"max_friend_lists"`
	MaxBlocked           int                `toml:"max_blocked"`
	MaxPendingRequests   int                `toml:"max_pending_requests"`
	MaxWebInstances      int                `toml:"max_web_instances"`
	MaxPlatformInstances int                `toml:"max_instances_per_platform"`
	MessageRetentionDays int                `toml:"message_retention_days"`
	RecallWindowSeconds  int                `toml:"recall_window_seconds"`
	ProfileCustomFields  []string           `toml:"profile_custom_fields"`
	FriendCustomFields   []string           `toml:"friend_custom_fields"`
	RateLimits           map[string]float64 `toml:"rate_limits"`
	// ClientRateLimits: messages, friend_requests, writes, reads (calls/s
	// per user on the client socket; 0 = unlimited).
	ClientRateLimits map[string]float64 `toml:"client_rate_limits" json:",omitempty"`
}

// Defaults for a server started with no configuration at all.
const (
	DefaultListen  = "127.0.0.1:8080"
	DefaultDataDir = "parley-data"
	DefaultAdmin   = "administrator"
)

// Default returns the built-in settings.
func Default() Config {
	return Config{Listen: DefaultListen, DataDir: DefaultDataDir, LogLevel: "info", Store: StoreConfig{Driver: "sqlite"}}
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
	return nil
}

// Env reads the PARLEY_* variables into c; getenv is os.Getenv in
// production and a map in tests.
func (c *Config) Env(getenv func(string) string) error {
	if v := getenv("PARLEY_LISTEN"); v != "" {
		c.Listen = v
	}
	if v := getenv("PARLEY_DATA"); v != "" {
		c.DataDir = v
	}
	if v := getenv("PARLEY_LOG_LEVEL"); v != "" {
		c.LogLevel = v
	}
	if v := getenv("PARLEY_STORE"); v != "" {
		c.Store.Driver = v
	}
	if v := getenv("PARLEY_POSTGRES_DSN"); v != "" {
		c.Store.DSN = v
	}
	id, key := getenv("PARLEY_SDKAPPID"), getenv("PARLEY_SECRET_KEY")
	if id == "" && key == "" {
		return nil
	}
	if id == "" || key == "" {
		return errors.New("PARLEY_SDKAPPID and PARLEY_SECRET_KEY must be set together")
	}
	n, err := strconv.ParseUint(id, 10, 32)
	if err != nil {
		return fmt.Errorf("PARLEY_SDKAPPID: %w", err)
	}
	admin := getenv("PARLEY_ADMIN")
	if admin == "" {
		admin = DefaultAdmin
	}
	var admins []string
	for _, a := range strings.Split(admin, ",") {
		if a = strings.TrimSpace(a); a != "" {
			admins = append(admins, a)
		}
	}
	ac := AppConfig{SDKAppID: n, SecretKey: key, Admins: admins}
	if v := getenv("PARLEY_RATE_LIMIT"); v != "" {
		rate, err := strconv.ParseFloat(v, 64)
		if err != nil {
			return fmt.Errorf("PARLEY_RATE_LIMIT: %w", err)
		}
		// One figure for every API: load tests and private deployments
		// that do not want Tencent's per-API quotas set 0 (unlimited).
		ac.RateLimits = map[string]float64{"default": rate}
		for api := range app.DefaultRateLimits() {
			ac.RateLimits[api] = rate
		}
	}
	if v := getenv("PARLEY_CLIENT_RATE_LIMIT"); v != "" {
		rate, err := strconv.ParseFloat(v, 64)
		if err != nil || rate < 0 {
			return fmt.Errorf("PARLEY_CLIENT_RATE_LIMIT: %q is not a number of calls per second (0 = unlimited)", v)
		}
		ac.ClientRateLimits = map[string]float64{"messages": rate, "friend_requests": rate, "writes": rate, "reads": rate}
	}
	c.Apps = append(c.Apps, ac)
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
		for k, v := range ac.RateLimits {
			a.RateLimits[k] = v
		}
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

// DefaultApp loads the app kept in dataDir, creating it on first start. The
// bool reports whether it was just created.
func DefaultApp(dataDir string) (AppConfig, bool, error) {
	path := filepath.Join(dataDir, defaultAppFile)
	if b, err := os.ReadFile(path); err == nil {
		var ac AppConfig
		if err := json.Unmarshal(b, &ac); err != nil {
			return ac, false, fmt.Errorf("%s: %w", path, err)
		}
		return ac, false, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return AppConfig{}, false, err
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
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return ac, false, err
	}
	if err := os.Rename(tmp, path); err != nil {
		return ac, false, err
	}
	return ac, true, nil
}
