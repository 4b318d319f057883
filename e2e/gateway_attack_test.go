package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/usersig"
)

// These tests attack the real binary the way one hostile client would and
// measure what it costs the server from outside the process: its resident
// memory (VmRSS of /proc/<pid>/status, no forced GC), whether it closes the
// attacking socket, and whether another client is still served promptly.
// PARLEY_E2E_BINARY runs them against another build (say, an older one).

// rssKB reads the server process's resident set size.
func (p *proc) rssKB() int {
	p.t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		p.t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	p.t.Fatal("no VmRSS")
	return 0
}

// watch samples the server's RSS and the latency of another, well-behaved
// client's REST call (every 50 ms) until stop is called, which returns the
// peak RSS growth in KB over the starting RSS and the slowest call.
func watch(t *testing.T, p *proc, probe func() error) (stop func() (peakGrowthKB int, slowest time.Duration)) {
	base := p.rssKB()
	done := make(chan struct{})
	var peak atomic.Int64
	var slowest atomic.Int64
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for {
			if r := int64(p.rssKB()); r > peak.Load() {
				peak.Store(r)
			}
			select {
			case <-done:
				return
			case <-time.After(25 * time.Millisecond):
			}
		}
	}()
	var probeErr atomic.Value
	go func() {
		defer wg.Done()
		for {
			start := time.Now()
			if err := probe(); err != nil {
				probeErr.Store(err.Error())
			}
			if d := int64(time.Since(start)); d > slowest.Load() {
				slowest.Store(d)
			}
			select {
			case <-done:
				return
			case <-time.After(50 * time.Millisecond):
			}
		}
	}()
	return func() (int, time.Duration) {
		close(done)
		wg.Wait()
		if e := probeErr.Load(); e != nil {
			t.Errorf("the other client's call failed during the attack: %v", e)
		}
		return int(peak.Load()) - base, time.Duration(slowest.Load())
	}
}

func attackServer(t *testing.T) (*proc, *client) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	addr := freeAddr(t)
	env := appEnv(t)
	p := start(t, addr, env, "--data", t.TempDir())
	rest := newClient(t, addr, appA, keyA, "admin")
	rest.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": []string{"alice", "bob", "carol"}})
	// Warm the server up so the baseline RSS includes its steady state.
	for range 20 {
		rest.mustOK("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "alice"}}})
	}
	return p, rest
}

func restProbe(rest *client) func() error {
	return func() error {
		out, err := rest.call("im_open_login_svc/account_check", map[string]any{"CheckItem": []map[string]string{{"UserID": "carol"}}})
		if err == nil && out["ErrorCode"].(float64) != 0 {
			err = fmt.Errorf("account_check: %v", out)
		}
		return err
	}
}

func rawDial(t *testing.T, addr string) net.Conn {
	t.Helper()
	nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appA))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { nc.Close() })
	return nc
}

func maskedText(payload []byte) []byte {
	var b bytes.Buffer
	ws.WriteFrame(&b, ws.MaskFrame(ws.NewTextFrame(payload)))
	return b.Bytes()
}

// Row 1: connections that never log in and send 255 KiB frames back to back
// (and, as the server allows more before login, small frames without ever
// reading an answer). The server used to queue every frame: 18 MB → 2.3 GB
// in 30 s. Now each such socket is closed after at most a few frames, and
// the server's RSS stays within a few MB.
func TestAttackUnauthenticatedFlood(t *testing.T) {
	p, rest := attackServer(t)
	stop := watch(t, p, restProbe(rest))
	big := maskedText(bytes.Repeat([]byte("x"), 255<<10))
	small := maskedText([]byte(`{"v":1,"id":"1","op":"friend.list","data":{"pad":"` + strings.Repeat("y", 15<<10) + `"}}`))
	var wg sync.WaitGroup
	var written atomic.Int64
	deadline := time.Now().Add(4 * time.Second)
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			frame := big
			if i%2 == 1 {
				frame = small
			}
			for time.Now().Before(deadline) {
				nc := rawDial(t, p.addr)
				for time.Now().Before(deadline) {
					nc.SetWriteDeadline(time.Now().Add(time.Second))
					n, err := nc.Write(frame)
					written.Add(int64(n))
					if err != nil {
						break // closed by the server: dial again
					}
				}
				nc.Close()
			}
		}()
	}
	wg.Wait()
	growth, slowest := stop()
	t.Logf("sent %d MB unauthenticated; server RSS grew by at most %d KB; slowest other call %s", written.Load()>>20, growth, slowest)
	if growth > 48<<10 {
		t.Errorf("server RSS grew by %d KB under an unauthenticated flood; want under 48 MB", growth)
	}
	if slowest > time.Second {
		t.Errorf("another client's call took %s during the attack", slowest)
	}
}

