package restapi_test

import (
	"context"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/store"
)

func restEventSeq(s *resttest.Server, user string) uint64 {
	s.T.Helper()
	var seq uint64
	err := s.Node.Store.Read(context.Background(), func(tx store.Tx) (err error) {
		seq, err = tx.UserEventSeq(context.Background(), s.App.SDKAppID, user)
		return err
	})
	if err != nil {
		s.T.Fatal(err)
	}
	return seq
}

// friend_add repeated to a pending target answers 30539 each time but logs
// the request once; a request with a new wording is logged again.
func TestFriendAddRepeatedPendingIsIdempotent(t *testing.T) {
	s := resttest.Start(t)
	s.Import("alice", "bob")
	body := map[string]any{"From_Account": "alice", "AddFriendItem": []any{map[string]any{
		"To_Account": "bob", "AddSource": snsSource, "AddWording": "hi", "Remark": "b", "GroupName": "g"}}}
	var after uint64
	for i := 0; i < 4; i++ {
		resp := s.Call("sns/friend_add", body)
		if got := resttest.ResultCodes(resp, "ResultItem")["bob"]; got != 30539 {
			t.Fatalf("add %d: ResultCode %d, want 30539: %v", i, got, resp)
		}
		if i == 0 {
			after = restEventSeq(s, "bob")
		}
	}
	if got := restEventSeq(s, "bob"); got != after {
		t.Fatalf("bob's change log grew from %d to %d on identical repeats", after, got)
	}
	body["AddFriendItem"].([]any)[0].(map[string]any)["AddWording"] = "hi again"
	if got := resttest.ResultCodes(s.Call("sns/friend_add", body), "ResultItem")["bob"]; got != 30539 {
		t.Fatalf("changed add: %d, want 30539", got)
	}
	if got := restEventSeq(s, "bob"); got != after+1 {
		t.Fatalf("bob's change log at %d after a changed request, want %d", got, after+1)
	}
}
