package storetest

import (
	"context"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// testSendCheckFollowsChanges: SendCheck's answer, asked again after each
// change of what it reads, is the new one. An engine may remember answers
// (SQLite does, sqlstore.SendCheckCache); every write that changes a
// receiver's or sender's existence, block, receive option or friend rows must make it
// forget them, or a blocked sender could still send.
func testSendCheckFollowsChanges(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		return createAccounts(ctx, tx, app1, "rcv", "snd")
	})
	check := func() store.SendCheck {
		t.Helper()
		return get(t, s, func(ctx context.Context, tx store.Tx) (store.SendCheck, error) {
			return tx.SendCheck(ctx, app1, "rcv", "snd", true)
		})
	}
	steps := []struct {
		name   string
		change func(ctx context.Context, tx store.Tx) error
		want   store.SendCheck
	}{
		{"block", func(ctx context.Context, tx store.Tx) error {
			return tx.AddBlock(ctx, store.Block{App: app1, Owner: "rcv", Peer: "snd", AddedAt: 1})
		}, store.SendCheck{ReceiverExists: true, SenderExists: true, Blocked: true}},
		{"unblock", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.DeleteBlock(ctx, app1, "rcv", "snd")
			return err
		}, store.SendCheck{ReceiverExists: true, SenderExists: true}},
		{"receive option", func(ctx context.Context, tx store.Tx) error {
			return tx.SetRecvOpts(ctx, app1, "rcv", []string{"snd"}, store.RecvOptNotReceive)
		}, store.SendCheck{ReceiverExists: true, SenderExists: true, RecvOpt: store.RecvOptNotReceive}},
		{"receive option back", func(ctx context.Context, tx store.Tx) error {
			return tx.SetRecvOpts(ctx, app1, "rcv", []string{"snd"}, store.RecvOptReceive)
		}, store.SendCheck{ReceiverExists: true, SenderExists: true}},
		{"receiver adds the sender", func(ctx context.Context, tx store.Tx) error {
			return putFriends(ctx, tx, store.Friend{App: app1, Owner: "rcv", Peer: "snd"})
		}, store.SendCheck{ReceiverExists: true, SenderExists: true, ReceiverHasSender: true}},
		{"sender adds the receiver", func(ctx context.Context, tx store.Tx) error {
			return putFriends(ctx, tx, store.Friend{App: app1, Owner: "snd", Peer: "rcv"})
		}, store.SendCheck{ReceiverExists: true, SenderExists: true, ReceiverHasSender: true, SenderHasReceiver: true}},
		{"receiver deletes the sender", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.DeleteFriend(ctx, app1, "rcv", "snd")
			return err
		}, store.SendCheck{ReceiverExists: true, SenderExists: true, SenderHasReceiver: true}},
		{"receiver's account deleted", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.DeleteAccount(ctx, app1, "rcv")
			return err
		}, store.SendCheck{SenderExists: true}},
		{"receiver's account created again", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.CreateAccount(ctx, app1, "rcv", 2)
			return err
		}, store.SendCheck{ReceiverExists: true, SenderExists: true}},
		{"sender's account deleted", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.DeleteAccount(ctx, app1, "snd")
			return err
		}, store.SendCheck{ReceiverExists: true}},
		{"sender's account created again", func(ctx context.Context, tx store.Tx) error {
			_, err := tx.CreateAccount(ctx, app1, "snd", 2)
			return err
		}, store.SendCheck{ReceiverExists: true, SenderExists: true}},
	}
	eq(t, "before any change", check(), store.SendCheck{ReceiverExists: true, SenderExists: true})
	for _, st := range steps {
		check() // asked (and perhaps remembered) just before the change
		write(t, s, st.change)
		eq(t, "after: "+st.name, check(), st.want)
	}
}
