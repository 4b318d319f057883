package restapi_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/resttest"
)

const (
	snsRelNone   = "CheckResult_Type_NoRelation"
	snsRelAB     = "CheckResult_Type_AWithB"
	snsRelBA     = "CheckResult_Type_BWithA"
	snsRelBoth   = "CheckResult_Type_BothWay"
	snsChkBoth   = "CheckResult_Type_Both"
	snsChkSingle = "CheckResult_Type_Single"
)

// snsRel asserts friend_check Both for from→to.
func snsRel(t *testing.T, s *resttest.Server, from, to, want string) {
	t.Helper()
	if got := snsCheck(s, from, snsChkBoth, to)[to]; got != want {
		t.Errorf("friend_check %s→%s = %s, want %s", from, to, got, want)
	}
}

// The seed's three friend_add samples, sent verbatim, with targets that
// accept: every item answers 0 and Fail_Account is absent.
func TestSNSFriendAddSeedSamples(t *testing.T) {
	s := resttest.Start(t)
	s.Import("id", "id1", "id2", "id3")

	t.Run("basic", func(t *testing.T) {
		s.T = t
		snsAllow(s, snsAllowAny, "id1")
		resp := s.Call("sns/friend_add", `{
			"From_Account":"id",
			"AddFriendItem":[{"To_Account":"id1","AddSource":"AddSource_Type_XXXXXXXX"}]
		}`)
		snsAllZero(t, resp, "ResultItem", "id1")
		// Add_Type_Both is the default.
		snsRel(t, s, "id", "id1", snsRelBoth)
		snsRel(t, s, "id1", "id", snsRelBoth)
	})

	t.Run("complete", func(t *testing.T) {
		s.T = t
		// id2 keeps the default NeedConfirm: ForceAddFlags 1 adds anyway.
		resp := s.Call("sns/friend_add", `{
			"From_Account":"id",
			"AddFriendItem":[{"To_Account":"id2","Remark":"remark1","GroupName":"Classmates",
				"AddSource":"AddSource_Type_XXXXXXXX","AddWording":"I'm Test1"}],
			"AddType":"Add_Type_Both",
			"ForceAddFlags":1
		}`)
		snsAllZero(t, resp, "ResultItem", "id2")
		snsRel(t, s, "id", "id2", snsRelBoth)

		info := s.MustOK("sns/friend_get_list", map[string]any{"From_Account": "id", "To_Account": []string{"id2"},
			"TagList": []string{"Tag_SNS_IM_Remark", "Tag_SNS_IM_Group", "Tag_SNS_IM_AddSource", "Tag_SNS_IM_AddWording"}})
		v := snsValues(t, resttest.Items(info, "InfoItem")[0], "SnsProfileItem")
		if v["Tag_SNS_IM_Remark"] != "remark1" || v["Tag_SNS_IM_AddSource"] != snsSource || v["Tag_SNS_IM_AddWording"] != "I'm Test1" {
			t.Errorf("adder's row: %v", v)
		}
		if g := snsStrings(t, v["Tag_SNS_IM_Group"]); len(g) != 1 || g[0] != "Classmates" {
			t.Errorf("Tag_SNS_IM_Group = %v, want [Classmates]", g)
		}
		// The remark, list and wording belong to the adder's row only.
		back := s.MustOK("sns/friend_get_list", map[string]any{"From_Account": "id2", "To_Account": []string{"id"},
			"TagList": []string{"Tag_SNS_IM_Remark", "Tag_SNS_IM_Group", "Tag_SNS_IM_AddSource"}})
		bv := snsValues(t, resttest.Items(back, "InfoItem")[0], "SnsProfileItem")
		if bv["Tag_SNS_IM_Remark"] != "" || len(snsStrings(t, bv["Tag_SNS_IM_Group"])) != 0 || bv["Tag_SNS_IM_AddSource"] != snsSource {
			t.Errorf("reverse row: %v", bv)
		}
	})

	t.Run("batch", func(t *testing.T) {
		s.T = t
		s.Import("b", "b1", "b2", "b3")
		resp := s.Call("sns/friend_add", `{
			"From_Account":"b",
			"AddFriendItem":[
				{"To_Account":"b1","AddSource":"AddSource_Type_XXXXXXXX"},
				{"To_Account":"b2","Remark":"remark2","GroupName":"Classmates","AddSource":"AddSource_Type_XXXXXXXX","AddWording":"I'm Test2"},
				{"To_Account":"b3","Remark":"remark3","GroupName":"Colleagues","AddSource":"AddSource_Type_XXXXXXXX","AddWording":"I'm Test3"}
			],
			"AddType":"Add_Type_Both",
			"ForceAddFlags":1
		}`)
		snsAllZero(t, resp, "ResultItem", "b1", "b2", "b3")
		for _, p := range []string{"b1", "b2", "b3"} {
			snsRel(t, s, "b", p, snsRelBoth)
		}
		lists := s.MustOK("sns/group_get", map[string]any{"From_Account": "b", "NeedFriend": "Need_Friend_Type_Yes"})
		got := map[string][]string{}
		for _, it := range resttest.Items(lists, "ResultItem") {
			got[it["GroupName"].(string)] = snsStrings(t, it["To_Account"])
		}
		if fmt.Sprint(got) != "map[Classmates:[b2] Colleagues:[b3]]" {
			t.Errorf("friend lists after batch add: %v", got)
		}
	})

	t.Run("batch with failures", func(t *testing.T) {
		s.T = t
		s.Import("c", "c1", "c3", "c4")
		s.MustOK("sns/black_list_add", map[string]any{"From_Account": "c", "To_Account": []string{"c3"}})
		snsAllow(s, snsAllowAny, "c1", "c4")
		resp := s.Call("sns/friend_add", `{
			"From_Account":"c",
			"AddFriendItem":[
				{"To_Account":"c1","AddSource":"AddSource_Type_XXXXXXXX"},
				{"To_Account":"c2","Remark":"remark2","AddSource":"AddSource_Type_XXXXXXXX"},
				{"To_Account":"c3","Remark":"remark3","AddSource":"AddSource_Type_XXXXXXXX"},
				{"To_Account":"c4","AddSource":"AddSource_Type_XXXXXXXX"}
			]
		}`)
		// c2 does not exist, c3 is on c's blocklist; the others are added
		// and the call as a whole succeeds.
		snsBatch(t, resp, "ResultItem", snsItem{"c1", 0}, snsItem{"c2", 30003}, snsItem{"c3", 30515}, snsItem{"c4", 0})
		snsRel(t, s, "c", "c1", snsRelBoth)
		snsRel(t, s, "c", "c3", snsRelNone)
		snsRel(t, s, "c", "c4", snsRelBoth)
	})
}

