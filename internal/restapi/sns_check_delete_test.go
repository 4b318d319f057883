package restapi_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// snsFourRelations makes, seen from "a": b both ways, c only in a's list,
// d only has a in its list, e nothing.
func snsFourRelations(s *resttest.Server) {
	s.T.Helper()
	s.Import("a", "b", "c", "d", "e")
	snsForce(s, "a", "b")
	snsImportFriends(s, "a", "c")
	snsImportFriends(s, "d", "a")
}

func TestSNSFriendCheck(t *testing.T) {
	s := resttest.Start(t)
	snsFourRelations(s)
	peers := []string{"b", "c", "d", "e"}

	t.Run("Both", func(t *testing.T) {
		s.T = t
		got := snsCheck(s, "a", snsChkBoth, peers...)
		want := map[string]string{"b": snsRelBoth, "c": snsRelAB, "d": snsRelBA, "e": snsRelNone}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Both = %v, want %v", got, want)
		}
	})
	t.Run("Single", func(t *testing.T) {
		s.T = t
		// Single looks only at the caller's list.
		got := snsCheck(s, "a", snsChkSingle, peers...)
		want := map[string]string{"b": snsRelAB, "c": snsRelAB, "d": snsRelNone, "e": snsRelNone}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("Single = %v, want %v", got, want)
		}
	})
	t.Run("from the other side", func(t *testing.T) {
		s.T = t
		for _, c := range []struct{ from, want string }{{"b", snsRelBoth}, {"c", snsRelBA}, {"d", snsRelAB}, {"e", snsRelNone}} {
			if got := snsCheck(s, c.from, snsChkBoth, "a")["a"]; got != c.want {
				t.Errorf("%s→a = %s, want %s", c.from, got, c.want)
			}
		}
	})
	t.Run("spec sample", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_check", `{"From_Account":"a","To_Account":["b","c","d","e"],"CheckType":"CheckResult_Type_Both"}`)
		snsOKEnvelope(t, resp)
		items := resttest.Items(resp, "InfoItem")
		if len(items) != 4 {
			t.Fatalf("InfoItem = %v", resp)
		}
		for _, it := range items {
			if len(it) != 4 {
				t.Errorf("InfoItem fields = %v, want To_Account, Relation, ResultCode, ResultInfo", it)
			}
		}
	})
	t.Run("invalid account per item", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_check", map[string]any{"From_Account": "a", "To_Account": []string{"b", ""}, "CheckType": snsChkBoth})
		snsBatch(t, resp, "InfoItem", snsItem{"b", 0}, snsItem{"", 30001})
		if items := resttest.Items(resp, "InfoItem"); items[1]["Relation"] != snsRelNone {
			t.Errorf("failed item Relation = %v", items[1]["Relation"])
		}
	})
	t.Run("errors", func(t *testing.T) {
		s.T = t
		many := make([]string, 1001)
		for i := range many {
			many[i] = fmt.Sprintf("u%d", i)
		}
		for _, body := range []any{
			map[string]any{"From_Account": "a", "To_Account": []string{"b"}},
			map[string]any{"From_Account": "a", "To_Account": []string{"b"}, "CheckType": "CheckResult_Type_Either"},
			map[string]any{"From_Account": "a", "To_Account": []string{"b"}, "CheckType": "BlackCheckResult_Type_Both"},
			map[string]any{"From_Account": "a", "To_Account": []string{}, "CheckType": snsChkBoth},
			map[string]any{"From_Account": "a", "CheckType": snsChkBoth},
			map[string]any{"From_Account": "a", "To_Account": "b", "CheckType": snsChkBoth},
			map[string]any{"From_Account": "a", "To_Account": many, "CheckType": snsChkBoth},
		} {
			snsFail(t, s.Call("sns/friend_check", body), 30001)
		}
		// 1000 accounts is allowed.
		resp := s.MustOK("sns/friend_check", map[string]any{"From_Account": "a", "To_Account": many[:1000], "CheckType": snsChkBoth})
		if n := len(resttest.Items(resp, "InfoItem")); n != 1000 {
			t.Errorf("%d InfoItems for 1000 accounts", n)
		}
	})
}

