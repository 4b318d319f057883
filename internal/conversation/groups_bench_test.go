package conversation_test

import (
	"fmt"
	"path/filepath"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/conversation"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/internal/store/sqlite"
)

// BenchmarkListIn500Groups measures a user's conversation list (the first
// page of 100) and total unread when the user is in 500 groups, each with
// 20 unread messages, for groups of 10 and of 1,000 members: unread is
// derived from the member's cursor and the group's seq, so neither figure
// may grow with the groups' size (the groups issue's benchmark (3)).
//
//	go test -run '^$' -bench ListIn500Groups -benchtime 200x ./internal/conversation/
func BenchmarkListIn500Groups(b *testing.B) {
	const groups, unread = 500, 20
	for _, size := range []int{10, 1000} {
		b.Run(fmt.Sprintf("members=%d", size), func(b *testing.B) {
			st, err := sqlite.Open(b.Context(), filepath.Join(b.TempDir(), "db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
			ctx := b.Context()
			if err := st.Write(ctx, func(tx store.Tx) error {
				_, err := tx.CreateAccount(ctx, a.SDKAppID, "alice", 1)
				return err
			}); err != nil {
				b.Fatal(err)
			}
			for gi := range groups {
				id := fmt.Sprintf("g%03d", gi)
				err := st.Write(ctx, func(tx store.Tx) error {
					if _, err := tx.CreateGroup(ctx, store.Group{App: a.SDKAppID, ID: id, Type: "Public", Name: id, CreatedAt: 1}); err != nil {
						return err
					}
					// alice is m0000; the others are the group's own.
					for i := range size {
						u := fmt.Sprintf("%s-m%04d", id, i)
						if i == 0 {
							u = "alice"
						}
						if _, err := tx.JoinGroup(ctx, a.SDKAppID, id, u, 1); err != nil {
							return err
						}
					}
					for i := range unread {
						m := store.Message{App: a.SDKAppID, ConvKey: "group:" + id, Sender: fmt.Sprintf("%s-m%04d", id, 1+i%(size-1)),
							ClientKey: fmt.Sprint(i), SentAt: int64(1000 + gi*unread + i), Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
						if _, _, err := tx.AppendMessage(ctx, m); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			svc := &conversation.Service{Store: conversation.StoreOf(st)}
			b.Run("list-page-100", func(b *testing.B) {
				for b.Loop() {
					page, err := svc.ListPage(ctx, a, "alice", conversation.ListQuery{Count: 100})
					if err != nil || len(page.Items) != 100 || page.Items[0].Unread != unread {
						b.Fatalf("page: %d items, %v", len(page.Items), err)
					}
				}
			})
			b.Run("total-unread", func(b *testing.B) {
				for b.Loop() {
					n, err := svc.TotalUnread(ctx, a, "alice")
					if err != nil || n != groups*unread {
						b.Fatalf("total unread %d %v, want %d", n, err, groups*unread)
					}
				}
			})
		})
	}
}
