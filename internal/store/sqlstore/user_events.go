package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"strings"

	"github.com/parleyim/parley/internal/store"
)

// AppendUserEvents gives each event the next seq of its user's change log
// and stores it; events of users without an account are skipped. A few
// events take two statements each; more (a profile change seen by every
// friend, a batch import) are written with one seq bump per 500 users and
// one insert per 500 events, so the cost of a fan-out grows in statements
// by the batch, not by the user.
func (t *txn) AppendUserEvents(ctx context.Context, events []store.UserEvent) ([]store.UserEvent, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	if len(events) > 0 && t.db.dialect.ArrayParams && t.db.dialect.RoundTrips && len(events) <= eventsBatch && oneApp(events) {
		return t.appendUserEventsOneStatement(ctx, events)
	}
	// The batch form is two statements for any number of events: over a
	// network it pays from two events on (a friend added is one per side),
	// in an embedded engine from three.
	if len(events) > 2 || (len(events) == 2 && t.db.dialect.RoundTrips) {
		return t.appendUserEventsBatch(ctx, events)
	}
	out := make([]store.UserEvent, 0, len(events))
	for _, e := range events {
		err := t.queryRow(ctx, `UPDATE accounts SET event_seq = event_seq + 1 WHERE app_id = ? AND user_id = ? RETURNING event_seq`,
			int64(e.App), e.User).Scan(&e.Seq)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		if err := t.insertUserEvents(ctx, []store.UserEvent{e}); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, nil
}

// eventsBatch bounds the users of one seq bump and the rows of one insert:
// a statement's parameters stay far below either engine's limit.
const eventsBatch = 500

func (t *txn) appendUserEventsBatch(ctx context.Context, events []store.UserEvent) ([]store.UserEvent, error) {
	type userKey struct {
		app  store.AppID
		user string
	}
	count := map[userKey]int{}
	var users []userKey // first appearance order
	for _, e := range events {
		k := userKey{e.App, e.User}
		if count[k] == 0 {
			users = append(users, k)
		}
		count[k]++
	}
	// next holds, per user, the seq its next event gets.
	next := make(map[userKey]uint64, len(users))
	for len(users) > 0 {
		// One app per statement: take the run of users of the first one's app.
		app := users[0].app
		n := 0
		for n < len(users) && n < eventsBatch && users[n].app == app {
			n++
		}
		part := users[:n]
		users = users[n:]
		var q strings.Builder
		args := make([]any, 0, 3*len(part)+1)
		q.WriteString(`UPDATE accounts SET event_seq = event_seq + CASE user_id`)
		for _, u := range part {
			q.WriteString(` WHEN ? THEN CAST(? AS BIGINT)`)
			args = append(args, u.user, int64(count[u]))
		}
		q.WriteString(` END WHERE app_id = ? AND user_id IN `)
		q.WriteString(inList(len(part)))
		q.WriteString(` RETURNING user_id, event_seq`)
		args = append(args, int64(app))
		for _, u := range part {
			args = append(args, u.user)
		}
		rows, err := t.query(ctx, q.String(), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var user string
			var top uint64
			if err := rows.Scan(&user, &top); err != nil {
				rows.Close()
				return nil, err
			}
			k := userKey{app, user}
			next[k] = top - uint64(count[k]) + 1
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	out := make([]store.UserEvent, 0, len(events))
	for _, e := range events {
		k := userKey{e.App, e.User}
		seq, ok := next[k]
		if !ok {
			continue // no account
		}
		e.Seq = seq
		next[k] = seq + 1
		out = append(out, e)
	}
	for rest := out; len(rest) > 0; {
		n := min(len(rest), eventsBatch)
		if err := t.insertUserEvents(ctx, rest[:n]); err != nil {
			return nil, err
		}
		rest = rest[n:]
	}
	return out, nil
}

func oneApp(events []store.UserEvent) bool {
	for _, e := range events[1:] {
		if e.App != events[0].App {
			return false
		}
	}
	return true
}

// appendUserEventsOneStatement is appendUserEventsBatch in one statement
// where each statement is a round trip (PostgreSQL, array parameters): the
// seq bump of every user and the insert of every event, the insert taking
// its seqs from the bump's RETURNING. The events are of one app and at most
// eventsBatch of them; the result is the same as appendUserEventsBatch's
// (events of users without an account are skipped, each user's events get
// consecutive seqs in their order).
func (t *txn) appendUserEventsOneStatement(ctx context.Context, events []store.UserEvent) ([]store.UserEvent, error) {
	count := map[string]int64{}
	var users []string
	for _, e := range events {
		if count[e.User] == 0 {
			users = append(users, e.User)
		}
		count[e.User]++
	}
	perUser := make([]int64, len(users))
	for i, u := range users {
		perUser[i] = count[u]
	}
	// ord is each event's 1-based position among its user's events: its seq
	// is the user's new top - count + ord.
	ord := make([]int64, len(events))
	n := make([]int64, len(events))
	evUsers := make([]string, len(events))
	kinds := make([]string, len(events))
	peers := make([]string, len(events))
	times := make([]int64, len(events))
	seen := make(map[string]int64, len(users))
	for i, e := range events {
		seen[e.User]++
		ord[i], n[i], evUsers[i], kinds[i], times[i] = seen[e.User], count[e.User], e.User, e.Kind, e.Time
		peers[i] = "[]"
		if len(e.Peers) > 0 {
			b, err := json.Marshal(e.Peers)
			if err != nil {
				return nil, err
			}
			peers[i] = string(b)
		}
	}
	// A friend seq's advance held for the same users (AdvanceSeq, a friend
	// added) is made by this statement's UPDATE of their rows, which lets
	// the held friend rows ride on it too: a friendship's rows, both friend
	// seqs and both change logs in one round trip.
	app := int64(events[0].App)
	advances := t.takeAdvances(app, users)
	cols, by := seqBumps(len(users), func(i int) string { return advances[users[i]] })
	args := make([]any, 0, 10+len(cols))
	args = append(args, users, perUser)
	var q strings.Builder
	q.WriteString(`WITH wanted AS (
			SELECT * FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[])`)
	for i := range cols {
		q.WriteString(`, CAST(? AS BIGINT[])`)
		args = append(args, by[i])
	}
	q.WriteString(`) AS w(user_id, n`)
	for _, col := range cols {
		q.WriteString(`, ` + col)
	}
	q.WriteString(`)
		), bumped AS (
			UPDATE accounts AS a SET event_seq = a.event_seq + w.n`)
	for _, col := range cols {
		q.WriteString(`, ` + col + ` = a.` + col + ` + w.` + col)
	}
	q.WriteString(` FROM wanted AS w
			WHERE a.app_id = ? AND a.user_id = w.user_id
			RETURNING a.user_id, a.event_seq
		), ins AS (
			INSERT INTO user_events (app_id, user_id, seq, kind, peers, created_at)
			SELECT CAST(? AS BIGINT), e.user_id, b.event_seq - e.n + e.ord, e.kind, e.peers, e.created_at
			FROM unnest(CAST(? AS TEXT[]), CAST(? AS BIGINT[]), CAST(? AS BIGINT[]), CAST(? AS TEXT[]), CAST(? AS TEXT[]), CAST(? AS BIGINT[]))
				AS e(user_id, ord, n, kind, peers, created_at)
			JOIN bumped AS b ON b.user_id = e.user_id
		)
		SELECT user_id, event_seq FROM bumped`)
	args = append(args, app, app, evUsers, ord, n, kinds, peers, times)
	rows, err := t.query(ctx, q.String(), args...)
	if err != nil {
		return nil, err
	}
	next := make(map[string]uint64, len(users))
	for rows.Next() {
		var user string
		var top uint64
		if err := rows.Scan(&user, &top); err != nil {
			rows.Close()
			return nil, err
		}
		next[user] = top - uint64(count[user]) + 1
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	out := make([]store.UserEvent, 0, len(events))
	for _, e := range events {
		seq, ok := next[e.User]
		if !ok {
			continue // no account
		}
		e.Seq = seq
		next[e.User] = seq + 1
		out = append(out, e)
	}
	return out, nil
}

// insertUserEvents stores events that already have their seqs, in one
// statement.
func (t *txn) insertUserEvents(ctx context.Context, events []store.UserEvent) error {
	var q strings.Builder
	q.WriteString(`INSERT INTO user_events (app_id, user_id, seq, kind, peers, created_at) VALUES `)
	args := make([]any, 0, 6*len(events))
	for i, e := range events {
		if i > 0 {
			q.WriteByte(',')
		}
		q.WriteString(`(?, ?, ?, ?, ?, ?)`)
		peers := "[]"
		if len(e.Peers) > 0 {
			b, err := json.Marshal(e.Peers)
			if err != nil {
				return err
			}
			peers = string(b)
		}
		args = append(args, int64(e.App), e.User, e.Seq, e.Kind, peers, e.Time)
	}
	_, err := t.exec(ctx, q.String(), args...)
	return err
}

func (t *txn) UserEventsAfter(ctx context.Context, app store.AppID, user string, after uint64, limit int) ([]store.UserEvent, error) {
	// Seqs are stored as signed 64-bit integers: nothing lies after a
	// position past the largest one (and the drivers refuse such a value).
	if after >= uint64(maxSQLInt) || limit <= 0 {
		return nil, nil
	}
	rows, err := t.query(ctx, `SELECT seq, kind, peers, created_at FROM user_events WHERE app_id = ? AND user_id = ? AND seq > ?
		ORDER BY seq LIMIT ?`, int64(app), user, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.UserEvent
	for rows.Next() {
		e := store.UserEvent{App: app, User: user}
		var peers string
		if err := rows.Scan(&e.Seq, &e.Kind, &peers, &e.Time); err != nil {
			return nil, err
		}
		if err := json.Unmarshal([]byte(peers), &e.Peers); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

func (t *txn) UserEventSeq(ctx context.Context, app store.AppID, user string) (uint64, error) {
	var seq uint64
	err := t.queryRow(ctx, `SELECT event_seq FROM accounts WHERE app_id = ? AND user_id = ?`, int64(app), user).Scan(&seq)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, nil
	}
	return seq, err
}

func (t *txn) PruneUserEvents(ctx context.Context, before int64) (pruned int64, err error) {
	err = t.plannedForValues(ctx, func() error {
		pruned, err = t.execAffected(ctx, `DELETE FROM user_events WHERE created_at < ?`, before)
		return err
	})
	return pruned, err
}

func (t *txn) ListFriendOf(ctx context.Context, app store.AppID, user string, limit int) ([]string, error) {
	rows, err := t.query(ctx, `SELECT owner_id FROM friends WHERE app_id = ? AND peer_id = ? ORDER BY owner_id LIMIT ?`, int64(app), user, limit)
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