// The target's AllowType decides: NeedConfirm (the default) answers 30539,
// AllowAny adds, DenyAny answers 30516; ForceAddFlags=1 bypasses both.
// Add_Type_Single writes only the adder's row.
func TestSNSFriendAddAllowType(t *testing.T) {
	cases := []struct {
		name    string
		allow   string // "" leaves the default
		addType string
		force   bool
		code    int
		fromA   string // friend_check Both, adder → target
		fromB   string // friend_check Both, target → adder
	}{
		{"default is NeedConfirm", "", "", false, 30539, snsRelNone, snsRelNone},
		{"NeedConfirm", snsNeedConfirm, "Add_Type_Both", false, 30539, snsRelNone, snsRelNone},
		{"NeedConfirm single", snsNeedConfirm, "Add_Type_Single", false, 30539, snsRelNone, snsRelNone},
		{"AllowAny", snsAllowAny, "", false, 0, snsRelBoth, snsRelBoth},
		{"AllowAny both", snsAllowAny, "Add_Type_Both", false, 0, snsRelBoth, snsRelBoth},
		{"AllowAny single", snsAllowAny, "Add_Type_Single", false, 0, snsRelAB, snsRelBA},
		{"DenyAny", snsDenyAny, "", false, 30516, snsRelNone, snsRelNone},
		{"DenyAny single", snsDenyAny, "Add_Type_Single", false, 30516, snsRelNone, snsRelNone},
		{"forced over default", "", "", true, 0, snsRelBoth, snsRelBoth},
		{"forced over NeedConfirm single", snsNeedConfirm, "Add_Type_Single", true, 0, snsRelAB, snsRelBA},
		{"forced over DenyAny", snsDenyAny, "Add_Type_Both", true, 0, snsRelBoth, snsRelBoth},
		{"forced over DenyAny single", snsDenyAny, "Add_Type_Single", true, 0, snsRelAB, snsRelBA},
	}
	s := resttest.Start(t)
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.T = t
			a, b := fmt.Sprintf("a%d", i), fmt.Sprintf("b%d", i)
			s.Import(a, b)
			if c.allow != "" {
				snsAllow(s, c.allow, b)
			}
			extra := map[string]any{}
			if c.addType != "" {
				extra["AddType"] = c.addType
			}
			if c.force {
				extra["ForceAddFlags"] = 1
			}
			snsBatch(t, snsAdd(s, a, extra, b), "ResultItem", snsItem{b, c.code})
			snsRel(t, s, a, b, c.fromA)
			snsRel(t, s, b, a, c.fromB)
			// Single mode sees only the caller's own list.
			wantSingle := snsRelNone
			if c.fromA == snsRelBoth || c.fromA == snsRelAB {
				wantSingle = snsRelAB
			}
			if got := snsCheck(s, a, snsChkSingle, b)[b]; got != wantSingle {
				t.Errorf("friend_check Single %s→%s = %s, want %s", a, b, got, wantSingle)
			}
		})
	}
}

