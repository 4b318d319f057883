package gateway_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/server"
)

// scriptedHook decides on a message by its first word: "reject", "drop",
// "rewrite", "slow" (answers only after the test releases it) or anything
// else (allow). Friend adds to "dave" fail with 38001; a response to a
// request of "erin" is rejected with 38002.
type scriptedHook struct {
	hook.AllowAll
	release chan struct{}
	slowIn  chan struct{} // a slow call has started
}

func textOf(body json.RawMessage) string {
	var elems []struct{ MsgContent struct{ Text string } }
	json.Unmarshal(body, &elems)
	if len(elems) == 0 {
		return ""
	}
	return elems[0].MsgContent.Text
}

func (h *scriptedHook) BeforeSendMessage(ctx context.Context, m hook.Message) (hook.Verdict, error) {
	word, _, _ := strings.Cut(textOf(m.MsgBody), " ")
	switch word {
	case "reject":
		return hook.RejectWith(20999, "not on this app"), nil
	case "drop":
		return hook.Verdict{Action: hook.Drop}, nil
	case "rewrite":
		cc := "checked"
		return hook.Verdict{Action: hook.Rewrite, MsgBody: json.RawMessage(`[{"MsgType":"TIMTextElem","MsgContent":{"Text":"rewritten"}}]`),
			CloudCustomData: &cc}, nil
	case "slow":
		select {
		case h.slowIn <- struct{}{}:
		default:
		}
		<-h.release // ignores ctx: the runner must not wait for it
		return hook.AllowVerdict, nil
	}
	return hook.AllowVerdict, nil
}

func (h *scriptedHook) BeforeFriendAdd(_ context.Context, r hook.FriendAdd) (hook.Verdict, error) {
	v := hook.Verdict{Items: map[string]hook.ItemVerdict{}}
	for _, it := range r.Items {
		if it.To == "dave" {
			v.Items[it.To] = hook.ItemVerdict{Code: 38001, Message: "dave takes no friends"}
		}
	}
	return v, nil
}

func (h *scriptedHook) BeforeFriendResponse(_ context.Context, r hook.FriendResponse) (hook.Verdict, error) {
	if r.To == "erin" {
		return hook.RejectWith(38002, "not erin"), nil
	}
	return hook.AllowVerdict, nil
}

func (h *scriptedHook) BeforeProfileSet(_ context.Context, p hook.ProfileSet) (hook.Verdict, error) {
	if p.Items["Tag_Profile_IM_Nick"].Str == "forbidden" {
		return hook.RejectWith(40999, "nick not allowed"), nil
	}
	return hook.AllowVerdict, nil
}

func startHooked(t *testing.T, deny bool) (*resttest.Server, *scriptedHook) {
	h := &scriptedHook{release: make(chan struct{}), slowIn: make(chan struct{}, 16)}
	t.Cleanup(func() { close(h.release) })
	s := resttest.StartNode(t, server.Options{Hook: &hook.Runner{Before: h, Timeout: 300 * time.Millisecond, DenyOnTimeout: deny}})
	s.Import("alice", "bob", "carol", "dave", "erin")
	return s, h
}

func restSend(s *resttest.Server, from, to, text string, random int) map[string]any {
	return s.Call("openim/sendmsg", map[string]any{"From_Account": from, "To_Account": to, "MsgRandom": random,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}})
}

// history is what bob has from alice, as texts.
func history(bob *client) []string {
	out := bob.mustCall("msg.history", map[string]any{"userID": "alice", "ascending": true, "count": 100})
	var texts []string
	for _, m := range out["messages"].([]any) {
		var body struct{ MsgBody json.RawMessage }
		raw, _ := json.Marshal(m.(map[string]any)["body"])
		json.Unmarshal(raw, &body)
		texts = append(texts, textOf(body.MsgBody))
	}
	return texts
}

func TestBeforeSendHookOnBothDoors(t *testing.T) {
	s, _ := startHooked(t, false)
	alice, bob := dial(t, s), dial(t, s)
	alice.login(s, "alice", "Web")
	bob.login(s, "bob", "Android")
	random := 0
	var want []string
	for _, door := range []string{"rest", "gateway"} {
		t.Run(door, func(t *testing.T) {
			// sendText sends a text through the door and returns the code
			// and the MsgKey.
			sendText := func(word string) (int, string) {
				random++
				if door == "rest" {
					out := restSend(s, "alice", "bob", word, random)
					key, _ := out["MsgKey"].(string)
					return resttest.Code(out), key
				}
				code, out := alice.call("msg.send", map[string]any{"to": "bob", "random": random, "body": text(word)})
				if code != 0 {
					return code, ""
				}
				return code, out["message"].(map[string]any)["msgKey"].(string)
			}
			if code, _ := sendText("hello " + door); code != 0 {
				t.Fatalf("allowed: %d", code)
			}
			want = append(want, "hello "+door)
			bob.push("msg.new")

			if code, _ := sendText("reject " + door); code != 20999 {
				t.Fatalf("rejected: code %d, want the hook's 20999", code)
			}
			code, key := sendText("drop " + door)
			if code != 0 || key == "" {
				t.Fatalf("dropped: code %d key %q, want success with a MsgKey", code, key)
			}
			bob.noPush("msg.new")

			if code, _ := sendText("rewrite " + door); code != 0 {
				t.Fatalf("rewritten: %d", code)
			}
			p := bob.push("msg.new")["data"].(map[string]any)
			raw, _ := json.Marshal(p["body"])
			if !strings.Contains(string(raw), `"rewritten"`) || !strings.Contains(string(raw), `"checked"`) {
				t.Fatalf("delivered %s, want the rewrite", raw)
			}
			want = append(want, "rewritten")

			// The hook does not answer within 300 ms: allowed.
			if code, _ := sendText("slow " + door); code != 0 {
				t.Fatalf("timed out with allow: %d", code)
			}
			want = append(want, "slow "+door)
			bob.push("msg.new")
		})
	}
	if got := history(bob); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("bob's history %q, want %q (nothing rejected or dropped, the rewrite as rewritten)", got, want)
	}
}

