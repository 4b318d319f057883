package storetest

import (
	"context"
	"fmt"
	"math"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// testGroupAttrs: a group's attributes and counters are upserted by key,
// deleted by key or all at once, kept apart per group and per app, hold
// the full int64 range, and go with the group when it is deleted.
func testGroupAttrs(t *testing.T, s store.Store) {
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		for _, g := range []store.Group{{App: app1, ID: "ga", Type: "AVChatRoom", CreatedAt: 1},
			{App: app1, ID: "gb", Type: "Public", CreatedAt: 1}, {App: app2, ID: "ga", Type: "AVChatRoom", CreatedAt: 1}} {
			if ok, err := tx.CreateGroup(ctx, g); err != nil || !ok {
				return fmt.Errorf("create %+v: %v %v", g, ok, err)
			}
		}
		if err := tx.PutGroupAttributes(ctx, app1, "ga", map[string]string{"seat1": "alice", "seat2": "bob", "empty": ""}); err != nil {
			return err
		}
		if err := tx.PutGroupAttributes(ctx, app1, "ga", map[string]string{"seat2": "carol", "seat3": "dave"}); err != nil {
			return err
		}
		if err := tx.PutGroupAttributes(ctx, app1, "gb", map[string]string{"seat1": "other group"}); err != nil {
			return err
		}
		if err := tx.PutGroupAttributes(ctx, app2, "ga", map[string]string{"seat1": "other app"}); err != nil {
			return err
		}
		if err := tx.PutGroupCounters(ctx, app1, "ga", map[string]int64{"like": 5, "max": math.MaxInt64, "min": math.MinInt64}); err != nil {
			return err
		}
		return tx.PutGroupCounters(ctx, app1, "ga", map[string]int64{"like": 6, "zero": 0})
	})
	attrs := func(app store.AppID, g string) map[string]string {
		return get(t, s, func(ctx context.Context, tx store.Tx) (map[string]string, error) {
			return tx.GroupAttributes(ctx, app, g)
		})
	}
	counters := func(app store.AppID, g string) map[string]int64 {
		return get(t, s, func(ctx context.Context, tx store.Tx) (map[string]int64, error) { return tx.GroupCounters(ctx, app, g) })
	}
	eq(t, "upserted", attrs(app1, "ga"), map[string]string{"seat1": "alice", "seat2": "carol", "seat3": "dave", "empty": ""})
	eq(t, "other group", attrs(app1, "gb"), map[string]string{"seat1": "other group"})
	eq(t, "other app", attrs(app2, "ga"), map[string]string{"seat1": "other app"})
	eq(t, "counters", counters(app1, "ga"), map[string]int64{"like": 6, "max": math.MaxInt64, "min": math.MinInt64, "zero": 0})
	eq(t, "no counters", counters(app1, "gb"), map[string]int64{})

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.DeleteGroupAttributes(ctx, app1, "ga", []string{"seat1", "missing"}); err != nil {
			return err
		}
		return tx.DeleteGroupCounters(ctx, app1, "ga", []string{"min", "missing"})
	})
	eq(t, "deleted by key", attrs(app1, "ga"), map[string]string{"seat2": "carol", "seat3": "dave", "empty": ""})
	eq(t, "counter deleted by key", counters(app1, "ga"), map[string]int64{"like": 6, "max": math.MaxInt64, "zero": 0})

	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.DeleteGroupAttributes(ctx, app1, "ga", nil); err != nil {
			return err
		}
		return tx.DeleteGroupCounters(ctx, app1, "ga", nil)
	})
	eq(t, "all deleted", attrs(app1, "ga"), map[string]string{})
	eq(t, "all counters deleted", counters(app1, "ga"), map[string]int64{})
	eq(t, "other group kept", attrs(app1, "gb"), map[string]string{"seat1": "other group"})
	eq(t, "other app kept", attrs(app2, "ga"), map[string]string{"seat1": "other app"})

	// Deleting a group deletes its maps: a group made again with that ID
	// starts with none.
	write(t, s, func(ctx context.Context, tx store.Tx) error {
		if err := tx.PutGroupCounters(ctx, app1, "gb", map[string]int64{"like": 1}); err != nil {
			return err
		}
		if ok, err := tx.DeleteGroup(ctx, app1, "gb"); err != nil || !ok {
			return fmt.Errorf("delete gb: %v %v", ok, err)
		}
		if ok, err := tx.CreateGroup(ctx, store.Group{App: app1, ID: "gb", Type: "Public", CreatedAt: 2}); err != nil || !ok {
			return fmt.Errorf("create gb again: %v %v", ok, err)
		}
		return nil
	})
	eq(t, "recreated group's attributes", attrs(app1, "gb"), map[string]string{})
	eq(t, "recreated group's counters", counters(app1, "gb"), map[string]int64{})
}
