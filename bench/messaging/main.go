// Command messaging is the one-to-one messaging benchmark: a server process
// (embedded store), and a load generator process speaking the real protocol
// for N sender/receiver pairs. Each message is acknowledged to its sender
// only once durable; the generator checks that every receiver got every
// message exactly once and in seq order, and prints sent/s, delivered/s and
// the end-to-end latency (send to the receiver's push).
//
//	go run ./bench/messaging [-pairs 200] [-window 8] [-d 10s]
//
// With -store postgres the nodes share a fresh PostgreSQL database (created
// next to -dsn's, dropped at the end); -nodes N runs N node processes on it
// and a real nats-server process between them (-nats uses it with one node
// too). Pair i's sender is on node i mod N and its receiver on the next
// node, so with N > 1 every message crosses NATS:
//
//	go run ./bench/messaging -store postgres -dsn URL -nodes 3 [-pg-conns 24]
package main

import (
	"flag"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/pprof"
	"os"
	"os/exec"
	"runtime"
	runtimepprof "runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/parleyim/parley/bench/benchclient"
	"github.com/parleyim/parley/bench/benchnode"
	"github.com/parleyim/parley/internal/server"
)

const (
	appID = 1400000011
	key   = "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"
)

func main() {
	role := flag.String("role", "main", "main or server (internal)")
	pairs := flag.Int("pairs", 200, "sender/receiver pairs")
	window := flag.Int("window", 8, "messages in flight per sender")
	dur := flag.Duration("d", 10*time.Second, "how long senders send")
	var cl cluster
	flag.IntVar(&cl.nodes, "nodes", 1, "node processes (more than one needs -store postgres)")
	flag.StringVar(&cl.store, "store", "sqlite", "sqlite (embedded, one node) or postgres")
	flag.StringVar(&cl.dsn, "dsn", os.Getenv("PARLEY_BENCH_POSTGRES"), "PostgreSQL admin DSN for -store postgres (the run's database is created next to it)")
	flag.IntVar(&cl.pgConns, "pg-conns", 24, "PostgreSQL connections of all nodes together, split evenly")
	flag.BoolVar(&cl.nats, "nats", false, "pushes through a nats-server even with one node (always with several)")
	flag.StringVar(&cl.natsServer, "nats-server", "", "nats-server executable (default: PATH, then $GOPATH/bin)")
	natsURL := flag.String("nats-url", "", "(internal, server role) NATS URL")
	flag.StringVar(&cl.cpuProfile, "cpuprofile", "", "write a CPU profile of node 0 taken during the sending to this file")
	flag.StringVar(&cl.genProfile, "genprofile", "", "write a CPU profile of the load generator (this process) during the sending to this file")
	flag.StringVar(&cl.memProfile, "memprofile", "", "write node 0's allocation profile (since it started) to this file once the sending ends")
	flag.IntVar(&cl.textBytes, "text", 100, "bytes of each message's text (the send time in nanoseconds, then padding)")
	flag.Parse()
	if *role == "server" {
		runServer(cl.dsn, cl.pgConns, *natsURL)
		return
	}
	runMain(*pairs, *window, *dur, cl)
}

// cluster is what the measured nodes run on.
type cluster struct {
	nodes      int
	store      string
	dsn        string
	pgConns    int
	nats       bool
	natsServer string
	cpuProfile string
	memProfile string
	textBytes  int
	genProfile string
}

// runServer is one node; in the server role dsn is the run's database and
// pgConns this node's share.
func runServer(dsn string, pgConns int, natsURL string) {
	extra := func(mux *http.ServeMux, _ *server.Node) {
		if os.Getenv("PARLEY_BENCH_PPROF") != "" {
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			mux.Handle("/debug/pprof/allocs", pprof.Handler("allocs"))
			fmt.Fprintln(os.Stderr, "pprof enabled")
		}
	}
	if dsn == "" && natsURL == "" {
		benchnode.Serve(appID, key, extra)
		return
	}
	benchnode.ServeWith(benchnode.NodeConfig{AppID: appID, Key: key, PostgresDSN: dsn, PostgresConns: pgConns, NATSURL: natsURL}, extra)
}