func TestBeforeSendHookTimeoutDenies(t *testing.T) {
	s, _ := startHooked(t, true)
	alice, bob := dial(t, s), dial(t, s)
	alice.login(s, "alice", "Web")
	bob.login(s, "bob", "Android")
	if out := restSend(s, "alice", "bob", "slow rest", 1); resttest.Code(out) != hook.CodeTimeout {
		t.Fatalf("REST: %v, want %d", out, hook.CodeTimeout)
	}
	if code, _ := alice.call("msg.send", map[string]any{"to": "bob", "random": 2, "body": text("slow gateway")}); code != hook.CodeTimeout {
		t.Fatalf("gateway: %d, want %d", code, hook.CodeTimeout)
	}
	if got := history(bob); len(got) != 0 {
		t.Fatalf("bob's history %q, want nothing", got)
	}
}

// A hook that has not answered holds no store lock or transaction: another
// user's send completes meanwhile.
func TestSlowHookDoesNotHoldTheStore(t *testing.T) {
	h := &scriptedHook{release: make(chan struct{}), slowIn: make(chan struct{}, 1)}
	s := resttest.StartNode(t, server.Options{Hook: &hook.Runner{Before: h, Timeout: time.Minute}})
	s.Import("alice", "bob", "carol")
	done := make(chan map[string]any, 1)
	go func() { done <- restSend(s, "alice", "bob", "slow", 1) }()
	select {
	case <-h.slowIn:
	case out := <-done:
		t.Fatalf("alice's send did not ask the hook: %v", out)
	}
	if out := restSend(s, "carol", "bob", "meanwhile", 2); resttest.Code(out) != 0 {
		t.Fatalf("carol's send while alice's hook runs: %v", out)
	}
	select {
	case out := <-done:
		t.Fatalf("alice's send finished before its hook answered: %v", out)
	default:
	}
	close(h.release)
	if out := <-done; resttest.Code(out) != 0 {
		t.Fatalf("alice's send after its hook allowed it: %v", out)
	}
}

// The friend hooks run for a client's requests and not for REST's.
func TestFriendHooksAskOnlyForClientRequests(t *testing.T) {
	s, _ := startHooked(t, false)
	alice := dial(t, s)
	alice.login(s, "alice", "Web")
	code, out := alice.call("friend.add", map[string]any{"userID": "dave", "addType": "both", "addSource": "AddSource_Type_web"})
	if code != 38001 {
		t.Fatalf("client add to dave: %d %v, want the hook's 38001", code, out)
	}
	resp := s.Call("sns/friend_add", map[string]any{"From_Account": "bob", "AddFriendItem": []any{map[string]any{"To_Account": "dave",
		"AddSource": "AddSource_Type_web"}}, "ForceAddFlags": 1})
	if codes := resttest.ResultCodes(resp, "ResultItem"); codes["dave"] != 0 {
		t.Fatalf("REST add to dave: %v, want it made without asking the hook", resp)
	}
	// erin asks alice; alice's acceptance is refused by the hook.
	erin := dial(t, s)
	erin.login(s, "erin", "Web")
	erin.call("friend.add", map[string]any{"userID": "alice", "addType": "both", "addSource": "AddSource_Type_web"})
	if code, out := alice.call("friend_request.accept", map[string]any{"userID": "erin", "type": "agree_and_add"}); code != 38002 {
		t.Fatalf("accepting erin: %d %v, want the hook's 38002", code, out)
	}
}

// The profile hook refuses a change on both doors; nothing is written.
func TestProfileHookOnBothDoors(t *testing.T) {
	s, _ := startHooked(t, false)
	alice := dial(t, s)
	alice.login(s, "alice", "Web")
	set := func(nick string) int {
		return resttest.Code(s.Call("profile/portrait_set", map[string]any{"From_Account": "alice",
			"ProfileItem": []map[string]any{{"Tag": "Tag_Profile_IM_Nick", "Value": nick}}}))
	}
	if code := set("Al"); code != 0 {
		t.Fatalf("allowed nick: %d", code)
	}
	if code := set("forbidden"); code != 40999 {
		t.Fatalf("REST: %d, want the hook's 40999", code)
	}
	if code, out := alice.call("user.setSelf", map[string]any{"nickName": "forbidden"}); code != 40999 {
		t.Fatalf("gateway: %d %v, want the hook's 40999", code, out)
	}
	out := s.Call("profile/portrait_get", map[string]any{"To_Account": []string{"alice"}, "TagList": []string{"Tag_Profile_IM_Nick"}})
	if !strings.Contains(fmt.Sprint(out), "Al") || strings.Contains(fmt.Sprint(out), "forbidden") {
		t.Fatalf("alice's profile %v, want the allowed nick only", out)
	}
}
