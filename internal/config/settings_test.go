package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/message"
)

// lookup serves flags first, then the environment, as the CLI does.
func lookup(flags, envs map[string]string) Lookup {
	return func(s *Setting) (string, string, bool) {
		if v, ok := flags[s.Flag]; ok && s.Flag != "" && v != "" {
			return v, "--" + s.Flag, true
		}
		return EnvLookup(env(envs))(s)
	}
}

func writeFile(t *testing.T, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "parley.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// Flags and variables follow one rule, so an operator who knows one knows
// the other; no two settings share a name.
func TestSettingNames(t *testing.T) {
	seen := map[string]bool{}
	for _, s := range Settings {
		if s.Flag != "" {
			if want := "PARLEY_" + strings.ToUpper(strings.ReplaceAll(s.Flag, "-", "_")); s.Env != want {
				t.Errorf("--%s: env %q, want %q", s.Flag, s.Env, want)
			}
		} else if s.Env != "" {
			t.Errorf("%s has no flag", s.Env)
		}
		for _, name := range []string{"flag " + s.Flag, "env " + s.Env, "key " + s.Key} {
			if !strings.HasSuffix(name, " ") && seen[name] {
				t.Errorf("%s twice", name)
			}
			seen[name] = true
		}
		if s.Usage == "" || s.Type == "" || s.DefaultText() == "" || s.Group == "" {
			t.Errorf("%+v: usage, type, default and group are required", s)
		}
		if s.Flag != "config" && s.Flag != "" && s.apply == nil {
			t.Errorf("--%s cannot be applied", s.Flag)
		}
	}
}

func tomlKeys(t reflect.Type, prefix string) []string {
	var keys []string
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		tag := strings.Split(f.Tag.Get("toml"), ",")[0]
		if tag == "" || !f.IsExported() {
			continue
		}
		if f.Type.Kind() == reflect.Struct && f.Type != reflect.TypeOf(time.Duration(0)) {
			keys = append(keys, tomlKeys(f.Type, prefix+tag+".")...)
			continue
		}
		keys = append(keys, prefix+tag)
	}
	return keys
}

// Every key the file accepts is in the table, so --help and the reference
// cannot miss one.
func TestSettingsCoverEveryFileKey(t *testing.T) {
	documented := map[string]bool{}
	for _, s := range Settings {
		documented[s.Key] = true
	}
	for _, k := range tomlKeys(reflect.TypeOf(Config{}), "") {
		if k != "apps" && !documented[k] {
			t.Errorf("file key %q is not in Settings", k)
		}
	}
	appDoc := map[string]bool{}
	for _, k := range AppKeys {
		appDoc[strings.SplitN(k.Key, ".", 2)[0]] = true
	}
	for _, k := range tomlKeys(reflect.TypeOf(AppConfig{}), "") {
		if !appDoc[k] {
			t.Errorf("[[apps]] key %q is not in AppKeys", k)
		}
	}
}

func TestDefaults(t *testing.T) {
	for _, s := range Settings {
		if s.Default != "" && s.apply != nil {
			var c Config
			if err := s.apply(&c, s.Default); err != nil {
				t.Errorf("--%s default %q: %v", s.Flag, s.Default, err)
			}
		}
	}
	c := Default()
	if c.Listen != DefaultListen || c.DataDir != DefaultDataDir || c.LogLevel != "info" || c.Store.Driver != "sqlite" ||
		c.HTTPBodyTimeout != 10*time.Second || c.RequestLogSample == nil || *c.RequestLogSample != 1 ||
		c.Pprof || c.AdminListen != "" || c.TLSCert != "" || len(c.Apps) != 0 || c.Store.MaxConns != 32 {
		t.Fatalf("Default() = %+v", c)
	}
	if err := c.Validate(); err != nil {
		t.Fatalf("the defaults do not validate: %v", err)
	}
	// The documented per-app defaults are the ones the server applies.
	for _, k := range AppKeys {
		switch k.Key {
		case "message_retention_days":
			if k.Default != "7" || message.DefaultRetention != 7*24*time.Hour {
				t.Errorf("retention documented %s days, server %v", k.Default, message.DefaultRetention)
			}
		case "recall_window_seconds":
			if k.Default != "120" || message.DefaultRecallWindow != 2*time.Minute {
				t.Errorf("recall window documented %s s, server %v", k.Default, message.DefaultRecallWindow)
			}
		}
	}
}

