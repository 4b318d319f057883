// Command rest benchmarks the REST door end to end: it starts a Parley node
// in this process on a loopback listener (SQLite in a temporary directory,
// or PostgreSQL), drives it over real HTTP with concurrent clients, and
// prints requests/s and latency percentiles for friend_add, sendmsg,
// friend_check and friend_get. The node runs in a child process (this
// executable again, with -role server), so the server's CPU per request is
// read from outside it (/proc), apart from the load generator's; the load
// generator still shares the machine's cores with the server. Each phase's
// row also has the CPU of the machine's PostgreSQL processes per request
// (with -store postgres), the node's peak RSS so far (VmHWM, from outside)
// and the load average at its end, starred over 1.5. Each phase's workload
// first runs uncounted for -warmup; on PostgreSQL the bench runs ANALYZE
// after the setup and at the warm-up's end, since the tables of its fresh
// database grow from nothing faster than autovacuum looks at them
// (-analyze=false: not). With -warmup 0 the window starts at once and the
// ANALYZE runs one second into it, its CPU counted in the phase's (the
// bench's figures before the warm-up existed).
//
//	go run ./bench/rest [-store sqlite|postgres] [-dsn URL] [-users 20000] [-c 64] [-d 10s] [-warmup 1s] [-analyze=false]
package main

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/parleyim/parley/bench/benchnode"
	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/postgres"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for -analyze
	"github.com/parleyim/parley/internal/store/sqlite"
	"github.com/parleyim/parley/usersig"
)

