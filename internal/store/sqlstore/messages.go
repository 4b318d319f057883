package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/parleyim/parley/internal/store"
)

const messageColumns = `conv_key, seq, sender, receiver, random, client_key, sent_at, flags, status, version, body, expires_at`

func scanMessage(app store.AppID, sc interface{ Scan(...any) error }) (store.Message, error) {
	m := store.Message{App: app}
	var random int64
	var body string
	err := sc.Scan(&m.ConvKey, &m.Seq, &m.Sender, &m.Receiver, &random, &m.ClientKey, &m.SentAt, &m.Flags, &m.Status, &m.Version, &body, &m.ExpiresAt)
	m.Random, m.Body = uint32(random), []byte(body)
	return m, err
}

// groupMessageColumns reads a group_messages row in messageColumns' shape:
// the storage key rebuilt, no receiver.
const groupMessageColumns = `'group:' || group_id, seq, sender, '', random, client_key, sent_at, flags, status, version, body, expires_at`

// groupKeyPrefix starts a group conversation's storage key (package
// convid builds the keys; the engine only routes on this prefix).
const groupKeyPrefix = "group:"

// groupOf is the group ID of a group conversation's storage key.
func groupOf(convKey string) (string, bool) {
	return strings.CutPrefix(convKey, groupKeyPrefix)
}

// msgSource is where one conversation's messages are: the one-to-one table
// keyed by conv_key, or the group table keyed by group_id.
type msgSource struct {
	table, keyCol, columns string
	key                    string
	group                  bool
}

func sourceOf(convKey string) msgSource {
	if g, ok := groupOf(convKey); ok {
		return msgSource{table: "group_messages", keyCol: "group_id", columns: groupMessageColumns, key: g, group: true}
	}
	return msgSource{table: "messages", keyCol: "conv_key", columns: messageColumns, key: convKey}
}

func (t *txn) AppendMessage(ctx context.Context, m store.Message) (store.Message, bool, error) {
	if t.readOnly {
		return m, false, errReadOnly
	}
	if _, ok := groupOf(m.ConvKey); ok {
		if len(m.HiddenFor) > 0 {
			return m, false, errors.New("store: a group message cannot be hidden from its members as it is appended")
		}
		return t.appendGroupMessage(ctx, m)
	}
	hidden := m.HiddenFor
	m.HiddenFor = nil
	if t.db.dialect.RoundTrips && m.Sender != m.Receiver {
		return t.appendMessageOneStatement(ctx, m, hidden)
	}
	stored, dup, err := t.appendMessageRows(ctx, m)
	if err != nil || dup {
		return stored, dup, err
	}
	for _, owner := range hidden {
		if _, err := t.DeleteMessagesFor(ctx, m.App, owner, stored.ConvKey, []uint64{stored.Seq}); err != nil {
			return stored, false, err
		}
	}
	return stored, false, nil
}

func (t *txn) AppendCheckedMessage(ctx context.Context, m store.Message) (store.CheckedAppend, error) {
	if t.readOnly {
		return store.CheckedAppend{}, errReadOnly
	}
	if _, ok := groupOf(m.ConvKey); ok {
		return store.CheckedAppend{}, errors.New("store: a checked append is of a one-to-one message")
	}
	if t.db.dialect.RoundTrips && m.Sender != m.Receiver {
		return t.appendCheckedOneStatement(ctx, m)
	}
	c, err := t.SendCheck(ctx, m.App, m.Receiver, m.Sender, false)
	if err != nil || !c.SenderExists || !c.ReceiverExists {
		return store.CheckedAppend{Check: c}, err
	}
	if c.RecvOpt == store.RecvOptNotReceive && m.Sender != m.Receiver {
		m.HiddenFor = append(m.HiddenFor[:len(m.HiddenFor):len(m.HiddenFor)], m.Receiver)
	}
	stored, dup, err := t.AppendMessage(ctx, m)
	return store.CheckedAppend{Check: c, Appended: true, Stored: stored, Duplicate: dup}, err
}

