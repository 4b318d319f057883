// Package e2e runs the real parley binary as a separate process, the way an
// operator does, for what only a process can show: restart and kill -9
// durability, configuration from files and environment.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/usersig"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// binary builds cmd/parley once per test run, or returns
// PARLEY_E2E_BINARY when set (to run the process tests against another
// build).
func binary(t *testing.T) string {
	t.Helper()
	if b := os.Getenv("PARLEY_E2E_BINARY"); b != "" {
		return b
	}
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "parley-e2e")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "parley")
		out, err := exec.Command("go", "build", "-o", binPath, "../cmd/parley").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// syncBuffer is a bytes.Buffer the process's output copier and the test
// can use at the same time.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running parley process.
type proc struct {
	t      *testing.T
	cmd    *exec.Cmd
	addr   string
	stdout *syncBuffer
	stderr *syncBuffer
}

// start runs `parley serve` with extra args and env and waits for /healthz.
func start(t *testing.T, addr string, env []string, args ...string) *proc {
	t.Helper()
	cmd := exec.Command(binary(t), append([]string{"serve", "--listen", addr}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	p := &proc{t: t, cmd: cmd, addr: addr, stdout: &syncBuffer{}, stderr: &syncBuffer{}}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := http.Get("http://" + addr + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("parley did not become healthy\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
	return nil
}

// kill sends SIGKILL: no shutdown hook, no flush, like a crash.
func (p *proc) kill() {
	if p.cmd.Process != nil && p.cmd.ProcessState == nil {
		p.cmd.Process.Kill()
		p.cmd.Wait()
	}
}

// client calls the REST API as one app's admin.
type client struct {
	t       *testing.T
	base    string
	appID   uint64
	query   string
	httpCli *http.Client
}

func newClient(t *testing.T, addr string, appID uint64, key, admin string) *client {
	sig, err := usersig.Generate(appID, key, admin, 3600, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	q := url.Values{"sdkappid": {fmt.Sprint(appID)}, "identifier": {admin}, "usersig": {sig}, "random": {"7"}, "contenttype": {"json"}}
	return &client{t: t, base: "http://" + addr, appID: appID, query: q.Encode(),
		httpCli: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: 30 * time.Second}}
}

// call returns the decoded response, or an error when the request did not
// get an answer (the server was killed under it).
func (c *client) call(api string, body any) (map[string]any, error) {
	b, _ := json.Marshal(body)
	resp, err := c.httpCli.Post(c.base+"/v4/"+api+"?"+c.query, "application/json", bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("%s: %v: %s", api, err, raw)
	}
	return out, nil
}

func (c *client) mustOK(api string, body any) map[string]any {
	c.t.Helper()
	out, err := c.call(api, body)
	if err != nil {
		c.t.Fatal(err)
	}
	if out["ActionStatus"] != "OK" || out["ErrorCode"].(float64) != 0 {
		c.t.Fatalf("%s: %v", api, out)
	}
	return out
}

const (
	appA = 1400000101
	keyA = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	appB = 1400000102
	keyB = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

// appEnv declares app A (admin "admin", no REST rate limits) for a process,
// on the store the run selects, with extra settings after.
func appEnv(t *testing.T, extra ...string) []string {
	env := []string{fmt.Sprint("PARLEY_SDKAPPID=", appA), "PARLEY_SECRET_KEY=" + keyA, "PARLEY_ADMIN=admin", "PARLEY_RATE_LIMIT=0"}
	return append(append(env, extra...), storeEnv(t)...)
}

// runUsers suffixes names with this run's number: on PostgreSQL the process
// tests share one database, so each run needs users of its own.
func runUsers(names ...string) []string {
	run := fmt.Sprint(time.Now().UnixNano() % 1_000_000)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = n + run
	}
	return out
}

func storeEnv(t *testing.T) []string {
	if os.Getenv("PARLEY_E2E_STORE") != "postgres" {
		return nil
	}
	dsn := os.Getenv("PARLEY_E2E_POSTGRES_DSN")
	if dsn == "" {
		t.Fatal("PARLEY_E2E_STORE=postgres needs PARLEY_E2E_POSTGRES_DSN")
	}
	return []string{"PARLEY_STORE=postgres", "PARLEY_POSTGRES_DSN=" + dsn}
}

// TestKillNineKeepsAcknowledgedWrites issues concurrent writes, kills the
// server with SIGKILL while writes are still in flight, restarts it on the
// same data, and requires every write that was acknowledged to be there.
func TestKillNineKeepsAcknowledgedWrites(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	env := appEnv(t)
	p := start(t, addr, env, "--data", data)
	c := newClient(t, addr, appA, keyA, "admin")
	run := fmt.Sprint(time.Now().UnixNano() % 1_000_000)
	owner := "owner" + run
	c.mustOK("im_open_login_svc/account_import", map[string]any{"UserID": owner})

	const writers, perWriter = 16, 400
	var mu sync.Mutex
	var ackedUsers, ackedFriends []string
	var wg sync.WaitGroup
	killAfter := make(chan struct{})
	var once sync.Once
	for w := 0; w < writers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; i < perWriter; i++ {
				user := fmt.Sprintf("u%s_%d_%d", run, w, i)
				out, err := c.call("im_open_login_svc/account_import", map[string]any{"UserID": user, "Nick": "n" + user})
				if err != nil {
					return // the server is gone
				}
				if out["ErrorCode"].(float64) == 0 {
					mu.Lock()
					ackedUsers = append(ackedUsers, user)
					mu.Unlock()
				}
				out, err = c.call("sns/friend_import", map[string]any{"From_Account": owner,
					"AddFriendItem": []map[string]any{{"To_Account": user, "AddSource": "AddSource_Type_e2e"}}})
				if err != nil {
					return
				}
				if items, _ := out["ResultItem"].([]any); len(items) == 1 && items[0].(map[string]any)["ResultCode"].(float64) == 0 {
					mu.Lock()
					ackedFriends = append(ackedFriends, user)
					n := len(ackedFriends)
					mu.Unlock()
					if n >= writers*perWriter/4 {
						once.Do(func() { close(killAfter) })
					}
				}
			}
		}(w)
	}
	writersDone := make(chan struct{})
	go func() { wg.Wait(); close(writersDone) }()
	select {
	case <-killAfter:
	case <-writersDone:
		t.Fatal("every writer finished before the kill: the burst was too small to kill mid-way")
	}
	p.kill() // mid-burst: other writers are still sending
	<-writersDone

	mu.Lock()
	users, friends := append([]string(nil), ackedUsers...), append([]string(nil), ackedFriends...)
	mu.Unlock()
	if len(users) < writers*perWriter/4 {
		t.Fatalf("only %d writes were acknowledged before the kill", len(users))
	}

	start(t, addr, env, "--data", data)
	c2 := newClient(t, addr, appA, keyA, "admin")
	for i := 0; i < len(users); i += 100 {
		batch := users[i:min(i+100, len(users))]
		items := make([]map[string]string, len(batch))
		for j, u := range batch {
			items[j] = map[string]string{"UserID": u}
		}
		out := c2.mustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": items})
		for _, it := range out["ResultItem"].([]any) {
			m := it.(map[string]any)
			if m["AccountStatus"] != "Imported" {
				t.Fatalf("acknowledged account %v lost after kill -9", m["UserID"])
			}
		}
	}
	for i := 0; i < len(friends); i += 1000 {
		batch := friends[i:min(i+1000, len(friends))]
		out := c2.mustOK("sns/friend_check", map[string]any{"From_Account": owner, "To_Account": batch, "CheckType": "CheckResult_Type_Single"})
		for _, it := range out["InfoItem"].([]any) {
			m := it.(map[string]any)
			if m["Relation"] != "CheckResult_Type_AWithB" {
				t.Fatalf("acknowledged friend %v lost after kill -9: %v", m["To_Account"], m["Relation"])
			}
		}
	}
	out := c2.mustOK("profile/portrait_get", map[string]any{"To_Account": users[:1], "TagList": []string{"Tag_Profile_IM_Nick"}})
	got := out["UserProfileItem"].([]any)[0].(map[string]any)["ProfileItem"].([]any)[0].(map[string]any)["Value"]
	if got != "n"+users[0] {
		t.Fatalf("nick after restart = %v", got)
	}
	t.Logf("%d accounts and %d friends acknowledged before SIGKILL, all present after restart", len(users), len(friends))
}

// TestConfigFileAppsAreIsolated serves two apps from a TOML file: the same
// UserIDs in both never see each other's data, and each app's admin
// UserSig only works for its own app.
func TestConfigFileAppsAreIsolated(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	dir := t.TempDir()
	cfg := fmt.Sprintf(`
data_dir = %q
[[apps]]
sdkappid = %d
secret_key = %q
admins = ["adminA"]
max_friends = 2
[[apps]]
sdkappid = %d
secret_key = %q
admins = ["adminB"]
`, dir, appA, keyA, appB, keyB)
	path := filepath.Join(dir, "parley.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	addr := freeAddr(t)
	start(t, addr, storeEnv(t), "--config", path)
	a := newClient(t, addr, appA, keyA, "adminA")
	b := newClient(t, addr, appB, keyB, "adminB")
	suffix := fmt.Sprint(time.Now().UnixNano() % 1_000_000)
	x, y, z := "x"+suffix, "y"+suffix, "z"+suffix
	for _, c := range []*client{a, b} {
		c.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{x, y, z}})
	}
	a.mustOK("profile/portrait_set", map[string]any{"From_Account": x, "ProfileItem": []map[string]any{{"Tag": "Tag_Profile_IM_Nick", "Value": "in A"}}})
	a.mustOK("sns/friend_import", map[string]any{"From_Account": x, "AddFriendItem": []map[string]any{
		{"To_Account": y, "AddSource": "AddSource_Type_t"}, {"To_Account": z, "AddSource": "AddSource_Type_t"}}})

	out := b.mustOK("sns/friend_check", map[string]any{"From_Account": x, "To_Account": []string{y, z}, "CheckType": "CheckResult_Type_Both"})
	for _, it := range out["InfoItem"].([]any) {
		if rel := it.(map[string]any)["Relation"]; rel != "CheckResult_Type_NoRelation" {
			t.Fatalf("app B sees app A's friendship: %v", rel)
		}
	}
	out = b.mustOK("profile/portrait_get", map[string]any{"To_Account": []string{x}, "TagList": []string{"Tag_Profile_IM_Nick"}})
	if v := out["UserProfileItem"].([]any)[0].(map[string]any)["ProfileItem"].([]any)[0].(map[string]any)["Value"]; v != "" {
		t.Fatalf("app B sees app A's nick %q", v)
	}
	// max_friends = 2 applies to app A only.
	out = a.mustOK("sns/friend_import", map[string]any{"From_Account": y, "AddFriendItem": []map[string]any{
		{"To_Account": x, "AddSource": "AddSource_Type_t"}, {"To_Account": z, "AddSource": "AddSource_Type_t"}}})
	if strings.Contains(fmt.Sprint(out["Fail_Account"]), x) {
		t.Fatalf("unexpected failure: %v", out)
	}
	out = a.mustOK("sns/friend_import", map[string]any{"From_Account": x, "AddFriendItem": []map[string]any{{"To_Account": "adminA", "AddSource": "AddSource_Type_t"}}})
	if code := out["ResultItem"].([]any)[0].(map[string]any)["ResultCode"].(float64); code != 30010 {
		t.Fatalf("friend cap of app A: got %v, want 30010", code)
	}
	// An admin UserSig of app A does not open app B.
	wrong := &client{t: t, base: a.base, httpCli: a.httpCli, query: strings.Replace(a.query, fmt.Sprint(appA), fmt.Sprint(appB), 1)}
	out, err := wrong.call("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": x}}})
	if err != nil {
		t.Fatal(err)
	}
	if out["ErrorCode"].(float64) != 70014 {
		t.Fatalf("cross-app UserSig: got %v, want 70014", out["ErrorCode"])
	}
}