func main() {
	storeKind := flag.String("store", "sqlite", "sqlite or postgres")
	dsn := flag.String("dsn", os.Getenv("PARLEY_BENCH_POSTGRES"), "PostgreSQL DSN for -store postgres")
	users := flag.Int("users", 20000, "accounts to create")
	conc := flag.Int("c", 64, "concurrent HTTP clients")
	dur := flag.Duration("d", 10*time.Second, "duration of each phase")
	profile := flag.String("cpuprofile", "", "write a CPU profile of the server during the friend_check phase to this file")
	analyze := flag.Bool("analyze", true, "with -store postgres: ANALYZE after the setup and at each phase's warm-up end (one second into it with -warmup 0), as autovacuum does on a database running for longer than a phase")
	role := flag.String("role", "bench", "bench, or server (the child process the bench starts)")
	warmup := flag.Duration("warmup", time.Second, "uncounted load before each phase's measured window, followed (with -store postgres and -analyze) by ANALYZE; 0: the window starts at once and ANALYZE runs one second into it, its CPU counted")
	phases := flag.String("phases", strings.Join(allPhases, ","), "the phases to run, in their fixed order")
	appFlag := flag.Uint64("app", 0, "SDKAppID (server role)")
	keyFlag := flag.String("key", "", "secret key (server role)")
	flag.Parse()

	if *role == "server" {
		serve(*storeKind, *dsn, *appFlag, *keyFlag, *profile)
		return
	}
	// Checked before the node starts: a fatal exit does not stop it.
	run := strings.Split(*phases, ",")
	for _, p := range run {
		if !slices.Contains(allPhases, p) {
			log.Fatalf("-phases: unknown phase %q (the phases: %s)", p, strings.Join(allPhases, ","))
		}
	}
	// A fresh SDKAppID per run keeps runs against one PostgreSQL database
	// from seeing each other's data.
	appID := uint64(1_500_000_000 + rand.IntN(100_000_000))
	key := fmt.Sprintf("%064x", rand.Uint64())
	addr, srv := benchnode.Start("-role", "server", "-store", *storeKind, "-dsn", *dsn,
		"-app", fmt.Sprint(appID), "-key", key, "-cpuprofile", *profile)
	defer func() { srv.Process.Signal(syscall.SIGTERM); srv.Wait() }()

	sig, _ := usersig.Generate(appID, key, "admin", 86400, time.Now())
	q := url.Values{"sdkappid": {fmt.Sprint(appID)}, "identifier": {"admin"}, "usersig": {sig}, "random": {"1"}, "contenttype": {"json"}}.Encode()
	b := &bench{addr: addr, query: q, pid: srv.Process.Pid, phases: run, warmup: max(*warmup, 0),
		client: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4}}}

	fmt.Printf("store=%s users=%d clients=%d phase=%s warmup=%s GOMAXPROCS=%d %s\n", *storeKind, *users, *conc, *dur, b.warmup, runtime.GOMAXPROCS(0), runtime.Version())
	t0 := time.Now()
	for i := 0; i < *users; i += 100 {
		batch := make([]string, 0, 100)
		for j := i; j < min(i+100, *users); j++ {
			batch = append(batch, uid(j))
		}
		b.mustOK("im_open_login_svc/multiaccount_import", map[string]any{"Accounts": batch})
	}
	fmt.Printf("setup: imported %d accounts in %s\n\n", *users, time.Since(t0).Round(time.Millisecond))
	b.postgres = *storeKind == "postgres"
	if b.postgres && *analyze {
		// A fresh database's tables grow from nothing within seconds here;
		// a running one's statistics are kept current by autovacuum, whose
		// naptime (a minute) is longer than a phase. Without them the plans
		// a phase starts with are for empty tables (scans) and stand.
		db, err := sql.Open("pgx", *dsn)
		if err != nil {
			log.Fatal(err)
		}
		defer db.Close()
		b.analyze = func() {
			if _, err := db.Exec("ANALYZE"); err != nil {
				log.Fatalf("analyze: %v", err)
			}
		}
		b.analyze()
	}
	fmt.Printf("%-14s %10s %10s %10s %10s %10s %8s %12s %11s %12s %6s\n", "api", "requests", "req/s", "p50", "p99", "max", "errors",
		"srv ms/1000", "pg ms/1000", "srv peak MB", "load")

	n := *users
	var next atomic.Int64
	// friend_add: a distinct pair per request, two-way, forced (the
	// verification path is the same query work as an accepted request).
	// Consecutive requests touch disjoint users, as independent clients do,
	// so row locks measure the engine rather than a queue on one user.
	b.phase("friend_add", *conc, *dur, func(r *rand.Rand) (string, []byte) {
		k := int(next.Add(1) - 1)
		from, off := k%n, k/n
		to := (from + n/3 + off) % n
		return "sns/friend_add", fmt.Appendf(nil, `{"From_Account":%q,"AddFriendItem":[{"To_Account":%q,"AddSource":"AddSource_Type_bench"}],"ForceAddFlags":1}`, uid(from), uid(to))
	})
	// sendmsg: an admin send between a distinct pair per request (each
	// conversation's seq row is its own, as between independent users).
	// Requests in flight together touch disjoint users, as for friend_add:
	// pairing k with k+1 made neighbouring requests share a user, whose
	// conversation clock row (bumped when a conversation opens) then queued
	// every request behind the previous one's commit.
	var sent atomic.Int64
	b.phase("sendmsg", *conc, *dur, func(r *rand.Rand) (string, []byte) {
		k := int(sent.Add(1) - 1)
		from, off := k%n, k/n
		to := (from + n/2 + 1 + off) % n
		return "openim/sendmsg", fmt.Appendf(nil, `{"SyncOtherMachine":2,"From_Account":%q,"To_Account":%q,"MsgRandom":%d,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"bench"}}]}`, uid(from), uid(to), r.Uint32())
	})
	b.phase("friend_check", *conc, *dur, func(r *rand.Rand) (string, []byte) {
		from := r.IntN(n)
		return "sns/friend_check", fmt.Appendf(nil, `{"From_Account":%q,"To_Account":[%q],"CheckType":"CheckResult_Type_Both"}`, uid(from), uid((from+1)%n))
	})
	b.phase("friend_get", *conc, *dur, func(r *rand.Rand) (string, []byte) {
		return "sns/friend_get", fmt.Appendf(nil, `{"From_Account":%q,"StartIndex":0}`, uid(r.IntN(n)))
	})
}

// serve runs the node under test (the child process) until it is killed.
// With a profile path the friend_check phase is not singled out any more:
// the profile covers the child's whole run and is written on SIGTERM.
func serve(storeKind, dsn string, appID uint64, key, profile string) {
	benchnode.ProfileFromEnv()
	ctx := context.Background()
	var st store.Store
	var err error
	switch storeKind {
	case "sqlite":
		dir, _ := os.MkdirTemp("", "parley-bench")
		defer os.RemoveAll(dir)
		sqlite.ReserveWriterProc() // as the server does
		st, err = sqlite.Open(ctx, filepath.Join(dir, "parley.db"))
	case "postgres":
		st, err = postgres.Open(ctx, dsn, 64)
	default:
		err = fmt.Errorf("unknown store %q", storeKind)
	}
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()

	a := app.New(appID, key, "admin")
	a.RateLimits = map[string]float64{}
	node, err := server.New(ctx, st, []*app.App{a}, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		log.Fatal(err)
	}
	if profile != "" {
		f, err := os.Create(profile)
		if err != nil {
			log.Fatal(err)
		}
		pprof.StartCPUProfile(f)
		sigs := make(chan os.Signal, 1)
		signal.Notify(sigs, syscall.SIGTERM)
		go func() { <-sigs; pprof.StopCPUProfile(); f.Close(); os.Exit(0) }()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ln.Addr().String())
	log.Fatal((&http.Server{Handler: node.Handler}).Serve(ln))
}

