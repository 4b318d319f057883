package restapi_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

const (
	snsBlkNone = "BlackCheckResult_Type_NO"
	snsBlkAB   = "BlackCheckResult_Type_AWithB"
	snsBlkBA   = "BlackCheckResult_Type_BWithA"
	snsBlkBoth = "BlackCheckResult_Type_BothWay"
)

func snsBlock(s *resttest.Server, from string, to ...string) map[string]any {
	s.T.Helper()
	return s.Call("sns/black_list_add", map[string]any{"From_Account": from, "To_Account": to})
}

func snsUnblock(s *resttest.Server, from string, to ...string) map[string]any {
	s.T.Helper()
	return s.Call("sns/black_list_delete", map[string]any{"From_Account": from, "To_Account": to})
}

func TestSNSBlockListAddDelete(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "id1", "id2", "id3")

	// Spec samples, with targets that can be blocked.
	snsAllZero(t, s.Call("sns/black_list_add", `{"From_Account":"id","To_Account":["id1","id2","id3"]}`), "ResultItem", "id1", "id2", "id3")
	snsBatch(t, snsBlock(s, "id", "id2", "ghost", "id", "id4"), "ResultItem",
		snsItem{"id2", 30001}, snsItem{"ghost", 30003}, snsItem{"id", 30001}, snsItem{"id4", 30003})
	if got := snsBlockCheck(s, "id", "BlackCheckResult_Type_Single", "id1", "id2", "id3"); fmt.Sprint(got) !=
		fmt.Sprint(map[string]string{"id1": snsBlkAB, "id2": snsBlkAB, "id3": snsBlkAB}) {
		t.Errorf("after add: %v", got)
	}

	snsAllZero(t, s.Call("sns/black_list_delete", `{"From_Account":"id","To_Account":["id1","id2"]}`), "ResultItem", "id1", "id2")
	snsBatch(t, snsUnblock(s, "id", "id3", "id1", "ghost", "id3"), "ResultItem",
		snsItem{"id3", 0}, snsItem{"id1", 30001}, snsItem{"ghost", 30001}, snsItem{"id3", 30001})
	if got := snsBlockCheck(s, "id", "BlackCheckResult_Type_Both", "id1", "id2", "id3"); fmt.Sprint(got) !=
		fmt.Sprint(map[string]string{"id1": snsBlkNone, "id2": snsBlkNone, "id3": snsBlkNone}) {
		t.Errorf("after delete: %v", got)
	}

	many := make([]string, 1001)
	for i := range many {
		many[i] = fmt.Sprintf("u%d", i)
	}
	for _, api := range []string{"sns/black_list_add", "sns/black_list_delete"} {
		for _, body := range []any{
			map[string]any{"From_Account": "id", "To_Account": []string{}},
			map[string]any{"From_Account": "id"},
			map[string]any{"From_Account": "id", "To_Account": "id1"},
			map[string]any{"From_Account": "id", "To_Account": many},
		} {
			snsFail(t, s.Call(api, body), 30001)
		}
	}
}

func TestSNSBlockListCap(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Limits.MaxBlocked = 2 })
	s.Import("a", "b", "c", "d")
	snsBatch(t, snsBlock(s, "a", "b", "c", "d"), "ResultItem", snsItem{"b", 0}, snsItem{"c", 0}, snsItem{"d", 30013})
	snsBatch(t, snsBlock(s, "a", "d"), "ResultItem", snsItem{"d", 30013})
	snsAllZero(t, snsUnblock(s, "a", "b"), "ResultItem", "b")
	snsAllZero(t, snsBlock(s, "a", "d"), "ResultItem", "d")
}

