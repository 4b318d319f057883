package restapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

// postFrom is post with an X-Forwarded-For header (none when empty).
func (n *ridNode) postFrom(t *testing.T, api, forwardedFor, body string) (string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest("POST", n.url+"/v4/"+api+"?"+n.query, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", forwardedFor)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	d := json.NewDecoder(&buf)
	d.UseNumber()
	if err := d.Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp.Header.Get("X-Request-Id"), out
}

// callLines returns the "rest call" records, by request ID.
func (n *ridNode) callLines(t *testing.T) map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, r := range n.log.Records() {
		if r["msg"] == "rest call" {
			out[r["request_id"].(string)] = r
		}
	}
	return out
}

func sample(p float64) server.Options { return server.Options{RequestLogSample: &p} }

// By default (server.Options{}) every REST call gets one info line with the
// app, the API, the code, the duration, the peer address, the proxy's
// first X-Forwarded-For entry when there is one, and the request ID; a
// failure also has its ErrorInfo.
func TestEveryRESTCallIsLoggedByDefault(t *testing.T) {
	n := ridStart(t, server.Options{})
	okID, _ := n.postFrom(t, "im_open_login_svc/account_check", "203.0.113.7, 10.0.0.1", `{"CheckItem":[{"UserID":"a"}]}`)
	badID, bad := n.postFrom(t, "sns/friend_get", "", `not json`)
	unknownID, _ := n.postFrom(t, "no_such/command", "", `{}`)
	lines := n.callLines(t)
	if len(lines) != 3 {
		t.Fatalf("%d rest call lines, want 3: %v", len(lines), lines)
	}
	ok := lines[okID]
	if ok["level"] != "INFO" || ok["sdkappid"] != float64(resttest.SDKAppID) || ok["api"] != "im_open_login_svc/account_check" ||
		ok["code"] != 0.0 || !strings.HasPrefix(ok["client"].(string), "127.0.0.1:") || ok["forwarded_for"] != "203.0.113.7" {
		t.Fatalf("successful call's line: %v", ok)
	}
	if d, isNum := ok["duration_ms"].(float64); !isNum || d < 0 {
		t.Fatalf("duration_ms %v", ok["duration_ms"])
	}
	if _, has := ok["info"]; has {
		t.Fatalf("a successful call's line has info: %v", ok)
	}
	failed := lines[badID]
	if failed["code"] != float64(errcode.JSONParse) || failed["info"] != bad["ErrorInfo"] || failed["api"] != "sns/friend_get" {
		t.Fatalf("failed call's line: %v", failed)
	}
	if _, has := failed["forwarded_for"]; has {
		t.Fatalf("forwarded_for without the header: %v", failed)
	}
	if u := lines[unknownID]; u["api"] != "unknown" || u["code"] != float64(errcode.BadResource) {
		t.Fatalf("unknown API's line: %v", u)
	}
}

// A sample of 0 logs no call; between 0 and 1 about that share of
// successful calls, and every failed one.
func TestRESTCallLogSampling(t *testing.T) {
	off := ridStart(t, sample(0))
	off.postFrom(t, "im_open_login_svc/account_check", "", `{"CheckItem":[{"UserID":"a"}]}`)
	off.postFrom(t, "sns/friend_get", "", `not json`)
	if lines := off.callLines(t); len(lines) != 0 {
		t.Fatalf("sample 0 logged %d calls", len(lines))
	}

	half := ridStart(t, sample(0.5))
	const calls = 200
	var failedIDs []string
	for range calls {
		half.postFrom(t, "im_open_login_svc/account_check", "", `{"CheckItem":[{"UserID":"a"}]}`)
	}
	for range 20 {
		id, _ := half.postFrom(t, "sns/friend_get", "", `not json`)
		failedIDs = append(failedIDs, id)
	}
	lines := half.callLines(t)
	for _, id := range failedIDs {
		if lines[id] == nil {
			t.Fatalf("failed call %s not logged at sample 0.5", id)
		}
	}
	// Binomial(200, 0.5): outside 60..140 has a probability below 1e-8.
	if ok := len(lines) - len(failedIDs); ok < 60 || ok > 140 {
		t.Fatalf("sample 0.5 logged %d of %d successful calls", ok, calls)
	}
}
