package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

func userStatuses(t *testing.T, s store.Store, app store.AppID, users ...string) map[string]store.UserStatusRow {
	t.Helper()
	var out map[string]store.UserStatusRow
	if err := s.Read(context.Background(), func(tx store.Tx) (err error) {
		out, err = tx.UserStatuses(context.Background(), app, users)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return out
}

func testUserStatus(t *testing.T, s store.Store) {
	if got := userStatuses(t, s, app1, "alice"); len(got) != 0 {
		t.Fatalf("no row yet: %v", got)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.SetCustomStatus(ctx, app1, "alice", "listening to music", 1)
	})
	got := userStatuses(t, s, app1, "alice", "bob")
	if len(got) != 1 || got["alice"] != (store.UserStatusRow{User: "alice", Custom: "listening to music"}) {
		t.Fatalf("after set: %+v", got)
	}
	// The other app's user of the same ID is another user.
	if got := userStatuses(t, s, app2, "alice"); len(got) != 0 {
		t.Fatalf("app2 sees app1's status: %+v", got)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.EndUserStatus(ctx, app1, "alice", true, 2)
	})
	if got := userStatuses(t, s, app1, "alice")["alice"]; got != (store.UserStatusRow{User: "alice", Offline: true}) {
		t.Fatalf("after a dropped connection: %+v", got)
	}
	// A custom status set again keeps how the last session ended.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.SetCustomStatus(ctx, app1, "alice", "back soon", 3)
	})
	if got := userStatuses(t, s, app1, "alice")["alice"]; got != (store.UserStatusRow{User: "alice", Offline: true, Custom: "back soon"}) {
		t.Fatalf("after set while offline: %+v", got)
	}
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return tx.EndUserStatus(ctx, app1, "alice", false, 4)
	})
	if got := userStatuses(t, s, app1, "alice")["alice"]; got != (store.UserStatusRow{User: "alice"}) {
		t.Fatalf("after a logout: %+v", got)
	}
	// More users than one statement's chunk.
	users := make([]string, 1200)
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for i := range users {
			users[i] = fmt.Sprintf("u%04d", i)
			if i%2 == 0 {
				if err := tx.SetCustomStatus(ctx, app1, users[i], users[i], 5); err != nil {
					return err
				}
			}
		}
		return nil
	})
	got = userStatuses(t, s, app1, users...)
	if len(got) != 600 || got["u1198"].Custom != "u1198" {
		t.Fatalf("chunked read: %d rows, u1198 %+v", len(got), got["u1198"])
	}
	// Deleting the account deletes its status.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if _, err := tx.CreateAccount(ctx, app1, "alice", 1); err != nil {
			return err
		}
		_, err := tx.DeleteAccount(ctx, app1, "alice")
		return err
	})
	if got := userStatuses(t, s, app1, "alice"); len(got) != 0 {
		t.Fatalf("a deleted account keeps its status: %+v", got)
	}
}
