// Command fanout is the group fan-out benchmark: a server process (embedded
// store, in-process broker) and a load generator process holding the online
// members of one large group over real WebSockets on loopback. The server
// publishes N events to the group; the benchmark reports the time each
// publish took on the sending goroutine (median, p99), the deliveries per
// second counted at the receivers, and the server's CPU per 1,000 deliveries,
// RSS and the load average. Every receiver must get every event once and in
// order, or the command exits 1.
//
//	go run ./bench/fanout [-members 100000] [-online 10000] [-events 200] [-mode group|users]
//
// -mode group is the group path (one publish on the group's subject, the
// fan-out on the node that holds the members); -mode users is the path
// before it, for comparison: the sender publishes the event to each member's
// user subject, one by one, skipping members nobody listens for.
//
// Bench setup: group management does not exist yet, so the server answers
// the gateway's GroupDirectory from a synthetic table (members m000000 to
// m<members-1> are in group "bench"), and publishes from a bench-only
// handler.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/bench/benchnode"
	"github.com/parleyim/parley/internal/gateway"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/usersig"
)

const (
	appID = 1400000012
	key   = "dddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddddd"
	group = "bench"
)

func main() {
	role := flag.String("role", "main", "main or server (internal)")
	members := flag.Int("members", 100_000, "members of the group")
	online := flag.Int("online", 10_000, "members online (the first ones)")
	events := flag.Int("events", 200, "events published to the group")
	mode := flag.String("mode", "group", "group (one publish per event) or users (one publish per member, the path before)")
	interval := flag.Duration("interval", 0, "pause between events (0: back to back)")
	cpuprofile := flag.String("cpuprofile", "", "write the server's CPU profile of the publishing phase to this file")
	flag.Parse()
	if *role == "server" {
		runServer(*members)
		return
	}
	if *online > *members || *events < 1 || *events > 1000 {
		log.Fatal("want online <= members and 1 <= events <= 1000 (the broker queues up to 1024 per subscription)")
	}
	runMain(*members, *online, *events, *mode, *interval, *cpuprofile)
}

func memberID(i int) string { return fmt.Sprintf("m%06d", i) }

// syntheticGroups is bench setup: members m000000 .. m<n-1> are in the one
// group. It answers from arithmetic, so it costs the server nothing.
type syntheticGroups struct{ members int }

func (s syntheticGroups) UserGroups(_ context.Context, _ uint64, user string) ([]string, error) {
	if len(user) == 7 && user[0] == 'm' {
		if i, err := strconv.Atoi(user[1:]); err == nil && i < s.members {
			return []string{group}, nil
		}
	}
	return nil, nil
}

type publishReport struct {
	SendNs []int64 `json:"sendNs"` // per event, on the sending goroutine
}

func runServer(members int) {
	opts := server.Options{Groups: syntheticGroups{members}}
	benchnode.ServeWith(benchnode.NodeConfig{AppID: appID, Key: key, Options: opts}, func(mux *http.ServeMux, node *server.Node) {
		g := node.Gateway
		var profile *os.File
		mux.HandleFunc("POST /bench/profile", func(w http.ResponseWriter, r *http.Request) {
			if path := r.URL.Query().Get("start"); path != "" {
				f, err := os.Create(path)
				if err == nil {
					err = pprof.StartCPUProfile(f)
				}
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				profile = f
				return
			}
			if profile != nil {
				pprof.StopCPUProfile()
				profile.Close()
				profile = nil
			}
		})
		// Bench-only: publish events to the group and time each publish
		// on this goroutine, the sender's.
		mux.HandleFunc("POST /bench/publish", func(w http.ResponseWriter, r *http.Request) {
			q := r.URL.Query()
			n, _ := strconv.Atoi(q.Get("events"))
			interval, _ := time.ParseDuration(q.Get("interval"))
			users := q.Get("mode") == "users"
			ids := make([]string, members)
			for i := range ids {
				ids[i] = memberID(i)
			}
			rep := publishReport{SendNs: make([]int64, 0, n)}
			for i := 1; i <= n; i++ {
				start := time.Now()
				frame := gateway.PushFrame("group.msg", uint64(i), map[string]any{"groupID": group, "from": "m000000", "text": "hello, group"})
				if users {
					// The path before group subjects: the event goes to each
					// member's user subject; offline members are skipped by
					// the broker's listener check, online ones cost an
					// envelope and a publish each.
					for _, id := range ids {
						g.PublishUser(appID, id, frame)
					}
				} else if err := g.PublishGroup(appID, group, gateway.GroupPush{Frame: frame}); err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				rep.SendNs = append(rep.SendNs, int64(time.Since(start)))
				if interval > 0 {
					time.Sleep(interval)
				}
			}
			json.NewEncoder(w).Encode(rep)
		})
	})
}

