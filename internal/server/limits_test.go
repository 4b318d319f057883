package server_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

const testBodyTimeout = 300 * time.Millisecond

func startLimited(t *testing.T, o server.Options) (*resttest.Server, string) {
	t.Helper()
	s := resttest.StartNode(t, o)
	return s, strings.TrimPrefix(s.URL, "http://")
}

// stalled sends head (a request whose body never completes) on a new
// connection, then reads until the server closes it. It returns the
// answer, its envelope (nil when the answer is not JSON) and how long the
// server took to close.
func stalled(t *testing.T, addr, head string) (*http.Response, map[string]any, time.Duration) {
	t.Helper()
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	start := time.Now()
	if _, err := io.WriteString(nc, head); err != nil {
		t.Fatal(err)
	}
	nc.SetReadDeadline(start.Add(10 * time.Second))
	br := bufio.NewReader(nc)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("no answer to a stalled body: %v", err)
	}
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := br.ReadByte(); err != io.EOF {
		t.Fatalf("connection not closed after the answer: %v", err)
	}
	var env map[string]any
	if json.Unmarshal(raw, &env) != nil {
		env = nil
	}
	return resp, env, time.Since(start)
}

// A body that stops coming, announced by Content-Length or chunked, is
// answered 60008 in Tencent's envelope once the body timeout has passed,
// and its connection is closed: the rest of the body cannot be told from a
// next request.
func TestStalledBodyIsAnswered60008AndClosed(t *testing.T) {
	s, addr := startLimited(t, server.Options{BodyTimeout: testBodyTimeout})
	path := "/v4/im_open_login_svc/account_import?" + s.Query().Encode()
	for name, head := range map[string]string{
		"content-length": "POST " + path + " HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"UserID\":",
		"chunked":        "POST " + path + " HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nA\r\n{\"UserID\":\r\n",
	} {
		resp, env, took := stalled(t, addr, head)
		if resp.StatusCode != 200 || env == nil || env["ActionStatus"] != "FAIL" || env["ErrorCode"] != float64(60008) {
			t.Fatalf("%s: HTTP %d %v, want a 60008 envelope", name, resp.StatusCode, env)
		}
		if !resp.Close || resp.Header.Get("X-Request-Id") == "" {
			t.Fatalf("%s: headers %v: want Connection: close and a request ID", name, resp.Header)
		}
		if took < testBodyTimeout || took > testBodyTimeout+2*time.Second {
			t.Fatalf("%s: closed after %v, want just after %v", name, took, testBodyTimeout)
		}
	}
}

// Requests refused before their body is read, and routes outside the REST
// door, are bounded too: net/http drains an unread body before answering,
// which would otherwise wait for the announced bytes forever.
func TestStalledBodyBoundedOnEveryRoute(t *testing.T) {
	s, addr := startLimited(t, server.Options{BodyTimeout: testBodyTimeout})
	q := s.Query()
	q.Set("usersig", "bad")
	for _, path := range []string{"/v4/im_open_login_svc/account_import?" + q.Encode(), "/v4/nope/nope", "/healthz", "/elsewhere"} {
		resp, _, took := stalled(t, addr, "POST "+path+" HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
		if took > testBodyTimeout+2*time.Second {
			t.Fatalf("%s: answered (HTTP %d) and closed after %v", path, resp.StatusCode, took)
		}
	}
}

// The 1 MB body cap holds for chunked bodies, which announce no length;
// a chunked body under the cap is served as any other.
func TestChunkedBodyCap(t *testing.T) {
	s, _ := startLimited(t, server.Options{})
	post := func(body io.Reader) (*http.Response, map[string]any) {
		req, err := http.NewRequest("POST", s.URL+"/v4/im_open_login_svc/account_import?"+s.Query().Encode(), body)
		if err != nil {
			t.Fatal(err)
		}
		// A body of unknown length (ContentLength 0, Body not nil) is
		// sent chunked; say so explicitly all the same.
		req.TransferEncoding = []string{"chunked"}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var env map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&env); err != nil {
			t.Fatal(err)
		}
		return resp, env
	}
	// io.MultiReader hides the length, so the client sends chunks.
	big := io.MultiReader(strings.NewReader(`{"UserID":"alice","Nick":"`), bytes.NewReader(bytes.Repeat([]byte("n"), 1<<20)), strings.NewReader(`"}`))
	resp, env := post(big)
	if env["ErrorCode"] != float64(60002) || !strings.Contains(env["ErrorInfo"].(string), "Too_Large") || !resp.Close {
		t.Fatalf("chunked body over 1 MB: %v (close %v), want 60002 and the connection closed", env, resp.Close)
	}
	_, env = post(io.MultiReader(strings.NewReader(`{"UserID":"alice",`), strings.NewReader(`"Nick":"Alice"}`)))
	if env["ErrorCode"] != float64(0) {
		t.Fatalf("small chunked body: %v", env)
	}
}

