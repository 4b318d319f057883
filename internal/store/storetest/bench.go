package storetest

import (
	"context"
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// BenchChangeLogFanout logs one event for each of 1,000 users in one write
// (a profile change seen by 1,000 friends), durable commit included; each
// engine's benchmark calls it with its own store.
func BenchChangeLogFanout(b *testing.B, st store.Store) {
	ctx := context.Background()
	events := make([]store.UserEvent, 1000)
	err := st.Write(ctx, func(tx store.Tx) error {
		for i := range events {
			u := fmt.Sprintf("friend%04d", i)
			if _, err := tx.CreateAccount(ctx, 1, u, 1); err != nil {
				return err
			}
			events[i] = store.UserEvent{App: 1, User: u, Kind: "profile.updated", Peers: []string{"star"}, Time: 2}
		}
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		if err := st.Write(ctx, func(tx store.Tx) error {
			_, err := tx.AppendUserEvents(ctx, events)
			return err
		}); err != nil {
			b.Fatal(err)
		}
	}
}