// startNodes starts the nodes (and nats-server) cl asks for and returns
// their addresses, the processes to measure (nodes first, then
// nats-server, if any) and a function that stops them all.
func startNodes(cl cluster) (addrs []string, procs []*exec.Cmd, stop func()) {
	var cleanups []func()
	stop = func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}
	args := []string{"-role", "server"}
	switch cl.store {
	case "sqlite":
		if cl.nodes != 1 || cl.nats {
			log.Fatal("several nodes (and -nats) need -store postgres: the embedded store is one node's")
		}
	case "postgres":
		if cl.dsn == "" {
			log.Fatal("-store postgres needs -dsn or PARLEY_BENCH_POSTGRES")
		}
		dsn, drop := benchnode.FreshPostgresDB(cl.dsn)
		cleanups = append(cleanups, drop)
		args = append(args, "-dsn", dsn, "-pg-conns", fmt.Sprint(max(1, cl.pgConns/cl.nodes)))
	default:
		log.Fatalf("unknown -store %q", cl.store)
	}
	var natsProc *exec.Cmd
	if cl.nodes > 1 || cl.nats {
		url, cmd := benchnode.StartNATS(benchnode.FindNATSServer(cl.natsServer))
		natsProc = cmd
		cleanups = append(cleanups, func() { cmd.Process.Kill(); cmd.Wait() })
		args = append(args, "-nats-url", url)
	}
	for range cl.nodes {
		addr, cmd := benchnode.Start(args...)
		cleanups = append(cleanups, func() { cmd.Process.Kill(); cmd.Wait() })
		addrs = append(addrs, addr)
		procs = append(procs, cmd)
	}
	if natsProc != nil {
		procs = append(procs, natsProc)
	}
	return addrs, procs, stop
}

// stats reads each process's CPU and memory from outside.
func stats(procs []*exec.Cmd) []benchnode.ProcStat {
	out := make([]benchnode.ProcStat, len(procs))
	for i, p := range procs {
		out[i] = benchnode.Stat(p.Process.Pid)
	}
	return out
}

type receiver struct {
	mu      sync.Mutex
	nextSeq uint64
	got     int
	bad     int
	lat     []time.Duration
}