// Deadlines are per request: a keep-alive connection that served a REST
// call is still usable after that call's deadlines have passed.
func TestKeepAliveOutlivesRequestDeadlines(t *testing.T) {
	s, addr := startLimited(t, server.Options{BodyTimeout: 100 * time.Millisecond, WriteTimeout: 200 * time.Millisecond})
	nc, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	br := bufio.NewReader(nc)
	roundTrip := func(req string) int {
		t.Helper()
		if _, err := io.WriteString(nc, req); err != nil {
			t.Fatal(err)
		}
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(br, nil)
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.Close {
			t.Fatal("server closed a healthy keep-alive connection")
		}
		return resp.StatusCode
	}
	body := `{"UserID":"alice"}`
	roundTrip("POST /v4/im_open_login_svc/account_import?" + s.Query().Encode() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 18\r\n\r\n" + body)
	time.Sleep(400 * time.Millisecond)
	if code := roundTrip("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n"); code != 200 {
		t.Fatalf("healthz on the reused connection: HTTP %d", code)
	}
	time.Sleep(400 * time.Millisecond)
	if code := roundTrip("POST /v4/im_open_login_svc/account_check?" + s.Query().Encode() + " HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}"); code != 200 {
		t.Fatalf("REST on the reused connection: HTTP %d", code)
	}
}

// A WebSocket starts under the upgrade request's deadlines; the gateway
// replaces them, so a session outlives the HTTP body and write timeouts.
func TestWebSocketOutlivesHTTPDeadlines(t *testing.T) {
	s, _ := startLimited(t, server.Options{BodyTimeout: 100 * time.Millisecond, WriteTimeout: 100 * time.Millisecond})
	s.Import("alice")
	nc, _, _, err := ws.Dial(context.Background(), s.WebSocketURL())
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	call := func(frame string) map[string]any {
		t.Helper()
		if err := wsutil.WriteClientText(nc, []byte(frame)); err != nil {
			t.Fatal(err)
		}
		nc.SetReadDeadline(time.Now().Add(5 * time.Second))
		msg, err := wsutil.ReadServerText(nc)
		if err != nil {
			t.Fatalf("after %s: %v", frame, err)
		}
		var out map[string]any
		json.Unmarshal(msg, &out)
		return out
	}
	time.Sleep(300 * time.Millisecond)
	if out := call(`{"v":1,"id":"1","op":"login","data":{"userID":"alice","userSig":"` + s.UserSig("alice") + `","platform":"Web"}}`); out["code"] != float64(0) {
		t.Fatalf("login: %v", out)
	}
	time.Sleep(300 * time.Millisecond)
	if out := call(`{"v":1,"id":"2","op":"ping"}`); out["code"] != float64(0) || out["id"] != "2" {
		t.Fatalf("ping: %v", out)
	}
}

// Request line and headers are capped: a UserSig query fits, 100 KiB of
// headers gets HTTP 431.
func TestMaxHeaderBytes(t *testing.T) {
	s := resttest.Start(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Node.Serve(ctx, ln) }()
	t.Cleanup(func() { cancel(); <-done })
	get := func(header string) int {
		req, _ := http.NewRequest("GET", "http://"+ln.Addr().String()+"/healthz", nil)
		req.Header.Set("X-Pad", header)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	if code := get(strings.Repeat("a", 16<<10)); code != 200 {
		t.Fatalf("16 KiB header: HTTP %d", code)
	}
	if code := get(strings.Repeat("a", 100<<10)); code != http.StatusRequestHeaderFieldsTooLarge {
		t.Fatalf("100 KiB header: HTTP %d, want 431", code)
	}
}
