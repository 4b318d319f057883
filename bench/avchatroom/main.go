// Command avchatroom is the AVChatRoom broadcast benchmark: one room with up
// to 19,000 connected members, senders at a fixed rate, over real
// WebSockets on loopback. The server runs in a child process of its own
// (embedded store, in-process broker); the members are spread over several
// client processes (a process may open about 20,000 files here); the
// senders, members of the room too, run in this process and send msg.send
// to the room at a fixed total rate for a fixed time.
//
// Every message's text carries its sender, its number and the send time;
// each receiver checks it gets every message of every sender once and in
// order, and records send-to-receive latency in a histogram the client
// process reports at the end. The command prints deliveries/s (first send
// to last delivery), p50/p99/max latency, the loss accounting (expected,
// delivered, missing, out of order), the server's CPU per 1,000 deliveries
// (from /proc of the server process), its RSS and the load average, and
// exits 1 on any loss or disorder.
//
//	go run ./bench/avchatroom [-members 19000] [-procs 4] [-senders 20] [-rate 20] [-duration 15s]
//
// Bench setup: the room's member rows are written by a bench-only handler
// in one transaction before anyone connects (what 19,000 group.join calls
// would leave), so the joins' member_entered pushes to everyone already in
// the room are not part of what is measured.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
	"unsafe"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/bench/benchnode"
	"github.com/parleyim/parley/internal/group"
	"github.com/parleyim/parley/internal/server"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/usersig"
)

const (
	appID = 1400000013
	key   = "eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee"
	room  = "live"
	// histogram buckets: 1 ms each up to 30 s.
	buckets = 30_000
)

func main() {
	role := flag.String("role", "main", "main, server or clients (internal)")
	members := flag.Int("members", 19_000, "connected receiving members of the room")
	procs := flag.Int("procs", 4, "client processes the members are spread over")
	senders := flag.Int("senders", 20, "sending members (in this process)")
	rate := flag.Float64("rate", 20, "messages per second, all senders together")
	duration := flag.Duration("duration", 15*time.Second, "how long the senders send")
	addr := flag.String("addr", "", "server address (clients)")
	from := flag.Int("from", 0, "first member index (clients)")
	to := flag.Int("to", 0, "member index past the last (clients)")
	flag.Parse()
	switch *role {
	case "server":
		runServer(*members, *senders)
	case "clients":
		runClients(*addr, *from, *to, *senders)
	default:
		if *members < 1 || *members > 19_500 || *procs < 1 || *senders < 1 || *senders > 200 || *rate <= 0 || *rate > 5000 ||
			*duration <= 0 || *duration > 5*time.Minute {
			log.Fatal("want 1 <= members <= 19500, procs >= 1, 1 <= senders <= 200, 0 < rate <= 5000, 0 < duration <= 5m")
		}
		runMain(*members, *procs, *senders, *rate, *duration)
	}
}

func memberID(i int) string { return fmt.Sprintf("m%05d", i) }
func senderID(i int) string { return fmt.Sprintf("s%03d", i) }

// runServer is the node, with the room and its member rows made at start.
func runServer(members, senders int) {
	benchnode.ServeWith(benchnode.NodeConfig{AppID: appID, Key: key}, func(mux *http.ServeMux, node *server.Node) {
		ctx := context.Background()
		a, _ := node.Apps.Lookup(appID)
		name := "bench"
		if _, err := node.Groups.Create(ctx, a, group.Actor{User: "admin", AppAdmin: true},
			group.CreateRequest{Type: "AVChatRoom", GroupID: room, Profile: group.Profile{Name: &name}}); err != nil {
			log.Fatal(err)
		}
		users := make([]string, 0, members+senders)
		for i := range members {
			users = append(users, memberID(i))
		}
		for i := range senders {
			users = append(users, senderID(i))
		}
		now := time.Now().Unix()
		for len(users) > 0 {
			part := users[:min(len(users), 2000)]
			users = users[len(part):]
			if err := node.Store.Write(ctx, func(tx store.Tx) error {
				for _, u := range part {
					if _, err := tx.JoinGroup(ctx, store.AppID(appID), room, u, now); err != nil {
						return err
					}
				}
				return nil
			}); err != nil {
				log.Fatal(err)
			}
		}
	})
}

