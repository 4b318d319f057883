package store

import "context"

// GroupAttrs is a group's attributes and counters (migration 0016): two
// small key-value maps per group, bounded by the group service (≤ 16
// attributes, ≤ 20 counters), so each is read and written whole or by key
// without paging. Writers hold the group row's lock (LockGroup) first;
// DeleteGroup removes both maps with the group.
type GroupAttrs interface {
	// GroupAttributes returns groupID's attributes (empty: none).
	GroupAttributes(ctx context.Context, app AppID, groupID string) (map[string]string, error)
	// PutGroupAttributes inserts or replaces the given keys; others stay.
	PutGroupAttributes(ctx context.Context, app AppID, groupID string, attrs map[string]string) error
	// DeleteGroupAttributes removes keys (absent ones are no error); no
	// keys removes every attribute of the group.
	DeleteGroupAttributes(ctx context.Context, app AppID, groupID string, keys []string) error
	// GroupCounters returns groupID's counters (empty: none).
	GroupCounters(ctx context.Context, app AppID, groupID string) (map[string]int64, error)
	// PutGroupCounters inserts or replaces the given counters; others stay.
	PutGroupCounters(ctx context.Context, app AppID, groupID string, counters map[string]int64) error
	// DeleteGroupCounters removes keys; no keys removes every counter.
	DeleteGroupCounters(ctx context.Context, app AppID, groupID string, keys []string) error
}
