package gather_test

import (
	"sync"
	"sync/atomic"
	"testing"

	"github.com/parleyim/parley/internal/gather"
)

type item struct {
	n    int
	done chan int // the size of the batch it was written in
}

// Every item added is written once, in a batch within the bound, by at
// most MaxWriters writers at a time; items added together do gather.
func TestQueueWritesEveryItemOnceWithinItsBounds(t *testing.T) {
	var running, most atomic.Int32
	var mu sync.Mutex
	written := map[int]int{}
	q := &gather.Queue[*item]{MaxWriters: 2, MaxBatch: 8, MaxQueued: 1000}
	q.Write = func(batch []*item) {
		if r := running.Add(1); r > most.Load() {
			most.Store(r)
		}
		defer running.Add(-1)
		if len(batch) == 0 || len(batch) > 8 {
			t.Errorf("a batch of %d", len(batch))
		}
		mu.Lock()
		for _, it := range batch {
			written[it.n]++
		}
		mu.Unlock()
		for _, it := range batch {
			it.done <- len(batch)
		}
	}
	const n = 500
	var wg sync.WaitGroup
	gathered := atomic.Int32{}
	for i := range n {
		wg.Go(func() {
			it := &item{n: i, done: make(chan int, 1)}
			if !q.Add(it) {
				t.Errorf("item %d refused below MaxQueued", i)
				return
			}
			if <-it.done > 1 {
				gathered.Add(1)
			}
		})
	}
	wg.Wait()
	for i := range n {
		if written[i] != 1 {
			t.Errorf("item %d written %d times", i, written[i])
		}
	}
	if most.Load() > 2 {
		t.Errorf("%d writers at once, want at most 2", most.Load())
	}
	if gathered.Load() == 0 {
		t.Errorf("no item was written with another")
	}
}

// Past MaxQueued an item is refused (its caller writes alone); a custom
// Take chooses the batch, the rest stays queued in order.
func TestQueueBoundAndTake(t *testing.T) {
	release, started := make(chan struct{}), make(chan struct{})
	var mu sync.Mutex
	var order []int
	q := &gather.Queue[*item]{MaxWriters: 1, MaxBatch: 100, MaxQueued: 3}
	q.Take = func(queued []*item) (batch, rest []*item) {
		// Odd items first, one at a time.
		for i, it := range queued {
			if it.n%2 == 1 {
				return []*item{it}, append(queued[:i:i], queued[i+1:]...)
			}
		}
		return queued[:1], queued[1:]
	}
	first := true
	q.Write = func(batch []*item) {
		if first {
			first = false
			close(started)
			<-release // hold the writer so the others queue
		}
		mu.Lock()
		for _, it := range batch {
			order = append(order, it.n)
		}
		mu.Unlock()
		for _, it := range batch {
			close(it.done)
		}
	}
	items := make([]*item, 5)
	for i := range items {
		items[i] = &item{n: i, done: make(chan int)}
	}
	if !q.Add(items[0]) {
		t.Fatal("the first item refused")
	}
	<-started
	added := 0
	for _, it := range items[1:] {
		if q.Add(it) {
			added++
		}
	}
	if added != 3 {
		t.Fatalf("%d items queued behind the held writer, want MaxQueued (3)", added)
	}
	close(release)
	for _, it := range items[:4] {
		<-it.done
	}
	want := []int{0, 1, 3, 2}
	mu.Lock()
	defer mu.Unlock()
	for i := range want {
		if i >= len(order) || order[i] != want[i] {
			t.Fatalf("written in order %v, want %v", order, want)
		}
	}
}
