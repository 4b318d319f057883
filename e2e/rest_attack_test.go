package e2e

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parleyim/parley/usersig"
)

// TestStalledBodiesAreClosed is the slow-body attack: hundreds of
// connections each send a POST's headers and then never the body it
// announced (Content-Length: 100000 with nothing after it, or a chunked
// body that is never ended). The server must answer and close every one of
// them within its body timeout, keep its memory bounded while they are
// open, and answer other clients with normal latency meanwhile.
func TestStalledBodiesAreClosed(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	const (
		bodyTimeout = 2 * time.Second
		margin      = 3 * time.Second
		perKind     = 200
	)
	addr := freeAddr(t)
	env := appEnv(t, "PARLEY_HTTP_BODY_TIMEOUT="+bodyTimeout.String())
	p := start(t, addr, env, "--data", t.TempDir())
	c := newClient(t, addr, appA, keyA, "admin")
	c.mustOK("im_open_login_svc/account_import", map[string]any{"UserID": "warmup"})
	baseRSS := vmRSS(t, p.cmd.Process.Pid)

	sig, err := usersig.Generate(appA, keyA, "admin", 3600, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	authed := url.Values{"sdkappid": {fmt.Sprint(appA)}, "identifier": {"admin"}, "usersig": {sig}, "random": {"1"}, "contenttype": {"json"}}
	bad := url.Values{"sdkappid": {fmt.Sprint(appA)}, "identifier": {"admin"}, "usersig": {"not-a-sig"}, "random": {"1"}, "contenttype": {"json"}}
	// A stalled body must be bounded wherever it is sent: to an API that
	// reads it, to one that refuses the call before reading (net/http then
	// drains the body itself), to an unknown route and outside /v4/.
	targets := []string{
		"/v4/im_open_login_svc/account_import?" + authed.Encode(),
		"/v4/im_open_login_svc/account_import?" + bad.Encode(),
		"/v4/no_such/command?" + authed.Encode(),
		"/healthz",
	}

	type result struct {
		target  int
		chunked bool
		elapsed time.Duration
		resp    string
		err     error
	}
	results := make(chan result, 2*perKind)
	var wg sync.WaitGroup
	var dialed sync.WaitGroup
	for i := 0; i < 2*perKind; i++ {
		wg.Add(1)
		dialed.Add(1)
		go func(i int) {
			defer wg.Done()
			r := result{target: i % len(targets), chunked: i >= perKind}
			nc, err := net.Dial("tcp", addr)
			if err != nil {
				r.err = err
				dialed.Done()
				results <- r
				return
			}
			defer nc.Close()
			head := "POST " + targets[r.target] + " HTTP/1.1\r\nHost: " + addr + "\r\nContent-Type: application/json\r\n"
			if r.chunked {
				head += "Transfer-Encoding: chunked\r\n\r\n5\r\n{\"Use" // a chunk started, never finished
			} else {
				head += "Content-Length: 100000\r\n\r\n"
			}
			sent := time.Now()
			_, r.err = io.WriteString(nc, head)
			dialed.Done()
			if r.err != nil {
				results <- r
				return
			}
			// Read whatever the server answers until it closes; give up at
			// twice the allowed time so a held connection fails the test
			// instead of hanging it.
			nc.SetReadDeadline(sent.Add(2 * (bodyTimeout + margin)))
			var buf bytes.Buffer
			_, r.err = io.Copy(&buf, nc)
			r.elapsed = time.Since(sent)
			r.resp = buf.String()
			results <- r
		}(i)
	}
	dialed.Wait()

	// Meanwhile: memory stays bounded and another client is served at once.
	time.Sleep(bodyTimeout / 4)
	attackRSS := vmRSS(t, p.cmd.Process.Pid)
	callStart := time.Now()
	out, err := c.call("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "warmup"}}})
	latency := time.Since(callStart)
	if err != nil || out["ErrorCode"] != float64(0) {
		t.Fatalf("normal call during the attack: %v %v", out, err)
	}
	if latency > time.Second {
		t.Errorf("normal call took %v during the attack", latency)
	}

	wg.Wait()
	close(results)
	held := 0
	for r := range results {
		what := fmt.Sprintf("%s (chunked=%v)", strings.SplitN(targets[r.target], "?", 2)[0], r.chunked)
		if r.err != nil {
			if ne, ok := r.err.(net.Error); ok && ne.Timeout() {
				held++
				continue
			}
			t.Errorf("%s: %v after %v", what, r.err, r.elapsed)
			continue
		}
		if r.elapsed > bodyTimeout+margin {
			t.Errorf("%s: closed after %v, want within %v", what, r.elapsed, bodyTimeout+margin)
		}
		if !strings.HasPrefix(r.resp, "HTTP/1.1 ") {
			t.Errorf("%s: closed without an HTTP answer: %q", what, r.resp)
			continue
		}
		if r.target == 0 {
			// The API read the body: it answers Tencent's timeout code,
			// and only once the timeout has passed.
			if !strings.HasPrefix(r.resp, "HTTP/1.1 200 ") || !strings.Contains(r.resp, `"ErrorCode":60008`) {
				t.Errorf("%s: want a 60008 envelope, got %q", what, r.resp)
			}
			if r.elapsed < bodyTimeout*3/4 {
				t.Errorf("%s: answered after %v, before the body timeout %v", what, r.elapsed, bodyTimeout)
			}
		}
	}
	if held > 0 {
		t.Errorf("%d of %d connections were still held open after %v", held, 2*perKind, 2*(bodyTimeout+margin))
	}
	// 400 stalled requests cost their goroutines and buffers, a few MiB;
	// a leak per connection of the request's announced size would not fit.
	if attackRSS > baseRSS+64<<20 {
		t.Errorf("RSS grew from %d KiB to %d KiB with %d stalled requests", baseRSS>>10, attackRSS>>10, 2*perKind)
	}
	t.Logf("RSS %d KiB idle, %d KiB with %d stalled requests; normal call %v", baseRSS>>10, attackRSS>>10, 2*perKind, latency)

	// The server is still healthy afterwards.
	c.mustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "warmup"}}})
}

// vmRSS reads the resident set size of process pid, in bytes.
func vmRSS(t *testing.T, pid int) int64 {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatal(err)
			}
			return kb << 10
		}
	}
	t.Fatal("no VmRSS in /proc status")
	return 0
}