// The wire text of a message: "b|<sender>|<n>|<unix ns at send>".
func messageText(sender, n int, at time.Time) string {
	return "b|" + strconv.Itoa(sender) + "|" + strconv.Itoa(n) + "|" + strconv.FormatInt(at.UnixNano(), 10)
}

// clientResult is what a client process reports.
type clientResult struct {
	Members   int     `json:"members"`
	Delivered int64   `json:"delivered"`
	Disorder  int64   `json:"disorder"` // out of order or repeated
	PerSender []int64 `json:"perSender"`
	// Missing is, over members, the messages of each sender below the
	// highest number the sender reached that a member never got.
	FirstNs int64   `json:"firstNs"`
	LastNs  int64   `json:"lastNs"`
	Hist    []int64 `json:"hist"`
	Closed  int     `json:"closed"` // connections that ended early
}

// member is one receiving connection; only its reader goroutine touches it.
type member struct {
	next    []int // per sender, the number expected next
	closed  bool
	partial []byte // an incomplete frame's bytes, read and not yet handled (readLoop)
	// Counted by the member's own reader: shared counters would have every
	// reader of the process contend for one cache line per delivery.
	delivered atomic.Int64
	firstNs   atomic.Int64
	lastNs    atomic.Int64
}

var (
	hist     [buckets + 1]atomic.Int64
	disorder atomic.Int64
)

// read parses frames off a small buffer with no per-frame allocation but
// the payload buffer's growth: the clients share the two cores with the
// server they measure.
func (m *member) read(nc net.Conn, loggedIn chan<- error) {
	br := bufio.NewReaderSize(nc, 8192)
	var buf []byte
	login := true
	for {
		hdr, err := ws.ReadHeader(br)
		if err != nil {
			m.closed = true
			if login {
				loggedIn <- err
			}
			return
		}
		if cap(buf) < int(hdr.Length) {
			buf = make([]byte, hdr.Length)
		}
		buf = buf[:hdr.Length]
		if _, err := io.ReadFull(br, buf); err != nil {
			m.closed = true
			return
		}
		if hdr.OpCode != ws.OpText {
			continue
		}
		if login {
			if indexOf(buf, []byte(`"code":0`)) < 0 {
				loggedIn <- fmt.Errorf("login failed: %s", buf)
				return
			}
			login = false
			loggedIn <- nil
			continue
		}
		m.message(buf, time.Now().UnixNano())
	}
}

func indexOf(b, sub []byte) int { return bytes.Index(b, sub) }

// number reads decimal digits and skips the '|' after them.
func number(b []byte) (int, []byte) {
	n, i := 0, 0
	for ; i < len(b) && b[i] >= '0' && b[i] <= '9'; i++ {
		n = n*10 + int(b[i]-'0')
	}
	if i < len(b) && b[i] == '|' {
		i++
	}
	return n, b[i:]
}

func login(addr, user string, m *member) net.Conn {
	nc := dialWS(addr)
	ok := make(chan error, 1)
	go m.read(nc, ok)
	sendLogin(nc, user)
	if err := <-ok; err != nil {
		log.Fatal(err)
	}
	return nc
}

func sendLogin(nc net.Conn, user string) {
	sig, _ := usersig.Generate(appID, key, user, 86400, time.Now())
	b, _ := json.Marshal(map[string]any{"v": 1, "id": "login", "op": "login",
		"data": map[string]string{"userID": user, "userSig": sig, "platform": "Android"}})
	if err := wsutil.WriteClientText(nc, b); err != nil {
		log.Fatal(err)
	}
}

