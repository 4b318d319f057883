// Package sqlite is the embedded engine: a single SQLite file in the data
// directory (pure Go driver, WAL journal, fsync on every commit), one writer
// connection fed by a group committer and a pool of read connections.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"net/url"
	"path/filepath"
	"runtime"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/parleyim/parley/internal/store/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Dialect is SQLite's SQL flavour as sqlstore needs it.
var Dialect = sqlstore.Dialect{Name: "sqlite", PrepareStatements: true, DetachStatements: true}

// Open opens (creating if needed) the database file at path and migrates it.
func Open(ctx context.Context, path string) (*sqlstore.DB, error) {
	pragmas := []string{
		"journal_mode(WAL)",
		// FULL syncs the WAL on every commit: an acknowledged write survives
		// power loss and kill -9, which NORMAL does not promise.
		"synchronous(FULL)",
		"busy_timeout(10000)",
		"foreign_keys(OFF)",
	}
	dsn := func(readOnly bool) string {
		q := url.Values{}
		for _, p := range pragmas {
			q.Add("_pragma", p)
		}
		if readOnly {
			q.Add("_pragma", "query_only(1)")
		} else {
			// The writer's page cache: 8 MiB instead of SQLite's 2. A
			// commit of messages over many conversations touches a leaf of
			// each conversation's key range in the message table and in its
			// client-key index; with 2 MiB those pages were read back from
			// the file for nearly every message, and a cache that filled
			// inside a transaction spilled dirty pages to the WAL early
			// (BenchmarkAppendOneToOne: 10 % less CPU per message, a sixth
			// fewer write calls; 16 and 64 MiB measured no better, and 16
			// MiB cost the node 15 MB more RSS under bench/messaging).
			// Readers keep the default: they share the OS page cache.
			q.Add("_pragma", "cache_size(-8192)")
			// Checkpoint when the WAL holds 10,000 pages (about 40 MiB)
			// instead of SQLite's 1,000. A checkpoint copies each page the
			// WAL holds once and syncs the database file, on the writer's
			// path; a page written by many commits (a busy conversation's
			// last leaf, the conversations table) is copied once per
			// checkpoint, so rarer checkpoints copy and sync less per
			// message (BenchmarkAppendOneToOne: 14 % less time per message,
			// a quarter fewer bytes written). Reads look pages up in the
			// WAL's index, whose size grows with it (a few hundred KiB).
			// The checkpointer (checkpointer.go) copies the WAL every
			// 100 ms of commits off the writer's path, so this one mostly
			// finds it copied and only restarts it.
			q.Add("_pragma", "wal_autocheckpoint(10000)")
		}
		q.Set("_txlock", "immediate")
		return "file:" + filepath.ToSlash(path) + "?" + q.Encode()
	}
	sendChecks, release, err := acquire(path)
	if err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite", dsn(false))
	if err != nil {
		release()
		return nil, err
	}
	// Only the group committer writes, one transaction at a time. The second
	// connection exists because database/sql prepares a cached statement on
	// a free connection before binding it to the transaction's; with one
	// connection that prepare would wait for the transaction holding it.
	write.SetMaxOpenConns(2)
	write.SetMaxIdleConns(2)
	write.SetConnMaxLifetime(0)
	sub, _ := fs.Sub(migrations, "migrations")
	if err := sqlstore.Migrate(ctx, write, sub, Dialect); err != nil {
		write.Close()
		release()
		return nil, fmt.Errorf("sqlite %s: %w", path, err)
	}
	read, err := sql.Open("sqlite", dsn(true))
	if err != nil {
		write.Close()
		release()
		return nil, err
	}
	ckpt, err := sql.Open("sqlite", dsn(false))
	if err != nil {
		write.Close()
		read.Close()
		release()
		return nil, err
	}
	checkpoints := startCheckpointer(ckpt)
	readers := max(4, runtime.GOMAXPROCS(0)*2)
	read.SetMaxOpenConns(readers)
	read.SetMaxIdleConns(readers)
	read.SetConnMaxLifetime(0)
	return sqlstore.New(sqlstore.Options{Dialect: Dialect, Write: write, Read: read, GroupCommit: true,
		SendChecks: sendChecks, Committed: checkpoints.noteCommit,
		OnClose: func() { checkpoints.stop(); release() }}), nil
}
