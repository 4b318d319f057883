package postgres_test

import (
	"database/sql"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// A claim takes only rows that are the partition's oldest, in order: with
// one of them locked by another claimer (two claimers racing down one
// partition each skip the rows the other locked first), the rows after it
// are not claimed past it, which would deliver them before it.
func TestClaimStopsAtARowAnotherClaimerHolds(t *testing.T) {
	dsn := freshDatabase(t)
	st := open(t, dsn, 4)
	raw, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	const app = store.AppID(1400000001)
	part := store.OutboxPartition{App: app, Part: 2}
	var ids []uint64
	err = st.Write(t.Context(), func(tx store.Tx) error {
		var in []store.OutboxEntry
		for range 5 {
			in = append(in, store.OutboxEntry{App: app, Partition: part.Part, Kind: "test", Payload: []byte("x"), CreatedAt: 1})
		}
		out, err := tx.AppendOutbox(t.Context(), in)
		for _, e := range out {
			ids = append(ids, e.ID)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	claim := func() []uint64 {
		t.Helper()
		var got []uint64
		err := st.Write(t.Context(), func(tx store.Tx) error {
			es, err := tx.ClaimOutbox(t.Context(), part, 10, 100, 200)
			for _, e := range es {
				got = append(got, e.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return got
	}

	// Another claimer holds the third row.
	other, err := raw.BeginTx(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := other.Exec(`SELECT id FROM outbox WHERE id = $1 FOR UPDATE`, int64(ids[2])); err != nil {
		t.Fatal(err)
	}
	if got := claim(); len(got) != 2 || got[0] != ids[0] || got[1] != ids[1] {
		t.Errorf("claimed %v with %d held elsewhere, want the two before it %v", got, ids[2], ids[:2])
	}
	other.Rollback()
	// Released, the rest is claimed in order (the first two are leased).
	if got := claim(); len(got) != 0 {
		t.Errorf("claimed %v while the oldest rows are leased, want none", got)
	}
}
