package outbox

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/parleyim/parley/internal/store"
)

// Consumer receives the outbox entries of the kinds it registered for.
type Consumer struct {
	// Name identifies the consumer in logs and errors.
	Name string
	// Apps limits the consumer to these apps; empty means every app.
	Apps []store.AppID
	// Kinds are the event kinds wanted (Kind*); at least one.
	Kinds []string
	// Deliver hands over one entry, outside any store transaction, under
	// the dispatcher's handler timeout. Delivery is at least once: it must
	// be idempotent on e.ID. An error retries the entry with backoff, and
	// the rest of its partition waits for it.
	Deliver func(ctx context.Context, e store.OutboxEntry) error
}

// Consumers is the registry of consumers: which kinds each app's consumers
// want, so that producers write an entry only when someone will read it (an
// app with no consumer pays one map lookup, no row and no statement), and
// the Handler that routes every entry to them. The zero value has none;
// Register may run while the node serves.
type Consumers struct {
	mu     sync.Mutex
	all    []*Consumer
	routes atomic.Pointer[routes]
}

// routes is an immutable snapshot of the registry, read without a lock.
type routes struct {
	anyApp map[string][]*Consumer // kind → consumers of every app
	perApp map[appKind][]*Consumer
}

type appKind struct {
	app  store.AppID
	kind string
}

// Register adds a consumer.
func (c *Consumers) Register(con Consumer) error {
	switch {
	case con.Name == "":
		return errors.New("outbox: consumer without a name")
	case len(con.Kinds) == 0:
		return fmt.Errorf("outbox: consumer %s wants no kind", con.Name)
	case con.Deliver == nil:
		return fmt.Errorf("outbox: consumer %s has no Deliver", con.Name)
	}
	for _, k := range con.Kinds {
		if !slices.Contains(Kinds, k) {
			return fmt.Errorf("outbox: consumer %s wants unknown kind %q", con.Name, k)
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.all = append(c.all, &con)
	r := &routes{anyApp: map[string][]*Consumer{}, perApp: map[appKind][]*Consumer{}}
	for _, x := range c.all {
		for _, k := range x.Kinds {
			if len(x.Apps) == 0 {
				r.anyApp[k] = append(r.anyApp[k], x)
				continue
			}
			for _, a := range x.Apps {
				r.perApp[appKind{a, k}] = append(r.perApp[appKind{a, k}], x)
			}
		}
	}
	c.routes.Store(r)
	return nil
}

// Wants reports whether some consumer wants kind for app. A nil registry
// wants nothing.
func (c *Consumers) Wants(app store.AppID, kind string) bool {
	if c == nil {
		return false
	}
	r := c.routes.Load()
	if r == nil {
		return false
	}
	return len(r.anyApp[kind]) > 0 || len(r.perApp[appKind{app, kind}]) > 0
}

func (c *Consumers) route(app store.AppID, kind string) []*Consumer {
	r := c.routes.Load()
	if r == nil {
		return nil
	}
	a, b := r.anyApp[kind], r.perApp[appKind{app, kind}]
	if len(b) == 0 {
		return a
	}
	return append(slices.Clip(a), b...)
}

// Handler is the dispatcher's handler: each entry, in order, goes to every
// consumer that wants it now. An entry no consumer wants any more (the
// consumer was removed from the configuration) is acknowledged. When a
// consumer fails, the entries before are acknowledged and the failing one
// is retried for all its consumers: those that took it get it again, which
// at-least-once delivery allows.
func (c *Consumers) Handler() Handler {
	return func(ctx context.Context, entries []store.OutboxEntry) error {
		for i, e := range entries {
			for _, con := range c.route(e.App, e.Kind) {
				if err := con.Deliver(ctx, e); err != nil {
					return &Partial{Delivered: i, Err: fmt.Errorf("consumer %s, entry %d (%s): %w", con.Name, e.ID, e.Kind, err)}
				}
			}
		}
		return nil
	}
}

// Producer is what the domain services hold to append outbox entries: the
// consumer registry, consulted before anything is encoded, and the wake-up
// of the node's dispatcher. A nil Producer appends nothing, so a service
// without one pays one nil check.
type Producer struct {
	Consumers *Consumers
	// Wake is called after a commit that appended entries (the
	// dispatcher's Notify); nil while no dispatcher runs.
	Wake func()
}

// Wants reports whether an entry of kind for app would be written.
func (p *Producer) Wants(app store.AppID, kind string) bool {
	return p != nil && p.Consumers.Wants(app, kind)
}

// Add appends, inside tx, one entry of kind for app when a consumer wants
// it, partitioned by key (entries of one key are delivered in append order;
// append after the lock that orders the key, see store.Outbox). payload is
// encoded as JSON only then. It reports whether it appended, so the caller
// knows to call Committed after the commit.
func (p *Producer) Add(ctx context.Context, tx store.OutboxAppender, app store.AppID, kind, key string, payload any) (bool, error) {
	if !p.Wants(app, kind) {
		return false, nil
	}
	e, err := Encode(app, kind, key, payload)
	if err != nil {
		return false, err
	}
	_, err = Append(ctx, tx, e)
	return err == nil, err
}

// Encode makes the entry of kind for app with payload encoded as JSON,
// partitioned by key, for Append.
func Encode(app store.AppID, kind, key string, payload any) (store.OutboxEntry, error) {
	b, err := json.Marshal(payload)
	if err != nil {
		return store.OutboxEntry{}, fmt.Errorf("outbox: encode %s: %w", kind, err)
	}
	return store.OutboxEntry{App: app, Partition: PartitionOf(app, key), Kind: kind, Payload: b}, nil
}

// Committed wakes the dispatcher after a commit that appended entries.
func (p *Producer) Committed() {
	if p != nil && p.Wake != nil {
		p.Wake()
	}
}

// PartitionOf is the partition of an ordering key within an app. The app
// is not hashed in: partitions are per app already (store.OutboxPartition),
// so the same key takes the same number in every app without the two
// sharing anything.
func PartitionOf(app store.AppID, key string) int {
	return Partition(key)
}
