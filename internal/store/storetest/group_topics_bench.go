package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// BenchTopicUnread measures what a member's topic unread costs: their view
// of a topic (derived: they never read or sent there) and their
// conversation list's first page, for topics of 100 and 10,000 messages in
// communities of 10 and 2,000 members. Both should stay flat in either
// size (constant per topic: one cursor row or one index step).
//
//	go test -run '^$' -bench TopicUnread ./internal/store/sqlite/
func BenchTopicUnread(b *testing.B, open func(b *testing.B) store.Store) {
	for _, members := range []int{10, 2000} {
		for _, messages := range []int{100, 10_000} {
			s := open(b)
			ctx := context.Background()
			community := "bc"
			topic := community + "@TOPIC#_t"
			key := "group:" + topic
			err := s.Write(ctx, func(tx store.Tx) error {
				if _, err := tx.CreateAccount(ctx, app1, "reader", 1); err != nil {
					return err
				}
				if _, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: community, Type: "Community", SupportTopic: true, CreatedAt: 1}); err != nil {
					return err
				}
				for i := range members {
					user := fmt.Sprintf("u%04d", i)
					if i == 0 {
						user = "reader"
					}
					if _, err := tx.JoinGroup(ctx, app1, community, user, 1); err != nil {
						return err
					}
				}
				_, err := tx.CreateTopic(ctx, store.Topic{App: app1, ID: topic, CommunityID: community, Name: "t", CreatedAt: 1})
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			for start := 0; start < messages; start += 1000 {
				err := s.Write(ctx, func(tx store.Tx) error {
					for i := start; i < min(start+1000, messages); i++ {
						m := store.Message{App: app1, ConvKey: key, Sender: "u0001", Random: uint32(i), ClientKey: fmt.Sprint(i),
							SentAt: 10_000 + int64(i), Body: []byte(`{"MsgBody":[]}`), ExpiresAt: 9_999_999_999}
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
			name := fmt.Sprintf("members=%d/messages=%d", members, messages)
			b.Run(name+"/view", func(b *testing.B) {
				for b.Loop() {
					err := s.Read(ctx, func(tx store.Tx) error {
						c, ok, err := tx.Conversation(ctx, app1, "reader", key)
						if err == nil && (!ok || c.Unread != messages) {
							err = fmt.Errorf("view %+v %v, want unread %d", c, ok, messages)
						}
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run(name+"/list", func(b *testing.B) {
				for b.Loop() {
					err := s.Read(ctx, func(tx store.Tx) error {
						page, err := tx.ConversationPage(ctx, app1, "reader", store.ConversationPageQuery{IncludeEmpty: true, Limit: 100})
						if err == nil && (len(page) != 1 || page[0].Unread != messages) {
							err = fmt.Errorf("page %+v, want the topic with unread %d", page, messages)
						}
						return err
					})
					if err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
