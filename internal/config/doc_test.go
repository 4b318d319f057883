package config

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// docs/configuration.md is generated from Settings and AppKeys; CI runs
// this test, so a setting added without regenerating the doc fails it.
func TestConfigurationDocIsCurrent(t *testing.T) {
	var want bytes.Buffer
	if err := WriteMarkdown(&want); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join("..", "..", "docs", "configuration.md")
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v; create it from the repository root with:\n\t%s", err, DocCommand)
	}
	if !bytes.Equal(got, want.Bytes()) {
		t.Fatalf("docs/configuration.md is stale (it differs from internal/config/settings.go); regenerate it from the repository root with:\n\t%s", DocCommand)
	}
}

// The example in the reference is a config file that works.
func TestExampleTOMLLoads(t *testing.T) {
	p := filepath.Join(t.TempDir(), "parley.toml")
	if err := os.WriteFile(p, []byte(exampleTOML), 0o600); err != nil {
		t.Fatal(err)
	}
	c := Default()
	if err := c.LoadFile(p); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	apps, err := c.BuildApps()
	if err != nil || len(apps) != 1 || apps[0].RateLimit("sns/friend_add") != 500 {
		t.Fatalf("apps %+v: %v", apps, err)
	}
	if c.RequestLogSample == nil || *c.RequestLogSample != 0.1 || c.AdminListen != "127.0.0.1:9090" || c.TLSKey == "" {
		t.Fatalf("top-level keys not read: %+v", c)
	}
}
