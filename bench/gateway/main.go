// Command gateway measures the client door with real processes: a server
// process (an embedded-store node), client processes holding idle
// authenticated WebSocket connections, and the figures the gateway is judged
// by: server RSS per idle connection, logins per second, and the delay from a
// REST friend_add to the push reaching the other user's device.
//
//	go run ./bench/gateway [-conns 19900] [-procs 2] [-pairs 2000]
//
// BENCH_GATEWAY_HEAPPROFILE=<path> makes the server record every allocation
// and write a heap profile at each measurement (<path>.1 before the
// connections, <path>.2 with them held): `go tool pprof -diff_base` of the
// two is what the idle connections hold.
//
// This machine caps a process at 20,000 open files, so the server can hold at
// most about 19,990 sockets; the default stays just under that.
package main

import (
	"bufio"
	"context"
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/parleyim/parley/bench/benchnode"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/sdk"
	"github.com/parleyim/parley/usersig"
)

const (
	appID = 1400000009
	key   = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
)

func main() {
	role := flag.String("role", "main", "main, server or clients (internal)")
	conns := flag.Int("conns", 19900, "idle connections to hold")
	procs := flag.Int("procs", 2, "client processes")
	pairs := flag.Int("pairs", 2000, "friend_add round trips for the push delay")
	addr := flag.String("addr", "", "server address (clients role)")
	first := flag.Int("first", 0, "first user index (clients role)")
	n := flag.Int("n", 0, "connections (clients role)")
	flag.Parse()
	switch *role {
	case "server":
		runServer()
	case "clients":
		runClients(*addr, *first, *n)
	default:
		runMain(*conns, *procs, *pairs)
	}
}

// runServer serves a node with /bench/rss: the process's resident memory
// after full GCs, the sessions online, Go heap and stack in use, goroutines.
func runServer() {
	if os.Getenv("BENCH_GATEWAY_HEAPPROFILE") != "" {
		runtime.MemProfileRate = 1 // every allocation: the profile is of what each connection holds
	}
	profiles := 0
	benchnode.Serve(appID, key, func(mux *http.ServeMux, node *server.Node) {
		mux.HandleFunc("/bench/rss", func(w http.ResponseWriter, _ *http.Request) {
			// Each GC halves goroutine stacks that use under a quarter of
			// their size; a few cycles reach the steady state a long-running
			// server has.
			for range 4 {
				runtime.GC()
			}
			debug.FreeOSMemory()
			var ms runtime.MemStats
			runtime.ReadMemStats(&ms)
			if path := os.Getenv("BENCH_GATEWAY_HEAPPROFILE"); path != "" {
				profiles++
				if f, err := os.Create(fmt.Sprintf("%s.%d", path, profiles)); err == nil {
					pprof.WriteHeapProfile(f)
					f.Close()
				}
			}
			fmt.Fprintf(w, "%d %d %d %d %d", rssKB(), node.Presence.Count(), ms.HeapInuse>>10, ms.StackInuse>>10, runtime.NumGoroutine())
		})
	})
}

func rssKB() int {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")))
			return n
		}
	}
	return 0
}

func get(url string) string {
	resp, err := http.Get(url)
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

func runMain(conns, procs, pairs int) {
	self, _ := os.Executable()
	addr, srv := benchnode.Start("-role", "server")
	defer srv.Process.Kill()
	fmt.Printf("gateway benchmark: %d idle connections in %d client processes, %s, GOMAXPROCS=%d\n", conns, procs, runtime.Version(), runtime.GOMAXPROCS(0))

	// Warm the server (first login path, statement cache) before the baseline.
	warm := mustDial(addr)
	warm.login("warmup", "Web")
	warm.nc.Close()
	time.Sleep(200 * time.Millisecond)
	var base, baseHeap, baseStack, baseG, none int
	fmt.Sscan(get("http://"+addr+"/bench/rss"), &base, &none, &baseHeap, &baseStack, &baseG)
	// The headline figure is VmRSS of the server process as an operator
	// sees it, read from outside with no GC forced while the connections are
	// held. Its baseline is taken just after the forced GCs above, the
	// lowest the process gets, so the per-connection figure errs high.
	outBase := benchnode.Stat(srv.Process.Pid)
	loadBefore := benchnode.LoadAverage()

	start := time.Now()
	var wg sync.WaitGroup
	var clients []*exec.Cmd
	per := conns / procs
	for p := 0; p < procs; p++ {
		cnt := per
		if p == procs-1 {
			cnt = conns - per*(procs-1)
		}
		cmd := exec.Command(self, "-role", "clients", "-addr", addr, "-first", strconv.Itoa(p*per), "-n", strconv.Itoa(cnt))
		cmd.Stderr = os.Stderr
		cout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		clients = append(clients, cmd)
		wg.Add(1)
		go func() {
			defer wg.Done()
			line, err := bufio.NewReader(cout).ReadString('\n')
			if err != nil || !strings.HasPrefix(line, "ready") {
				log.Fatalf("client process: %q %v", line, err)
			}
		}()
	}
	wg.Wait()
	loginTime := time.Since(start)
	time.Sleep(2 * time.Second) // let connection goroutines settle
	outHeld := benchnode.Stat(srv.Process.Pid)
	var rss, online, heap, stack, goroutines int
	fmt.Sscan(get("http://"+addr+"/bench/rss"), &rss, &online, &heap, &stack, &goroutines)
	fmt.Printf("\nlogins: %d in %s = %.0f logins/s (connect + WebSocket upgrade + UserSig check + sign-up of a new user, %d concurrent dialers)\n",
		conns, loginTime.Round(time.Millisecond), float64(conns)/loginTime.Seconds(), procs*loginConcurrency)
	fmt.Printf("RSS per idle authenticated connection, from outside (VmRSS, no forced GC): %.2f KB (%d KB before, %d KB with %d sessions; load average %s before, %s after)\n",
		float64(outHeld.RSSKB-outBase.RSSKB)/float64(online), outBase.RSSKB, outHeld.RSSKB, online, loadBefore, benchnode.LoadAverage())
	fmt.Printf("server RSS after forced GCs: %d KB before, %d KB with %d sessions online\n", base, rss, online)
	fmt.Printf("RSS per idle authenticated connection after forced GCs: %.2f KB (Go heap %.2f KB, goroutine stacks %.2f KB, %.2f goroutines per connection)\n",
		float64(rss-base)/float64(online), float64(heap-baseHeap)/float64(online), float64(stack-baseStack)/float64(online),
		float64(goroutines-baseG)/float64(online))

	// The idle clients go before the delay test: the server's file limit
	// has no room for more sockets.
	for _, c := range clients {
		c.Process.Kill()
		c.Wait()
	}
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(200 * time.Millisecond) {
		var r, left int
		fmt.Sscan(get("http://"+addr+"/bench/rss"), &r, &left)
		if left == 0 {
			break
		}
	}
	listenerDelay(addr, pairs)
}

// loginConcurrency is the number of dialers per client process.
const loginConcurrency = 32

func runClients(addr string, first, n int) {
	var mu sync.Mutex
	var held []*rawConn
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < loginConcurrency; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				c := mustDial(addr)
				c.login(fmt.Sprintf("idle%06d", i), "Web")
				mu.Lock()
				held = append(held, c)
				mu.Unlock()
			}
		}()
	}
	for i := first; i < first+n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	fmt.Println("ready", len(held))
	// Hold the connections; answer nothing, read nothing: idle clients.
	select {}
}