// appendMessageRows is AppendMessage for a one-to-one message, statement by
// statement, m.HiddenFor aside.
func (t *txn) appendMessageRows(ctx context.Context, m store.Message) (store.Message, bool, error) {
	app := int64(m.App)
	lastTime := m.SentAt
	excluded := boolInt(m.Flags&store.MessageExcludedFromLast != 0)
	// An imported message may carry a time older than the conversation's
	// last one: the last time never moves back.
	var err error
	hinted := false
	if last, ok := t.db.lastSeqs.get(m.App, m.ConvKey); ok {
		// The hint is only a guess at the row's last_seq: the UPDATE moves
		// the row on only if the guess is right, and otherwise the
		// RETURNING form below reads it. A statement without a result set
		// costs the single writer less than one with.
		var n int64
		n, err = t.execAffected(ctx, `UPDATE conversations SET last_seq = ?,
			last_time = CASE WHEN ? = 1 OR last_time > ? THEN last_time ELSE ? END
			WHERE app_id = ? AND conv_key = ? AND last_seq = ?`,
			int64(last+1), excluded, lastTime, lastTime, app, m.ConvKey, int64(last))
		if err != nil {
			return m, false, err
		}
		if hinted = n == 1; hinted {
			m.Seq = last + 1
		}
	}
	if !hinted {
		err = t.queryRow(ctx, `UPDATE conversations SET last_seq = last_seq + 1,
			last_time = CASE WHEN ? = 1 OR last_time > ? THEN last_time ELSE ? END
			WHERE app_id = ? AND conv_key = ? RETURNING last_seq`,
			excluded, lastTime, lastTime, app, m.ConvKey).Scan(&m.Seq)
	}
	created := false
	if errors.Is(err, sql.ErrNoRows) {
		m.Seq = 1
		created = true
		if _, err := t.exec(ctx, `INSERT INTO conversations (app_id, conv_key, last_seq, last_time) VALUES (?, ?, 1, ?)`,
			app, m.ConvKey, lastTime); err != nil {
			return m, false, err
		}
		for _, pair := range [][2]string{{m.Sender, m.Receiver}, {m.Receiver, m.Sender}} {
			if _, err := t.exec(ctx, `INSERT INTO user_conversations (app_id, owner, conv_key, peer) VALUES (?, ?, ?, ?)
				ON CONFLICT DO NOTHING`, app, pair[0], m.ConvKey, pair[1]); err != nil {
				return m, false, err
			}
		}
	} else if err != nil {
		return m, false, err
	}
	// The unique client key decides whether this is a retry, in the same
	// statement that stores the message: no lookup on the common path.
	n, err := t.execAffected(ctx, `INSERT INTO messages (app_id, `+messageColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (app_id, conv_key, sender, client_key) DO NOTHING`,
		app, m.ConvKey, m.Seq, m.Sender, m.Receiver, int64(m.Random), m.ClientKey, m.SentAt, m.Flags, m.Status, m.Version, string(m.Body), m.ExpiresAt)
	if err != nil {
		return m, false, err
	}
	if n == 1 {
		t.db.lastSeqs.set(m.App, m.ConvKey, m.Seq)
		if created {
			// Two new views: a version each, so a sync reports them. A later
			// message changes no version (as in a group): bumping both users'
			// clocks and views cost a quarter of the server's CPU per
			// message; a client learns of new messages from msg.new, or from
			// the list, whose order is by last message.
			return m, false, t.touchViews(ctx, m.App, m.ConvKey, m.Sender, m.Receiver)
		}
		return m, false, nil
	}
	// A retry: give the seq back (the conversation row is this
	// transaction's until it ends, so nobody else took a later one) and
	// answer with the first attempt.
	if _, err := t.exec(ctx, `UPDATE conversations SET last_seq = last_seq - 1 WHERE app_id = ? AND conv_key = ?`, app, m.ConvKey); err != nil {
		return m, false, err
	}
	t.db.lastSeqs.set(m.App, m.ConvKey, m.Seq-1)
	prev, err := scanMessage(m.App, t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE app_id = ? AND conv_key = ? AND sender = ? AND client_key = ?`, app, m.ConvKey, m.Sender, m.ClientKey))
	return prev, err == nil, err
}

// appendMessageOneStatement is AppendMessage for an engine where every
// statement is a round trip (PostgreSQL): the seq bump or the
// conversation's creation, the message, and for a new conversation both
// views with a new version each, in one statement of data-modifying CTEs
// instead of up to eight. The views take their versions as they are
// inserted because the CTEs of one statement do not see each other's rows
// (an UPDATE of a view inserted by a sibling CTE would find nothing). The
// sender and receiver differ (the caller falls back otherwise): one
// statement may not upsert the same clock row twice.
//
// Contract as AppendMessage's: a client key already stored answers the first
// attempt and gives the seq back; the clocks are bumped in user ID order.
// The users of hidden have the new message deleted from their view by one
// more CTE of the statement (a sender's hidden send, a receiver who does
// not receive the peer: another round trip each otherwise).
func (t *txn) appendMessageOneStatement(ctx context.Context, m store.Message, hidden []string) (store.Message, bool, error) {
	args := oneToOneAppendArgs(m)
	// Two texts, so that a send hidden from nobody does not open the
	// deleted_messages table at all.
	hide := ""
	if len(hidden) > 0 {
		hide = `, hidden AS (
			INSERT INTO deleted_messages (app_id, owner, conv_key, seq, expires_at)
			SELECT $1, h.owner, $2, msg.seq, $14 FROM msg, unnest(CAST($17 AS TEXT[])) AS h(owner)
			ON CONFLICT DO NOTHING
		)`
		args = append(args, hidden)
	}
	var inserted int
	err := t.queryRow(ctx, `WITH `+oneToOneAppendCTEs(`VALUES ($1, $2, 1, $3)`)+hide+`
		SELECT conv.last_seq, (SELECT COUNT(*) FROM msg) FROM conv`, args...).Scan(&m.Seq, &inserted)
	if err != nil {
		return m, false, statementError("WITH conv AS (INSERT INTO conversations ...", err)
	}
	if inserted == 1 {
		return m, false, nil
	}
	prev, err := t.retriedAppend(ctx, m)
	return prev, err == nil, err
}

