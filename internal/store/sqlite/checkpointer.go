package sqlite

import (
	"context"
	"database/sql"
	"sync"
	"time"
)

// checkpointEvery is how long the checkpointer lets commits gather before
// it copies them: at 15,000 messages a second, about a thousand WAL frames.
const checkpointEvery = 100 * time.Millisecond

// checkpointer copies committed pages from the WAL into the database file
// on a connection of its own, off the writer's path. Without it the writer
// does this itself (wal_autocheckpoint, every 10,000 frames): a commit
// that crosses the threshold copies and syncs thousands of pages before
// its requests are answered, the slowest commits of a busy node (its
// batch waited 25-50 ms where others take 2-10). A passive checkpoint
// never waits for the writer or a reader, and runs while the writer
// appends; the writer's own checkpoint then finds the WAL already copied
// and only resets it (the WAL restarts only between the writer's own
// transactions), so the writer's autocheckpoint stays as the bound of the
// WAL's size.
//
// It is woken by commits (noteCommit) and otherwise waits: an idle node
// does not check the WAL. A checkpoint that fails (the writer's own
// checkpoint holds the lock) is tried again after the next commit.
type checkpointer struct {
	db    *sql.DB
	wake  chan struct{}
	stopc chan struct{}
	done  chan struct{}
	once  sync.Once
}

func startCheckpointer(db *sql.DB) *checkpointer {
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	c := &checkpointer{db: db, wake: make(chan struct{}, 1), stopc: make(chan struct{}), done: make(chan struct{})}
	go c.run()
	return c
}

// noteCommit says a commit has added to the WAL. It never blocks (it runs
// on the writer's goroutine).
func (c *checkpointer) noteCommit() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

func (c *checkpointer) run() {
	defer close(c.done)
	pause := time.NewTimer(checkpointEvery)
	pause.Stop()
	for {
		select {
		case <-c.wake:
		case <-c.stopc:
			return
		}
		pause.Reset(checkpointEvery)
		select {
		case <-pause.C:
		case <-c.stopc:
			return
		}
		c.checkpoint()
	}
}

// checkpoint copies what it can now. Its answer (busy, frames in the WAL,
// frames copied) is not needed: what it could not copy the next one will.
func (c *checkpointer) checkpoint() {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var busy, frames, copied int64
	_ = c.db.QueryRowContext(ctx, "PRAGMA wal_checkpoint(PASSIVE)").Scan(&busy, &frames, &copied)
}

// stop ends the checkpointer and closes its connection: the last one to
// the file, when called after the engine's pools are closed, so SQLite's
// own checkpoint at close runs on it.
func (c *checkpointer) stop() {
	c.once.Do(func() {
		close(c.stopc)
		<-c.done
		c.db.Close()
	})
}
