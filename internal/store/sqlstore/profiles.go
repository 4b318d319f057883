package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/parleyim/parley/internal/store"
)

func (t *txn) ProfileValues(ctx context.Context, app store.AppID, users []string, tags []string) (map[string]map[string]store.Value, error) {
	out := map[string]map[string]store.Value{}
	for start := 0; start < len(users); start += 200 {
		chunk := users[start:min(start+200, len(users))]
		args := make([]any, 0, len(chunk)+len(tags)+1)
		args = append(args, int64(app))
		for _, u := range chunk {
			args = append(args, u)
		}
		q := `SELECT user_id, tag, value FROM profile_values WHERE app_id = ? AND user_id IN ` + inList(len(chunk))
		if tags != nil {
			q += ` AND tag IN ` + inList(len(tags))
			for _, tag := range tags {
				args = append(args, tag)
			}
		}
		if err := t.scanProfile(ctx, out, q, args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (t *txn) scanProfile(ctx context.Context, out map[string]map[string]store.Value, q string, args ...any) error {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var user, tag, raw string
		if err := rows.Scan(&user, &tag, &raw); err != nil {
			return err
		}
		if err := putProfileValue(out, user, tag, raw); err != nil {
			return err
		}
	}
	return rows.Err()
}

// putProfileValue decodes a stored profile value (raw, its JSON) into
// out[user][tag].
func putProfileValue(out map[string]map[string]store.Value, user, tag, raw string) error {
	var v store.Value
	if err := json.Unmarshal([]byte(raw), &v); err != nil {
		return err
	}
	if out[user] == nil {
		out[user] = map[string]store.Value{}
	}
	out[user][tag] = v
	return nil
}

func (t *txn) SetProfileValues(ctx context.Context, app store.AppID, user string, values map[string]store.Value) error {
	for tag, v := range values {
		if v.IsZero() {
			if _, err := t.exec(ctx, `DELETE FROM profile_values WHERE app_id = ? AND user_id = ? AND tag = ?`, int64(app), user, tag); err != nil {
				return err
			}
			continue
		}
		raw, err := json.Marshal(v)
		if err != nil {
			return err
		}
		if _, err := t.exec(ctx, `INSERT INTO profile_values (app_id, user_id, tag, value) VALUES (?, ?, ?, ?)
			ON CONFLICT (app_id, user_id, tag) DO UPDATE SET value = excluded.value`, int64(app), user, tag, string(raw)); err != nil {
			return err
		}
	}
	return nil
}
