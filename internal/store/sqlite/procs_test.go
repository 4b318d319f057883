package sqlite_test

import (
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/store/sqlite"
)

// The embedded engine's node runs with one P more than the runtime's
// default, unless the operator chose GOMAXPROCS; asking twice adds one.
func TestReserveWriterProc(t *testing.T) {
	if os.Getenv("PARLEY_RESERVE_CHILD") != "" {
		before := runtime.GOMAXPROCS(0)
		sqlite.ReserveWriterProc()
		sqlite.ReserveWriterProc()
		fmt.Printf("procs %d %d\n", before, runtime.GOMAXPROCS(0))
		return
	}
	procs := func(env ...string) (before, after int) {
		t.Helper()
		cmd := exec.Command(os.Args[0], "-test.run=^TestReserveWriterProc$")
		cmd.Env = []string{"PARLEY_RESERVE_CHILD=1"}
		for _, kv := range os.Environ() {
			if !strings.HasPrefix(kv, "GOMAXPROCS=") {
				cmd.Env = append(cmd.Env, kv)
			}
		}
		cmd.Env = append(cmd.Env, env...)
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("child: %v\n%s", err, out)
		}
		i := strings.Index(string(out), "procs ")
		if i < 0 {
			t.Fatalf("child said %q", out)
		}
		if _, err := fmt.Sscanf(string(out[i:]), "procs %d %d", &before, &after); err != nil {
			t.Fatalf("child said %q: %v", out, err)
		}
		return before, after
	}
	if before, after := procs(); after != before+1 {
		t.Errorf("GOMAXPROCS unset: %d Ps, want %d (the default, %d, and one)", after, before+1, before)
	}
	if _, after := procs("GOMAXPROCS=5"); after != 5 {
		t.Errorf("GOMAXPROCS=5: %d Ps, want the operator's 5", after)
	}
}