// Blocking ends the friendship both ways, and neither side can add the
// other, forced or not, until unblocked; unblocking does not restore it.
func TestSNSBlockEndsFriendship(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c")
	snsAllow(s, snsAllowAny, "a", "b", "c")
	snsForce(s, "a", "b")
	s.MustOK("sns/group_add", map[string]any{"From_Account": "b", "GroupName": []string{"close"}, "To_Account": []string{"a"}})

	snsAllZero(t, snsBlock(s, "a", "b"), "ResultItem", "b")
	snsRel(t, s, "a", "b", snsRelNone)
	snsRel(t, s, "b", "a", snsRelNone)
	for _, u := range []string{"a", "b"} {
		if n := resttest.Int(snsFriendGet(s, u, 0, 0, 0)["FriendNum"]); n != 0 {
			t.Errorf("%s still has %d friends", u, n)
		}
	}
	if got := snsListMembers(t, s, "b"); len(got["close"]) != 0 {
		t.Errorf("b's list still holds %v", got["close"])
	}

	for _, force := range []int{0, 1} {
		for _, typ := range []string{"Add_Type_Both", "Add_Type_Single"} {
			extra := map[string]any{"ForceAddFlags": force, "AddType": typ}
			snsBatch(t, snsAdd(s, "a", extra, "b"), "ResultItem", snsItem{"b", 30515})
			snsBatch(t, snsAdd(s, "b", extra, "a"), "ResultItem", snsItem{"a", 30525})
		}
	}
	snsRel(t, s, "a", "b", snsRelNone)

	// Blocked both ways: the adder's own blocklist is reported first.
	snsAllZero(t, snsBlock(s, "b", "a"), "ResultItem", "a")
	snsBatch(t, snsAdd(s, "a", nil, "b"), "ResultItem", snsItem{"b", 30515})
	snsBatch(t, snsAdd(s, "b", nil, "a"), "ResultItem", snsItem{"a", 30515})

	snsAllZero(t, snsUnblock(s, "a", "b"), "ResultItem", "b")
	snsAllZero(t, snsUnblock(s, "b", "a"), "ResultItem", "a")
	snsRel(t, s, "a", "b", snsRelNone)
	snsBatch(t, snsAdd(s, "a", nil, "b"), "ResultItem", snsItem{"b", 0})
	snsRel(t, s, "a", "b", snsRelBoth)

	// One-way friendship: blocking removes both rows as well.
	snsImportFriends(s, "c", "a")
	snsAllZero(t, snsBlock(s, "a", "c"), "ResultItem", "c")
	snsRel(t, s, "c", "a", snsRelNone)
}

// Blocking drops a pending request in either direction.
func TestSNSBlockDropsPendingRequest(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Limits.MaxPendingRequests = 1 })
	s.Import("a", "b", "c")
	snsBatch(t, snsAdd(s, "a", nil, "b"), "ResultItem", snsItem{"b", 30539})
	snsBatch(t, snsAdd(s, "a", nil, "c"), "ResultItem", snsItem{"c", 30012})
	snsAllZero(t, snsBlock(s, "b", "a"), "ResultItem", "a")
	snsAllZero(t, snsUnblock(s, "b", "a"), "ResultItem", "a")
	// a's request to b is gone, so a has room for another.
	snsBatch(t, snsAdd(s, "a", nil, "c"), "ResultItem", snsItem{"c", 30539})
	// And allowing b no longer completes a friendship by itself.
	snsAllow(s, snsAllowAny, "b")
	snsRel(t, s, "a", "b", snsRelNone)
}

func TestSNSBlockListCheck(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c", "d", "e")
	snsAllZero(t, snsBlock(s, "a", "b", "d"), "ResultItem", "b", "d")
	snsAllZero(t, snsBlock(s, "c", "a"), "ResultItem", "a")
	snsAllZero(t, snsBlock(s, "d", "a"), "ResultItem", "a")
	peers := []string{"b", "c", "d", "e"}

	got := snsBlockCheck(s, "a", "BlackCheckResult_Type_Both", peers...)
	want := map[string]string{"b": snsBlkAB, "c": snsBlkBA, "d": snsBlkBoth, "e": snsBlkNone}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Both = %v, want %v", got, want)
	}
	got = snsBlockCheck(s, "a", "BlackCheckResult_Type_Single", peers...)
	want = map[string]string{"b": snsBlkAB, "c": snsBlkNone, "d": snsBlkAB, "e": snsBlkNone}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("Single = %v, want %v", got, want)
	}
	got = snsBlockCheck(s, "c", "BlackCheckResult_Type_Both", "a")
	if got["a"] != snsBlkAB {
		t.Errorf("c→a = %s", got["a"])
	}

	for _, body := range []any{
		map[string]any{"From_Account": "a", "To_Account": []string{"b"}},
		map[string]any{"From_Account": "a", "To_Account": []string{"b"}, "CheckType": "CheckResult_Type_Both"},
		map[string]any{"From_Account": "a", "To_Account": []string{}, "CheckType": "BlackCheckResult_Type_Both"},
	} {
		snsFail(t, s.Call("sns/black_list_check", body), 30001)
	}
}

