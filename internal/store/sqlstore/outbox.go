package sqlstore

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/parleyim/parley/internal/store"
)

const outboxColumns = `id, app_id, part, kind, payload, created_at, attempts, next_attempt_at, leased_until`

func (t *txn) AppendOutbox(ctx context.Context, entries []store.OutboxEntry) ([]store.OutboxEntry, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	out := make([]store.OutboxEntry, 0, len(entries))
	for _, e := range entries {
		if e.Payload == nil {
			e.Payload = []byte{}
		}
		e.Attempts, e.NextAttemptAt, e.LeasedUntil = 0, 0, 0
		var id int64
		if err := t.queryRow(ctx, `INSERT INTO outbox (app_id, part, kind, payload, created_at) VALUES (?, ?, ?, ?, ?) RETURNING id`,
			int64(e.App), e.Partition, e.Kind, e.Payload, e.CreatedAt).Scan(&id); err != nil {
			return nil, fmt.Errorf("append outbox: %w", err)
		}
		e.ID = uint64(id)
		out = append(out, e)
	}
	return out, nil
}

func (t *txn) ReadyOutboxPartitions(ctx context.Context, now int64, limit int) ([]store.OutboxPartition, error) {
	if limit <= 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT app_id, part FROM outbox WHERE id IN (SELECT MIN(id) FROM outbox GROUP BY app_id, part)
		AND leased_until <= ? AND next_attempt_at <= ? ORDER BY app_id, part LIMIT ?`, now, now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.OutboxPartition
	for rows.Next() {
		var app int64
		var p int
		if err := rows.Scan(&app, &p); err != nil {
			return nil, err
		}
		out = append(out, store.OutboxPartition{App: store.AppID(app), Part: p})
	}
	return out, rows.Err()
}

func (t *txn) ClaimOutbox(ctx context.Context, partition store.OutboxPartition, limit int, now, leaseUntil int64) ([]store.OutboxEntry, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	if limit <= 0 {
		return nil, nil
	}
	q := `SELECT ` + outboxColumns + ` FROM outbox WHERE app_id = ? AND part = ? ORDER BY id LIMIT ?`
	if t.db.dialect.LockRows {
		// Rows another claimer is leasing right now are skipped rather than
		// waited for; the head check below then refuses a partition whose
		// oldest rows are taken.
		q += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := t.query(ctx, q, int64(partition.App), partition.Part, limit)
	if err != nil {
		return nil, err
	}
	var found []store.OutboxEntry
	for rows.Next() {
		var e store.OutboxEntry
		var app, id int64
		if err := rows.Scan(&id, &app, &e.Partition, &e.Kind, &e.Payload, &e.CreatedAt, &e.Attempts, &e.NextAttemptAt, &e.LeasedUntil); err != nil {
			rows.Close()
			return nil, err
		}
		e.ID, e.App = uint64(id), store.AppID(app)
		found = append(found, e)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(found) == 0 {
		return nil, nil
	}
	if t.db.dialect.LockRows {
		// With SKIP LOCKED the rows returned are the partition's oldest only
		// if no other transaction holds older ones, nor ones between them
		// (two claimers racing down the same partition each skip what the
		// other locked first). A plain read sees every committed row,
		// locked or not: only the rows returned that are also its first
		// ones, in order, are claimed; the locks on the others go with the
		// transaction.
		rows, err := t.query(ctx, `SELECT id FROM outbox WHERE app_id = ? AND part = ? ORDER BY id LIMIT ?`,
			int64(partition.App), partition.Part, len(found))
		if err != nil {
			return nil, err
		}
		var oldest []int64
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			oldest = append(oldest, id)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		k := 0
		for k < len(found) && k < len(oldest) && uint64(oldest[k]) == found[k].ID {
			k++
		}
		found = found[:k]
		if k == 0 {
			return nil, nil
		}
	}
	n := 0
	for n < len(found) && found[n].LeasedUntil <= now && found[n].NextAttemptAt <= now {
		n++
	}
	found = found[:n]
	if n == 0 {
		return nil, nil
	}
	args := make([]any, 0, n+1)
	args = append(args, leaseUntil)
	for i := range found {
		args = append(args, int64(found[i].ID))
		found[i].Attempts++
		found[i].LeasedUntil = leaseUntil
	}
	if _, err := t.exec(ctx, `UPDATE outbox SET attempts = attempts + 1, leased_until = ? WHERE id IN `+inList(n), args...); err != nil {
		return nil, err
	}
	return found, nil
}

func (t *txn) AckOutbox(ctx context.Context, ids []uint64) (int64, error) {
	if t.readOnly {
		return 0, errReadOnly
	}
	var total int64
	const size = 500
	for len(ids) > 0 {
		n := min(size, len(ids))
		args := make([]any, n)
		for i, id := range ids[:n] {
			args[i] = int64(id)
		}
		k, err := t.execAffected(ctx, `DELETE FROM outbox WHERE id IN `+inList(n), args...)
		if err != nil {
			return total, err
		}
		total += k
		ids = ids[n:]
	}
	return total, nil
}

func (t *txn) RetryOutbox(ctx context.Context, id uint64, attempts int, nextAt int64, charged bool) (bool, error) {
	refund := 1
	if charged {
		refund = 0
	}
	n, err := t.execAffected(ctx, `UPDATE outbox SET next_attempt_at = ?, leased_until = 0, attempts = attempts - ? WHERE id = ? AND attempts = ?`,
		nextAt, refund, int64(id), attempts)
	return n > 0, err
}

func (t *txn) OutboxStats(ctx context.Context) (store.OutboxStats, error) {
	var s store.OutboxStats
	var oldest sql.NullInt64
	err := t.queryRow(ctx, `SELECT COUNT(*), MIN(created_at) FROM outbox`).Scan(&s.Depth, &oldest)
	s.OldestCreated = oldest.Int64
	return s, err
}