// Flags beat the environment, which beats the file, which beats the
// defaults; settings nobody gives keep the file's or the default value.
func TestLoadPrecedence(t *testing.T) {
	p := writeFile(t, "listen = \"127.0.0.1:1\"\ndata_dir = \"/file\"\nlog_level = \"warn\"\nhttp_body_timeout = \"3s\"\nrequest_log_sample = 0.5\n[store]\nmax_conns = 7\n")
	c, err := Load(lookup(
		map[string]string{"listen": "127.0.0.1:3", "config": p},
		map[string]string{"PARLEY_LISTEN": "127.0.0.1:2", "PARLEY_DATA": "/env", "PARLEY_REQUEST_LOG_SAMPLE": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:3" || c.DataDir != "/env" || c.LogLevel != "warn" || c.HTTPBodyTimeout != 3*time.Second ||
		*c.RequestLogSample != 0 || c.Store.MaxConns != 7 || c.Store.Driver != "sqlite" {
		t.Fatalf("%+v", c)
	}
	// PARLEY_CONFIG names the file when --config does not.
	c, err = Load(lookup(nil, map[string]string{"PARLEY_CONFIG": p}))
	if err != nil || c.Listen != "127.0.0.1:1" {
		t.Fatalf("PARLEY_CONFIG: %+v %v", c, err)
	}
	if _, err := Load(lookup(nil, map[string]string{"PARLEY_CONFIG": p + ".missing"})); err == nil {
		t.Fatal("a missing config file must be an error")
	}
}

// Each bad value stops the start with an error that names the setting.
func TestLoadRejectsBadValues(t *testing.T) {
	for _, tc := range []struct {
		file  string
		flags map[string]string
		env   map[string]string
		want  string
	}{
		{env: map[string]string{"PARLEY_LOG_LEVEL": "verbose"}, want: "log_level"},
		{file: "log_level = \"trace\"\n", want: "log_level"},
		{flags: map[string]string{"tls-cert": "/c.pem"}, want: "tls_key"},
		{env: map[string]string{"PARLEY_TLS_KEY": "/k.pem"}, want: "tls_cert"},
		{flags: map[string]string{"pprof": "true"}, want: "admin_listen"},
		{env: map[string]string{"PARLEY_PPROF": "yes"}, want: "PARLEY_PPROF"},
		{env: map[string]string{"PARLEY_REQUEST_LOG_SAMPLE": "1.5"}, want: "request_log_sample"},
		{file: "request_log_sample = -0.1\n", want: "request_log_sample"},
		{flags: map[string]string{"request-log-sample": "most"}, want: "--request-log-sample"},
		{env: map[string]string{"PARLEY_HTTP_BODY_TIMEOUT": "10"}, want: "PARLEY_HTTP_BODY_TIMEOUT"},
		{flags: map[string]string{"http-body-timeout": "-1s"}, want: "--http-body-timeout"},
		{file: "http_body_timeout = \"0s\"\n", want: "http_body_timeout"},
		{file: "http_body_timeout = \"soon\"\n", want: "soon"},
		{env: map[string]string{"PARLEY_STORE": "mysql"}, want: "mysql"},
		{env: map[string]string{"PARLEY_STORE": "postgres"}, want: "DSN"},
		{flags: map[string]string{"admin-listen": DefaultListen}, want: "admin_listen"},
		{env: map[string]string{"PARLEY_ADMIN": "root"}, want: "PARLEY_ADMIN"},
		{flags: map[string]string{"rate-limit": "0"}, want: "--rate-limit"},
		{env: map[string]string{"PARLEY_SDKAPPID": "1400000001"}, want: "PARLEY_SECRET_KEY"},
		{flags: map[string]string{"sdkappid": "0", "secret-key": "0123456789abcdef"}, want: "--sdkappid"},
		{file: "lisen = \"x\"\n", want: "lisen"},
	} {
		flags := map[string]string{}
		for k, v := range tc.flags {
			flags[k] = v
		}
		if tc.file != "" {
			flags["config"] = writeFile(t, tc.file)
		}
		_, err := Load(lookup(flags, tc.env))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("file %q flags %v env %v: error %v, want one naming %q", tc.file, tc.flags, tc.env, err, tc.want)
		}
	}
	// Level names are not case-sensitive, as before.
	if _, err := Load(lookup(nil, map[string]string{"PARLEY_LOG_LEVEL": "WARN"})); err != nil {
		t.Fatal(err)
	}
}

// The app settings work from flags as they do from the environment.
func TestLoadAppFromFlags(t *testing.T) {
	c, err := Load(lookup(map[string]string{"sdkappid": "1400000001", "secret-key": "0123456789abcdef", "admin": "a,b", "client-rate-limit": "0"}, nil))
	if err != nil {
		t.Fatal(err)
	}
	apps, err := c.BuildApps()
	if err != nil || len(apps) != 1 || apps[0].SDKAppID != 1400000001 || len(apps[0].Admins) != 2 || apps[0].ClientRateLimits.Messages != 0 {
		t.Fatalf("%+v %v", apps, err)
	}
}

func TestMasking(t *testing.T) {
	for in, want := range map[string]string{
		"":                                 "",
		"secret":                           "s…",
		"0123456789abcdef0123456789abcdef": "0123…",
	} {
		if got := MaskSecret(in); got != want {
			t.Errorf("MaskSecret(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"postgres://parley:hunter2hunter2@db:5432/parley?sslmode=disable": "postgres://parley:hun…@db:5432/parley?sslmode=disable",
		"postgres://db/parley?user=u&password=hunter2hunter2":             "postgres://db/parley?user=u&password=hun…",
		"postgresql://parley@db/parley":                                   "postgresql://parley@db/parley",
		"host=db user=parley password=hunter2hunter2 dbname=parley":       "host=db user=parley password=hun… dbname=parley",
		"host=db password='two words here' dbname=parley":                 "host=db password=two… dbname=parley",
	} {
		got := MaskDSN(in)
		if got != want {
			t.Errorf("MaskDSN(%q) = %q, want %q", in, got, want)
		}
		if strings.Contains(got, "hunter2hunter2") || strings.Contains(got, "two words") {
			t.Errorf("MaskDSN(%q) leaks the password: %q", in, got)
		}
	}
}

// config print's output is a config file: it loads back, secrets masked,
// and masking leaves the configuration in use untouched.
func TestMaskedTOMLLoadsBack(t *testing.T) {
	key := "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	c, err := Load(lookup(nil, map[string]string{"PARLEY_SDKAPPID": "1400000001", "PARLEY_SECRET_KEY": key,
		"PARLEY_STORE": "postgres", "PARLEY_POSTGRES_DSN": "postgres://u:pgpassword123@db/x", "PARLEY_RATE_LIMIT": "0"}))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	if err := c.Masked().WriteTOML(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	if strings.Contains(out, key) || strings.Contains(out, "pgpassword123") || !strings.Contains(out, `secret_key = "0123…"`) {
		t.Fatalf("secrets not masked:\n%s", out)
	}
	if c.Apps[0].SecretKey != key || c.Store.DSN != "postgres://u:pgpassword123@db/x" {
		t.Fatal("Masked changed the configuration it copied")
	}
	back := Default()
	if err := back.LoadFile(writeFile(t, out)); err != nil {
		t.Fatalf("printed configuration does not load: %v\n%s", err, out)
	}
	if back.HTTPBodyTimeout != 10*time.Second || back.Apps[0].SDKAppID != 1400000001 || back.Apps[0].RateLimits["sns/friend_add"] != 0 {
		t.Fatalf("round trip: %+v", back)
	}
}
