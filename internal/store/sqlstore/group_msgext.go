package sqlstore

import (
	"context"
	"slices"

	"github.com/parleyim/parley/internal/store"
)

// The group message features' tables (migration 0019): group_at_mentions,
// group_message_targets, group_message_receipts and groups.at_all_seq.

func (t *txn) AddGroupMentions(ctx context.Context, app store.AppID, groupID string, seq uint64, users []string, atAll bool) error {
	if t.readOnly {
		return errReadOnly
	}
	for _, u := range users {
		if _, err := t.exec(ctx, `INSERT INTO group_at_mentions (app_id, user_id, group_id, seq, at_all) VALUES (?, ?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, int64(app), u, groupID, seqBound(seq, 0), boolInt(atAll)); err != nil {
			return err
		}
	}
	if !atAll {
		return nil
	}
	_, err := t.exec(ctx, `UPDATE groups SET at_all_seq = ? WHERE app_id = ? AND group_id = ? AND at_all_seq < ?`,
		seqBound(seq, 0), int64(app), groupID, seqBound(seq, 0))
	return err
}

func (t *txn) GroupAtInfo(ctx context.Context, app store.AppID, user string, groupIDs []string) (map[string][]store.GroupAtInfo, error) {
	out := map[string][]store.GroupAtInfo{}
	want := func(g string) bool { return groupIDs == nil || slices.Contains(groupIDs, g) }
	// The listed mentions after the cursor: an indexed range of the
	// user's rows (the primary key starts with the user).
	rows, err := t.query(ctx, `SELECT a.group_id, a.seq, a.at_all FROM group_at_mentions a
		JOIN group_members gm ON gm.app_id = a.app_id AND gm.group_id = a.group_id AND gm.user_id = a.user_id
		WHERE a.app_id = ? AND a.user_id = ? AND a.seq > gm.read_seq ORDER BY a.group_id, a.seq`, int64(app), user)
	if err != nil {
		return nil, err
	}
	listed := map[string]map[uint64]bool{}
	for rows.Next() {
		var g string
		var seq uint64
		var all int
		if err := rows.Scan(&g, &seq, &all); err != nil {
			rows.Close()
			return nil, err
		}
		if !want(g) {
			continue
		}
		typ := store.AtMe
		if all != 0 {
			typ = store.AtAllAtMe
		}
		out[g] = append(out[g], store.GroupAtInfo{Seq: seq, Type: typ})
		if listed[g] == nil {
			listed[g] = map[uint64]bool{}
		}
		listed[g][seq] = true
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	// The group's last @all, from the two rows the unread count reads and
	// the message's (its sender is not mentioned by it).
	rows, err = t.query(ctx, `SELECT g.group_id, g.at_all_seq FROM group_members gm
		JOIN groups g ON g.app_id = gm.app_id AND g.group_id = gm.group_id
		JOIN group_messages m ON m.app_id = g.app_id AND m.group_id = g.group_id AND m.seq = g.at_all_seq
		WHERE gm.app_id = ? AND gm.user_id = ? AND g.at_all_seq > gm.read_seq AND m.sender <> ?`, int64(app), user, user)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var g string
		var seq uint64
		if err := rows.Scan(&g, &seq); err != nil {
			return nil, err
		}
		if !want(g) || listed[g][seq] {
			continue
		}
		i, _ := slices.BinarySearchFunc(out[g], seq, func(a store.GroupAtInfo, s uint64) int {
			return compareSeq(a.Seq, s)
		})
		out[g] = slices.Insert(out[g], i, store.GroupAtInfo{Seq: seq, Type: store.AtAll})
	}
	return out, rows.Err()
}

func compareSeq(a, b uint64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (t *txn) DeleteGroupMentions(ctx context.Context, app store.AppID, groupID, user string, upto uint64) error {
	if t.readOnly {
		return errReadOnly
	}
	_, err := t.exec(ctx, `DELETE FROM group_at_mentions WHERE app_id = ? AND user_id = ? AND group_id = ? AND seq <= ?`,
		int64(app), user, groupID, seqBound(upto, 0))
	return err
}

func (t *txn) AddGroupMessageTargets(ctx context.Context, app store.AppID, groupID string, seq uint64, users []string) error {
	if t.readOnly {
		return errReadOnly
	}
	for _, u := range users {
		if _, err := t.exec(ctx, `INSERT INTO group_message_targets (app_id, group_id, seq, user_id) VALUES (?, ?, ?, ?)
			ON CONFLICT DO NOTHING`, int64(app), groupID, seqBound(seq, 0), u); err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) GroupMessageTargets(ctx context.Context, app store.AppID, groupID string, seq uint64) ([]string, error) {
	return t.msgextStrings(ctx, `SELECT user_id FROM group_message_targets WHERE app_id = ? AND group_id = ? AND seq = ? ORDER BY user_id`,
		int64(app), groupID, seqBound(seq, 0))
}

func (t *txn) AddGroupReceipts(ctx context.Context, app store.AppID, groupID, reader string, seqs []uint64, at int64) ([]uint64, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	var added []uint64
	for _, seq := range seqs {
		n, err := t.execAffected(ctx, `INSERT INTO group_message_receipts (app_id, group_id, seq, reader, read_at)
			SELECT app_id, group_id, seq, ?, ? FROM group_messages WHERE app_id = ? AND group_id = ? AND seq = ?
			ON CONFLICT DO NOTHING`, reader, at, int64(app), groupID, seqBound(seq, 0))
		if err != nil {
			return added, err
		}
		if n > 0 {
			added = append(added, seq)
		}
	}
	return added, nil
}

func (t *txn) GroupReceiptCounts(ctx context.Context, app store.AppID, groupID string, seqs []uint64) (map[uint64]int, error) {
	out := map[uint64]int{}
	for len(seqs) > 0 {
		chunk := seqs[:min(len(seqs), 100)]
		seqs = seqs[len(chunk):]
		args := []any{int64(app), groupID}
		for _, q := range chunk {
			args = append(args, seqBound(q, 0))
		}
		rows, err := t.query(ctx, `SELECT seq, COUNT(*) FROM group_message_receipts WHERE app_id = ? AND group_id = ? AND seq IN `+
			inList(len(chunk))+` GROUP BY seq`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var seq uint64
			var n int
			if err := rows.Scan(&seq, &n); err != nil {
				rows.Close()
				return nil, err
			}
			out[seq] = n
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *txn) GroupReceiptReaders(ctx context.Context, app store.AppID, groupID string, seq uint64, after string, limit int) ([]string, error) {
	return t.msgextStrings(ctx, `SELECT reader FROM group_message_receipts WHERE app_id = ? AND group_id = ? AND seq = ? AND reader > ?
		ORDER BY reader LIMIT ?`, int64(app), groupID, seqBound(seq, 0), after, limit)
}

func (t *txn) GroupReceiptNonReaders(ctx context.Context, app store.AppID, groupID string, seq uint64, sender, after string, limit int) ([]string, error) {
	return t.msgextStrings(ctx, `SELECT gm.user_id FROM group_members gm WHERE gm.app_id = ? AND gm.group_id = ? AND gm.user_id > ?
		AND gm.user_id <> ? AND NOT EXISTS (SELECT 1 FROM group_message_receipts r WHERE r.app_id = gm.app_id
			AND r.group_id = gm.group_id AND r.seq = ? AND r.reader = gm.user_id)
		ORDER BY gm.user_id LIMIT ?`, int64(app), groupID, after, sender, seqBound(seq, 0), limit)
}

// msgextStrings runs q and returns its one text column.
func (t *txn) msgextStrings(ctx context.Context, q string, args ...any) ([]string, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}