// A second add in the other direction, or Add_Type_Both after a one-way
// add, completes the friendship; a repeated add is 30001.
func TestSNSFriendAddCompletesOneWay(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c")
	snsAllow(s, snsAllowAny, "a", "b", "c")

	snsBatch(t, snsAdd(s, "a", map[string]any{"AddType": "Add_Type_Single"}, "b"), "ResultItem", snsItem{"b", 0})
	snsBatch(t, snsAdd(s, "a", map[string]any{"AddType": "Add_Type_Single"}, "b"), "ResultItem", snsItem{"b", 30001})
	snsBatch(t, snsAdd(s, "a", map[string]any{"AddType": "Add_Type_Both"}, "b"), "ResultItem", snsItem{"b", 0})
	snsRel(t, s, "a", "b", snsRelBoth)
	snsBatch(t, snsAdd(s, "a", nil, "b"), "ResultItem", snsItem{"b", 30001})
	snsBatch(t, snsAdd(s, "b", nil, "a"), "ResultItem", snsItem{"a", 30001})

	snsBatch(t, snsAdd(s, "c", map[string]any{"AddType": "Add_Type_Single"}, "a"), "ResultItem", snsItem{"a", 0})
	snsRel(t, s, "a", "c", snsRelBA)
	snsBatch(t, snsAdd(s, "a", map[string]any{"AddType": "Add_Type_Single"}, "c"), "ResultItem", snsItem{"c", 0})
	snsRel(t, s, "a", "c", snsRelBoth)
}