// loginRaw logs user in reading exactly the login answer's bytes (nothing
// past it leaves the kernel's socket buffer) and returns the socket's
// descriptor, non-blocking, for the process's epoll loop; the net.Conn is
// closed (the descriptor is a duplicate of its socket).
func loginRaw(addr, user string) int {
	nc := dialWS(addr)
	sendLogin(nc, user)
	for {
		hdr, err := ws.ReadHeader(nc)
		if err != nil {
			log.Fatalf("login %s: %v", user, err)
		}
		buf := make([]byte, hdr.Length)
		if _, err := io.ReadFull(nc, buf); err != nil {
			log.Fatalf("login %s: %v", user, err)
		}
		if hdr.OpCode != ws.OpText || !bytes.Contains(buf, []byte(`"id":"login"`)) {
			continue
		}
		if !bytes.Contains(buf, []byte(`"code":0`)) {
			log.Fatalf("login %s failed: %s", user, buf)
		}
		break
	}
	f, err := nc.(*net.TCPConn).File()
	if err != nil {
		log.Fatal(err)
	}
	fd, err := syscall.Dup(int(f.Fd()))
	if err != nil {
		log.Fatal(err)
	}
	f.Close()
	nc.Close()
	if err := syscall.SetNonblock(fd, true); err != nil {
		log.Fatal(err)
	}
	return fd
}

// readLoop reads every member's socket from one epoll set in one
// goroutine: per ready socket one read into a shared buffer, the complete
// frames in it handled there and a partial one kept on the member. The
// generator shares the two cores with the server it measures, and a
// goroutine per socket costs a wake-up, a park and a second read that
// finds nothing per delivery pass. The set is polled without waiting (raw
// system calls that never block) and the loop sleeps a millisecond when
// nothing is ready, so one wake-up handles every socket that became ready
// meanwhile; a latency is measured up to a millisecond late, never early.
func readLoop(members []*member, fds []int) {
	epfd, err := syscall.EpollCreate1(syscall.EPOLL_CLOEXEC)
	if err != nil {
		log.Fatal(err)
	}
	for i, fd := range fds {
		ev := syscall.EpollEvent{Events: syscall.EPOLLIN | syscall.EPOLLRDHUP, Fd: int32(i)}
		if err := syscall.EpollCtl(epfd, syscall.EPOLL_CTL_ADD, fd, &ev); err != nil {
			log.Fatal(err)
		}
	}
	events := make([]syscall.EpollEvent, 512)
	buf := make([]byte, 256<<10)
	for {
		r, _, errno := syscall.RawSyscall6(syscall.SYS_EPOLL_PWAIT, uintptr(epfd),
			uintptr(unsafe.Pointer(&events[0])), uintptr(len(events)), 0, 0, 0)
		n := int(r)
		if errno == syscall.EINTR || (errno == 0 && n == 0) {
			time.Sleep(time.Millisecond)
			continue
		}
		if errno != 0 {
			log.Fatal(errno)
		}
		now := time.Now().UnixNano()
		for _, ev := range events[:n] {
			i := int(ev.Fd)
			m := members[i]
			r, _, errno := syscall.RawSyscall(syscall.SYS_READ, uintptr(fds[i]), uintptr(unsafe.Pointer(&buf[0])), uintptr(len(buf)))
			if errno == syscall.EAGAIN || errno == syscall.EINTR {
				continue
			}
			got := int(r)
			if errno != 0 || got == 0 {
				m.closed = true
				syscall.EpollCtl(epfd, syscall.EPOLL_CTL_DEL, fds[i], nil)
				syscall.Close(fds[i])
				continue
			}
			m.consume(buf[:got], now)
		}
	}
}