// Row 2: a logged-in client asks for 1,000 pages of 100 large messages
// (about 1 MB each) and never reads. The server used to queue every answer:
// 36 MB → 1.67 GB. Now the connection is closed as a slow consumer once
// 8 MiB are queued, or for too many requests in flight.
func TestAttackHistoryWithoutReading(t *testing.T) {
	p, rest := attackServer(t)
	text := strings.Repeat("m", 10_000)
	for i := range 100 {
		rest.mustOK("openim/sendmsg", map[string]any{"SyncOtherMachine": 2, "From_Account": "bob", "To_Account": "alice", "MsgRandom": i,
			"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}})
	}
	stop := watch(t, p, restProbe(rest))
	nc := rawDial(t, p.addr)
	sig, _ := usersig.Generate(appA, keyA, "alice", 3600, time.Now())
	login, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login", "data": map[string]string{"userID": "alice", "userSig": sig, "platform": "Windows"}})
	nc.Write(maskedText(login))
	time.Sleep(200 * time.Millisecond) // the login is answered; the answer is never read
	sent := 0
	for i := range 1000 {
		req, _ := json.Marshal(map[string]any{"v": 1, "id": fmt.Sprint(i), "op": "msg.history", "data": map[string]any{"userID": "bob", "count": 100}})
		nc.SetWriteDeadline(time.Now().Add(2 * time.Second))
		if _, err := nc.Write(maskedText(req)); err != nil {
			break
		}
		sent++
		if i%40 == 39 {
			time.Sleep(50 * time.Millisecond) // stay under the in-flight bound: the attack is the unread answers
		}
	}
	time.Sleep(500 * time.Millisecond)
	growth, slowest := stop()
	t.Logf("%d history requests sent without reading; server RSS grew by at most %d KB; slowest other call %s", sent, growth, slowest)
	if growth > 64<<10 {
		t.Errorf("server RSS grew by %d KB; want under 64 MB (8 MiB outbound bound)", growth)
	}
	// The server must have closed the socket: reading drains what the
	// kernel buffered and then ends, well before the deadline.
	nc.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 256<<10)
	for {
		_, err := nc.Read(buf)
		if ne, ok := err.(net.Error); ok && ne.Timeout() {
			t.Errorf("the server never closed a client that does not read")
		}
		if err != nil {
			break
		}
	}
	if slowest > time.Second {
		t.Errorf("another client's call took %s during the attack", slowest)
	}
}

// Row 3: a connection that never logs in but sends a frame every 3 s is
// closed at the login deadline (10 s from the upgrade), with close 1008. It
// used to stay connected as long as it kept sending.
func TestAttackLoginDeadlineHolds(t *testing.T) {
	p, _ := attackServer(t)
	nc := rawDial(t, p.addr)
	start := time.Now()
	stopSend := make(chan struct{})
	defer close(stopSend)
	go func() {
		for {
			select {
			case <-stopSend:
				return
			case <-time.After(3 * time.Second):
				nc.Write(maskedText([]byte(`{"v":1,"id":"x","op":"ping"}`)))
			}
		}
	}()
	nc.SetReadDeadline(time.Now().Add(20 * time.Second))
	for {
		h, err := ws.ReadHeader(nc)
		if err != nil {
			t.Fatalf("connection ended without a close frame after %s: %v", time.Since(start), err)
		}
		payload := make([]byte, h.Length)
		if _, err := readFull(nc, payload); err != nil {
			t.Fatal(err)
		}
		if h.OpCode == ws.OpClose {
			code, _ := ws.ParseCloseFrameData(payload)
			took := time.Since(start)
			if code != ws.StatusPolicyViolation || took < 9*time.Second || took > 12*time.Second {
				t.Fatalf("closed with %d after %s; want 1008 at the 10 s login deadline", code, took)
			}
			return
		}
	}
}

func readFull(nc net.Conn, b []byte) (int, error) {
	n := 0
	for n < len(b) {
		m, err := nc.Read(b[n:])
		n += m
		if err != nil {
			return n, err
		}
	}
	return n, nil
}