func runMain(pairs, window int, dur time.Duration, cl cluster) {
	if cl.cpuProfile != "" || cl.memProfile != "" {
		os.Setenv("PARLEY_BENCH_PPROF", "1") // the nodes inherit it
	}
	addrs, procs, stopNodes := startNodes(cl)
	defer stopNodes()
	broker := "in-process broker"
	if len(procs) > len(addrs) {
		broker = "a nats-server process"
	}
	fmt.Printf("messaging benchmark: %d pairs, %d in flight per sender, %s of sending, %s, GOMAXPROCS=%d\n",
		pairs, window, dur, runtime.Version(), runtime.GOMAXPROCS(0))
	fmt.Printf("%d node(s) on %s, pushes through %s; senders on node i mod %d, receivers on the next\n", len(addrs), cl.store, broker, len(addrs))

	receivers := make([]*receiver, pairs)
	senders := make([]*benchclient.Peer, pairs)
	for i := 0; i < pairs; i++ {
		r := &receiver{nextSeq: 1}
		receivers[i] = r
		benchclient.Dial(addrs[(i+1)%len(addrs)], appID, key, fmt.Sprintf("rcv%05d", i), func(msg []byte) {
			// Byte scanning, not JSON decoding: the generator shares the two
			// cores with the server it measures.
			seq := benchclient.MustNumberAfter(msg, `"seq":`)
			sentNs := benchclient.MustNumberAfter(msg, `"Text":"`)
			lat := time.Duration(time.Now().UnixNano() - int64(sentNs))
			r.mu.Lock()
			if seq != r.nextSeq {
				r.bad++ // lost, duplicated or reordered
			}
			r.nextSeq = seq + 1
			r.got++
			r.lat = append(r.lat, lat)
			r.mu.Unlock()
		})
		senders[i] = benchclient.Dial(addrs[i%len(addrs)], appID, key, fmt.Sprintf("snd%05d", i), nil)
	}

	// The text is the send time in nanoseconds (19 digits, read back by the
	// receiver) and then spaces up to -text bytes.
	padding := strings.Repeat(" ", max(cl.textBytes-19, 0))
	var sent atomic.Int64
	var wg sync.WaitGroup
	loadBefore := benchnode.LoadAverage()
	before := stats(procs)
	start := time.Now()
	stop := start.Add(dur)
	profileDone := profileNode(cl.cpuProfile, addrs[0], dur)
	defer profileDone()
	genCPUBefore := selfCPUSeconds()
	if cl.genProfile != "" {
		f, err := os.Create(cl.genProfile)
		if err != nil {
			log.Fatal(err)
		}
		runtimepprof.StartCPUProfile(f)
		time.AfterFunc(dur, runtimepprof.StopCPUProfile)
	}
	for i, s := range senders {
		wg.Add(1)
		go func(i int, s *benchclient.Peer) {
			defer wg.Done()
			to := fmt.Sprintf("rcv%05d", i)
			inFlight := 0
			for n := 0; time.Now().Before(stop); n++ {
				for inFlight >= window {
					<-s.Acks
					inFlight--
				}
				b := fmt.Appendf(nil, `{"v":1,"id":"%d","op":"msg.send","data":{"to":%q,"random":%d,"body":{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"%d%s"}}]}}}`,
					n, to, n, time.Now().UnixNano(), padding)
				s.Write(b)
				inFlight++
				sent.Add(1)
			}
			for ; inFlight > 0; inFlight-- {
				<-s.Acks
			}
		}(i, s)
	}
	wg.Wait()
	sendTime := time.Since(start)
	total := int(sent.Load())
	deadline := time.Now().Add(30 * time.Second)
	delivered := 0
	for time.Now().Before(deadline) {
		delivered = 0
		for _, r := range receivers {
			r.mu.Lock()
			delivered += r.got
			r.mu.Unlock()
		}
		if delivered >= total {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	deliverTime := time.Since(start)
	after := stats(procs)
	if cl.memProfile != "" {
		fetchProfile(cl.memProfile, fmt.Sprintf("http://%s/debug/pprof/allocs", addrs[0]))
	}
	genCPU := selfCPUSeconds() - genCPUBefore
	var all []time.Duration
	bad := 0
	for _, r := range receivers {
		bad += r.bad
		all = append(all, r.lat...)
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	fmt.Printf("sent and acknowledged (durable): %d in %s = %.0f msg/s\n", total, sendTime.Round(time.Millisecond), float64(total)/sendTime.Seconds())
	fmt.Printf("delivered: %d in %s = %.0f msg/s\n", delivered, deliverTime.Round(time.Millisecond), float64(delivered)/deliverTime.Seconds())
	fmt.Printf("end-to-end latency (send to receiver's push): p50 %s p99 %s max %s\n",
		pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), all[len(all)-1].Round(time.Microsecond))
	fmt.Printf("lost: %d, out of order or duplicated: %d\n", total-delivered, bad)
	perK := func(cpu float64) float64 { return cpu * 1000 / float64(max(delivered, 1)) }
	var nodesCPU float64
	for i := range addrs {
		nodesCPU += after[i].CPUSeconds - before[i].CPUSeconds
	}
	fmt.Printf("load generator CPU (this process): %.2f s = %.3f s per 1,000 messages\n", genCPU, genCPU*1000/float64(max(delivered, 1)))
	fmt.Printf("server CPU: %.2f s for %d messages = %.3f s per 1,000 messages persisted and delivered (all %d node(s))\n",
		nodesCPU, delivered, perK(nodesCPU), len(addrs))
	if len(procs) > len(addrs) {
		n := len(addrs)
		natsCPU := after[n].CPUSeconds - before[n].CPUSeconds
		fmt.Printf("nats-server CPU: %.2f s = %.3f s per 1,000 messages; RSS %d KB at the end, peak %d KB\n",
			natsCPU, perK(natsCPU), after[n].RSSKB, after[n].PeakRSSKB)
	}
	for i := range addrs {
		fmt.Printf("node %d RSS (from outside): %d KB at the end, peak %d KB\n", i, after[i].RSSKB, after[i].PeakRSSKB)
	}
	fmt.Printf("load average (1 min): %s before, %s after\n", loadBefore, benchnode.LoadAverage())
	if total != delivered || bad != 0 {
		stopNodes() // os.Exit skips the deferred call
		os.Exit(1)
	}
}

// profileNode asks node 0 for a CPU profile covering most of the sending
// and writes it to path; the returned function waits for it. Nothing when
// path is empty.
func profileNode(path, addr string, dur time.Duration) (wait func()) {
	if path == "" {
		return func() {}
	}
	secs := int(dur.Seconds()) - 1
	if secs < 1 {
		secs = 1
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fetchProfile(path, fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", addr, secs))
	}()
	return func() { <-done }
}

// fetchProfile saves the profile at url to path (a failure is reported, not
// fatal: the run's figures still print).
func fetchProfile(path, url string) {
	resp, err := http.Get(url)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer resp.Body.Close()
	f, err := os.Create(path)
	if err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
		return
	}
	defer f.Close()
	if _, err := io.Copy(f, resp.Body); err != nil {
		fmt.Fprintln(os.Stderr, "profile:", err)
	}
}

// selfCPUSeconds is this process's user and system CPU time so far.
func selfCPUSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
