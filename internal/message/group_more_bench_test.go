package message_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// BenchmarkGroupSendNotReceiving sends to a group of 10,000 members with
// none and with 1,000 members who chose not_receive: the send reads the
// members it leaves out of its push from a partial index, so with none
// that read is one probe of an empty range.
func BenchmarkGroupSendNotReceiving(b *testing.B) {
	const members = 10_000
	for _, discard := range []int{0, 1000} {
		b.Run(fmt.Sprintf("members=%d/not_receive=%d", members, discard), func(b *testing.B) {
			st := openSQLite(b)
			a := app.New(1400000001, "0123456789abcdef0123456789abcdef")
			svc := &message.Service{Store: message.StoreOf(st), Events: event.NewBus()}
			ctx := b.Context()
			err := st.Write(ctx, func(tx store.Tx) error {
				if _, err := tx.CreateGroup(ctx, store.Group{App: a.SDKAppID, ID: "big", Type: message.GroupPublic, CreatedAt: 1}); err != nil {
					return err
				}
				for i := range members {
					u := fmt.Sprintf("u%05d", i)
					if _, err := tx.JoinGroup(ctx, a.SDKAppID, "big", u, 1); err != nil {
						return err
					}
					if i > 0 && i <= discard {
						if _, err := tx.SetGroupMemberMsgFlag(ctx, a.SDKAppID, "big", u, store.RecvOptNotReceive); err != nil {
							return err
						}
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			i := 0
			for b.Loop() {
				i++
				if _, err := svc.SendGroup(ctx, a, message.GroupSendRequest{From: "u00000", GroupID: "big", Random: uint32(i),
					Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"hi"}`)}}}}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
