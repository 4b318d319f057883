package server_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/usersig"
)

func postDevLogin(t *testing.T, s *resttest.Server, body string) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(s.URL+"/app/api/dev-login", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	raw, _ := io.ReadAll(resp.Body)
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatalf("dev-login answered %d, not JSON: %q", resp.StatusCode, raw)
	}
	return resp.StatusCode, out
}

// On, the development login signs a UserSig the node accepts for the typed
// UserID, creating the account; the login screen's config says it is on.
func TestDevLoginSignsAUserSigForATypedUserID(t *testing.T) {
	s := resttest.StartNode(t, server.Options{DevLogin: true})
	status, out := postDevLogin(t, s, `{"userID":"newcomer"}`)
	if status != 200 {
		t.Fatalf("dev-login: %d %v", status, out)
	}
	if out["SDKAppID"] != float64(resttest.SDKAppID) || out["userID"] != "newcomer" || out["expire"] != float64(server.DevLoginExpire) {
		t.Fatalf("dev-login answer %v", out)
	}
	sig, _ := out["userSig"].(string)
	if _, err := usersig.Verify(sig, resttest.SDKAppID, resttest.Key, "newcomer", time.Now()); err != nil {
		t.Fatalf("the UserSig does not verify for newcomer: %v", err)
	}
	exists, err := s.Node.Accounts.Check(t.Context(), s.App, []string{"newcomer"})
	if err != nil || !exists["newcomer"] {
		t.Fatalf("newcomer not imported: %v %v", exists, err)
	}
	resp, err := http.Get(s.URL + "/app/api/config")
	if err != nil {
		t.Fatal(err)
	}
	var cfg map[string]any
	json.NewDecoder(resp.Body).Decode(&cfg)
	resp.Body.Close()
	if cfg["SDKAppID"] != float64(resttest.SDKAppID) || cfg["devLogin"] != true {
		t.Fatalf("config %v", cfg)
	}
}

// Off (the default of a node), it refuses with Tencent's envelope and says
// how to turn it on; nothing is created.
func TestDevLoginIsRefusedWhenOff(t *testing.T) {
	s := resttest.Start(t)
	status, out := postDevLogin(t, s, `{"userID":"mallory"}`)
	if status != http.StatusForbidden || out["ErrorCode"] != float64(60010) || out["ActionStatus"] != "FAIL" ||
		!strings.Contains(out["ErrorInfo"].(string), "PARLEY_DEV_LOGIN") {
		t.Fatalf("dev-login while off: %d %v", status, out)
	}
	exists, _ := s.Node.Accounts.Check(t.Context(), s.App, []string{"mallory"})
	if exists["mallory"] {
		t.Fatal("a refused dev-login created the account")
	}
}

// Bad input gets a clear error with its code: JSON, UserID rules, admins,
// an unknown app, a body over the cap, a GET.
func TestDevLoginRefusesBadInput(t *testing.T) {
	s := resttest.StartNode(t, server.Options{DevLogin: true})
	for _, tc := range []struct {
		body   string
		status int
		code   float64
	}{
		{`{"userID":`, 400, 60003},
		{`[]`, 400, 60003},
		{`{"userID":""}`, 400, 70402},
		{`{"userID":"has space"}`, 400, 70402},
		{`{"userID":"` + strings.Repeat("x", 33) + `"}`, 400, 70402},
		{`{"userID":"` + resttest.Admin + `"}`, 403, 60010},
		{`{"userID":"ok","SDKAppID":42}`, 400, 60006},
		{`{"userID":"ok","pad":"` + strings.Repeat("p", 5000) + `"}`, 413, 60002},
	} {
		status, out := postDevLogin(t, s, tc.body)
		if status != tc.status || out["ErrorCode"] != tc.code {
			t.Errorf("%.60s: %d %v, want %d code %v", tc.body, status, out, tc.status, tc.code)
		}
	}
	resp, err := http.Get(s.URL + "/app/api/dev-login")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMethodNotAllowed {
		t.Fatalf("GET dev-login: %d, want 405", resp.StatusCode)
	}
}

// The app is mounted at /app/ (and /app redirects there) on the node's handler.
func TestWebAppIsServedAtApp(t *testing.T) {
	s := resttest.Start(t)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(s.URL + "/app")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusMovedPermanently || resp.Header.Get("Location") != "/app/" {
		t.Fatalf("/app: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	resp, err = http.Get(s.URL + "/app/")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Contains(body, []byte(`<div id="app">`)) {
		t.Fatalf("/app/: %d %q", resp.StatusCode, body)
	}
}