// listenerDelay measures, per round trip, the time from sending a REST
// friend_add (AllowAny target) to OnFriendListAdded firing in the target's
// Go SDK: the commit, the push, and the SDK's read of the new friend.
func listenerDelay(addr string, pairs int) {
	rest := newREST(addr)
	var users []string
	for i := 0; i < pairs; i++ {
		users = append(users, fmt.Sprintf("pa%05d", i), fmt.Sprintf("pb%05d", i))
	}
	for i := 0; i < len(users); i += 100 {
		rest.mustOK("im_open_login_svc/multiaccount_import", fmt.Sprintf(`{"Accounts":[%s]}`, quoteAll(users[i:min(i+100, len(users))])))
	}
	const devices = 50
	var delays []time.Duration
	for i := 0; i < pairs; i += devices {
		batch := min(devices, pairs-i)
		managers := make([]*sdk.Manager, batch)
		fired := make([]chan struct{}, batch)
		for j := range managers {
			b := fmt.Sprintf("pb%05d", i+j)
			rest.mustOK("profile/portrait_set", fmt.Sprintf(`{"From_Account":%q,"ProfileItem":[{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_AllowAny"}]}`, b))
			managers[j] = sdk.NewManager(sdk.Config{ServerURL: "http://" + addr, SDKAppID: appID, Platform: sdk.PlatformAndroid})
			fired[j] = make(chan struct{}, 1)
			managers[j].Friendship().AddFriendListener(&addedListener{fired: fired[j]})
			sig, _ := usersig.Generate(appID, key, b, 86400, time.Now())
			if err := managers[j].Login(context.Background(), b, sig); err != nil {
				log.Fatal(err)
			}
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for j := range managers {
			wg.Add(1)
			go func(j int) {
				defer wg.Done()
				a, b := fmt.Sprintf("pa%05d", i+j), fmt.Sprintf("pb%05d", i+j)
				start := time.Now()
				rest.mustOK("sns/friend_add", fmt.Sprintf(`{"From_Account":%q,"AddFriendItem":[{"To_Account":%q}]}`, a, b))
				select {
				case <-fired[j]:
				case <-time.After(30 * time.Second):
					log.Fatalf("OnFriendListAdded never fired for %s", b)
				}
				mu.Lock()
				delays = append(delays, time.Since(start))
				mu.Unlock()
			}(j)
		}
		wg.Wait()
		for _, m := range managers {
			m.Close()
		}
	}
	slices.Sort(delays)
	pct := func(p float64) time.Duration { return delays[min(len(delays)-1, int(float64(len(delays))*p))] }
	fmt.Printf("friend_add (REST) to OnFriendListAdded in the other user's Go SDK: %d round trips, %d at a time, p50 %s p99 %s max %s\n",
		len(delays), devices, pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), delays[len(delays)-1].Round(time.Microsecond))
}

type addedListener struct {
	sdk.BaseFriendshipListener
	fired chan struct{}
}

func (l *addedListener) OnFriendListAdded([]sdk.FriendInfo) {
	select {
	case l.fired <- struct{}{}:
	default:
	}
}

func quoteAll(s []string) string {
	q := make([]string, len(s))
	for i, v := range s {
		q[i] = strconv.Quote(v)
	}
	return strings.Join(q, ",")
}
