// Package gather writes together the requests that arrive while earlier
// ones are being written: the mechanism of the services' gathered writes
// (message.Service.GatherSends, relation.Service.GatherAdds), where one
// shared write costs a networked store far fewer statements than a write
// per request.
//
// No timer is waited for: while fewer than MaxWriters writers run, a
// request added starts one, which takes a batch of what is queued by then
// and writes it, again until the queue is empty; requests arriving
// meanwhile queue and go out in a writer's next batch. The writers are
// goroutines of their own, not a caller's, so no caller waits for other
// callers' work but its own batch's.
package gather

import "sync"

// Queue gathers items of type T (a request with the channel its caller
// waits on) for Write. The zero value is not usable: Write and the bounds
// must be set before the first Add, and not changed after.
type Queue[T any] struct {
	// Write writes one batch and answers each of its items.
	Write func(batch []T)
	// Take chooses the next batch from the queued items (at least one) and
	// returns it and the items left, in their order, either as a new slice
	// or compacted at the front of the one it was given; nil takes up to
	// MaxBatch from the front.
	Take func(queued []T) (batch, rest []T)
	// MaxWriters bounds the writers running at once; MaxBatch the items
	// of a batch (for the default Take); MaxQueued the items waiting, past
	// which Add refuses, so a caller writes alone.
	MaxWriters, MaxBatch, MaxQueued int

	mu      sync.Mutex
	queue   []T
	writing int
}

// Add queues item and reports whether it did. false: the queue holds
// MaxQueued items already, and the caller writes its request itself.
func (q *Queue[T]) Add(item T) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.queue) >= q.MaxQueued {
		return false
	}
	q.queue = append(q.queue, item)
	if q.writing < q.MaxWriters {
		q.writing++
		go q.run()
	}
	return true
}

// run is a writer: it writes batches until the queue is empty.
func (q *Queue[T]) run() {
	for {
		q.mu.Lock()
		if len(q.queue) == 0 {
			q.queue = nil // let the backing array go
			q.writing--
			q.mu.Unlock()
			return
		}
		batch, rest := q.take()
		q.queue = rest
		q.mu.Unlock()
		q.Write(batch)
	}
}

// take splits the queue into the next batch, a copy, and the rest, whose
// array's other slots are cleared so the queue holds no item taken.
func (q *Queue[T]) take() (batch, rest []T) {
	if q.Take == nil {
		n := min(len(q.queue), q.MaxBatch)
		batch = append([]T(nil), q.queue[:n]...)
		clear(q.queue[:n])
		return batch, q.queue[n:]
	}
	batch, rest = q.Take(q.queue)
	batch = append([]T(nil), batch...)
	if len(rest) > 0 && &rest[0] == &q.queue[0] {
		// Take compacted the rest in place at the front.
		clear(q.queue[len(rest):])
	}
	return batch, rest
}
