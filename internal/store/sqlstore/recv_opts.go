package sqlstore

import (
	"context"

	"github.com/parleyim/parley/internal/store"
)

func (t *txn) SetRecvOpts(ctx context.Context, app store.AppID, owner string, peers []string, opt int) error {
	if t.readOnly {
		return errReadOnly
	}
	t.relationsChanged()
	for _, peer := range peers {
		var err error
		if opt == store.RecvOptReceive {
			_, err = t.exec(ctx, `DELETE FROM c2c_recv_opts WHERE app_id = ? AND owner = ? AND peer = ?`, int64(app), owner, peer)
		} else {
			_, err = t.exec(ctx, `INSERT INTO c2c_recv_opts (app_id, owner, peer, opt) VALUES (?, ?, ?, ?)
				ON CONFLICT (app_id, owner, peer) DO UPDATE SET opt = excluded.opt`, int64(app), owner, peer, opt)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (t *txn) RecvOpts(ctx context.Context, app store.AppID, owner string, peers []string) (map[string]int, error) {
	out := map[string]int{}
	if peers == nil {
		return out, t.scanRecvOpts(ctx, out, `SELECT peer, opt FROM c2c_recv_opts WHERE app_id = ? AND owner = ?`, int64(app), owner)
	}
	for len(peers) > 0 {
		chunk := peers[:min(len(peers), 200)]
		peers = peers[len(chunk):]
		if err := t.scanRecvOpts(ctx, out, `SELECT peer, opt FROM c2c_recv_opts WHERE app_id = ? AND owner = ? AND peer IN `+inList(len(chunk)),
			appArgs(app, owner, chunk)...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *txn) RecvOptsToward(ctx context.Context, app store.AppID, peer string, owners []string) (map[string]int, error) {
	out := map[string]int{}
	for len(owners) > 0 {
		chunk := owners[:min(len(owners), 200)]
		owners = owners[len(chunk):]
		if err := t.scanRecvOpts(ctx, out, `SELECT owner, opt FROM c2c_recv_opts WHERE app_id = ? AND peer = ? AND owner IN `+inList(len(chunk)),
			appArgs(app, peer, chunk)...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *txn) scanRecvOpts(ctx context.Context, out map[string]int, q string, args ...any) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var user string
		var opt int
		if err := rows.Scan(&user, &opt); err != nil {
			return err
		}
		out[user] = opt
	}
	return rows.Err()
}

func (t *txn) AddMessageReceipts(ctx context.Context, app store.AppID, convKey string, seqs []uint64, at int64) ([]uint64, error) {
	if t.readOnly {
		return nil, errReadOnly
	}
	var added []uint64
	for _, seq := range seqs {
		n, err := t.execAffected(ctx, `INSERT INTO message_receipts (app_id, conv_key, seq, read_at, expires_at)
			SELECT app_id, conv_key, seq, ?, expires_at FROM messages WHERE app_id = ? AND conv_key = ? AND seq = ?
			ON CONFLICT DO NOTHING`, at, int64(app), convKey, seqBound(seq, 0))
		if err != nil {
			return added, err
		}
		if n > 0 {
			added = append(added, seq)
		}
	}
	return added, nil
}

func (t *txn) MessageReceipts(ctx context.Context, app store.AppID, convKey string, seqs []uint64) (map[uint64]int64, error) {
	out := map[uint64]int64{}
	for len(seqs) > 0 {
		chunk := seqs[:min(len(seqs), 100)]
		seqs = seqs[len(chunk):]
		args := []any{int64(app), convKey}
		for _, q := range chunk {
			args = append(args, seqBound(q, 0))
		}
		rows, err := t.query(ctx, `SELECT seq, read_at FROM message_receipts WHERE app_id = ? AND conv_key = ? AND seq IN `+inList(len(chunk)), args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var seq uint64
			var at int64
			if err := rows.Scan(&seq, &at); err != nil {
				rows.Close()
				return nil, err
			}
			out[seq] = at
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
	}
	return out, nil
}
