// Command groupsend is the group messaging benchmark of the groups issue: a
// server process (embedded store or PostgreSQL) and a load generator
// holding the online members of one large group over real WebSockets on
// loopback. Senders spread over the online members send real group
// messages (msg.send with a groupID: stored once, per-group seq, answered
// once durable) at a fixed total rate; every online member other than the
// sender receives each one. The command reports the deliveries per second
// counted at the receivers, the send-to-receive latency (p50, p99, max),
// the server's own CPU per 1,000 deliveries and its memory read from
// outside, and the load average. Every receiver must see the group's seqs
// strictly ascending, and every message but its own, or the command exits 1.
//
//	go run ./bench/groupsend [-members 10000] [-online 2000] [-senders 20] [-rate 100] [-d 10s]
//	go run ./bench/groupsend -store postgres -dsn URL
//
// The group is Public (unread counted for every member); the app raises the
// type's member cap to -members (group_member_caps) and, as the other
// benchmarks' app, has no rate limits. Setup goes through the REST API
// (multiaccount_import, create_group, add_group_member in pages of 100).
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parleyim/parley/bench/benchclient"
	"github.com/parleyim/parley/bench/benchnode"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/usersig"
)

const (
	appID   = 1400000013
	key     = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	groupID = "bench"
)

func main() {
	role := flag.String("role", "main", "main or server (internal)")
	members := flag.Int("members", 10_000, "members of the group")
	online := flag.Int("online", 2_000, "members online (the first ones)")
	senders := flag.Int("senders", 20, "online members that send, spread evenly over the online ones")
	rate := flag.Float64("rate", 100, "messages per second, all senders together")
	dur := flag.Duration("d", 10*time.Second, "how long senders send")
	groupType := flag.String("type", "Public", "group type (REST name): Public, ChatRoom (Meeting), Community, Private (Work)")
	storeName := flag.String("store", "sqlite", "sqlite (embedded) or postgres")
	dsn := flag.String("dsn", os.Getenv("PARLEY_BENCH_POSTGRES"), "PostgreSQL admin DSN for -store postgres (the run's database is created next to it)")
	flag.Parse()
	if *role == "server" {
		runServer(*members, *dsn)
		return
	}
	if *online > *members || *senders > *online || *senders < 1 || *rate <= 0 {
		log.Fatal("need 1 <= senders <= online <= members and a positive rate")
	}
	runMain(*members, *online, *senders, *rate, *dur, *groupType, *storeName, *dsn)
}

func runServer(members int, dsn string) {
	raise := func(a *app.App) {
		caps := map[string]int{}
		for _, t := range []string{"Private", "Public", "ChatRoom", "Community"} {
			caps[t] = max(members, 1)
		}
		a.GroupMemberCaps = caps
	}
	benchnode.ServeWith(benchnode.NodeConfig{AppID: appID, Key: key, PostgresDSN: dsn, Configure: raise}, nil)
}

func member(i int) string { return fmt.Sprintf("m%05d", i) }

type restClient struct {
	base, query string
	hc          *http.Client
}

func newREST(addr string) *restClient {
	sig, _ := usersig.Generate(appID, key, "admin", 86400, time.Now())
	q := url.Values{"sdkappid": {fmt.Sprint(appID)}, "identifier": {"admin"}, "usersig": {sig}, "random": {"1"}, "contenttype": {"json"}}
	return &restClient{base: "http://" + addr + "/v4/", query: "?" + q.Encode(), hc: &http.Client{}}
}

