package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/usersig"
)

// ridNode is a node like resttest's whose debug-level JSON log the test
// reads, and its store so the test can break it.
type ridNode struct {
	url, query string
	log        *resttest.LogSink
	close      func()
}

func ridStart(t *testing.T, opts server.Options) *ridNode {
	t.Helper()
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(t.TempDir(), "parley.db"))
	if err != nil {
		t.Fatal(err)
	}
	a := app.New(resttest.SDKAppID, resttest.Key, resttest.Admin)
	a.RateLimits = map[string]float64{}
	l := &resttest.LogSink{}
	logger := slog.New(slog.NewJSONHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
	node, err := server.New(ctx, st, []*app.App{a}, logger, opts)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(node.Handler)
	var once sync.Once
	closeStore := func() { once.Do(func() { st.Close() }) }
	t.Cleanup(func() { hs.Close(); closeStore() })
	sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, resttest.Admin, 3600, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	q := fmt.Sprintf("sdkappid=%d&identifier=%s&usersig=%s&random=1&contenttype=json", resttest.SDKAppID, resttest.Admin, sig)
	return &ridNode{url: hs.URL, query: q, log: l, close: closeStore}
}

// post sends body to api with the given X-Request-Id (none when empty) and
// returns the response's X-Request-Id and decoded envelope.
func (n *ridNode) post(t *testing.T, api, clientID, body string) (string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", n.url+"/v4/"+api+"?"+n.query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if clientID != "" {
		req.Header.Set("X-Request-Id", clientID)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	if resp.StatusCode != 200 || d.Decode(&out) != nil {
		t.Fatalf("%s: HTTP %d %s", api, resp.StatusCode, raw)
	}
	return resp.Header.Get("X-Request-Id"), out
}

var ridHex = regexp.MustCompile(`^[0-9a-f]{16}$`)

// Every REST response names its request: a fresh ID, or the client's own
// when it is a sane token; a client ID that could forge a log line or is
// too long is replaced.
func TestRequestIDOnEveryResponse(t *testing.T) {
	n := ridStart(t, server.Options{})
	seen := map[string]bool{}
	for _, api := range []string{"im_open_login_svc/account_check", "no_such/command", "sns/friend_get"} {
		id, out := n.post(t, api, "", `{"CheckItem":[{"UserID":"a"}]}`)
		if !ridHex.MatchString(id) || seen[id] {
			t.Fatalf("%s: X-Request-Id %q (%v): want a new 16-hex-digit ID", api, id, out)
		}
		seen[id] = true
	}
	for _, keep := range []string{"req-42", "abc_DEF.1:2/3", strings.Repeat("x", 64)} {
		if id, _ := n.post(t, "im_open_login_svc/account_check", keep, `{}`); id != keep {
			t.Fatalf("client ID %q answered as %q", keep, id)
		}
	}
	for _, replace := range []string{strings.Repeat("x", 65), "two words", "tab\there", "é"} {
		if id, _ := n.post(t, "im_open_login_svc/account_check", replace, `{}`); !ridHex.MatchString(id) {
			t.Fatalf("client ID %q answered as %q, want a fresh ID", replace, id)
		}
	}
}

// An internal error keeps its service's code, tells the client the request
// ID, and is logged at error level with what an operator needs to find it.
func TestInternalErrorNamesRequestID(t *testing.T) {
	n := ridStart(t, server.Options{})
	n.close() // every store call now fails with an error that is not the client's
	for _, tc := range []struct {
		api, body string
		code      int
	}{
		{"im_open_login_svc/account_import", `{"UserID":"alice"}`, errcode.AccountInternal},
		{"sns/friend_import", `{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","AddSource":"AddSource_Type_x"}]}`, errcode.SNSInternal},
	} {
		id, out := n.post(t, tc.api, "trace-"+tc.api[:3], tc.body)
		if resttest.Code(out) != tc.code || out["ActionStatus"] != "FAIL" {
			t.Fatalf("%s: %v, want FAIL %d", tc.api, out, tc.code)
		}
		if info, _ := out["ErrorInfo"].(string); info != "Err_Internal_Server_Error (request id "+id+")" {
			t.Fatalf("%s: ErrorInfo %q does not name request id %q", tc.api, info, id)
		}
		// The error record, and the call's own request line (logged for
		// every call by default) with its code.
		var logged, callLine bool
		for _, r := range n.log.Records() {
			if r["request_id"] != id {
				continue
			}
			switch r["msg"] {
			case "rest call error":
				logged = r["level"] == "ERROR" && r["api"] == tc.api && r["sdkappid"] == float64(resttest.SDKAppID) &&
					r["identifier"] == resttest.Admin && r["error"] != ""
			case "rest call":
				callLine = r["code"] == float64(tc.code)
			}
		}
		if !logged || !callLine {
			t.Fatalf("%s: no error record with api, sdkappid, identifier and request_id %q (request line %v):\n%v", tc.api, id, callLine, n.log.Records())
		}
	}
}

// A call whose work outlives RequestTimeout is answered 60008 and logged
// with its request ID, not reported as an internal error.
func TestRequestTimeoutIs60008(t *testing.T) {
	n := ridStart(t, server.Options{RequestTimeout: time.Nanosecond})
	id, out := n.post(t, "im_open_login_svc/account_import", "", `{"UserID":"alice"}`)
	if resttest.Code(out) != errcode.Timeout {
		t.Fatalf("got %v, want 60008", out)
	}
	if info, _ := out["ErrorInfo"].(string); !strings.Contains(info, "Err_Request_Timeout") || !strings.Contains(info, id) {
		t.Fatalf("ErrorInfo %q", info)
	}
	for _, r := range n.log.Records() {
		if r["msg"] == "rest call timeout" && r["request_id"] == id && r["level"] == "ERROR" {
			return
		}
	}
	t.Fatalf("no timeout record for %s: %v", id, n.log.Records())
}
