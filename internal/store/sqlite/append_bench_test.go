package sqlite_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// The single writer's cost per one-to-one message: 400 appends in flight
// (the messaging benchmark's shape) over 10, 100 (the benchmark's) or 1,000
// conversations, each through Write as the message service does it. ns/op
// is wall time per message with the writer busy, p99-ms and max-ms the
// latency of one append (queue and commit); write-syscalls/op and
// write-KB/op are the process's write system calls and bytes per message
// (/proc/self/io: the WAL's frames, two calls each, and the checkpoints'
// page copies). Each commit writes every B-tree page it dirtied, and a
// message dirties a page of each of the message table and its client-key
// index (both ordered by conversation) unless another message of the same
// conversation shares the commit: the writes per message grow with the
// conversations a commit spans. An in-process figure for comparing two builds
// and layouts, not a rate to quote (bench/messaging is).
//
// go test -run '^$' -bench AppendOneToOne -benchtime 20000x ./internal/store/sqlite/
func BenchmarkAppendOneToOne(b *testing.B) {
	for _, convs := range []int64{10, 100, 1000} {
		b.Run(fmt.Sprintf("conversations=%d", convs), func(b *testing.B) { benchAppend(b, convs) })
	}
}

func benchAppend(b *testing.B, convs int64) {
	path := filepath.Join(b.TempDir(), "p.db")
	db, err := sqlite.Open(context.Background(), path)
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	var n atomic.Int64
	body := []byte(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789"}}]`)
	callsBefore, bytesBefore := processWrites(b)
	var latMu sync.Mutex
	lat := make([]time.Duration, 0, b.N)
	b.SetParallelism(200) // 400 appends in flight on 2 Ps
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		mine := make([]time.Duration, 0, 1024)
		defer func() {
			latMu.Lock()
			lat = append(lat, mine...)
			latMu.Unlock()
		}()
		for pb.Next() {
			began := time.Now()
			k := n.Add(1)
			c := k % convs
			m := store.Message{App: 1400000001, ConvKey: fmt.Sprintf("c2c:u%03d|v%03d", c, c), Sender: fmt.Sprintf("u%03d", c),
				Receiver: fmt.Sprintf("v%03d", c), Random: uint32(k), ClientKey: fmt.Sprintf("k%d", k), SentAt: 1_700_000_000_000 + k,
				Body: body, ExpiresAt: 1_800_000_000}
			err := db.Write(context.Background(), func(tx store.Tx) error {
				_, _, err := tx.AppendMessage(context.Background(), m)
				return err
			})
			if err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(began))
		}
	})
	b.StopTimer()
	calls, bytes := processWrites(b)
	b.ReportMetric(float64(calls-callsBefore)/float64(b.N), "write-syscalls/op")
	b.ReportMetric(float64(bytes-bytesBefore)/1024/float64(b.N), "write-KB/op")
	slices.Sort(lat)
	if len(lat) > 0 {
		b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
		b.ReportMetric(float64(lat[len(lat)-1].Microseconds())/1000, "max-ms")
	}
}

// processWrites reads the process's write system calls and bytes so far
// (syscw and wchar of /proc/self/io; zero where there is no such file).
func processWrites(b *testing.B) (calls, bytes int64) {
	b.Helper()
	raw, err := os.ReadFile("/proc/self/io")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(raw), "\n") {
		k, v, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(v, 10, 64)
		switch k {
		case "syscw":
			calls = n
		case "wchar":
			bytes = n
		}
	}
	return calls, bytes
}
