package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWebhookFromFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "parley.toml")
	os.WriteFile(p, []byte(`[[apps]]
sdkappid = 1400000001
secret_key = "0123456789abcdef"
[apps.webhook]
url = "https://app.example.com/im-callback"
token = "tok-123456"
commands = ["C2C.CallbackBeforeSendMsg", "C2C.CallbackAfterSendMsg"]
timeout_ms = 1500
allow_on_timeout = false
`), 0o600)
	c := Default()
	if err := c.LoadFile(p); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	w := c.Apps[0].Webhook.Webhook()
	if w.URL != "https://app.example.com/im-callback" || w.Token != "tok-123456" || len(w.Commands) != 2 ||
		w.Timeout != 1500*time.Millisecond || w.AllowOnTimeout {
		t.Fatalf("webhook %+v", w)
	}
	if m := c.Masked(); m.Apps[0].Webhook.Token == "tok-123456" || c.Apps[0].Webhook.Token != "tok-123456" {
		t.Fatalf("token masked %q, original %q", m.Apps[0].Webhook.Token, c.Apps[0].Webhook.Token)
	}
}

func TestWebhookUnknownCommandStopsTheStart(t *testing.T) {
	p := filepath.Join(t.TempDir(), "parley.toml")
	os.WriteFile(p, []byte("[[apps]]\nsdkappid = 1400000001\nsecret_key = \"0123456789abcdef\"\n[apps.webhook]\nurl = \"http://127.0.0.1:1/cb\"\ncommands = [\"C2C.CallbackAfterSendMessage\"]\n"), 0o600)
	_, err := Load(func(s *Setting) (string, string, bool) {
		if s.Flag == "config" {
			return p, "--config", true
		}
		return "", "", false
	})
	if err == nil || !strings.Contains(err.Error(), `"C2C.CallbackAfterSendMessage"`) {
		t.Fatalf("want an error naming the unknown command, got %v", err)
	}
}

func TestWebhookFromEnv(t *testing.T) {
	c := Default()
	err := c.Env(env(map[string]string{
		"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": "0123456789abcdef0123",
		"PARLEY_WEBHOOK_URL": "http://127.0.0.1:9/cb", "PARLEY_WEBHOOK_TOKEN": "t0k",
		"PARLEY_WEBHOOK_COMMANDS": "*", "PARLEY_WEBHOOK_TIMEOUT_MS": "300",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	w := c.Apps[0].Webhook.Webhook()
	if w.URL != "http://127.0.0.1:9/cb" || w.Token != "t0k" || len(w.Commands) != 1 || w.Commands[0] != "*" ||
		w.Timeout != 300*time.Millisecond || !w.AllowOnTimeout {
		t.Fatalf("webhook %+v", w)
	}
	c = Default()
	err = c.Env(env(map[string]string{"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": "0123456789abcdef0123",
		"PARLEY_WEBHOOK_URL": "http://127.0.0.1:9/cb", "PARLEY_WEBHOOK_COMMANDS": "C2C.CallbackAfterSendMsg,Nope.Cmd"}))
	if err == nil {
		err = c.Validate()
	}
	if err == nil || !strings.Contains(err.Error(), "Nope.Cmd") {
		t.Fatalf("want an error naming Nope.Cmd, got %v", err)
	}
	c = Default()
	if err := c.Env(env(map[string]string{"PARLEY_WEBHOOK_URL": "http://127.0.0.1:9/cb"})); err == nil {
		t.Fatal("PARLEY_WEBHOOK_URL without an app declared by environment must be an error")
	}
}
