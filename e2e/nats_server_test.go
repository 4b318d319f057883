package e2e

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// natsServer is a real nats-server process on a fixed loopback port, as an
// operator runs it beside the nodes: the process tests can stop it and
// start it again on the same port (the nodes' NATS clients reconnect to the
// URL they were given).
type natsServer struct {
	t    *testing.T
	bin  string
	port int
	dir  string // the server's working directory (store dir), removed by the test
	cmd  *exec.Cmd
	// exited is closed when the running process has been waited for (one
	// goroutine owns cmd.Wait).
	exited chan struct{}
	out    *syncBuffer
}

// natsServerBinary finds the nats-server executable: PARLEY_E2E_NATS_SERVER
// (a path), else nats-server on PATH, else $(go env GOPATH)/bin/nats-server
// where `go install` puts it. Without one the test skips, or fails when
// PARLEY_REQUIRE_NATS=1 (scripts/test.sh installs it and sets that, so CI
// cannot skip the cluster tests silently).
func natsServerBinary(t *testing.T) string {
	t.Helper()
	if p := os.Getenv("PARLEY_E2E_NATS_SERVER"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("PARLEY_E2E_NATS_SERVER=%s: %v", p, err)
		}
		return p
	}
	if p, err := exec.LookPath("nats-server"); err == nil {
		return p
	}
	if out, err := exec.Command("go", "env", "GOPATH").Output(); err == nil {
		for _, dir := range strings.Split(strings.TrimSpace(string(out)), string(os.PathListSeparator)) {
			p := dir + "/bin/nats-server"
			if _, err := os.Stat(p); err == nil {
				return p
			}
		}
	}
	const how = "no nats-server binary (set PARLEY_E2E_NATS_SERVER, or `go install github.com/nats-io/nats-server/v2@v2.15.2`, or apt-get install nats-server)"
	if os.Getenv("PARLEY_REQUIRE_NATS") == "1" {
		t.Fatal(how + " and PARLEY_REQUIRE_NATS=1")
	}
	t.Skip(how)
	return ""
}

// startNATSServer runs nats-server on a free loopback port and stops it when
// the test ends.
func startNATSServer(t *testing.T) *natsServer {
	t.Helper()
	bin := natsServerBinary(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	n := &natsServer{t: t, bin: bin, port: port, dir: t.TempDir()}
	t.Cleanup(n.stop)
	n.start()
	return n
}

// URL is the client URL the nodes connect to (PARLEY_NATS_URL).
func (n *natsServer) URL() string { return fmt.Sprintf("nats://127.0.0.1:%d", n.port) }

// start runs the server on n's port and returns once it accepts clients
// (its INFO line arrives), or fails the test within 10 s.
func (n *natsServer) start() {
	n.t.Helper()
	if n.cmd != nil {
		n.t.Fatal("nats-server is already running")
	}
	n.out = &syncBuffer{}
	cmd := exec.Command(n.bin, "-a", "127.0.0.1", "-p", fmt.Sprint(n.port), "-sd", n.dir, "-n", fmt.Sprintf("e2e-%d", n.port))
	cmd.Stdout, cmd.Stderr = n.out, n.out
	if err := cmd.Start(); err != nil {
		n.t.Fatal(err)
	}
	n.cmd = cmd
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-exited:
			n.cmd = nil
			n.t.Fatalf("nats-server exited at start:\n%s", n.out)
		default:
		}
		if n.ready() {
			n.exited = exited
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	n.t.Fatalf("nats-server did not accept clients on port %d within 10 s:\n%s", n.port, n.out)
}

// ready reports whether the server greets a client with its INFO line.
func (n *natsServer) ready() bool {
	c, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", n.port), time.Second)
	if err != nil {
		return false
	}
	defer c.Close()
	c.SetReadDeadline(time.Now().Add(time.Second))
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.HasPrefix(line, "INFO ")
}

// stop ends the server (SIGTERM, SIGKILL after 5 s) and waits for it: its
// port is free again for start. Stopping a stopped server does nothing.
func (n *natsServer) stop() {
	if n.cmd == nil {
		return
	}
	n.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-n.exited:
	case <-time.After(5 * time.Second):
		n.cmd.Process.Kill()
		<-n.exited
	}
	n.cmd = nil
}