// oneToOneAppendCTEs are the CTEs of a one-to-one append in one statement
// (appendMessageOneStatement, appendCheckedOneStatement): the conversation's
// row from convSource ($1 app, $2 conversation, $3 time; $4 1 when the
// message is excluded from the last time), the message ($5-$14: sender,
// receiver, random, client key, time, flags, status, version, body,
// expiry; nothing on a retry), both users' conversation clocks ($15, $16 in
// lock order) and views when the conversation opens.
func oneToOneAppendCTEs(convSource string) string {
	return `conv AS (
			INSERT INTO conversations AS c (app_id, conv_key, last_seq, last_time) ` + convSource + `
			ON CONFLICT (app_id, conv_key) DO UPDATE SET last_seq = c.last_seq + 1,
				last_time = CASE WHEN $4 = 1 OR c.last_time > $3 THEN c.last_time ELSE $3 END
			RETURNING last_seq, xmax = 0 AS created
		), msg AS (
			INSERT INTO messages (app_id, ` + messageColumns + `)
			SELECT $1, $2, conv.last_seq, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14 FROM conv
			ON CONFLICT (app_id, conv_key, sender, client_key) DO NOTHING
			RETURNING seq
		), clocks AS (
			INSERT INTO conversation_clocks AS k (app_id, owner, version)
			SELECT $1, o.owner, 1 FROM conv, (VALUES (CAST($15 AS TEXT), 1), (CAST($16 AS TEXT), 2)) AS o(owner, ord)
			WHERE conv.created AND EXISTS (SELECT 1 FROM msg) ORDER BY o.ord
			ON CONFLICT (app_id, owner) DO UPDATE SET version = k.version + 1
			RETURNING owner, version
		), views AS (
			INSERT INTO user_conversations AS u (app_id, owner, conv_key, peer, version)
			SELECT $1, v.owner, $2, v.peer, COALESCE(clocks.version, 0)
			FROM conv, (VALUES (CAST($5 AS TEXT), CAST($6 AS TEXT)), ($6, $5)) AS v(owner, peer)
			LEFT JOIN clocks ON clocks.owner = v.owner
			WHERE conv.created
			ON CONFLICT (app_id, owner, conv_key) DO UPDATE SET version = excluded.version WHERE excluded.version > 0
		)`
}

// oneToOneAppendArgs are oneToOneAppendCTEs' arguments for m.
func oneToOneAppendArgs(m store.Message) []any {
	first, second := m.Sender, m.Receiver
	if second < first {
		first, second = second, first
	}
	return []any{int64(m.App), m.ConvKey, m.SentAt, boolInt(m.Flags&store.MessageExcludedFromLast != 0),
		m.Sender, m.Receiver, int64(m.Random), m.ClientKey, m.SentAt, m.Flags, m.Status, m.Version, string(m.Body), m.ExpiresAt,
		first, second}
}

// retriedAppend answers a one-statement append that was a retry (its
// message's insert met the sender's client key): the seq the statement
// took is given back and the first attempt's message returned, as in
// AppendMessage.
func (t *txn) retriedAppend(ctx context.Context, m store.Message) (store.Message, error) {
	app := int64(m.App)
	if _, err := t.exec(ctx, `UPDATE conversations SET last_seq = last_seq - 1 WHERE app_id = ? AND conv_key = ?`, app, m.ConvKey); err != nil {
		return m, err
	}
	return scanMessage(m.App, t.queryRow(ctx, `SELECT `+messageColumns+` FROM messages
		WHERE app_id = ? AND conv_key = ? AND sender = ? AND client_key = ?`, app, m.ConvKey, m.Sender, m.ClientKey))
}