// allPhases are the bench's phases, in the order they run.
var allPhases = []string{"friend_add", "sendmsg", "friend_check", "friend_get"}

func uid(i int) string { return fmt.Sprintf("user%06d", i) }

type bench struct {
	addr, query string
	pid         int  // the server's, for its CPU time
	postgres    bool // also report PostgreSQL's own CPU
	phases      []string
	analyze     func()
	warmup      time.Duration // uncounted load before each phase's window
	client      *http.Client
}

func (b *bench) post(api string, body []byte) (map[string]any, error) {
	resp, err := b.client.Post("http://"+b.addr+"/v4/"+api+"?"+b.query, "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	err = json.NewDecoder(resp.Body).Decode(&out)
	return out, err
}

func (b *bench) mustOK(api string, body any) {
	raw, _ := json.Marshal(body)
	out, err := b.post(api, raw)
	if err != nil || out["ErrorCode"].(float64) != 0 {
		log.Fatalf("%s: %v %v", api, err, out)
	}
}

func (b *bench) phase(name string, conc int, d time.Duration, next func(*rand.Rand) (string, []byte)) {
	if !slices.Contains(b.phases, name) {
		return
	}
	var wg sync.WaitGroup
	lat := make([][]time.Duration, conc)
	var errs atomic.Int64
	// Requests are counted (latency, errors, rate) when they start inside
	// the measured window, which follows the warm-up.
	var measuring, done atomic.Bool
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			r := rand.New(rand.NewPCG(uint64(w), 42))
			c, err := dial(b.addr)
			if err != nil {
				log.Fatal(err)
			}
			defer c.c.Close()
			for !done.Load() {
				api, body := next(r)
				counted := measuring.Load()
				t := time.Now()
				resp, err := c.post("/v4/"+api+"?"+b.query, body)
				if counted {
					lat[w] = append(lat[w], time.Since(t))
				}
				if err != nil {
					log.Fatalf("%s: %v", api, err)
				}
				if counted && !succeeded(resp) {
					errs.Add(1)
				}
			}
		}(w)
	}
	if b.warmup > 0 {
		// The phase's workload runs uncounted first, then its tables'
		// statistics are taken under it: the window measures the plans of
		// a database whose statistics match its tables, as a running one
		// has from autovacuum, not the first second of a fresh database
		// whose plans were made while its tables were empty.
		time.Sleep(b.warmup)
		if b.analyze != nil {
			b.analyze()
		}
	} else if b.analyze != nil {
		wg.Go(func() {
			time.Sleep(min(time.Second, d/2))
			b.analyze()
		})
	}
	cpu0, pg0 := benchnode.Stat(b.pid).CPUSeconds, benchnode.PostgresCPUSeconds()
	start := time.Now()
	measuring.Store(true)
	time.Sleep(d)
	measuring.Store(false)
	elapsed := time.Since(start)
	end := benchnode.Stat(b.pid)
	cpu := end.CPUSeconds - cpu0
	pgCPU := benchnode.PostgresCPUSeconds() - pg0
	done.Store(true)
	wg.Wait()
	all := slices.Concat(lat...)
	pg := "-"
	if b.postgres {
		pg = fmt.Sprintf("%.0f", pgCPU*1000*1000/float64(len(all)))
	}
	slices.Sort(all)
	pct := func(p float64) time.Duration { return all[min(len(all)-1, int(float64(len(all))*p))] }
	// A load average over 1.5 is marked: the figure is not a quiet
	// machine's.
	load, busy, _ := strings.Cut(benchnode.LoadAverage(), " ")
	if busy != "" {
		load += "*"
	}
	fmt.Printf("%-14s %10d %10.0f %10s %10s %10s %8d %12.0f %11s %12.1f %6s\n", name, len(all), float64(len(all))/elapsed.Seconds(),
		pct(0.50).Round(time.Microsecond), pct(0.99).Round(time.Microsecond), all[len(all)-1].Round(time.Microsecond), errs.Load(),
		cpu*1000*1000/float64(len(all)), pg, float64(end.PeakRSSKB)/1024, load)
}
