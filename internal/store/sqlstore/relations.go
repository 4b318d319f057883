package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strconv"

	"github.com/parleyim/parley/internal/store"
)

// relationParts are the UNION ALL arms of Relations that take the peers'
// IN list; the first column says which set a row belongs to: 0-3 the sets,
// relationParts the owner's account, recvOptKind+opt a receive option.
const (
	relationParts = 5
	recvOptKind   = relationParts + 1
)

func (t *txn) Relations(ctx context.Context, app store.AppID, owner string, peers []string) (store.RelationSet, error) {
	rs := store.RelationSet{Friends: map[string]bool{}, FriendOf: map[string]bool{}, Blocked: map[string]bool{}, BlockedBy: map[string]bool{},
		RecvOpt: map[string]int{}}
	sets := [relationParts - 1]map[string]bool{rs.Friends, rs.FriendOf, rs.Blocked, rs.BlockedBy}
	first := true
	chunkSize := 200
	if t.db.dialect.ArrayParams {
		// One array parameter per arm: the whole set in one statement.
		chunkSize = max(len(peers), 1)
	}
	for len(peers) > 0 || first {
		n := min(len(peers), chunkSize)
		chunk := peers[:n]
		peers = peers[n:]
		var arms [relationParts]string
		args := make([]any, 0, relationParts*(len(chunk)+2)+2)
		for i, col := range [relationParts]string{"peer_id", "owner_id", "peer_id", "owner_id", "peer"} {
			cond, in := t.among(col, chunk)
			arms[i] = cond
			args = append(append(args, int64(app), owner), in...)
		}
		q := `SELECT 0, peer_id FROM friends WHERE app_id = ? AND owner_id = ? AND ` + arms[0] + `
			UNION ALL SELECT 1, owner_id FROM friends WHERE app_id = ? AND peer_id = ? AND ` + arms[1] + `
			UNION ALL SELECT 2, peer_id FROM blocklist WHERE app_id = ? AND owner_id = ? AND ` + arms[2] + `
			UNION ALL SELECT 3, owner_id FROM blocklist WHERE app_id = ? AND peer_id = ? AND ` + arms[3] + `
			UNION ALL SELECT ` + strconv.Itoa(recvOptKind) + ` + opt, peer FROM c2c_recv_opts WHERE app_id = ? AND owner = ? AND ` + arms[4]
		if first {
			q += ` UNION ALL SELECT ` + strconv.Itoa(relationParts) + `, user_id FROM accounts WHERE app_id = ? AND user_id = ?`
			args = append(args, int64(app), owner)
		}
		if err := t.scanRelations(ctx, q, args, sets, &rs); err != nil {
			return rs, err
		}
		first = false
	}
	return rs, nil
}

func (t *txn) scanRelations(ctx context.Context, q string, args []any, sets [relationParts - 1]map[string]bool, rs *store.RelationSet) error {
	// 5×(n+2)+2 arguments: past the statement cache's bound for large
	// batches, which then run unprepared.
	rows, err := t.queryN(ctx, q, relationParts, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var kind int
		var id string
		if err := rows.Scan(&kind, &id); err != nil {
			return err
		}
		switch {
		case kind == relationParts:
			rs.OwnerExists = true
		case kind >= recvOptKind:
			rs.RecvOpt[id] = kind - recvOptKind
		default:
			sets[kind][id] = true
		}
	}
	return rows.Err()
}

// sendCheckQuery reads a send's rules from the receiver's account row: no
// row, no receiver. Scalar subqueries keep it one row and one statement;
// each is a primary-key probe. CASE makes each EXISTS an integer on both
// engines (PostgreSQL's is a boolean).
const sendCheckQuery = `SELECT
	CASE WHEN EXISTS (SELECT 1 FROM blocklist WHERE app_id = a.app_id AND owner_id = a.user_id AND peer_id = ?) THEN 1 ELSE 0 END,
	COALESCE((SELECT opt FROM c2c_recv_opts WHERE app_id = a.app_id AND owner = a.user_id AND peer = ?), 0)`

func (t *txn) SendCheck(ctx context.Context, app store.AppID, receiver, sender string, friends bool) (store.SendCheck, error) {
	c := store.SendCheck{RecvOpt: store.RecvOptReceive}
	var blocked, hasSender, hasReceiver int
	var err error
	if friends {
		err = t.queryRow(ctx, sendCheckQuery+`,
			CASE WHEN EXISTS (SELECT 1 FROM friends WHERE app_id = a.app_id AND owner_id = a.user_id AND peer_id = ?) THEN 1 ELSE 0 END,
			CASE WHEN EXISTS (SELECT 1 FROM friends WHERE app_id = a.app_id AND owner_id = ? AND peer_id = a.user_id) THEN 1 ELSE 0 END
			FROM accounts a WHERE a.app_id = ? AND a.user_id = ?`,
			sender, sender, sender, sender, int64(app), receiver).Scan(&blocked, &c.RecvOpt, &hasSender, &hasReceiver)
	} else {
		err = t.queryRow(ctx, sendCheckQuery+` FROM accounts a WHERE a.app_id = ? AND a.user_id = ?`,
			sender, sender, int64(app), receiver).Scan(&blocked, &c.RecvOpt)
	}
	if errors.Is(err, sql.ErrNoRows) {
		return store.SendCheck{RecvOpt: store.RecvOptReceive}, nil
	}
	if err != nil {
		return store.SendCheck{}, err
	}
	c.ReceiverExists = true
	c.Blocked, c.ReceiverHasSender, c.SenderHasReceiver = blocked != 0, hasSender != 0, hasReceiver != 0
	return c, nil
}
