package sqlstore

import (
	"context"
	"database/sql"
	"errors"
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
	// The listed mentions: an indexed range of the user's rows (the
	// primary key starts with the user); then each group's read cursor by
	// the member row's key, once per group, not once per mention.
	rows, err := t.query(ctx, `SELECT group_id, seq, at_all FROM group_at_mentions WHERE app_id = ? AND user_id = ?
		ORDER BY group_id, seq`, int64(app), user)
	if err != nil {
		return nil, err
	}
	type mention struct {
		group string
		seq   uint64
		all   bool
	}
	var all []mention
	for rows.Next() {
		var m mention
		var at int
		if err := rows.Scan(&m.group, &m.seq, &at); err != nil {
			rows.Close()
			return nil, err
		}
		if want(m.group) {
			m.all = at != 0
			all = append(all, m)
		}
	}
	err = rows.Err()
	rows.Close()
	if err != nil {
		return nil, err
	}
	listed := map[string]map[uint64]bool{}
	cursor, member := uint64(0), false
	for i, m := range all {
		if i == 0 || m.group != all[i-1].group {
			err := t.queryRow(ctx, `SELECT read_seq FROM group_members WHERE app_id = ? AND group_id = ? AND user_id = ?`,
				int64(app), m.group, user).Scan(&cursor)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return nil, err
			}
			member = err == nil
		}
		if !member || m.seq <= cursor {
			continue
		}
		typ := store.AtMe
		if m.all {
			typ = store.AtAllAtMe
		}
		out[m.group] = append(out[m.group], store.GroupAtInfo{Seq: m.seq, Type: typ})
		if listed[m.group] == nil {
			listed[m.group] = map[uint64]bool{}
		}
		listed[m.group][m.seq] = true
	}
	// The groups' last @all, one group at a time by the rows' keys: the
	// groups asked for, or the user's (by the user index). One statement
	// over the user's member rows joined to the groups lets a planner
	// start from a group's member rows instead: a read growing with the
	// group (measured: 10x at 10,000 members).
	groups := groupIDs
	if groups == nil {
		if groups, err = t.MemberGroups(ctx, app, user); err != nil {
			return nil, err
		}
	}
	for _, g := range groups {
		var seq, cursor uint64
		var sender string
		err := t.queryRow(ctx, `SELECT g.at_all_seq, gm.read_seq, COALESCE((SELECT m.sender FROM group_messages m
				WHERE m.app_id = g.app_id AND m.group_id = g.group_id AND m.seq = g.at_all_seq), '')
			FROM groups g JOIN group_members gm ON gm.app_id = g.app_id AND gm.group_id = g.group_id AND gm.user_id = ?
			WHERE g.app_id = ? AND g.group_id = ?`, user, int64(app), g).Scan(&seq, &cursor, &sender)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		// The sender of an @all is not mentioned by it.
		if seq <= cursor || sender == user || listed[g][seq] {
			continue
		}
		i, _ := slices.BinarySearchFunc(out[g], seq, func(a store.GroupAtInfo, s uint64) int {
			return compareSeq(a.Seq, s)
		})
		out[g] = slices.Insert(out[g], i, store.GroupAtInfo{Seq: seq, Type: store.AtAll})
	}
	return out, nil
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