// TestFirstStartCreatesDefaultApp checks the zero-configuration start: a
// default app is created, printed with a working admin UserSig and curl
// line, and kept across restarts.
func TestFirstStartCreatesDefaultApp(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	data := t.TempDir()
	addr := freeAddr(t)
	p := start(t, addr, nil, "--data", data)
	deadline := time.Now().Add(5 * time.Second)
	for !strings.Contains(p.stdout.String(), "curl") && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	banner := p.stdout.String()
	var appID uint64
	var key string
	for _, line := range strings.Split(banner, "\n") {
		line = strings.TrimSpace(line)
		if v, ok := strings.CutPrefix(line, "SDKAppID:"); ok {
			fmt.Sscan(strings.TrimSpace(v), &appID)
		}
		if v, ok := strings.CutPrefix(line, "Secret key:"); ok {
			key = strings.TrimSpace(v)
		}
	}
	if appID == 0 || key == "" || !strings.Contains(banner, "Created a default app") {
		t.Fatalf("banner lacks the app:\n%s", banner)
	}
	var curl string
	for _, line := range strings.Split(banner, "\n") {
		if strings.Contains(line, "curl ") {
			curl = strings.TrimSpace(line)
		}
	}
	cmd := exec.CommandContext(context.Background(), "sh", "-c", curl)
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), `"ActionStatus":"OK"`) {
		t.Fatalf("the printed curl line does not work: %v\n%s\n%s", err, curl, out)
	}
	p.kill()
	p2 := start(t, addr, nil, "--data", data)
	for !strings.Contains(p2.stdout.String(), "curl") && time.Now().Before(deadline.Add(5*time.Second)) {
		time.Sleep(20 * time.Millisecond)
	}
	if !strings.Contains(p2.stdout.String(), fmt.Sprint(appID)) || !strings.Contains(p2.stdout.String(), "Using the default app") {
		t.Fatalf("restart did not keep the default app:\n%s", p2.stdout)
	}
	c := newClient(t, addr, appID, key, "administrator")
	out2 := c.mustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "alice"}}})
	if out2["ResultItem"].([]any)[0].(map[string]any)["AccountStatus"] != "Imported" {
		t.Fatalf("alice imported by the curl line is gone after restart: %v", out2)
	}
}
