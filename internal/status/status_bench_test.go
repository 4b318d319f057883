package status

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// BenchmarkGetUserStatus500 is one getUserStatus of 500 other users on
// SQLite, half of them with a stored status, none online (the online
// lookup is the caller's: here a map miss).
func BenchmarkGetUserStatus500(b *testing.B) {
	ctx := context.Background()
	st, err := sqlite.Open(ctx, filepath.Join(b.TempDir(), "parley.db"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { st.Close() })
	a := app.New(1400000001, "0123456789abcdef0123456789abcdef", "administrator")
	a.Switches.UserStatus = true
	users := make([]string, MaxQueryUsers)
	if err := st.Write(ctx, func(tx store.Tx) error {
		for i := range users {
			users[i] = fmt.Sprintf("user%04d", i)
			if _, err := tx.CreateAccount(ctx, 1400000001, users[i], 1); err != nil {
				return err
			}
			if i%2 == 0 {
				if err := tx.SetCustomStatus(ctx, 1400000001, users[i], "busy", 1); err != nil {
					return err
				}
			}
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	s := &Service{Store: StoreOf(st), Online: func(context.Context, uint64, []string) (map[string][]string, error) {
		return map[string][]string{}, nil
	}}
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		// A caller of its own per iteration: the call limit is not what is measured.
		list, _, err := s.Get(ctx, a, fmt.Sprintf("me%d", i), users)
		if err != nil || len(list) != len(users) {
			b.Fatalf("%d statuses, %v", len(list), err)
		}
	}
}