// consume handles the complete server frames (unmasked) in b, after what
// was left of the last read, and keeps a partial one's bytes.
func (m *member) consume(b []byte, now int64) {
	if len(m.partial) > 0 {
		m.partial = append(m.partial, b...)
		b = m.partial
	}
frames:
	for len(b) >= 2 {
		length, head := int(b[1]&0x7f), 2
		switch length {
		case 126:
			if len(b) < 4 {
				break frames
			}
			length, head = int(b[2])<<8|int(b[3]), 4
		case 127:
			if len(b) < 10 {
				break frames
			}
			length, head = 0, 10
			for _, x := range b[2:10] {
				length = length<<8 | int(x)
			}
		}
		if head+length > len(b) {
			break
		}
		if ws.OpCode(b[0]&0x0f) == ws.OpText {
			m.message(b[head:head+length], now)
		}
		b = b[head+length:]
	}
	// What is left is a frame's start: kept (copied: b may be the shared
	// read buffer).
	m.partial = append(m.partial[:0], b...)
}

var marker = []byte(`"Text":"b|`)

// message checks one pushed frame's payload and counts its delivery.
func (m *member) message(buf []byte, now int64) {
	i := bytes.Index(buf, marker)
	if i < 0 {
		return
	}
	rest := buf[i+len(marker):]
	s, rest := number(rest)
	n, rest := number(rest)
	at, _ := number(rest)
	if s < len(m.next) {
		if n != m.next[s] {
			disorder.Add(1)
		}
		m.next[s] = n + 1
	}
	lat := (now - int64(at)) / int64(time.Millisecond)
	hist[min(max(lat, 0), buckets)].Add(1)
	if m.delivered.Add(1) == 1 {
		m.firstNs.Store(now)
	}
	m.lastNs.Store(now)
}

// runClients holds members [from, to): it logs them in, says "ready", and
// on "stop" on stdin reports its clientResult as one JSON line.
func runClients(addr string, from, to, senders int) {
	members := make([]*member, to-from)
	fds := make([]int, len(members))
	sem := make(chan struct{}, 32)
	var wg sync.WaitGroup
	for i := range members {
		members[i] = &member{next: make([]int, senders)}
		sem <- struct{}{}
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			defer func() { <-sem }()
			fds[i] = loginRaw(addr, memberID(from+i))
		}(i)
	}
	wg.Wait()
	go readLoop(members, fds)
	fmt.Fprintf(os.Stderr, "client process: members %d to %d logged in\n", from, to)
	fmt.Println("ready")
	// "poll" answers the deliveries so far; "stop" the result.
	in := bufio.NewScanner(os.Stdin)
	deliveredSoFar := func() (n int64) {
		for _, m := range members {
			n += m.delivered.Load()
		}
		return n
	}
	for in.Scan() && in.Text() != "stop" {
		fmt.Println(deliveredSoFar())
	}
	res := clientResult{Members: len(members), Delivered: deliveredSoFar(), Disorder: disorder.Load(),
		PerSender: make([]int64, senders), Hist: make([]int64, buckets+1)}
	for _, m := range members {
		if f := m.firstNs.Load(); f != 0 && (res.FirstNs == 0 || f < res.FirstNs) {
			res.FirstNs = f
		}
		res.LastNs = max(res.LastNs, m.lastNs.Load())
		if m.closed {
			res.Closed++
		}
		for s, n := range m.next {
			res.PerSender[s] += int64(n)
		}
	}
	for i := range res.Hist {
		res.Hist[i] = hist[i].Load()
	}
	json.NewEncoder(os.Stdout).Encode(res)
}

type clientProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	out   *bufio.Reader
}