func TestSNSBlockListGet(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a")
	peers := snsImportN(s, "p", 5)
	seq := func(resp map[string]any) int64 {
		t.Helper()
		cur := snsIsInt(t, resp["CurrentSequence"], "CurrentSequence")
		if old := snsIsInt(t, resp["CurruentSequence"], "CurruentSequence"); old != cur {
			t.Errorf("CurruentSequence %d != CurrentSequence %d", old, cur)
		}
		return cur
	}
	get := func(start, max int) map[string]any {
		t.Helper()
		resp := s.MustOK("sns/black_list_get", map[string]any{"From_Account": "a", "StartIndex": start, "MaxLimited": max, "LastSequence": 0})
		snsOKEnvelope(t, resp)
		snsIsInt(t, resp["StartIndex"], "StartIndex")
		if _, ok := resp["BlackListItem"].([]any); !ok {
			t.Fatalf("BlackListItem is %T, want an array", resp["BlackListItem"])
		}
		return resp
	}

	empty := get(0, 30)
	if len(resttest.Items(empty, "BlackListItem")) != 0 || resttest.Int(empty["StartIndex"]) != 0 || seq(empty) != 0 {
		t.Errorf("empty blocklist: %v", empty)
	}

	before := time.Now().Unix()
	snsAllZero(t, snsBlock(s, "a", peers...), "ResultItem", peers...)
	pages := []struct {
		start, max int
		want       []string
		next       int
	}{
		{0, 2, peers[0:2], 2},
		{2, 2, peers[2:4], 4},
		{4, 2, peers[4:5], 0},
		{0, 30, peers, 0},
		{3, 30, peers[3:], 0},
		{5, 30, nil, 0},
	}
	var seq1 int64
	for _, p := range pages {
		resp := get(p.start, p.max)
		seq1 = seq(resp)
		var ids []string
		for _, it := range resttest.Items(resp, "BlackListItem") {
			ids = append(ids, it["To_Account"].(string))
			if ts := snsIsInt(t, it["AddBlackTimeStamp"], "AddBlackTimeStamp"); ts < before || ts > time.Now().Unix() {
				t.Errorf("AddBlackTimeStamp %d is not the block time", ts)
			}
		}
		if fmt.Sprint(ids) != fmt.Sprint(p.want) || resttest.Int(resp["StartIndex"]) != p.next {
			t.Errorf("StartIndex %d MaxLimited %d: %v next %v, want %v next %d", p.start, p.max, ids, resp["StartIndex"], p.want, p.next)
		}
	}
	if seq1 <= 0 {
		t.Errorf("sequence after blocking = %d", seq1)
	}
	snsAllZero(t, snsUnblock(s, "a", peers[0]), "ResultItem", peers[0])
	if seq2 := seq(get(0, 30)); seq2 <= seq1 {
		t.Errorf("sequence after unblocking %d, was %d", seq2, seq1)
	}
	// A failed add changes nothing.
	seq3 := seq(get(0, 30))
	snsBatch(t, snsBlock(s, "a", peers[1]), "ResultItem", snsItem{peers[1], 30001})
	if seq4 := seq(get(0, 30)); seq4 != seq3 {
		t.Errorf("sequence moved on a failed add: %d → %d", seq3, seq4)
	}

	for _, body := range []string{
		`{"From_Account":"a","StartIndex":0,"MaxLimited":0,"LastSequence":0}`,
		`{"From_Account":"a","StartIndex":-1,"MaxLimited":10,"LastSequence":0}`,
		`{"From_Account":"a","StartIndex":"0","MaxLimited":10,"LastSequence":0}`,
	} {
		snsFail(t, s.Call("sns/black_list_get", body), 30001)
	}
}