func (r *restClient) mustOK(api string, body any) {
	b, _ := json.Marshal(body)
	resp, err := r.hc.Post(r.base+api+r.query, "application/json", bytes.NewReader(b))
	if err != nil {
		log.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		ErrorCode  int
		ErrorInfo  string
		MemberList []struct{ Result int }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || out.ErrorCode != 0 {
		log.Fatalf("%s: %d %s %v", api, out.ErrorCode, out.ErrorInfo, err)
	}
	for _, m := range out.MemberList {
		if m.Result != 1 {
			log.Fatalf("%s: a member was not added (result %d)", api, m.Result)
		}
	}
}

// setup imports the accounts and makes the group of n members.
func setup(addr string, n int, groupType string) {
	r := newREST(addr)
	for i := 0; i < n; i += 100 {
		var accts []string
		for j := i; j < min(n, i+100); j++ {
			accts = append(accts, member(j))
		}
		r.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": accts})
	}
	r.mustOK("group_open_http_svc/create_group", map[string]any{"Owner_Account": member(0), "Type": groupType,
		"GroupId": groupID, "Name": "bench", "MaxMemberNum": n, "ApplyJoinOption": "FreeAccess"})
	for i := 1; i < n; i += 100 {
		var list []map[string]string
		for j := i; j < min(n, i+100); j++ {
			list = append(list, map[string]string{"Member_Account": member(j)})
		}
		r.mustOK("group_open_http_svc/add_group_member", map[string]any{"GroupId": groupID, "Silence": 1, "MemberList": list})
	}
}

// receiver is what one online member saw: the seqs in arrival order and
// each message's send-to-receive latency.
type receiver struct {
	mu   sync.Mutex
	seqs []uint64
	lat  []time.Duration
}

func runMain(members, online, senders int, rate float64, dur time.Duration, groupType, storeName, dsn string) {
	args := []string{"-role", "server", "-members", fmt.Sprint(members)}
	switch storeName {
	case "sqlite":
	case "postgres":
		if dsn == "" {
			log.Fatal("-store postgres needs -dsn or PARLEY_BENCH_POSTGRES")
		}
		runDSN, drop := benchnode.FreshPostgresDB(dsn)
		defer drop()
		args = append(args, "-dsn", runDSN)
	default:
		log.Fatalf("unknown -store %q", storeName)
	}
	addr, srv := benchnode.Start(args...)
	stopServer := func() { srv.Process.Kill(); srv.Wait() }
	defer stopServer()
	fmt.Printf("group send benchmark: a %s group of %d members, %d online, %d senders, %.0f msg/s offered (%.0f deliveries/s), %s, store %s, %s, GOMAXPROCS=%d\n",
		groupType, members, online, senders, rate, rate*float64(online-1), dur, storeName, runtime.Version(), runtime.GOMAXPROCS(0))
	t0 := time.Now()
	setup(addr, members, groupType)
	fmt.Printf("setup (REST: accounts, group, members): %s\n", time.Since(t0).Round(time.Millisecond))

	receivers := make([]*receiver, online)
	peers := make([]*benchclient.Peer, online)
	for i := range online {
		r := &receiver{}
		receivers[i] = r
		peers[i] = benchclient.Dial(addr, appID, key, member(i), func(msg []byte) {
			// Byte scanning, not JSON decoding: the generator shares the
			// two cores with the server it measures.
			seq := benchclient.MustNumberAfter(msg, `"seq":`)
			sentNs := benchclient.MustNumberAfter(msg, `"Text":"`)
			lat := time.Duration(time.Now().UnixNano() - int64(sentNs))
			r.mu.Lock()
			r.seqs = append(r.seqs, seq)
			r.lat = append(r.lat, lat)
			r.mu.Unlock()
		})
	}
	fmt.Printf("%d members logged in\n", online)

	// Each sender sends at rate/senders on its own ticker; a send's answer
	// (the message's seq) is read in the background so a slow commit never
	// holds the schedule back.
	senderOf := make(map[uint64]int) // seq -> online index of its sender
	var senderMu sync.Mutex
	var sent, acked atomic.Int64
	var wg sync.WaitGroup
	loadBefore := benchnode.LoadAverage()
	before := benchnode.Stat(srv.Process.Pid)
	start := time.Now()
	stop := start.Add(dur)
	interval := time.Duration(float64(time.Second) * float64(senders) / rate)
	for s := range senders {
		idx := s * (online / senders)
		p := peers[idx]
		wg.Add(2)
		n := make(chan int, 1)
		go func() {
			defer wg.Done()
			count := 0
			// Stagger the senders over one interval.
			next := start.Add(interval * time.Duration(s) / time.Duration(senders))
			for ; next.Before(stop); next = next.Add(interval) {
				time.Sleep(time.Until(next))
				b := fmt.Appendf(nil, `{"v":1,"id":"%d","op":"msg.send","data":{"groupID":%q,"random":%d,"body":{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"%d"}}]}}}`,
					count, groupID, count, time.Now().UnixNano())
				p.Write(b)
				count++
				sent.Add(1)
			}
			n <- count
		}()
		go func() {
			defer wg.Done()
			want := -1
			for got := 0; want < 0 || got < want; {
				select {
				case seq := <-p.Acks:
					senderMu.Lock()
					senderOf[seq] = idx
					senderMu.Unlock()
					acked.Add(1)
					got++
				case want = <-n:
				}
			}
		}()
	}
	wg.Wait()
	sendTime := time.Since(start)
	total := int(acked.Load())
	// Every online member receives every message but its own (a sender's
	// session is not sent what it sent).
	expected := total * (online - 1)
	deadline := time.Now().Add(60 * time.Second)
	delivered := 0
	for time.Now().Before(deadline) {
		delivered = 0
		for _, r := range receivers {
			r.mu.Lock()
			delivered += len(r.seqs)
			r.mu.Unlock()
		}
		if delivered >= expected {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	deliverTime := time.Since(start)
	after := benchnode.Stat(srv.Process.Pid)
	loadAfter := benchnode.LoadAverage()

	var all []time.Duration
	disorder, lost := 0, 0
	for i, r := range receivers {
		r.mu.Lock()
		all = append(all, r.lat...)
		have := make(map[uint64]bool, len(r.seqs))
		for j, seq := range r.seqs {
			if j > 0 && seq <= r.seqs[j-1] {
				disorder++
			}
			have[seq] = true
		}
		r.mu.Unlock()
		for seq, idx := range senderOf {
			if idx != i && !have[seq] {
				lost++
			}
		}
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration {
		if len(all) == 0 {
			return 0
		}
		return all[min(len(all)-1, int(float64(len(all))*p))]
	}
	cpu := after.CPUSeconds - before.CPUSeconds
	fmt.Printf("sent and acknowledged (durable): %d of %d in %s = %.0f msg/s\n", total, sent.Load(), sendTime.Round(time.Millisecond), float64(total)/sendTime.Seconds())
	fmt.Printf("delivered: %d of %d in %s = %.0f deliveries/s\n", delivered, expected, deliverTime.Round(time.Millisecond), float64(delivered)/deliverTime.Seconds())
	fmt.Printf("send-to-receive latency: p50 %s p99 %s max %s\n", pct(0.5).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), pct(1).Round(time.Microsecond))
	fmt.Printf("lost: %d, out of order or duplicated: %d\n", lost, disorder)
	fmt.Printf("server CPU: %.2f s = %.3f s per 1,000 deliveries (%.1f ms per message sent)\n", cpu, cpu*1000/float64(max(delivered, 1)), cpu*1000/float64(max(total, 1)))
	fmt.Printf("server RSS (from outside): %d KB at the end, peak %d KB\n", after.RSSKB, after.PeakRSSKB)
	fmt.Printf("load average (1 min): %s before, %s after\n", loadBefore, loadAfter)
	if lost != 0 || disorder != 0 || total != int(sent.Load()) {
		stopServer() // os.Exit skips the deferred call
		os.Exit(1)
	}
}
