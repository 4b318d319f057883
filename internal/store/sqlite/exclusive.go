package sqlite

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"github.com/parleyim/parley/internal/store/sqlstore"
)

// The embedded database belongs to one process. The node keeps answers it
// derived from the file in memory (sqlstore.SendCheckCache) and invalidates
// them on its own writes, so a second process writing the same file would
// make them wrong; and one embedded store serves one node by design (several
// nodes share PostgreSQL). Open takes an exclusive lock on "<file>-lock"
// (flock: released by the kernel when the process ends, kill -9 included)
// and refuses a file another process holds. Opens of the same file within
// one process (tests, a restart in place) share the lock and the cache.

type heldFile struct {
	lock       *os.File
	opens      int
	sendChecks *sqlstore.SendCheckCache
}

var (
	heldMu sync.Mutex
	held   = map[string]*heldFile{}
)

// errInUse is Open's answer for a file another process has open.
type errInUse struct{ path string }

func (e errInUse) Error() string {
	return fmt.Sprintf("sqlite %s: the database is open in another process (an embedded store serves one node; stop the other one, or use PostgreSQL for several nodes)", e.path)
}

// acquire takes (or shares) this process's hold on the database at path and
// returns its cache and the function that gives the hold back.
func acquire(path string) (*sqlstore.SendCheckCache, func(), error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, nil, err
	}
	heldMu.Lock()
	defer heldMu.Unlock()
	h := held[abs]
	if h == nil {
		f, err := os.OpenFile(abs+"-lock", os.O_RDWR|os.O_CREATE, 0o600)
		if err != nil {
			return nil, nil, fmt.Errorf("sqlite %s: lock: %w", path, err)
		}
		if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
			f.Close()
			if err == syscall.EWOULDBLOCK {
				return nil, nil, errInUse{path}
			}
			return nil, nil, fmt.Errorf("sqlite %s: lock: %w", path, err)
		}
		h = &heldFile{lock: f, sendChecks: sqlstore.NewSendCheckCache()}
		held[abs] = h
	}
	h.opens++
	var once sync.Once
	release := func() {
		once.Do(func() {
			heldMu.Lock()
			defer heldMu.Unlock()
			if h.opens--; h.opens == 0 {
				delete(held, abs)
				h.lock.Close() // drops the flock
			}
		})
	}
	return h.sendChecks, release, nil
}