// receiver is one member's connection; it checks every event arrives once
// and in order by its seq.
type receiver struct {
	next uint64 // the seq expected next; only its reader goroutine touches it
	got  int
	bad  int
}

var (
	delivered atomic.Int64
	lastAt    atomic.Int64 // unix ns of the latest delivery
)

// read runs a member's connection: ws frames are parsed off a small buffer
// with no per-frame allocation beyond the payload buffer's growth, since
// the generator shares the two cores with the server it measures.
func (r *receiver) read(nc net.Conn, loggedIn chan<- struct{}, done func()) {
	br := bufio.NewReaderSize(nc, 4096)
	var buf []byte
	pushMark := []byte(`"push":"group.msg"`)
	login := true
	for {
		hdr, err := ws.ReadHeader(br)
		if err != nil {
			return
		}
		if cap(buf) < int(hdr.Length) {
			buf = make([]byte, hdr.Length)
		}
		buf = buf[:hdr.Length]
		if _, err := io.ReadFull(br, buf); err != nil {
			return
		}
		if hdr.OpCode != ws.OpText {
			continue
		}
		if login {
			if !containsAt(buf, []byte(`"code":0`)) {
				log.Fatalf("login failed: %s", buf)
			}
			login = false
			loggedIn <- struct{}{}
			continue
		}
		if !containsAt(buf, pushMark) {
			continue
		}
		seq := numberAfter(buf, `"seq":`)
		if seq != r.next {
			r.bad++
		}
		r.next = seq + 1
		r.got++
		delivered.Add(1)
		lastAt.Store(time.Now().UnixNano())
		done()
	}
}

func containsAt(b, sub []byte) bool {
	for i := 0; i+len(sub) <= len(b); i++ {
		if string(b[i:i+len(sub)]) == string(sub) {
			return true
		}
	}
	return false
}

func numberAfter(b []byte, marker string) uint64 {
	for i := 0; i+len(marker) <= len(b); i++ {
		if string(b[i:i+len(marker)]) != marker {
			continue
		}
		var n uint64
		for _, c := range b[i+len(marker):] {
			if c < '0' || c > '9' {
				break
			}
			n = n*10 + uint64(c-'0')
		}
		return n
	}
	log.Fatalf("no %s in %s", marker, b)
	return 0
}

