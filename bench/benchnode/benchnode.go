// Package benchnode runs the Parley node the benchmark commands measure: the
// same assembly and runtime settings as the parley binary, an embedded store
// in a temporary directory, one app without rate limits. A benchmark runs it
// in a child process of its own, so the server's CPU and memory are not mixed
// with the load generator's.
package benchnode

import (
	"bufio"
	"log"
	"net/http"
	"os"
	"os/exec"
	"strings"

	"github.com/parleyim/parley/internal/server"
)

// Serve runs a node for appID/key until the process ends. extra adds
// benchmark-only handlers (memory figures, profiles) beside the node's. The
// first line on stdout is the listening address.
func Serve(appID uint64, key string, extra func(mux *http.ServeMux, node *server.Node)) {
	ServeWith(NodeConfig{AppID: appID, Key: key}, extra)
}

// Start runs this executable again with args (which must make it call
// Serve) and returns the child's address; the caller kills the child.
func Start(args ...string) (string, *exec.Cmd) {
	self, err := os.Executable()
	if err != nil {
		log.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		log.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		log.Fatal(err)
	}
	addr, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		log.Fatal(err)
	}
	return strings.TrimSpace(addr), cmd
}