func TestSNSFriendDelete(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c", "d", "e", "f")
	snsForce(s, "a", "b", "c", "e")
	snsImportFriends(s, "d", "a")

	t.Run("spec sample, Single", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_delete", `{"From_Account":"a","To_Account":["b"],"DeleteType":"Delete_Type_Single"}`)
		snsAllZero(t, resp, "ResultItem", "b")
		snsRel(t, s, "a", "b", snsRelBA)
		snsRel(t, s, "b", "a", snsRelAB)
	})
	t.Run("default is Single", func(t *testing.T) {
		s.T = t
		snsAllZero(t, s.Call("sns/friend_delete", `{"From_Account":"a","To_Account":["e"]}`), "ResultItem", "e")
		snsRel(t, s, "a", "e", snsRelBA)
	})
	t.Run("Both", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_delete", `{"From_Account":"a","To_Account":["c"],"DeleteType":"Delete_Type_Both"}`)
		snsAllZero(t, resp, "ResultItem", "c")
		snsRel(t, s, "a", "c", snsRelNone)
		snsRel(t, s, "c", "a", snsRelNone)
	})
	t.Run("not a friend", func(t *testing.T) {
		s.T = t
		// d has a, a does not have d: a one-way delete finds nothing.
		resp := s.Call("sns/friend_delete", `{"From_Account":"a","To_Account":["f","d","c","ghost","a"],"DeleteType":"Delete_Type_Single"}`)
		snsBatch(t, resp, "ResultItem", snsItem{"f", 31704}, snsItem{"d", 31704}, snsItem{"c", 31704}, snsItem{"ghost", 31704}, snsItem{"a", 30001})
		snsRel(t, s, "a", "d", snsRelBA)
	})
	t.Run("Both removes the reverse row alone", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_delete", `{"From_Account":"a","To_Account":["d","f"],"DeleteType":"Delete_Type_Both"}`)
		snsBatch(t, resp, "ResultItem", snsItem{"d", 0}, snsItem{"f", 31704})
		snsRel(t, s, "a", "d", snsRelNone)
	})
	t.Run("mixed batch", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_delete", `{"From_Account":"b","To_Account":["c","a","a"],"DeleteType":"Delete_Type_Both"}`)
		snsBatch(t, resp, "ResultItem", snsItem{"c", 31704}, snsItem{"a", 0}, snsItem{"a", 30001})
		snsRel(t, s, "a", "b", snsRelNone)
	})
	t.Run("errors", func(t *testing.T) {
		s.T = t
		many := make([]string, 1001)
		for i := range many {
			many[i] = fmt.Sprintf("u%d", i)
		}
		for _, body := range []any{
			map[string]any{"From_Account": "a", "To_Account": []string{"b"}, "DeleteType": "Delete_Type_All"},
			map[string]any{"From_Account": "a", "To_Account": []string{}},
			map[string]any{"From_Account": "a"},
			map[string]any{"From_Account": "a", "To_Account": many},
			map[string]any{"From_Account": "a", "To_Account": []int{1}},
		} {
			snsFail(t, s.Call("sns/friend_delete", body), 30001)
		}
	})
}

func TestSNSFriendDeleteAll(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c", "d", "x", "y", "z")
	snsForce(s, "a", "b", "c")
	snsImportFriends(s, "a", "d")
	snsForce(s, "x", "y", "z")

	t.Run("spec sample, Single by default", func(t *testing.T) {
		s.T = t
		resp := s.Call("sns/friend_delete_all", `{"From_Account":"a"}`)
		snsOKEnvelope(t, resp)
		if len(resp) != 4 {
			t.Errorf("friend_delete_all answers only the envelope, got %v", resp)
		}
		if n := resttest.Int(snsFriendGet(s, "a", 0, 0, 0)["FriendNum"]); n != 0 {
			t.Errorf("a still has %d friends", n)
		}
		// The others keep a.
		for _, p := range []string{"b", "c"} {
			snsRel(t, s, p, "a", snsRelAB)
			if ids := snsFriendIDs(s, p); fmt.Sprint(ids) != "[a]" {
				t.Errorf("%s's friends = %v, want [a]", p, ids)
			}
		}
		snsRel(t, s, "d", "a", snsRelNone)
	})
	t.Run("Both", func(t *testing.T) {
		s.T = t
		snsOKEnvelope(t, s.Call("sns/friend_delete_all", `{"From_Account":"x","DeleteType":"Delete_Type_Both"}`))
		for _, p := range []string{"y", "z"} {
			snsRel(t, s, "x", p, snsRelNone)
			if ids := snsFriendIDs(s, p); len(ids) != 0 {
				t.Errorf("%s's friends = %v, want none", p, ids)
			}
		}
	})
	t.Run("nothing to delete", func(t *testing.T) {
		s.T = t
		snsOKEnvelope(t, s.Call("sns/friend_delete_all", `{"From_Account":"x","DeleteType":"Delete_Type_Both"}`))
	})
	t.Run("bad DeleteType", func(t *testing.T) {
		s.T = t
		snsForce(s, "x", "y")
		snsFail(t, s.Call("sns/friend_delete_all", `{"From_Account":"x","DeleteType":"Delete_Type_Everything"}`), 30001)
		snsRel(t, s, "x", "y", snsRelBoth)
	})
}