func runMain(members, online, events int, mode string, interval time.Duration, cpuprofile string) {
	addr, srv := benchnode.Start("-role", "server", "-members", strconv.Itoa(members))
	defer srv.Process.Kill()
	fmt.Printf("fan-out benchmark: group of %d members, %d online, %d events, mode %s, interval %s, %s, GOMAXPROCS=%d\n",
		members, online, events, mode, interval, runtime.Version(), runtime.GOMAXPROCS(0))

	receivers := make([]*receiver, online)
	var all sync.WaitGroup
	all.Add(online * events)
	loginStart := time.Now()
	sem := make(chan struct{}, 64)
	var logins sync.WaitGroup
	for i := range online {
		sem <- struct{}{}
		logins.Add(1)
		go func(i int) {
			defer logins.Done()
			defer func() { <-sem }()
			nc := dialWS(addr)
			r := &receiver{next: 1}
			receivers[i] = r
			ok := make(chan struct{}, 1)
			go r.read(nc, ok, all.Done)
			user := memberID(i)
			sig, _ := usersig.Generate(appID, key, user, 86400, time.Now())
			b, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login", "data": map[string]string{"userID": user, "userSig": sig, "platform": "Android"}})
			if err := wsutil.WriteClientText(nc, b); err != nil {
				log.Fatal(err)
			}
			<-ok
		}(i)
	}
	logins.Wait()
	fmt.Printf("logged in: %d members in %s\n", online, time.Since(loginStart).Round(time.Millisecond))
	runtime.GC()
	time.Sleep(time.Second) // let the logins' garbage and goroutines settle

	hc := &http.Client{}
	if cpuprofile != "" {
		post(hc, "http://"+addr+"/bench/profile?start="+cpuprofile)
	}
	loadBefore := benchnode.LoadAverage()
	before := benchnode.Stat(srv.Process.Pid)
	selfBefore := benchnode.Stat(os.Getpid())
	start := time.Now()
	body := post(hc, fmt.Sprintf("http://%s/bench/publish?events=%d&mode=%s&interval=%s", addr, events, mode, interval))
	var rep publishReport
	if err := json.Unmarshal(body, &rep); err != nil {
		log.Fatalf("publish: %v: %s", err, body)
	}
	finished := make(chan struct{})
	go func() { all.Wait(); close(finished) }()
	select {
	case <-finished:
	case <-time.After(60 * time.Second):
	}
	after := benchnode.Stat(srv.Process.Pid)
	selfAfter := benchnode.Stat(os.Getpid())
	if cpuprofile != "" {
		post(hc, "http://"+addr+"/bench/profile")
	}
	total := online * events
	got := int(delivered.Load())
	elapsed := time.Duration(lastAt.Load() - start.UnixNano())
	bad, short := 0, 0
	for _, r := range receivers {
		bad += r.bad
		if r.got != events {
			short++
		}
	}
	send := make([]time.Duration, len(rep.SendNs))
	var sendSum time.Duration
	for i, ns := range rep.SendNs {
		send[i] = time.Duration(ns)
		sendSum += send[i]
	}
	slices.Sort(send)
	pct := func(p float64) time.Duration { return send[min(len(send)-1, int(float64(len(send))*p))] }
	fmt.Printf("sending path per event (PushFrame + publish, on the sender's goroutine): median %s p99 %s max %s, %s for all %d\n",
		pct(0.5), pct(0.99), send[len(send)-1], sendSum.Round(time.Microsecond), events)
	fmt.Printf("delivered at the receivers: %d of %d in %s = %.0f deliveries/s (first publish to last frame read)\n",
		got, total, elapsed.Round(time.Millisecond), float64(got)/elapsed.Seconds())
	fmt.Printf("missing: %d receivers short, out of order or duplicated: %d\n", short, bad)
	cpu := after.CPUSeconds - before.CPUSeconds
	selfCPU := selfAfter.CPUSeconds - selfBefore.CPUSeconds
	fmt.Printf("server CPU: %.2f s = %.1f ms per 1,000 deliveries; receivers' CPU (this process): %.2f s\n",
		cpu, cpu*1e6/float64(max(got, 1)), selfCPU)
	fmt.Printf("server RSS (from outside): %d KB at the end, peak %d KB\n", after.RSSKB, after.PeakRSSKB)
	fmt.Printf("load average (1 min): %s before, %s after\n", loadBefore, benchnode.LoadAverage())
	if got != total || bad != 0 || short != 0 {
		os.Exit(1)
	}
}

func dialWS(addr string) net.Conn {
	for attempt := 0; ; attempt++ {
		nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appID))
		if err == nil {
			return nc
		}
		if attempt == 5 {
			log.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func post(hc *http.Client, url string) []byte {
	resp, err := hc.Post(url, "", nil)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		log.Fatalf("%s: %s", url, b)
	}
	return b
}