// A NeedConfirm answer (30539) stores a pending request: it is not a
// friendship yet, it counts against the pending cap (30012) until a forced
// add or the target's switch to AllowAny and a re-add turns it into one.
func TestSNSFriendAddPendingRequest(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Limits.MaxPendingRequests = 2 })
	s.Import("a", "b", "c", "d")

	snsBatch(t, snsAdd(s, "a", nil, "b", "c"), "ResultItem", snsItem{"b", 30539}, snsItem{"c", 30539})
	snsRel(t, s, "a", "b", snsRelNone)
	snsRel(t, s, "b", "a", snsRelNone)
	snsRel(t, s, "a", "c", snsRelNone)

	// Two requests are pending: a third target is refused, a repeated
	// request to b is not a new one.
	snsBatch(t, snsAdd(s, "a", nil, "d"), "ResultItem", snsItem{"d", 30012})
	snsBatch(t, snsAdd(s, "a", nil, "b"), "ResultItem", snsItem{"b", 30539})
	snsRel(t, s, "a", "d", snsRelNone)

	// A forced add turns the request into a friendship and frees its slot.
	snsBatch(t, snsAdd(s, "a", map[string]any{"ForceAddFlags": 1}, "b"), "ResultItem", snsItem{"b", 0})
	snsRel(t, s, "a", "b", snsRelBoth)

	// c switches to AllowAny: re-adding succeeds and frees the other slot.
	snsAllow(s, snsAllowAny, "c")
	snsBatch(t, snsAdd(s, "a", nil, "c"), "ResultItem", snsItem{"c", 0})
	snsRel(t, s, "a", "c", snsRelBoth)

	snsBatch(t, snsAdd(s, "a", nil, "d"), "ResultItem", snsItem{"d", 30539})
	snsRel(t, s, "a", "d", snsRelNone)
}

// Request-level errors fail the whole call with 30001 or 30003 and write
// nothing.
func TestSNSFriendAddRequestErrors(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b")
	snsAllow(s, snsAllowAny, "b")
	many := make([]any, 1001)
	for i := range many {
		many[i] = map[string]any{"To_Account": fmt.Sprintf("u%d", i)}
	}
	cases := []struct {
		name string
		body string
		code int
	}{
		{"no From_Account", `{"AddFriendItem":[{"To_Account":"b"}]}`, 30001},
		{"From_Account a number", `{"From_Account":1,"AddFriendItem":[{"To_Account":"b"}]}`, 30001},
		{"no AddFriendItem", `{"From_Account":"a"}`, 30001},
		{"empty AddFriendItem", `{"From_Account":"a","AddFriendItem":[]}`, 30001},
		{"AddFriendItem an object", `{"From_Account":"a","AddFriendItem":{"To_Account":"b"}}`, 30001},
		{"To_Account a number", `{"From_Account":"a","AddFriendItem":[{"To_Account":7}]}`, 30001},
		{"GroupName an array", `{"From_Account":"a","AddFriendItem":[{"To_Account":"b","GroupName":["x"]}]}`, 30001},
		{"bad AddType", `{"From_Account":"a","AddFriendItem":[{"To_Account":"b"}],"AddType":"Add_Type_Twice"}`, 30001},
		{"ForceAddFlags a string", `{"From_Account":"a","AddFriendItem":[{"To_Account":"b"}],"ForceAddFlags":"1"}`, 30001},
		{"unknown From_Account", `{"From_Account":"nobody","AddFriendItem":[{"To_Account":"b"}]}`, 30003},
		{"1001 items", snsJSON(t, map[string]any{"From_Account": "a", "AddFriendItem": many}), 30001},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s.T = t
			snsFail(t, s.Call("sns/friend_add", c.body), c.code)
		})
	}
	s.T = t
	snsRel(t, s, "a", "b", snsRelNone)
}

func snsJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// Per-item validation: each bad item fails with its own code, in request
// order, next to items that succeed; the limits are in bytes.
func TestSNSFriendAddItemErrors(t *testing.T) {
	s := resttest.Start(t)
	ids := snsImportN(s, "t", 20)
	s.Import("a", "friend")
	snsForce(s, "a", "friend")
	han := func(n int) string { return strings.Repeat("好", n) } // 3 bytes each
	cases := []struct {
		to   string
		kv   []string
		code int
	}{
		{"a", nil, 30001}, // self
		{ids[0], []string{"AddSource", "Source_Type_Web"}, 30001},          // wrong prefix
		{ids[1], []string{"AddSource", "AddSource_Type_"}, 30001},          // empty keyword
		{ids[2], []string{"AddSource", "AddSource_Type_123456789"}, 30001}, // 9-byte keyword
		{ids[3], []string{"AddSource", "AddSource_Type_" + han(3)}, 30001}, // 9 bytes, 3 runes
		{ids[4], []string{"AddSource", "AddSource_Type_12345678"}, 0},      // 8 bytes
		{ids[5], nil, 0}, // AddSource is optional in friend_add
		{ids[6], []string{"Remark", strings.Repeat("r", 97)}, 30001},
		{ids[7], []string{"Remark", han(33)}, 30001}, // 99 bytes, 33 runes
		{ids[8], []string{"Remark", han(32)}, 0},     // 96 bytes
		{ids[9], []string{"AddWording", strings.Repeat("w", 257)}, 30001},
		{ids[10], []string{"AddWording", strings.Repeat("w", 256)}, 0},
		{ids[11], []string{"GroupName", strings.Repeat("g", 31)}, 30001},
		{ids[12], []string{"GroupName", han(11)}, 30001}, // 33 bytes
		{ids[13], []string{"GroupName", han(10)}, 0},     // 30 bytes
		{"ghost", nil, 30003},                            // no such account
		{"", nil, 30001},                                 // empty To_Account
		{strings.Repeat("x", 33), nil, 30001},            // too long for a UserID
		{"friend", nil, 30001},                           // already friends
		{ids[14], nil, 0},
		{ids[14], nil, 30001}, // repeated in the batch
	}
	items := make([]any, len(cases))
	want := make([]snsItem, len(cases))
	var added, refused []string
	for i, c := range cases {
		m := map[string]any{"To_Account": c.to}
		for j := 0; j < len(c.kv); j += 2 {
			m[c.kv[j]] = c.kv[j+1]
		}
		items[i] = m
		want[i] = snsItem{c.to, c.code}
		if strings.HasPrefix(c.to, "t0") {
			if c.code == 0 {
				added = append(added, c.to)
			} else {
				refused = append(refused, c.to)
			}
		}
	}
	resp := s.Call("sns/friend_add", map[string]any{"From_Account": "a", "AddFriendItem": items, "ForceAddFlags": 1})
	snsBatch(t, resp, "ResultItem", want...)
	for _, id := range added {
		snsRel(t, s, "a", id, snsRelBoth)
	}
	for _, id := range refused {
		if !slices.Contains(added, id) {
			snsRel(t, s, "a", id, snsRelNone)
		}
	}
	if n := resttest.Int(snsFriendGet(s, "a", 0, 0, 0)["FriendNum"]); n != 1+len(added) {
		t.Errorf("FriendNum = %d, want %d", n, 1+len(added))
	}
}

// AdminForbidType SendOut stops the user from adding anyone (30009).
func TestSNSFriendAddAdminForbid(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b")
	snsAllow(s, snsAllowAny, "a", "b")
	s.MustOK("profile/portrait_set", map[string]any{"From_Account": "a",
		"ProfileItem": []any{map[string]any{"Tag": "Tag_Profile_IM_AdminForbidType", "Value": "AdminForbid_Type_SendOut"}}})
	snsBatch(t, snsAdd(s, "a", nil, "b"), "ResultItem", snsItem{"b", 30009})
	snsRel(t, s, "a", "b", snsRelNone)
	// The forbidden user can still be added by others.
	snsBatch(t, snsAdd(s, "b", nil, "a"), "ResultItem", snsItem{"a", 0})
	snsRel(t, s, "a", "b", snsRelBoth)
}

// Friend caps: 30010 when the adder's list is full, 30014 when the
// target's is (only if the add writes the target's row), 30011 when a new
// GroupName would pass the friend-list cap.
func TestSNSFriendAddCaps(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.Limits.MaxFriends = 3 })
	s.Import("a", "full", "x", "y", "z", "p", "q", "r", "s")
	snsAllow(s, snsAllowAny, "a", "full", "x", "y", "z", "p", "q", "r", "s")

	snsBatch(t, snsAdd(s, "a", nil, "x", "y", "z", "p"), "ResultItem",
		snsItem{"x", 0}, snsItem{"y", 0}, snsItem{"z", 0}, snsItem{"p", 30010})
	snsRel(t, s, "a", "p", snsRelNone)
	if n := resttest.Int(snsFriendGet(s, "a", 0, 0, 0)["FriendNum"]); n != 3 {
		t.Errorf("FriendNum = %d, want 3", n)
	}
	// Forcing does not lift the cap.
	snsBatch(t, snsAdd(s, "a", map[string]any{"ForceAddFlags": 1}, "p"), "ResultItem", snsItem{"p", 30010})

	snsImportFriends(s, "full", "q", "r", "s")
	snsBatch(t, snsAdd(s, "p", nil, "full"), "ResultItem", snsItem{"full", 30014})
	snsRel(t, s, "p", "full", snsRelNone)
	// A one-way add does not touch the target's list.
	snsBatch(t, snsAdd(s, "p", map[string]any{"AddType": "Add_Type_Single"}, "full"), "ResultItem", snsItem{"full", 0})
	snsRel(t, s, "p", "full", snsRelAB)
}