func runMain(members, procs, senders int, rate float64, duration time.Duration) {
	addr, srv := benchnode.Start("-role", "server", "-members", strconv.Itoa(members), "-senders", strconv.Itoa(senders))
	defer srv.Process.Kill()
	fmt.Printf("AVChatRoom benchmark: %d members online in %d client processes, %d senders at %.0f msg/s for %s (%d deliveries/s offered), %s, GOMAXPROCS=%d\n",
		members, procs, senders, rate, duration, int(rate*float64(members)), runtime.Version(), runtime.GOMAXPROCS(0))

	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	loginStart := time.Now()
	var clients []*clientProc
	per := (members + procs - 1) / procs
	for from := 0; from < members; from += per {
		to := min(from+per, members)
		cmd := exec.Command(self, "-role", "clients", "-addr", addr, "-from", strconv.Itoa(from), "-to", strconv.Itoa(to),
			"-senders", strconv.Itoa(senders))
		cmd.Stderr = os.Stderr
		// A client process ends with this one, however this one ends.
		cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
		stdin, _ := cmd.StdinPipe()
		stdout, _ := cmd.StdoutPipe()
		if err := cmd.Start(); err != nil {
			log.Fatal(err)
		}
		defer cmd.Process.Kill()
		clients = append(clients, &clientProc{cmd: cmd, stdin: stdin, out: bufio.NewReaderSize(stdout, 1<<20)})
	}
	for _, c := range clients {
		if line, err := c.out.ReadString('\n'); err != nil || strings.TrimSpace(line) != "ready" {
			log.Fatalf("client process: %q %v", line, err)
		}
	}
	// The senders: members too, each receiving the others' messages (not
	// counted: the receivers above are the measure).
	conns := make([]net.Conn, senders)
	for i := range conns {
		conns[i] = login(addr, senderID(i), &member{next: make([]int, senders)})
	}
	fmt.Printf("logged in: %d connections in %s\n", members+senders, time.Since(loginStart).Round(time.Millisecond))
	runtime.GC()
	time.Sleep(2 * time.Second) // let the logins' garbage and goroutines settle

	loadBefore := benchnode.LoadAverage()
	before := benchnode.Stat(srv.Process.Pid)
	clientCPU := func() float64 {
		cpu := benchnode.Stat(os.Getpid()).CPUSeconds
		for _, c := range clients {
			cpu += benchnode.Stat(c.cmd.Process.Pid).CPUSeconds
		}
		return cpu
	}
	clientsBefore := clientCPU()
	start := time.Now()
	sent := make([]int, senders)
	var wg sync.WaitGroup
	interval := time.Duration(float64(time.Second) * float64(senders) / rate)
	for s := range senders {
		wg.Add(1)
		go func(s int) {
			defer wg.Done()
			// Staggered so the senders do not all send at once.
			next := start.Add(interval * time.Duration(s) / time.Duration(senders))
			for n := 0; ; n++ {
				time.Sleep(time.Until(next))
				now := time.Now()
				if now.Sub(start) >= duration {
					return
				}
				b, _ := json.Marshal(map[string]any{"v": 1, "id": strconv.Itoa(n), "op": "msg.send", "data": map[string]any{
					"groupID": room, "random": n, "body": map[string]any{"MsgBody": []any{map[string]any{
						"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": messageText(s, n, now)}}}}}})
				if err := wsutil.WriteClientText(conns[s], b); err != nil {
					log.Fatal(err)
				}
				sent[s] = n + 1
				next = next.Add(interval)
			}
		}(s)
	}
	wg.Wait()
	totalSent := 0
	for _, n := range sent {
		totalSent += n
	}
	expected := int64(totalSent) * int64(members)
	// Drain: wait until every expected delivery arrived, or until none
	// arrived for 5 s (what is missing then is lost), at most 60 s; the
	// server is measured until then.
	var got, last int64
	lastChange := time.Now()
	for drainStart := time.Now(); time.Since(drainStart) < time.Minute; time.Sleep(250 * time.Millisecond) {
		got = 0
		for _, c := range clients {
			io.WriteString(c.stdin, "poll\n")
			line, err := c.out.ReadString('\n')
			n, perr := strconv.ParseInt(strings.TrimSpace(line), 10, 64)
			if err != nil || perr != nil {
				log.Fatalf("client poll: %q %v %v", line, err, perr)
			}
			got += n
		}
		if got != last {
			last, lastChange = got, time.Now()
		}
		if got >= expected || time.Since(lastChange) > 5*time.Second {
			break
		}
	}
	after := benchnode.Stat(srv.Process.Pid)
	clientsUsed := clientCPU() - clientsBefore
	loadAfter := benchnode.LoadAverage()
	var total clientResult
	total.Hist = make([]int64, buckets+1)
	total.PerSender = make([]int64, senders)
	for _, c := range clients {
		io.WriteString(c.stdin, "stop\n")
		var r clientResult
		line, err := c.out.ReadBytes('\n')
		if err != nil || json.Unmarshal(line, &r) != nil {
			log.Fatalf("client result: %v %q", err, line)
		}
		total.Members += r.Members
		total.Delivered += r.Delivered
		total.Disorder += r.Disorder
		total.Closed += r.Closed
		for i := range r.PerSender {
			total.PerSender[i] += r.PerSender[i]
		}
		for i, n := range r.Hist {
			total.Hist[i] += n
		}
		if r.FirstNs != 0 && (total.FirstNs == 0 || r.FirstNs < total.FirstNs) {
			total.FirstNs = r.FirstNs
		}
		total.LastNs = max(total.LastNs, r.LastNs)
	}
	// Every member's next number per sender is what it got of that sender
	// if nothing was lost or reordered: the sum against sent × members.
	var reached int64
	for _, n := range total.PerSender {
		reached += n
	}
	pct := func(p float64) int {
		want := int64(float64(total.Delivered) * p)
		var seen int64
		for i, n := range total.Hist {
			if seen += n; seen > want {
				return i
			}
		}
		return buckets
	}
	maxMs := 0
	for i, n := range total.Hist {
		if n > 0 {
			maxMs = i
		}
	}
	elapsed := time.Duration(total.LastNs - start.UnixNano())
	fmt.Printf("sent: %d messages in %s (%.1f msg/s)\n", totalSent, duration, float64(totalSent)/duration.Seconds())
	fmt.Printf("delivered: %d of %d expected in %s = %.0f deliveries/s (first send to last delivery)\n",
		total.Delivered, expected, elapsed.Round(time.Millisecond), float64(total.Delivered)/elapsed.Seconds())
	fmt.Printf("send-to-receive: p50 %d ms, p99 %d ms, max %d ms (1 ms buckets)\n", pct(0.50), pct(0.99), maxMs)
	fmt.Printf("loss: %d missing, %d out of order or repeated, %d member connections closed early; per-sender check %d of %d\n",
		expected-total.Delivered, total.Disorder, total.Closed, reached, expected)
	cpu := after.CPUSeconds - before.CPUSeconds
	fmt.Printf("server CPU: %.2f s over the run = %.2f ms per 1,000 deliveries; RSS %d KB (peak %d KB)\n",
		cpu, cpu*1e6/float64(max(total.Delivered, 1)), after.RSSKB, after.PeakRSSKB)
	fmt.Printf("load generator CPU (senders and client processes): %.2f s; elapsed %s\n", clientsUsed, elapsed.Round(time.Millisecond))
	fmt.Printf("load average (1 min): %s before, %s after\n", loadBefore, loadAfter)
	if total.Delivered != expected || total.Disorder != 0 || total.Closed != 0 || reached != expected {
		srv.Process.Kill() // os.Exit runs no deferred kill
		os.Exit(1)
	}
}

func dialWS(addr string) net.Conn {
	for attempt := 0; ; attempt++ {
		nc, _, _, err := ws.Dial(context.Background(), fmt.Sprintf("ws://%s/v1/ws?sdkappid=%d", addr, appID))
		if err == nil {
			return nc
		}
		if attempt == 20 {
			log.Fatal(err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}