func (t *txn) AppendCheckedMessages(ctx context.Context, ms []store.Message) ([]store.CheckedAppend, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	if len(ms) > 1 && t.db.dialect.RoundTrips && t.db.dialect.ArrayParams && setAppendable(ms) {
		return t.appendCheckedSet(ctx, ms)
	}
	out := make([]store.CheckedAppend, len(ms))
	for i, m := range ms {
		var err error
		if out[i], err = t.AppendCheckedMessage(ctx, m); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// maxSetAppend bounds the messages of one set-based append statement.
const maxSetAppend = 256

// setAppendable reports whether ms can go in one set-based statement: of
// one app, one-to-one, no sends to oneself (whose two views are one row),
// hidden from nobody but their senders, at most maxSetAppend.
func setAppendable(ms []store.Message) bool {
	if len(ms) > maxSetAppend {
		return false
	}
	for _, m := range ms {
		if _, ok := groupOf(m.ConvKey); ok || m.App != ms[0].App || m.Sender == m.Receiver {
			return false
		}
		for _, h := range m.HiddenFor {
			if h != m.Sender {
				return false
			}
		}
	}
	return true
}

// appendCheckedSet is AppendCheckedMessages in one statement for messages
// setAppendable allows: each message's accounts, its receiver's option and
// whether it is a retry of a stored message are read first (a retry takes
// no seq); the rest are counted per conversation, whose row moves on by its
// count (so one conversation's messages get consecutive seqs in their
// order), and every table appendCheckedOneStatement writes is written for
// all of them at once. Conversations opened here bump each of their users'
// conversation clocks once per conversation, each view getting its own
// version. A retry that was stored only after the statement's snapshot was
// taken conflicts on insert: the statement then fails the call (see the
// interface), since its seqs would leave a gap.
func (t *txn) appendCheckedSet(ctx context.Context, ms []store.Message) ([]store.CheckedAppend, error) {
	out := make([]store.CheckedAppend, len(ms))
	// A message repeating an earlier one's key in this call is answered
	// with it afterwards; the statement sees each key once.
	type key struct{ conv, sender, client string }
	firstOf := make(map[key]int, len(ms))
	repeats := map[int]int{}
	convs, senders, receivers, clients, bodies := make([]string, 0, len(ms)), make([]string, 0, len(ms)), make([]string, 0, len(ms)), make([]string, 0, len(ms)), make([]string, 0, len(ms))
	randoms, sentAts, flags, statuses, versions, expires, hideSender := make([]int64, 0, len(ms)), make([]int64, 0, len(ms)), make([]int64, 0, len(ms)),
		make([]int64, 0, len(ms)), make([]int64, 0, len(ms)), make([]int64, 0, len(ms)), make([]int64, 0, len(ms))
	index := make([]int, 0, len(ms)) // statement row → position in ms
	for i, m := range ms {
		k := key{m.ConvKey, m.Sender, m.ClientKey}
		if first, ok := firstOf[k]; ok {
			repeats[i] = first
			continue
		}
		firstOf[k] = i
		index = append(index, i)
		hide := int64(0)
		if slices.Contains(m.HiddenFor, m.Sender) {
			hide = 1
		}
		convs, senders, receivers, clients, bodies = append(convs, m.ConvKey), append(senders, m.Sender), append(receivers, m.Receiver), append(clients, m.ClientKey), append(bodies, string(m.Body))
		randoms, sentAts, flags = append(randoms, int64(m.Random)), append(sentAts, m.SentAt), append(flags, int64(m.Flags))
		statuses, versions, expires, hideSender = append(statuses, int64(m.Status)), append(versions, int64(m.Version)), append(expires, m.ExpiresAt), append(hideSender, hide)
	}
	rows, err := t.query(ctx, checkedSetAppend, int64(ms[0].App), convs, senders, receivers, randoms, clients, sentAts, flags, statuses, versions, bodies, expires,
		hideSender, store.RecvOptNotReceive, store.MessageExcludedFromLast)
	if err != nil {
		return nil, err
	}
	var dups []int
	fresh, inserted := 0, 0
	for rows.Next() {
		var ord, senderOK, receiverOK, dup int
		var c store.SendCheck
		var seq int64
		if err := rows.Scan(&ord, &senderOK, &receiverOK, &c.RecvOpt, &dup, &seq, &inserted); err != nil {
			rows.Close()
			return nil, err
		}
		i := index[ord-1]
		c.SenderExists, c.ReceiverExists = senderOK == 1, receiverOK == 1
		out[i].Check = c
		if !c.SenderExists || !c.ReceiverExists {
			continue
		}
		out[i].Appended = true
		if dup == 1 {
			dups = append(dups, i)
			continue
		}
		fresh++
		m := ms[i]
		m.HiddenFor, m.Seq = nil, uint64(seq)
		out[i].Stored = m
	}
	if err := rows.Close(); err != nil {
		return nil, err
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if inserted != fresh {
		return nil, fmt.Errorf("store: %d of %d messages appended: a concurrent write stored the others first", inserted, fresh)
	}
	for _, i := range dups {
		prev, ok, err := t.MessageByClientKey(ctx, ms[i].App, ms[i].ConvKey, ms[i].ClientKey, ms[i].Sender)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, fmt.Errorf("store: the message retried by %s in %s is gone", ms[i].ClientKey, ms[i].ConvKey)
		}
		out[i].Stored, out[i].Duplicate = prev, true
	}
	for i, first := range repeats {
		out[i] = out[first]
		if out[i].Appended {
			out[i].Duplicate = true
		}
	}
	return out, nil
}

// checkedSetAppend is appendCheckedSet's statement; see there.
const checkedSetAppend = `WITH input AS (
		SELECT * FROM unnest(CAST($2 AS TEXT[]), CAST($3 AS TEXT[]), CAST($4 AS TEXT[]), CAST($5 AS BIGINT[]), CAST($6 AS TEXT[]),
			CAST($7 AS BIGINT[]), CAST($8 AS BIGINT[]), CAST($9 AS BIGINT[]), CAST($10 AS BIGINT[]), CAST($11 AS TEXT[]), CAST($12 AS BIGINT[]),
			CAST($13 AS BIGINT[]))
			WITH ORDINALITY AS i(conv_key, sender, receiver, random, client_key, sent_at, flags, status, version, body, expires_at, hide_sender, ord)
	), chk AS (
		SELECT i.*,
			EXISTS (SELECT 1 FROM accounts WHERE app_id = $1 AND user_id = i.sender) AS sender_ok,
			EXISTS (SELECT 1 FROM accounts WHERE app_id = $1 AND user_id = i.receiver) AS receiver_ok,
			COALESCE((SELECT opt FROM c2c_recv_opts WHERE app_id = $1 AND owner = i.receiver AND peer = i.sender), 0) AS opt,
			EXISTS (SELECT 1 FROM messages m WHERE m.app_id = $1 AND m.conv_key = i.conv_key AND m.sender = i.sender AND m.client_key = i.client_key) AS dup
		FROM input i
	), fresh AS (
		SELECT c.*, row_number() OVER (PARTITION BY c.conv_key ORDER BY c.ord) AS n, count(*) OVER (PARTITION BY c.conv_key) AS cnt
		FROM chk c WHERE c.sender_ok AND c.receiver_ok AND NOT c.dup
	), conv AS (
		INSERT INTO conversations AS c (app_id, conv_key, last_seq, last_time)
		SELECT $1, f.conv_key, count(*), max(f.sent_at) FROM fresh f GROUP BY f.conv_key ORDER BY f.conv_key
		ON CONFLICT (app_id, conv_key) DO UPDATE SET last_seq = c.last_seq + excluded.last_seq,
			last_time = GREATEST(c.last_time, (SELECT max(f.sent_at) FROM fresh f WHERE f.conv_key = excluded.conv_key AND (f.flags & $15) = 0))
		RETURNING conv_key, last_seq, xmax = 0 AS created
	), msg AS (
		INSERT INTO messages (app_id, ` + messageColumns + `)
		SELECT $1, f.conv_key, v.last_seq - f.cnt + f.n, f.sender, f.receiver, f.random, f.client_key, f.sent_at, f.flags, f.status, f.version,
			f.body, f.expires_at
		FROM fresh f JOIN conv v ON v.conv_key = f.conv_key
		ON CONFLICT (app_id, conv_key, sender, client_key) DO NOTHING
		RETURNING seq
	), opened AS (
		SELECT p.conv_key, o.owner, o.peer, row_number() OVER (PARTITION BY o.owner ORDER BY p.conv_key) AS r,
			count(*) OVER (PARTITION BY o.owner) AS oc
		FROM (SELECT DISTINCT ON (f.conv_key) f.conv_key, f.sender, f.receiver FROM fresh f JOIN conv v ON v.conv_key = f.conv_key AND v.created
			ORDER BY f.conv_key, f.n) AS p,
			LATERAL (VALUES (p.sender, p.receiver), (p.receiver, p.sender)) AS o(owner, peer)
	), clocks AS (
		INSERT INTO conversation_clocks AS k (app_id, owner, version)
		SELECT $1, o.owner, max(o.oc) FROM opened o GROUP BY o.owner ORDER BY o.owner
		ON CONFLICT (app_id, owner) DO UPDATE SET version = k.version + excluded.version
		RETURNING owner, version
	), views AS (
		INSERT INTO user_conversations AS u (app_id, owner, conv_key, peer, version)
		SELECT $1, o.owner, o.conv_key, o.peer, k.version - o.oc + o.r FROM opened o JOIN clocks k ON k.owner = o.owner
		ON CONFLICT (app_id, owner, conv_key) DO UPDATE SET version = excluded.version WHERE excluded.version > 0
	), hidden AS (
		INSERT INTO deleted_messages (app_id, owner, conv_key, seq, expires_at)
		SELECT $1, h.owner, f.conv_key, v.last_seq - f.cnt + f.n, f.expires_at
		FROM fresh f JOIN conv v ON v.conv_key = f.conv_key,
			LATERAL (SELECT f.sender WHERE f.hide_sender = 1 UNION ALL SELECT f.receiver WHERE f.opt = $14) AS h(owner)
		ON CONFLICT DO NOTHING
	)
	SELECT c.ord, CASE WHEN c.sender_ok THEN 1 ELSE 0 END, CASE WHEN c.receiver_ok THEN 1 ELSE 0 END, c.opt, CASE WHEN c.dup THEN 1 ELSE 0 END,
		COALESCE(v.last_seq - f.cnt + f.n, 0), (SELECT count(*) FROM msg)
	FROM chk c LEFT JOIN fresh f ON f.ord = c.ord LEFT JOIN conv v ON v.conv_key = f.conv_key
	ORDER BY c.ord`

// appendCheckedOneStatement is AppendCheckedMessage in one statement:
// appendMessageOneStatement's, its conversation row written only when both
// accounts exist (so nothing after it is), and the receiver among the
// hidden when its receive option says so.
func (t *txn) appendCheckedOneStatement(ctx context.Context, m store.Message) (store.CheckedAppend, error) {
	hidden := m.HiddenFor
	if hidden == nil {
		hidden = []string{}
	}
	m.HiddenFor = nil
	var c store.SendCheck
	var senderOK, receiverOK, inserted int
	var seq sql.NullInt64
	err := t.queryRow(ctx, `WITH chk AS (
			SELECT EXISTS (SELECT 1 FROM accounts WHERE app_id = $1 AND user_id = $5) AS sender_ok,
				EXISTS (SELECT 1 FROM accounts WHERE app_id = $1 AND user_id = $6) AS receiver_ok,
				COALESCE((SELECT opt FROM c2c_recv_opts WHERE app_id = $1 AND owner = $6 AND peer = $5), 0) AS opt
		), `+oneToOneAppendCTEs(`SELECT $1, $2, 1, $3 FROM chk WHERE chk.sender_ok AND chk.receiver_ok`)+`, hidden AS (
			INSERT INTO deleted_messages (app_id, owner, conv_key, seq, expires_at)
			SELECT $1, h.owner, $2, msg.seq, $14 FROM msg,
				(SELECT unnest(CAST($17 AS TEXT[])) UNION SELECT CAST($6 AS TEXT) FROM chk WHERE chk.opt = $18) AS h(owner)
			ON CONFLICT DO NOTHING
		)
		SELECT CASE WHEN chk.sender_ok THEN 1 ELSE 0 END, CASE WHEN chk.receiver_ok THEN 1 ELSE 0 END, chk.opt,
			conv.last_seq, (SELECT COUNT(*) FROM msg)
		FROM chk LEFT JOIN conv ON true`,
		append(oneToOneAppendArgs(m), hidden, store.RecvOptNotReceive)...).Scan(&senderOK, &receiverOK, &c.RecvOpt, &seq, &inserted)
	if err != nil {
		return store.CheckedAppend{}, statementError("WITH chk AS (SELECT EXISTS ... INSERT INTO conversations ...", err)
	}
	c.SenderExists, c.ReceiverExists = senderOK == 1, receiverOK == 1
	if !c.SenderExists || !c.ReceiverExists {
		return store.CheckedAppend{Check: c}, nil
	}
	m.Seq = uint64(seq.Int64)
	if inserted == 1 {
		return store.CheckedAppend{Check: c, Appended: true, Stored: m}, nil
	}
	prev, err := t.retriedAppend(ctx, m)
	if err != nil {
		return store.CheckedAppend{}, err
	}
	return store.CheckedAppend{Check: c, Appended: true, Stored: prev, Duplicate: true}, nil
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (t *txn) scanMessages(ctx context.Context, app store.AppID, q string, args ...any) ([]store.Message, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []store.Message
	for rows.Next() {
		m, err := scanMessage(app, rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

func (t *txn) MessagesInRange(ctx context.Context, app store.AppID, convKey string, from, to uint64, limit int) ([]store.Message, error) {
	src := sourceOf(convKey)
	return t.scanMessages(ctx, app, `SELECT `+src.columns+` FROM `+src.table+` WHERE app_id = ? AND `+src.keyCol+` = ? AND seq >= ? AND seq <= ?
		ORDER BY seq LIMIT ?`, int64(app), src.key, seqBound(from, 0), seqBound(to, 0), limit)
}

func (t *txn) LatestMessages(ctx context.Context, app store.AppID, convKey string, before uint64, limit int) ([]store.Message, error) {
	src := sourceOf(convKey)
	return t.scanMessages(ctx, app, `SELECT `+src.columns+` FROM `+src.table+` WHERE app_id = ? AND `+src.keyCol+` = ? AND seq <= ?
		ORDER BY seq DESC LIMIT ?`, int64(app), src.key, seqBound(before, maxSQLInt), limit)
}

func (t *txn) Message(ctx context.Context, app store.AppID, convKey string, seq uint64) (store.Message, bool, error) {
	src := sourceOf(convKey)
	m, err := scanMessage(app, t.queryRow(ctx, `SELECT `+src.columns+` FROM `+src.table+` WHERE app_id = ? AND `+src.keyCol+` = ? AND seq = ?`,
		int64(app), src.key, seqBound(seq, 0)))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Message{}, false, nil
	}
	return m, err == nil, err
}

func (t *txn) UpdateMessage(ctx context.Context, m store.Message) error {
	src := sourceOf(m.ConvKey)
	_, err := t.exec(ctx, `UPDATE `+src.table+` SET status = ?, version = ?, body = ? WHERE app_id = ? AND `+src.keyCol+` = ? AND seq = ?`,
		m.Status, m.Version, string(m.Body), int64(m.App), src.key, seqBound(m.Seq, 0))
	return err
}

// unreadCount counts, from seqs, the peer's messages after the owner's read
// cursor (and after anything the owner cleared): there is no counter that
// could drift from the messages themselves.
const conversationQuery = `SELECT uc.conv_key, uc.peer, c.last_seq, c.last_time, uc.read_seq, uc.cleared_seq, uc.hidden_seq, uc.pinned_at,
	(SELECT COUNT(*) FROM messages m WHERE m.app_id = uc.app_id AND m.conv_key = uc.conv_key
		AND m.seq > uc.read_seq AND m.seq > uc.cleared_seq AND m.sender <> uc.owner
		AND (m.flags & 1) = 0 AND m.status = 0
		AND NOT EXISTS (SELECT 1 FROM deleted_messages d WHERE d.app_id = uc.app_id AND d.owner = uc.owner
			AND d.conv_key = uc.conv_key AND d.seq = m.seq)) AS unread
	FROM user_conversations uc JOIN conversations c ON c.app_id = uc.app_id AND c.conv_key = uc.conv_key
	WHERE uc.app_id = ? AND uc.owner = ?`

func scanConversation(app store.AppID, owner string, sc interface{ Scan(...any) error }) (store.Conversation, error) {
	c := store.Conversation{App: app, Owner: owner}
	err := sc.Scan(&c.ConvKey, &c.Peer, &c.LastSeq, &c.LastTime, &c.ReadSeq, &c.ClearedSeq, &c.HiddenSeq, &c.PinnedAt, &c.Unread)
	return c, err
}

func (t *txn) Conversations(ctx context.Context, app store.AppID, owner string) ([]store.Conversation, error) {
	// A cleared conversation stays in the list (with nothing in it); a
	// deleted one (hidden) is out until a newer message.
	rows, err := t.query(ctx, conversationQuery+` AND c.last_seq > uc.hidden_seq
		ORDER BY uc.pinned_at DESC, c.last_time DESC, uc.conv_key`, int64(app), owner)
	if err != nil {
		return nil, err
	}
	var out []store.Conversation
	for rows.Next() {
		c, err := scanConversation(app, owner, rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		out = append(out, c)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	groups, err := t.groupViews(ctx, app, owner, ` AND g.last_seq > gm.hidden_seq`)
	if err != nil {
		return out, err
	}
	topics, err := t.allTopicViews(ctx, app, owner)
	if err != nil || len(groups)+len(topics) == 0 {
		return out, err
	}
	out = append(append(out, groups...), topics...)
	sort.SliceStable(out, func(i, j int) bool {
		a, b := out[i], out[j]
		if a.PinnedAt != b.PinnedAt {
			return a.PinnedAt > b.PinnedAt
		}
		if a.LastTime != b.LastTime {
			return a.LastTime > b.LastTime
		}
		return a.ConvKey < b.ConvKey
	})
	return out, nil
}

func (t *txn) Conversation(ctx context.Context, app store.AppID, owner, convKey string) (store.Conversation, bool, error) {
	if g, ok := groupOf(convKey); ok && isTopic(g) {
		v, ok, err := t.topicView(ctx, app, owner, g)
		return v.c, ok, err
	} else if ok {
		views, err := t.groupViews(ctx, app, owner, ` AND gm.group_id = ?`, g)
		if err != nil || len(views) == 0 {
			return store.Conversation{}, false, err
		}
		return views[0], true, nil
	}
	c, err := scanConversation(app, owner, t.queryRow(ctx, conversationQuery+` AND uc.conv_key = ?`, int64(app), owner, convKey))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Conversation{}, false, nil
	}
	return c, err == nil, err
}

func (t *txn) SetReadSeq(ctx context.Context, app store.AppID, owner, convKey string, seq uint64) error {
	if g, ok := groupOf(convKey); ok && isTopic(g) {
		return t.setTopicRead(ctx, app, g, owner, seq)
	} else if ok {
		_, err := t.setGroupRead(ctx, app, g, owner, seq)
		return err
	}
	n, err := t.execAffected(ctx, `UPDATE user_conversations SET read_seq = ? WHERE app_id = ? AND owner = ? AND conv_key = ? AND read_seq < ?`,
		seqBound(seq, 0), int64(app), owner, convKey, seqBound(seq, 0))
	if err != nil || n == 0 {
		return err
	}
	return t.touchViews(ctx, app, convKey, owner)
}

func (t *txn) PruneMessages(ctx context.Context, now int64) (pruned int64, err error) {
	err = t.plannedForValues(ctx, func() error {
		if _, err := t.exec(ctx, `DELETE FROM deleted_messages WHERE expires_at < ?`, now); err != nil {
			return err
		}
		if _, err := t.exec(ctx, `DELETE FROM message_receipts WHERE expires_at < ?`, now); err != nil {
			return err
		}
		n, err := t.execAffected(ctx, `DELETE FROM messages WHERE expires_at < ?`, now)
		if err != nil {
			return err
		}
		g, err := t.execAffected(ctx, `DELETE FROM group_messages WHERE expires_at < ?`, now)
		pruned = n + g
		return err
	})
	return pruned, err
}

// maxSQLInt stands for "no bound": engines store seqs and times as signed
// 64-bit integers.
const maxSQLInt = int64(^uint64(0) >> 1)

func seqBound(v uint64, open int64) int64 {
	if v == 0 {
		return open
	}
	if v > uint64(maxSQLInt) {
		return maxSQLInt
	}
	return int64(v)
}

func timeBound(v int64, open int64) int64 {
	if v == 0 {
		return open
	}
	return v
}

// QueryMessages builds one of a few fixed statement shapes (by seq or by
// time, ascending or descending, with or without a viewer) so prepared
// statements stay few; open bounds are passed as extreme values.
func (t *txn) QueryMessages(ctx context.Context, app store.AppID, q store.MessageQuery) ([]store.Message, error) {
	var b strings.Builder
	src := sourceOf(q.ConvKey)
	args := []any{int64(app), src.key, seqBound(q.MinSeq, 0), seqBound(q.MaxSeq, maxSQLInt),
		timeBound(q.MinTime, -maxSQLInt), timeBound(q.MaxTime, maxSQLInt)}
	b.WriteString(`SELECT ` + src.columns + ` FROM ` + src.table + ` m WHERE m.app_id = ? AND m.` + src.keyCol + ` = ?
		AND m.seq >= ? AND m.seq <= ? AND m.sent_at >= ? AND m.sent_at <= ?`)
	if q.Viewer != "" {
		if src.group {
			b.WriteString(` AND m.seq > COALESCE((SELECT gm.cleared_seq FROM group_members gm
				WHERE gm.app_id = ? AND gm.user_id = ? AND gm.group_id = ?), 0)`)
			// A targeted message is the sender's and its receivers' only.
			b.WriteString(` AND ((m.flags & 8) = 0 OR m.sender = ? OR EXISTS (SELECT 1 FROM group_message_targets gt
				WHERE gt.app_id = m.app_id AND gt.group_id = m.group_id AND gt.seq = m.seq AND gt.user_id = ?))`)
		} else {
			b.WriteString(` AND m.seq > COALESCE((SELECT uc.cleared_seq FROM user_conversations uc
				WHERE uc.app_id = ? AND uc.owner = ? AND uc.conv_key = ?), 0)`)
		}
		// deleted_messages names a message by its storage key, whatever
		// the kind.
		b.WriteString(` AND NOT EXISTS (SELECT 1 FROM deleted_messages d WHERE d.app_id = m.app_id AND d.owner = ?
			AND d.conv_key = ? AND d.seq = m.seq)`)
		args = append(args, int64(app), q.Viewer, src.key)
		if src.group {
			args = append(args, q.Viewer, q.Viewer)
		}
		args = append(args, q.Viewer, q.ConvKey)
	}
	dir := ""
	if q.Descending {
		dir = " DESC"
	}
	if q.ByTime {
		before, beforeSeq := maxSQLInt, int64(0)
		if q.BeforeTime != 0 {
			before, beforeSeq = q.BeforeTime, seqBound(q.BeforeSeq, 0)
		}
		b.WriteString(` AND (m.sent_at < ? OR (m.sent_at = ? AND m.seq < ?)) ORDER BY m.sent_at` + dir + `, m.seq` + dir)
		args = append(args, before, before, beforeSeq)
	} else {
		b.WriteString(` ORDER BY m.seq` + dir)
	}
	limit := q.Limit
	if limit <= 0 {
		limit = 100
	}
	b.WriteString(` LIMIT ?`)
	args = append(args, limit)
	return t.scanMessages(ctx, app, b.String(), args...)
}

func (t *txn) MessageByClientKey(ctx context.Context, app store.AppID, convKey, key string, senders ...string) (store.Message, bool, error) {
	if len(senders) == 0 {
		return store.Message{}, false, nil
	}
	src := sourceOf(convKey)
	args := append([]any{int64(app), src.key, key}, stringArgs(senders)...)
	m, err := scanMessage(app, t.queryRow(ctx, `SELECT `+src.columns+` FROM `+src.table+`
		WHERE app_id = ? AND `+src.keyCol+` = ? AND client_key = ? AND sender IN `+inList(len(senders))+` ORDER BY seq LIMIT 1`, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return store.Message{}, false, nil
	}
	return m, err == nil, err
}

func stringArgs(ss []string) []any {
	out := make([]any, len(ss))
	for i, s := range ss {
		out[i] = s
	}
	return out
}

func (t *txn) DeleteMessagesFor(ctx context.Context, app store.AppID, owner, convKey string, seqs []uint64) (int64, error) {
	if t.readOnly {
		return 0, errReadOnly
	}
	var n int64
	src := sourceOf(convKey)
	for len(seqs) > 0 {
		part := seqs[:min(len(seqs), 100)]
		seqs = seqs[len(part):]
		args := []any{owner, convKey, int64(app), src.key}
		for _, q := range part {
			args = append(args, seqBound(q, 0))
		}
		affected, err := t.execAffected(ctx, `INSERT INTO deleted_messages (app_id, owner, conv_key, seq, expires_at)
			SELECT app_id, ?, ?, seq, expires_at FROM `+src.table+` WHERE app_id = ? AND `+src.keyCol+` = ? AND seq IN `+inList(len(part))+`
			ON CONFLICT DO NOTHING`, args...)
		if err != nil {
			return n, err
		}
		n += affected
	}
	return n, nil
}

func (t *txn) SetClearedSeq(ctx context.Context, app store.AppID, owner, convKey string, seq uint64) error {
	if g, ok := groupOf(convKey); ok {
		return t.clearGroup(ctx, app, g, owner, seq)
	}
	n, err := t.execAffected(ctx, `UPDATE user_conversations SET cleared_seq = ? WHERE app_id = ? AND owner = ? AND conv_key = ? AND cleared_seq < ?`,
		seqBound(seq, 0), int64(app), owner, convKey, seqBound(seq, 0))
	if err != nil || n == 0 {
		return err
	}
	return t.touchViews(ctx, app, convKey, owner)
}
