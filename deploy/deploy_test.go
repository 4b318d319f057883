package deploy

import (
	"bufio"
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/moby/buildkit/frontend/dockerfile/parser"
	"go.yaml.in/yaml/v3"
)

const root = ".."

// pendingSettings are PARLEY_* names the deployment files set before the
// server reads them, each with why. Keep it short: a name here is one the
// setting check cannot vouch for.
var pendingSettings = map[string]string{}

var settingName = regexp.MustCompile(`PARLEY_[A-Z0-9][A-Z0-9_]*`)

// realSettings are the PARLEY_* names the server reads, gathered from where
// they are defined (the CLI and the config package, tests left out) and
// documented (README's settings table), so the list follows the code
// instead of being copied here.
func realSettings(t *testing.T) map[string]bool {
	t.Helper()
	names := map[string]bool{}
	for _, dir := range []string{"cmd/parley", "internal/config"} {
		files, err := filepath.Glob(filepath.Join(root, dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			if strings.HasSuffix(f, "_test.go") {
				continue
			}
			for _, n := range settingName.FindAllString(readFile(t, f), -1) {
				names[n] = true
			}
		}
	}
	for _, line := range strings.Split(readFile(t, filepath.Join(root, "README.md")), "\n") {
		if strings.HasPrefix(line, "|") {
			for _, n := range settingName.FindAllString(line, -1) {
				names[n] = true
			}
		}
	}
	for _, must := range []string{"PARLEY_LISTEN", "PARLEY_DATA"} {
		if !names[must] {
			t.Fatalf("%s not found in cmd/parley, internal/config or README's table: has the way settings are read changed? (found %v)",
				must, sorted(names))
		}
	}
	return names
}

// checkSettings fails for every PARLEY_* name in used that the server does
// not read.
func checkSettings(t *testing.T, where string, used []string) {
	t.Helper()
	real := realSettings(t)
	for _, n := range used {
		if real[n] {
			if _, ok := pendingSettings[n]; ok {
				t.Logf("%s is now a real setting: remove it from pendingSettings", n)
			}
			continue
		}
		if _, ok := pendingSettings[n]; ok {
			continue
		}
		t.Errorf("%s sets %s, which is not a Parley setting (known: %v)", where, n, sorted(real))
	}
}

func TestDockerfile(t *testing.T) {
	res, err := parser.Parse(strings.NewReader(readFile(t, filepath.Join(root, "Dockerfile"))))
	if err != nil {
		t.Fatal(err)
	}
	type stage struct {
		image, name string
		nodes       []*parser.Node
	}
	var stages []*stage
	for _, n := range res.AST.Children {
		if strings.EqualFold(n.Value, "from") {
			args := words(n)
			st := &stage{image: args[0]}
			if len(args) == 3 && strings.EqualFold(args[1], "as") {
				st.name = args[2]
			}
			stages = append(stages, st)
			continue
		}
		if len(stages) == 0 {
			continue // ARG before the first FROM
		}
		cur := stages[len(stages)-1]
		cur.nodes = append(cur.nodes, n)
	}
	if len(stages) < 2 {
		t.Fatalf("want a multi-stage build (a Go build stage, a minimal final stage), got %d stage(s)", len(stages))
	}
	names := map[string]bool{}
	for _, st := range stages {
		if !names[st.image] {
			checkImageTag(t, "Dockerfile FROM", st.image)
		}
		names[st.name] = true
	}
	if build := stages[0].image; !strings.HasPrefix(build, "golang:1.26") {
		t.Errorf("build stage: want golang:1.26 (go.mod's toolchain), got %s", build)
	}

	// The binary: static, reproducible paths, stripped.
	var goBuild string
	for _, n := range stages[0].nodes {
		if strings.EqualFold(n.Value, "run") && strings.Contains(n.Original, "./cmd/parley") {
			goBuild = n.Original
		}
	}
	if goBuild == "" {
		t.Fatal("build stage: no RUN builds ./cmd/parley")
	}
	for _, want := range []string{"CGO_ENABLED=0", "go build", "-trimpath", `-ldflags "-s -w`, "-X main.version="} {
		if !strings.Contains(goBuild, want) {
			t.Errorf("build stage: the go build of ./cmd/parley lacks %q: %s", want, goBuild)
		}
	}

	final := stages[len(stages)-1]
	if !strings.HasPrefix(final.image, "gcr.io/distroless/static") && final.image != "scratch" {
		t.Errorf("final stage: want distroless static or scratch (the binary needs no libc), got %s", final.image)
	}
	var user string
	var healthcheck, volumes, exposed, copied []string
	env := map[string]string{}
	for _, n := range final.nodes {
		args := words(n)
		switch strings.ToLower(n.Value) {
		case "user":
			user = args[0]
		case "healthcheck":
			healthcheck = args
		case "volume":
			volumes = append(volumes, args...)
		case "expose":
			exposed = append(exposed, args...)
		case "env":
			for i := 0; i+1 < len(args); i += 3 { // name, value, separator
				env[args[i]] = args[i+1]
			}
		case "copy":
			copied = append(copied, args[len(args)-1])
		}
	}
	switch u, _, _ := strings.Cut(user, ":"); u {
	case "":
		t.Error("final stage: no USER: the server would run as root")
	case "root", "0":
		t.Errorf("final stage: USER %s is root", user)
	}
	// Exec form only: CMD-SHELL needs /bin/sh, which distroless lacks.
	if len(healthcheck) < 2 || healthcheck[0] != "CMD" || healthcheck[1] != "/healthcheck" || !slices.Contains(copied, "/healthcheck") {
		t.Errorf(`final stage: want HEALTHCHECK CMD ["/healthcheck"], with /healthcheck copied into the image (no shell or curl on distroless), got %q`, healthcheck)
	}
	if !slices.Contains(volumes, "/data") {
		t.Errorf("final stage: want VOLUME /data, got %v", volumes)
	}
	if !slices.Contains(exposed, "8080") {
		t.Errorf("final stage: want EXPOSE 8080, got %v", exposed)
	}
	if env["PARLEY_DATA"] != "/data" || env["PARLEY_LISTEN"] != "0.0.0.0:8080" {
		t.Errorf("final stage: want ENV PARLEY_DATA=/data PARLEY_LISTEN=0.0.0.0:8080, got %v", env)
	}
	checkSettings(t, "Dockerfile", keys(env))
}

// words returns an instruction's arguments.
func words(n *parser.Node) []string {
	var out []string
	for a := n.Next; a != nil; a = a.Next {
		out = append(out, a.Value)
	}
	return out
}

// checkImageTag refuses an image without a pinned tag or digest: latest, or
// none, changes under a deployment without a change in the repository.
func checkImageTag(t *testing.T, where, image string) {
	t.Helper()
	if image == "scratch" || strings.Contains(image, "@sha256:") {
		return
	}
	name := image[strings.LastIndex(image, "/")+1:]
	_, tag, ok := strings.Cut(name, ":")
	if !ok || tag == "" || tag == "latest" || strings.Contains(tag, "$") {
		t.Errorf("%s: image %s: pin a version tag (not latest, not a variable)", where, image)
	}
}

type composeFile struct {
	Services map[string]composeService
	Volumes  map[string]any
}

type composeService struct {
	Image       string
	Build       any
	Command     any
	Environment any // a map or a list of NAME=value
	Volumes     []string
	DependsOn   map[string]struct{ Condition string } `yaml:"depends_on"`
	Healthcheck *struct{ Test []string }
}

func (s composeService) env() map[string]string {
	out := map[string]string{}
	switch e := s.Environment.(type) {
	case map[string]any:
		for k, v := range e {
			out[k], _ = v.(string)
		}
	case []any:
		for _, kv := range e {
			k, v, _ := strings.Cut(kv.(string), "=")
			out[k] = v
		}
	}
	return out
}

func TestCompose(t *testing.T) {
	var c composeFile
	if err := yaml.Unmarshal([]byte(readFile(t, "compose.yaml")), &c); err != nil {
		t.Fatal(err)
	}
	var parley []string
	for name, s := range c.Services {
		if s.Image != "" && s.Image != "parley:local" {
			checkImageTag(t, "compose service "+name, s.Image)
		}
		if s.Healthcheck == nil || len(s.Healthcheck.Test) == 0 {
			t.Errorf("service %s: no healthcheck: depends_on conditions cannot wait for it", name)
		}
		if s.Build != nil {
			parley = append(parley, name)
		}
	}
	slices.Sort(parley)
	if len(parley) != 3 {
		t.Fatalf("want three Parley nodes (services built from the Dockerfile), got %v", parley)
	}

	pg, ok := c.Services["postgres"]
	if !ok || !strings.HasPrefix(pg.Image, "postgres:16") {
		t.Errorf("want a postgres service on PostgreSQL 16, got %q", pg.Image)
	}
	nats, ok := c.Services["nats"]
	if !ok || !strings.HasPrefix(nats.Image, "nats:") {
		t.Errorf("want a nats service on the official nats image, got %q", nats.Image)
	}
	if cmd, _ := yaml.Marshal(nats.Command); bytes.Contains(cmd, []byte("-js")) || bytes.Contains(cmd, []byte("jetstream")) {
		t.Errorf("nats: JetStream must stay off, command is %s", cmd)
	}

	for _, name := range parley {
		s := c.Services[name]
		env := s.env()
		want := map[string]string{"PARLEY_STORE": "postgres", "PARLEY_NATS_URL": "nats://nats:4222", "PARLEY_LISTEN": "0.0.0.0:8080"}
		for k, v := range want {
			if env[k] != v {
				t.Errorf("service %s: want %s=%s, got %q", name, k, v, env[k])
			}
		}
		if !strings.Contains(env["PARLEY_POSTGRES_DSN"], "@postgres:5432/") {
			t.Errorf("service %s: PARLEY_POSTGRES_DSN must point at the postgres service, got %q", name, env["PARLEY_POSTGRES_DSN"])
		}
		// One app for the whole cluster: every node must verify the same
		// UserSigs.
		for _, k := range []string{"PARLEY_SDKAPPID", "PARLEY_SECRET_KEY"} {
			if env[k] == "" || env[k] != c.Services[parley[0]].env()[k] {
				t.Errorf("service %s: %s must be set, the same on every node, got %q", name, k, env[k])
			}
		}
		for _, dep := range []string{"postgres", "nats"} {
			if s.DependsOn[dep].Condition != "service_healthy" {
				t.Errorf("service %s: want depends_on %s with condition service_healthy", name, dep)
			}
		}
		checkSettings(t, "compose service "+name, keys(env))
	}

	lb, ok := c.Services["lb"]
	if !ok {
		t.Fatal("want a load balancer service lb")
	}
	for _, name := range parley {
		if lb.DependsOn[name].Condition != "service_healthy" {
			t.Errorf("lb: want depends_on %s with condition service_healthy", name)
		}
	}
	switch {
	case strings.HasPrefix(lb.Image, "nginx:"):
		checkNginx(t, lb, parley)
	default:
		t.Errorf("lb: the checks know nginx; got image %q", lb.Image)
	}
}

// checkNginx checks the load balancer's config: mounted from deploy/, every
// node an upstream, and the WebSocket upgrade passed on for /v1/ws (without
// it the gateway sees a plain GET and the client never connects).
func checkNginx(t *testing.T, lb composeService, nodes []string) {
	t.Helper()
	var conf string
	for _, v := range lb.Volumes {
		src, dst, _ := strings.Cut(v, ":")
		if strings.HasPrefix(dst, "/etc/nginx/") {
			conf = readFile(t, src)
		}
	}
	if conf == "" {
		t.Fatal("lb: no nginx config mounted from deploy/")
	}
	for _, n := range nodes {
		if !strings.Contains(conf, "server "+n+":8080") {
			t.Errorf("nginx.conf: node %s is not an upstream", n)
		}
	}
	_, ws, ok := strings.Cut(conf, "location /v1/ws")
	ws, _, _ = strings.Cut(ws, "}")
	if !ok {
		t.Fatal("nginx.conf: no location /v1/ws")
	}
	for _, want := range []string{"proxy_http_version 1.1", "proxy_set_header Upgrade $http_upgrade", "proxy_set_header Connection $connection_upgrade"} {
		if !strings.Contains(ws, want) {
			t.Errorf("nginx.conf: location /v1/ws lacks %q", want)
		}
	}
}

func TestSystemdUnit(t *testing.T) {
	unit := parseUnit(t, readFile(t, "parley.service"))
	svc := unit["Service"]
	want := map[string]string{
		"StateDirectory":          "parley",
		"ProtectSystem":           "strict",
		"ProtectHome":             "yes",
		"PrivateTmp":              "yes",
		"NoNewPrivileges":         "yes",
		"RestrictAddressFamilies": "AF_INET AF_INET6 AF_UNIX",
		"MemoryDenyWriteExecute":  "yes",
		"LockPersonality":         "yes",
		"Restart":                 "on-failure",
		"LimitNOFILE":             "1048576",
		"EnvironmentFile":         "-/etc/parley/parley.env",
		"ExecStart":               "/usr/local/bin/parley serve --data /var/lib/parley",
	}
	for k, v := range want {
		if got := svc[k]; !slices.Contains(got, v) {
			t.Errorf("[Service] %s: want %q, got %q", k, v, got)
		}
	}
	if !slices.Contains(svc["DynamicUser"], "yes") && !slices.Contains(svc["User"], "parley") {
		t.Error("[Service]: want DynamicUser=yes or User=parley")
	}
	if !slices.Contains(svc["SystemCallFilter"], "@system-service") {
		t.Errorf("[Service] SystemCallFilter: want @system-service, got %q", svc["SystemCallFilter"])
	}
	// Parley needs no capability; binding below 1024 is the only reason
	// for one.
	for _, k := range []string{"CapabilityBoundingSet", "AmbientCapabilities"} {
		got, ok := svc[k]
		if !ok {
			t.Errorf("[Service] %s: want it set (empty: no capabilities)", k)
		}
		for _, v := range got {
			if v != "" && v != "CAP_NET_BIND_SERVICE" {
				t.Errorf("[Service] %s=%s: only CAP_NET_BIND_SERVICE may be kept", k, v)
			}
		}
	}
	if len(unit["Install"]["WantedBy"]) == 0 {
		t.Error("[Install]: no WantedBy: systemctl enable would do nothing")
	}

	// systemd's own check, where systemd is installed: unknown keys and bad
	// values are only warnings at boot.
	sa, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Log("systemd-analyze not installed: the unit's syntax is not verified by systemd")
		return
	}
	// verify also checks that ExecStart exists; the test build has no
	// /usr/local/bin/parley.
	body := strings.Replace(readFile(t, "parley.service"), "ExecStart=/usr/local/bin/parley", "ExecStart=/bin/true", 1)
	path := filepath.Join(t.TempDir(), "parley.service")
	if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(sa, "--man=no", "--generators=no", "verify", path).CombinedOutput()
	if err != nil || len(bytes.TrimSpace(out)) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// parseUnit reads a systemd unit: section → key → values in order (a key
// may repeat; an empty assignment is kept as "").
func parseUnit(t *testing.T, text string) map[string]map[string][]string {
	t.Helper()
	out := map[string]map[string][]string{}
	var section string
	sc := bufio.NewScanner(strings.NewReader(text))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#") || strings.HasPrefix(line, ";"):
		case strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]"):
			section = line[1 : len(line)-1]
			out[section] = map[string][]string{}
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("parley.service: not a key=value line in a section: %q", line)
			}
			k = strings.TrimSpace(k)
			out[section][k] = append(out[section][k], strings.TrimSpace(v))
		}
	}
	return out
}

