package sqlstore

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/store"
)

// group_attributes and group_counters (migration 0016): one row per key.
// The maps are small (the service allows 16 attributes and 20 counters),
// so a write is one statement per key, in key order so two engines run
// the same statements.

func (t *txn) GroupAttributes(ctx context.Context, app store.AppID, groupID string) (map[string]string, error) {
	rows, err := t.query(ctx, `SELECT attr_key, attr_value FROM group_attributes WHERE app_id = ? AND group_id = ?`, int64(app), groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func (t *txn) PutGroupAttributes(ctx context.Context, app store.AppID, groupID string, attrs map[string]string) error {
	for _, k := range sortedKeysOf(attrs) {
		if _, err := t.exec(ctx, `INSERT INTO group_attributes (app_id, group_id, attr_key, attr_value) VALUES (?, ?, ?, ?)
			ON CONFLICT (app_id, group_id, attr_key) DO UPDATE SET attr_value = excluded.attr_value`,
			int64(app), groupID, k, attrs[k]); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) DeleteGroupAttributes(ctx context.Context, app store.AppID, groupID string, keys []string) error {
	return t.deleteKeys(ctx, "group_attributes", "attr_key", app, groupID, keys)
}

func (t *txn) GroupCounters(ctx context.Context, app store.AppID, groupID string) (map[string]int64, error) {
	rows, err := t.query(ctx, `SELECT counter_key, counter_value FROM group_counters WHERE app_id = ? AND group_id = ?`, int64(app), groupID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var k string
		var v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

func (t *txn) PutGroupCounters(ctx context.Context, app store.AppID, groupID string, counters map[string]int64) error {
	for _, k := range sortedKeysOf(counters) {
		if _, err := t.exec(ctx, `INSERT INTO group_counters (app_id, group_id, counter_key, counter_value) VALUES (?, ?, ?, ?)
			ON CONFLICT (app_id, group_id, counter_key) DO UPDATE SET counter_value = excluded.counter_value`,
			int64(app), groupID, k, counters[k]); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) DeleteGroupCounters(ctx context.Context, app store.AppID, groupID string, keys []string) error {
	return t.deleteKeys(ctx, "group_counters", "counter_key", app, groupID, keys)
}

// deleteKeys deletes keys of groupID from table (all of them when keys is
// empty); table and column are constants of this file.
func (t *txn) deleteKeys(ctx context.Context, table, column string, app store.AppID, groupID string, keys []string) error {
	if len(keys) == 0 {
		_, err := t.exec(ctx, `DELETE FROM `+table+` WHERE app_id = ? AND group_id = ?`, int64(app), groupID)
		return err
	}
	for _, k := range keys {
		if _, err := t.exec(ctx, `DELETE FROM `+table+` WHERE app_id = ? AND group_id = ? AND `+column+` = ?`, int64(app), groupID, k); err != nil {
			return err
		}
	}
	return nil
}

func sortedKeysOf[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
