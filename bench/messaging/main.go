// Command messaging is the one-to-one messaging benchmark: a server process
// (embedded store), and a load generator process speaking the real protocol
// for N sender/receiver pairs. Each message is acknowledged to its sender
// only once durable; the generator checks that every receiver got every
// message exactly once and in seq order, and prints sent/s, delivered/s and
// the end-to-end latency (send to the receiver's push).
//
//	go run ./bench/messaging [-pairs 200] [-window 8] [-d 10s]
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/bench/benchnode"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/usersig"
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
	flag.Parse()
	if *role == "server" {
		runServer()
		return
	}
	runMain(*pairs, *window, *dur)
}

func runServer() {
	benchnode.Serve(appID, key, func(mux *http.ServeMux, _ *server.Node) {
		if os.Getenv("PARLEY_BENCH_PPROF") != "" {
			mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
			fmt.Fprintln(os.Stderr, "pprof enabled")
		}
	})
}

// peer is one raw protocol connection with a reader goroutine.
type peer struct {
	nc      net.Conn
	wmu     sync.Mutex
	acks    chan struct{}
	onPush  func(msg []byte)
	loginOK chan struct{}
}

func dial(addr, user string, onPush func([]byte)) *peer {
	nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appID))
	if err != nil {
		log.Fatal(err)
	}
	p := &peer{nc: nc, acks: make(chan struct{}, 1024), onPush: onPush, loginOK: make(chan struct{})}
	go p.read()
	sig, _ := usersig.Generate(appID, key, user, 86400, time.Now())
	b, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login", "data": map[string]string{"userID": user, "userSig": sig, "platform": "Android"}})
	p.write(b)
	<-p.loginOK
	return p
}

func (p *peer) write(b []byte) {
	p.wmu.Lock()
	defer p.wmu.Unlock()
	if err := wsutil.WriteClientText(p.nc, b); err != nil {
		log.Fatal(err)
	}
}

var (
	pushMark  = []byte(`"push":"msg.new"`)
	loginMark = []byte(`"id":"login"`)
	okMark    = []byte(`"code":0,`)
)

func (p *peer) read() {
	for {
		msg, _, err := wsutil.ReadServerData(p.nc)
		if err != nil {
			return
		}
		switch {
		case bytes.Contains(msg, pushMark):
			if p.onPush != nil {
				p.onPush(msg)
			}
		case bytes.Contains(msg, []byte(`"push"`)):
		case bytes.Contains(msg, loginMark):
			close(p.loginOK)
		default:
			if !bytes.Contains(msg, okMark) {
				log.Fatalf("send failed: %s", msg)
			}
			p.acks <- struct{}{}
		}
	}
}

func numberAfter(b []byte, marker string) uint64 {
	i := bytes.Index(b, []byte(marker))
	if i < 0 {
		log.Fatalf("no %s in %s", marker, b)
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

type receiver struct {
	mu      sync.Mutex
	nextSeq uint64
	got     int
	bad     int
	lat     []time.Duration
}

func runMain(pairs, window int, dur time.Duration) {
	server.TuneRuntime() // the generator allocates per message too
	addr, srv := benchnode.Start("-role", "server")
	defer srv.Process.Kill()
	fmt.Printf("messaging benchmark: %d pairs, %d in flight per sender, %s of sending, %s, GOMAXPROCS=%d\n",
		pairs, window, dur, runtime.Version(), runtime.GOMAXPROCS(0))

	receivers := make([]*receiver, pairs)
	senders := make([]*peer, pairs)
	for i := 0; i < pairs; i++ {
		r := &receiver{nextSeq: 1}
		receivers[i] = r
		dial(addr, fmt.Sprintf("rcv%05d", i), func(msg []byte) {
			// Byte scanning, not JSON decoding: the generator shares the two
			// cores with the server it measures.
			seq := numberAfter(msg, `"seq":`)
			sentNs := numberAfter(msg, `"Text":"`)
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
		senders[i] = dial(addr, fmt.Sprintf("snd%05d", i), nil)
	}

	var sent atomic.Int64
	var wg sync.WaitGroup
	loadBefore := benchnode.LoadAverage()
	before := benchnode.Stat(srv.Process.Pid)
	start := time.Now()
	stop := start.Add(dur)
	for i, s := range senders {
		wg.Add(1)
		go func(i int, s *peer) {
			defer wg.Done()
			to := fmt.Sprintf("rcv%05d", i)
			inFlight := 0
			for n := 0; time.Now().Before(stop); n++ {
				for inFlight >= window {
					<-s.acks
					inFlight--
				}
				b := fmt.Appendf(nil, `{"v":1,"id":"%d","op":"msg.send","data":{"to":%q,"random":%d,"body":{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"%d"}}]}}}`,
					n, to, n, time.Now().UnixNano())
				s.write(b)
				inFlight++
				sent.Add(1)
			}
			for ; inFlight > 0; inFlight-- {
				<-s.acks
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
	after := benchnode.Stat(srv.Process.Pid)
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
	cpu := after.CPUSeconds - before.CPUSeconds
	fmt.Printf("server CPU: %.2f s for %d messages = %.3f s per 1,000 messages persisted and delivered\n", cpu, delivered, cpu*1000/float64(max(delivered, 1)))
	fmt.Printf("server RSS (from outside): %d KB at the end, peak %d KB\n", after.RSSKB, after.PeakRSSKB)
	fmt.Printf("load average (1 min): %s before, %s after\n", loadBefore, benchnode.LoadAverage())
	if total != delivered || bad != 0 {
		os.Exit(1)
	}
}