func TestEnvExample(t *testing.T) {
	var used []string
	for _, line := range strings.Split(readFile(t, "parley.env.example"), "\n") {
		// Commented-out assignments are settings too: uncommenting one
		// must not set a name the server ignores.
		line = strings.TrimLeft(strings.TrimSpace(line), "#")
		if k, _, ok := strings.Cut(line, "="); ok && settingName.MatchString(k) && !strings.Contains(k, " ") {
			used = append(used, k)
		}
	}
	if len(used) == 0 {
		t.Fatal("parley.env.example sets nothing")
	}
	checkSettings(t, "parley.env.example", used)
}

// TestStaticBinaries builds what the image ships with the Dockerfile's flags
// and checks both programs are static: distroless/static has no dynamic
// loader or libc, and a binary that needs one fails there with a bare "no
// such file or directory".
func TestStaticBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the server binary")
	}
	dir := t.TempDir()
	for _, pkg := range []string{"./cmd/parley", "./deploy/healthcheck"} {
		out := filepath.Join(dir, filepath.Base(pkg))
		cmd := exec.Command("go", "build", "-trimpath", "-ldflags", "-s -w", "-o", out, pkg)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux")
		if b, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", pkg, err, b)
		}
		f, err := elf.Open(out)
		if err != nil {
			t.Fatalf("%s: %v", pkg, err)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				t.Errorf("%s: has a PT_INTERP program header: dynamically linked", pkg)
			}
		}
		if libs, _ := f.ImportedLibraries(); len(libs) > 0 {
			t.Errorf("%s: needs shared libraries %v", pkg, libs)
		}
		f.Close()
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func sorted(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