func TestSNSFriendAddFriendListCap(t *testing.T) {
	s := resttest.Start(t)
	s.Import("a", "b", "c")
	names := make([]string, 32)
	for i := range names {
		names[i] = fmt.Sprintf("list%02d", i)
	}
	s.MustOK("sns/group_add", map[string]any{"From_Account": "a", "GroupName": names})
	add := func(to, group string) map[string]any {
		return s.Call("sns/friend_add", map[string]any{"From_Account": "a", "ForceAddFlags": 1,
			"AddFriendItem": []any{map[string]any{"To_Account": to, "GroupName": group}}})
	}
	snsBatch(t, add("b", "list33"), "ResultItem", snsItem{"b", 30011})
	snsRel(t, s, "a", "b", snsRelNone)
	snsBatch(t, add("b", "list07"), "ResultItem", snsItem{"b", 0})
	snsBatch(t, add("c", ""), "ResultItem", snsItem{"c", 0})
	lists := s.MustOK("sns/group_get", map[string]any{"From_Account": "a", "GroupName": []string{"list07"}, "NeedFriend": "Need_Friend_Type_Yes"})
	items := resttest.Items(lists, "ResultItem")
	if len(items) != 1 || fmt.Sprint(snsStrings(t, items[0]["To_Account"])) != "[b]" {
		t.Errorf("list07 = %v", items)
	}
}

// Twenty concurrent friend_add calls for one user, each to a different
// AllowAny target, all land: no update is lost.
func TestSNSFriendAddConcurrent(t *testing.T) {
	const n = 20
	s := resttest.Start(t)
	s.Import("hub")
	peers := snsImportN(s, "p", n)
	snsAllow(s, snsAllowAny, peers...)

	var wg sync.WaitGroup
	errs := make(chan error, n)
	for _, p := range peers {
		wg.Go(func() {
			body := snsJSON(t, map[string]any{"From_Account": "hub",
				"AddFriendItem": []any{map[string]any{"To_Account": p, "AddSource": snsSource}}})
			resp, err := http.Post(s.URL+"/v4/sns/friend_add?"+s.Query().Encode(), "application/json", bytes.NewReader([]byte(body)))
			if err != nil {
				errs <- err
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			var out struct {
				ErrorCode  int
				ResultItem []struct{ ResultCode int }
			}
			if err := json.Unmarshal(raw, &out); err != nil || out.ErrorCode != 0 || len(out.ResultItem) != 1 || out.ResultItem[0].ResultCode != 0 {
				errs <- fmt.Errorf("add %s: %s", p, raw)
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	resp := snsFriendGet(s, "hub", 0, 0, 0)
	if got := resttest.Int(resp["FriendNum"]); got != n {
		t.Errorf("FriendNum = %d, want %d", got, n)
	}
	if got := len(resttest.Items(resp, "UserDataItem")); got != n {
		t.Errorf("%d friends listed, want %d", got, n)
	}
	// Each add bumped the standard sequence once.
	if got := resttest.Int(resp["StandardSequence"]); got != n {
		t.Errorf("StandardSequence = %d, want %d", got, n)
	}
	rel := snsCheck(s, "hub", snsChkBoth, peers...)
	for _, p := range peers {
		if rel[p] != snsRelBoth {
			t.Errorf("hub/%s = %s", p, rel[p])
		}
	}
}
