package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/parleyim/parley/internal/store"
)

func (t *txn) CreateAccount(ctx context.Context, app store.AppID, user string, now int64) (bool, error) {
	n, err := t.execAffected(ctx, `INSERT INTO accounts (app_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (app_id, user_id) DO NOTHING`,
		int64(app), user, now)
	if n == 1 && err == nil {
		t.knownAccount(app, user, true)
		t.relationsChanged()
	}
	return n == 1, err
}

func (t *txn) AccountExists(ctx context.Context, app store.AppID, user string) (bool, error) {
	var one int
	err := t.queryRow(ctx, `SELECT 1 FROM accounts WHERE app_id = ? AND user_id = ?`, int64(app), user).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

func (t *txn) ExistingAccounts(ctx context.Context, app store.AppID, users []string) (map[string]bool, error) {
	if set, ok := t.knownExisting(app, users); ok {
		return set, nil
	}
	return t.chunked(users, func(chunk []string) (map[string]bool, error) {
		cond, args := t.among("user_id", chunk)
		return t.stringSet(ctx, `SELECT user_id FROM accounts WHERE app_id = ? AND `+cond, append([]any{int64(app)}, args...)...)
	})
}

// accountTables lists, for DeleteAccount, every table and the columns that
// can name a user.
var accountTables = []struct {
	table   string
	columns []string
}{
	{"profile_values", []string{"user_id"}},
	{"friend_list_members", []string{"owner_id", "peer_id"}},
	{"friend_lists", []string{"owner_id"}},
	{"friends", []string{"owner_id", "peer_id"}},
	{"friend_requests", []string{"from_id", "to_id"}},
	{"blocklist", []string{"owner_id", "peer_id"}},
	{"user_events", []string{"user_id"}},
	{"deleted_messages", []string{"owner"}},
	{"conversation_marks", []string{"owner"}},
	{"conversation_group_members", []string{"owner"}},
	{"conversation_groups", []string{"owner"}},
	{"c2c_recv_opts", []string{"owner", "peer"}},
	{"group_members", []string{"user_id"}},
	{"user_status", []string{"user_id"}},
}

func (t *txn) DeleteAccount(ctx context.Context, app store.AppID, user string) (bool, error) {
	n, err := t.execAffected(ctx, `DELETE FROM accounts WHERE app_id = ? AND user_id = ?`, int64(app), user)
	if err != nil || n == 0 {
		return false, err
	}
	t.relationsChanged()
	t.knownAccount(app, user, false)
	// The user's conversation views stay, emptied: the messages are the
	// peers' history too, and a UserID imported again must neither see the
	// old messages nor miss new ones (the views are created only with a
	// conversation's first message).
	if _, err := t.exec(ctx, `UPDATE user_conversations SET
		cleared_seq = (SELECT c.last_seq FROM conversations c WHERE c.app_id = user_conversations.app_id AND c.conv_key = user_conversations.conv_key),
		hidden_seq = (SELECT c.last_seq FROM conversations c WHERE c.app_id = user_conversations.app_id AND c.conv_key = user_conversations.conv_key),
		read_seq = (SELECT c.last_seq FROM conversations c WHERE c.app_id = user_conversations.app_id AND c.conv_key = user_conversations.conv_key),
		pinned_at = 0, draft = '', draft_time = 0
		WHERE app_id = ? AND owner = ?`, int64(app), user); err != nil {
		return false, err
	}
	for _, tc := range accountTables {
		for _, col := range tc.columns {
			if _, err := t.exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE app_id = ? AND %s = ?`, tc.table, col), int64(app), user); err != nil {
				return false, err
			}
		}
	}
	return true, nil
}

func (t *txn) LockAccounts(ctx context.Context, app store.AppID, users ...string) error {
	if !t.db.dialect.LockRows || t.readOnly {
		return nil
	}
	if t.knownAllLocked(app, users) {
		// Locked earlier in this transaction (a gathered write locks every
		// call's accounts at once): held until it ends.
		return nil
	}
	// A fixed order keeps two writers locking the same pair from deadlocking.
	sorted := append([]string(nil), users...)
	sort.Strings(sorted)
	if t.db.dialect.ArrayParams {
		// One statement for every account: rows are locked in the order
		// the ORDER BY returns them, the same fixed order. The rows say
		// which accounts exist: later calls of this transaction ask no
		// more (see known).
		sorted = slices.Compact(sorted)
		existing, err := t.stringSet(ctx, `SELECT user_id FROM accounts WHERE app_id = ? AND user_id = ANY(?) ORDER BY user_id FOR UPDATE`,
			int64(app), sorted)
		if err != nil {
			return err
		}
		t.knownLocked(app, sorted, existing)
		return nil
	}
	for i, u := range sorted {
		if i > 0 && sorted[i-1] == u {
			continue
		}
		rows, err := t.query(ctx, `SELECT user_id FROM accounts WHERE app_id = ? AND user_id = ? FOR UPDATE`, int64(app), u)
		if err != nil {
			return err
		}
		rows.Close()
	}
	return nil
}

var seqColumns = map[store.SeqKind]string{
	store.SeqFriend:       "friend_seq",
	store.SeqFriendCustom: "friend_custom_seq",
	store.SeqBlock:        "block_seq",
	store.SeqFriendList:   "friend_list_seq",
}

func (t *txn) Seqs(ctx context.Context, app store.AppID, user string) (store.Seqs, error) {
	var s store.Seqs
	err := t.queryRow(ctx, `SELECT friend_seq, friend_custom_seq, block_seq, friend_list_seq FROM accounts WHERE app_id = ? AND user_id = ?`,
		int64(app), user).Scan(&s.Friend, &s.FriendCustom, &s.Block, &s.FriendList)
	if errors.Is(err, sql.ErrNoRows) {
		return store.Seqs{}, nil
	}
	return s, err
}

func (t *txn) BumpSeq(ctx context.Context, app store.AppID, user string, kind store.SeqKind) (uint64, error) {
	if t.readOnly {
		// The UPDATE below goes through queryRow, not exec, so it would
		// otherwise escape the read-only check (and commit on PostgreSQL).
		return 0, errReadOnly
	}
	col, ok := seqColumns[kind]
	if !ok {
		return 0, fmt.Errorf("unknown seq kind %d", kind)
	}
	var v uint64
	err := t.queryRow(ctx, `UPDATE accounts SET `+col+` = `+col+` + 1 WHERE app_id = ? AND user_id = ? RETURNING `+col,
		int64(app), user).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return v, err
}

func (t *txn) AdvanceSeq(ctx context.Context, app store.AppID, user string, kind store.SeqKind) error {
	if t.readOnly {
		return errReadOnly
	}
	col, ok := seqColumns[kind]
	if !ok {
		return fmt.Errorf("unknown seq kind %d", kind)
	}
	q := `UPDATE accounts SET ` + col + ` = ` + col + ` + 1 WHERE app_id = ? AND user_id = ?`
	args := []any{int64(app), user}
	// Held with the transaction's friend writes (a friendship's two rows
	// and both users' bumps go in one statement); one bump per user among
	// the writes held together, since a statement changes a row once.
	if t.deferWrite(ctx, deferredWrite{
		kind: seqAdvances,
		row:  []any{int64(app), user, col},
		key:  "accounts\x00" + strconv.FormatInt(int64(app), 10) + "\x00" + user,
	}) {
		return nil
	}
	_, err := t.exec(ctx, q, args...)
	return err
}

// seqAdvances are held AdvanceSeq bumps, each row (app, user, column): one
// UPDATE of their account rows over arrays, a column's array holding 1 for
// the rows that bump it. The held writes' keys are distinct, so no account
// row is changed twice.
var seqAdvances = &rowWrites{tables: []string{"accounts"}, ctes: func(rows [][]any) (string, []any) {
	apps, users := make([]int64, len(rows)), make([]string, len(rows))
	for r, row := range rows {
		apps[r], users[r] = row[0].(int64), row[1].(string)
	}
	cols, by := seqBumps(len(rows), func(r int) string { return rows[r][2].(string) })
	args := []any{apps, users}
	var q strings.Builder
	q.WriteString(`seq_rows AS (SELECT * FROM unnest(CAST(? AS BIGINT[]), CAST(? AS TEXT[])`)
	for i := range cols {
		q.WriteString(`, CAST(? AS BIGINT[])`)
		args = append(args, by[i])
	}
	q.WriteString(`) AS r(app_id, user_id`)
	for _, col := range cols {
		q.WriteString(`, ` + col)
	}
	q.WriteString(`)), seq_advanced AS (UPDATE accounts AS a SET `)
	for i, col := range cols {
		if i > 0 {
			q.WriteString(`, `)
		}
		q.WriteString(col + ` = a.` + col + ` + r.` + col)
	}
	q.WriteString(` FROM seq_rows AS r WHERE a.app_id = r.app_id AND a.user_id = r.user_id)`)
	return q.String(), args
}}

// seqBumps are the seq columns that n account rows bump by one (colOf(i):
// row i's column, "" for none), sorted, and per column an array of n
// holding 1 for the rows that bump it: a statement over arrays bumps them
// all with one UPDATE.
func seqBumps(n int, colOf func(i int) string) (cols []string, by [][]int64) {
	for i := range n {
		if col := colOf(i); col != "" && !slices.Contains(cols, col) {
			cols = append(cols, col)
		}
	}
	slices.Sort(cols)
	by = make([][]int64, len(cols))
	for c, col := range cols {
		by[c] = make([]int64, n)
		for i := range n {
			if colOf(i) == col {
				by[c][i] = 1
			}
		}
	}
	return cols, by
}

func (t *txn) RevokeUserSigs(ctx context.Context, app store.AppID, user string, from int64) (bool, error) {
	// The WHERE keeps the bound from moving back, so the row is matched
	// (and true returned) only when it moved: read existence apart.
	if _, err := t.exec(ctx, `UPDATE accounts SET sigs_valid_from = ? WHERE app_id = ? AND user_id = ? AND sigs_valid_from < ?`,
		from, int64(app), user, from); err != nil {
		return false, err
	}
	return t.AccountExists(ctx, app, user)
}

func (t *txn) UserSigsValidFrom(ctx context.Context, app store.AppID, user string) (int64, error) {
	var from int64
	err := t.queryRow(ctx, `SELECT sigs_valid_from FROM accounts WHERE app_id = ? AND user_id = ?`, int64(app), user).Scan(&from)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return from, err
}
