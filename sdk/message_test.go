package sdk

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// msgRecorder turns message and conversation callbacks into lines on two
// recorders: msgs ("new bob 3 alice:hi" = conversation with bob, seq 3,
// sent by alice; "receipt bob 3"; "revoked bob 2"; "modified bob 2 v1
// alice:new text") and convs ("conv+ c2c_bob unread=1 last=1",
// "conv~ ...", "conv- c2c_bob", "total 2", "sync-start", "sync-finish",
// "sync-failed").
type msgRecorder struct {
	msgs, convs *recorder
}

func newMsgRecorder(name string) *msgRecorder {
	return &msgRecorder{msgs: newRecorder(name + " msgs"), convs: newRecorder(name + " convs")}
}

// msgText renders a message's elements.
func msgText(m *Message) string {
	var parts []string
	for _, e := range m.Elems {
		switch x := e.(type) {
		case *TextElem:
			parts = append(parts, x.Text)
		case *CustomElem:
			parts = append(parts, "custom="+string(x.Data))
		default:
			parts = append(parts, fmt.Sprintf("elem%d", e.ElemType()))
		}
	}
	return strings.Join(parts, "+")
}

func (r *msgRecorder) OnRecvNewMessage(m *Message) {
	conv := m.UserID
	if m.GroupID != "" {
		conv = "group:" + m.GroupID
	}
	r.msgs.put("new %s %d %s:%s", conv, m.Seq, m.Sender, msgText(m))
}

func (r *msgRecorder) OnRecvC2CReadReceipt(rs []MessageReceipt) {
	for _, x := range rs {
		r.msgs.put("receipt %s %d", x.UserID, x.Seq)
	}
}

func (r *msgRecorder) OnRecvMessageReadReceipts(rs []MessageReceipt) {
	for _, x := range rs {
		r.msgs.put("msgreceipt %s %s %v", x.UserID, x.MsgID, x.IsPeerRead)
	}
}

func (r *msgRecorder) OnRecvMessageRevoked(m *Message) {
	conv := m.UserID
	if m.GroupID != "" {
		conv = "group:" + m.GroupID
	}
	r.msgs.put("revoked %s %d", conv, m.Seq)
}

func (r *msgRecorder) OnRecvMessageModified(m *Message) {
	r.msgs.put("modified %s %d v%d %s:%s", m.UserID, m.Seq, m.Version, m.Sender, msgText(m))
}

func (r *msgRecorder) OnRecvMessageDeleted(userID string, ids []string) {
	r.msgs.put("deleted %s %s", userID, strings.Join(ids, ","))
}

func (r *msgRecorder) OnRecvMessageHistoryCleared(userID string, seq uint64) {
	r.msgs.put("cleared %s %d", userID, seq)
}

func convLine(c *Conversation) string {
	last := uint64(0)
	if c.LastMessage != nil {
		last = c.LastMessage.Seq
	}
	line := fmt.Sprintf("%s unread=%d last=%d", c.ConversationID, c.UnreadCount, last)
	if c.IsPinned {
		line += " pinned"
	}
	if c.DraftText != "" {
		line += " draft=" + c.DraftText
	}
	if c.RecvOpt != ReceiveMessage {
		line += fmt.Sprintf(" recvOpt=%d", c.RecvOpt)
	}
	if len(c.MarkList) > 0 {
		line += fmt.Sprintf(" marks=%v", c.MarkList)
	}
	if len(c.ConversationGroupList) > 0 {
		line += " groups=" + strings.Join(c.ConversationGroupList, ",")
	}
	return line
}

func (r *msgRecorder) OnSyncServerStart()  { r.convs.put("sync-start") }
func (r *msgRecorder) OnSyncServerFinish() { r.convs.put("sync-finish") }
func (r *msgRecorder) OnSyncServerFailed() { r.convs.put("sync-failed") }
func (r *msgRecorder) OnNewConversation(cs []*Conversation) {
	for _, c := range cs {
		r.convs.put("conv+ %s", convLine(c))
	}
}
func (r *msgRecorder) OnConversationChanged(cs []*Conversation) {
	for _, c := range cs {
		r.convs.put("conv~ %s", convLine(c))
	}
}
func (r *msgRecorder) OnConversationDeleted(ids []string) {
	for _, id := range ids {
		r.convs.put("conv- %s", id)
	}
}
func (r *msgRecorder) OnTotalUnreadMessageCountChanged(n int) { r.convs.put("total %d", n) }

func convIDs(cs []*Conversation) string {
	ids := make([]string, len(cs))
	for i, c := range cs {
		ids[i] = c.ConversationID
	}
	return strings.Join(ids, ",")
}

func (r *msgRecorder) OnConversationGroupCreated(name string, cs []*Conversation) {
	r.convs.put("group+ %s %s", name, convIDs(cs))
}
func (r *msgRecorder) OnConversationGroupDeleted(name string) { r.convs.put("group- %s", name) }
func (r *msgRecorder) OnConversationGroupNameChanged(o, n string) {
	r.convs.put("group~ %s>%s", o, n)
}
func (r *msgRecorder) OnConversationsAddedToGroup(name string, cs []*Conversation) {
	r.convs.put("group %s +%s", name, convIDs(cs))
}
func (r *msgRecorder) OnConversationsDeletedFromGroup(name string, cs []*Conversation) {
	r.convs.put("group %s -%s", name, convIDs(cs))
}

// byPeer waits for n message lines and groups them by conversation (the
// order across conversations is not defined).
func (r *msgRecorder) byPeer(t *testing.T, n int) map[string][]string {
	t.Helper()
	got := map[string][]string{}
	for range n {
		select {
		case e := <-r.msgs.events:
			peer := strings.Fields(e)[1]
			got[peer] = append(got[peer], e)
		case <-time.After(waitTimeout):
			t.Fatalf(
				"%s: got %v, waiting for %d messages",
				r.msgs.name, got, n)
		}
	}
	return got
}

func (r *msgRecorder) register(m *Manager) {
	m.Message().AddAdvancedMsgListener(r)
	m.Conversation().AddConversationListener(r)
}

// msgWorld is a fake server holding one user's one-to-one conversations.
type msgWorld struct {
	mu    sync.Mutex
	user  string
	convs map[string]*fakeConv // by peer
	// onSend, if set, runs (locked) before a msg.send is stored.
	onSend func(w *msgWorld, peer string)
	syncs  int // sync requests answered
}

type fakeConv struct {
	msgs    []map[string]any // seq = index+1
	readSeq uint64
	pinned  bool
}

func newMsgWorld(user string) *msgWorld {
	return &msgWorld{user: user, convs: map[string]*fakeConv{}}
}

// add appends a text message to the conversation with peer (locked by the
// caller) and returns it.
func (w *msgWorld) add(peer, from, text string) map[string]any {
	c := w.convs[peer]
	if c == nil {
		c = &fakeConv{}
		w.convs[peer] = c
	}
	to := peer
	if from == peer {
		to = w.user
	}
	seq := len(c.msgs) + 1
	m := map[string]any{"msgKey": fmt.Sprintf("%d_%d_1700000000", seq, 1000+seq), "from": from, "to": to, "seq": seq,
		"random": 1000 + seq, "timeMs": 1700000000000 + seq, "status": "normal", "version": 0, "flags": 0,
		"body": map[string]any{"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": text}}}}}
	c.msgs = append(c.msgs, m)
	return m
}

// Msg returns the message with seq of the conversation with peer.
func (w *msgWorld) Msg(peer string, seq int) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.convs[peer].msgs[seq-1]
}

// Add is add, locked.
func (w *msgWorld) Add(peer, from, text string) map[string]any {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.add(peer, from, text)
}

func (w *msgWorld) handle(c *fakeConn, op string, data json.RawMessage) (any, int, string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	switch op {
	case "login":
		return loginOK(w.user, 0), 0, ""
	case "ping", "logout", "msg.read":
		return map[string]any{}, 0, ""
	case "sync":
		w.syncs++
		return map[string]any{"events": []any{}, "latestSeq": 0, "complete": true}, 0, ""
	case "friend.list":
		return map[string]any{"friends": []any{}}, 0, ""
	case "block.list":
		return map[string]any{"users": []any{}}, 0, ""
	case "friend_request.list":
		return map[string]any{"requests": []any{}, "unreadCount": 0}, 0, ""
	case "conversation.list":
		list := []map[string]any{}
		total := 0
		for peer, cv := range w.convs {
			unread := 0
			for _, m := range cv.msgs[cv.readSeq:] {
				if m["from"] != w.user {
					unread++
				}
			}
			total += unread
			list = append(list, map[string]any{"conversationID": "c2c_" + peer, "userID": peer, "lastSeq": len(cv.msgs),
				"readSeq": cv.readSeq, "unreadCount": unread, "pinned": cv.pinned, "lastMessage": cv.msgs[len(cv.msgs)-1]})
		}
		return map[string]any{"conversations": list, "totalUnreadCount": total}, 0, ""
	case "msg.history":
		var d struct {
			UserID    string
			Seq       uint64
			Ascending bool
			Count     int
		}
		json.Unmarshal(data, &d)
		out := []map[string]any{}
		cv := w.convs[d.UserID]
		if cv == nil {
			return map[string]any{"messages": out}, 0, ""
		}
		if d.Ascending {
			for i := max(d.Seq, 1); i <= uint64(len(cv.msgs)) && len(out) < d.Count; i++ {
				out = append(out, cv.msgs[i-1])
			}
		} else {
			from := uint64(len(cv.msgs))
			if d.Seq != 0 {
				from = min(d.Seq, from)
			}
			for i := from; i >= 1 && len(out) < d.Count; i-- {
				out = append(out, cv.msgs[i-1])
			}
		}
		return map[string]any{"messages": out}, 0, ""
	case "msg.send":
		var d struct {
			To     string
			Random uint32
			Body   json.RawMessage
		}
		json.Unmarshal(data, &d)
		if w.onSend != nil {
			w.onSend(w, d.To)
		}
		m := w.add(d.To, w.user, "")
		m["random"] = d.Random
		m["body"] = d.Body
		return map[string]any{"message": m, "duplicate": false}, 0, ""
	}
	return nil, 6017, "unknown op " + op
}

// msgFake starts a fake server for w and logs a Manager in with a message
// recorder.
func msgFake(t *testing.T, w *msgWorld) (*fakeServer, *Manager, *fakeConn, *msgRecorder) {
	t.Helper()
	f := newFakeServer(t, w.handle)
	m := f.manager(t)
	r := newMsgRecorder(w.user)
	r.register(m)
	login(t, m, w.user)
	c := f.nextConn(t)
	r.convs.expect(t, "sync-start", "sync-finish")
	return f, m, c, r
}

// Duplicates are dropped, gaps are filled from history in order, online
// messages pass through.
func TestMessageDuplicatesAndGaps(t *testing.T) {
	w := newMsgWorld("alice")
	f, _, c, r := msgFake(t, w)

	c.push("msg.new", 0, w.Add("bob", "bob", "one"))
	r.msgs.expect(t, "new bob 1 bob:one")
	c.push("msg.new", 0, w.Msg("bob", 1)) // a duplicate

	w.Add("bob", "bob", "two")
	w.Add("bob", "alice", "three") // from another device of alice
	c.push("msg.new", 0, w.Add("bob", "bob", "four"))
	if r := f.nextReq(t, "msg.history"); !strings.Contains(string(r.data), `"seq":2`) || !strings.Contains(string(r.data), `"ascending":true`) {
		t.Fatalf(
			"gap fill request %s: want ascending from seq 2",
			r.data)
	}
	r.msgs.expect(t, "new bob 2 bob:two", "new bob 3 alice:three", "new bob 4 bob:four")

	// Late pushes of what the fill reported are duplicates.
	c.push("msg.new", 0, w.Msg("bob", 2))
	c.push("msg.new", 0, w.Msg("bob", 3))
	// An online message has seq 0 and passes through.
	c.push("msg.new", 0, map[string]any{"msgKey": "0_7_1700000000", "from": "bob", "to": "alice", "seq": 0, "random": 7,
		"timeMs": 1700000000000, "status": "normal",
		"body": map[string]any{"MsgBody": []map[string]any{{"MsgType": "TIMCustomElem", "MsgContent": map[string]any{"Data": "typing"}}}}})
	r.msgs.expect(t, "new bob 0 bob:custom=typing")
	c.push("msg.new", 0, w.Add("bob", "bob", "five"))
	r.msgs.expect(t, "new bob 5 bob:five")

	// A new conversation that starts with a gap is filled from its start.
	w.Add("carol", "carol", "c1")
	c.push("msg.new", 0, w.Add("carol", "carol", "c2"))
	r.msgs.expect(t, "new carol 1 carol:c1", "new carol 2 carol:c2")
	r.msgs.expectQuiet(t, 100*time.Millisecond)
}

// A message this instance sends is never reported to it, also when a gap
// fill meets it before SendMessage's answer is applied; the messages of
// others it skipped over are.
func TestMessageOwnSendSkippedByFill(t *testing.T) {
	w := newMsgWorld("alice")
	f, m, c, r := msgFake(t, w)
	ctx := context.Background()

	c.push("msg.new", 0, w.Add("bob", "bob", "one"))
	r.msgs.expect(t, "new bob 1 bob:one")

	// Bob's message lands just before alice's; its push is late.
	w.mu.Lock()
	w.onSend = func(w *msgWorld, peer string) { w.add(peer, peer, "two") }
	w.mu.Unlock()
	sent, err := m.Message().SendMessage(ctx, m.Message().CreateTextMessage("three"), "bob", SendOptions{})
	if err != nil || sent.Seq != 3 || sent.Status != MsgStatusSendSucc || !sent.IsSelf || sent.UserID != "bob" || sent.ClientMsgID == "" {
		t.Fatalf(
			"SendMessage = %+v, %v",
			sent, err)
	}
	f.nextReq(t, "msg.history")
	r.msgs.expect(t, "new bob 2 bob:two")
	c.push("msg.new", 0, w.Msg("bob", 2)) // the late push
	c.push("msg.new", 0, w.Add("bob", "bob", "four"))
	r.msgs.expect(t, "new bob 4 bob:four")
	r.msgs.expectQuiet(t, 100*time.Millisecond)
}

// The first catch-up of a session reports the messages after the read
// position; later ones everything after the last seq seen.
func TestMessageCatchUp(t *testing.T) {
	w := newMsgWorld("alice")
	w.Add("bob", "bob", "b1")
	w.Add("bob", "bob", "b2")
	w.Add("bob", "bob", "b3")
	w.Add("bob", "alice", "a4")
	w.Add("bob", "bob", "b5")
	w.convs["bob"].readSeq = 2
	w.Add("carol", "alice", "only mine")
	f, _, c, r := msgFake(t, w)
	got := r.byPeer(t, 4)
	if strings.Join(got["bob"], "|") != "new bob 3 bob:b3|new bob 4 alice:a4|new bob 5 bob:b5" || strings.Join(got["carol"], "|") != "new carol 1 alice:only mine" {
		t.Fatalf(
			"first catch-up: got %v",
			got)
	}
	r.msgs.expectQuiet(t, 50*time.Millisecond)

	// Down, then up: everything since, own messages from other devices
	// included, in order; a new conversation from its start.
	c.nc.Close()
	w.Add("bob", "alice", "a6")
	w.Add("bob", "bob", "b7")
	w.Add("dave", "dave", "d1")
	f.nextConn(t)
	r.convs.waitFor(t, "sync-finish")
	got = r.byPeer(t, 3)
	if strings.Join(got["bob"], "|") != "new bob 6 alice:a6|new bob 7 bob:b7" || strings.Join(got["dave"], "|") != "new dave 1 dave:d1" {
		t.Fatalf(
			"catch-up: got %v",
			got)
	}
	r.msgs.expectQuiet(t, 50*time.Millisecond)
}

func TestMessageElementsRoundTrip(t *testing.T) {
	mm := &MessageManager{}
	msg := mm.CreateImageMessage("https://cdn.example.com/a.png", 1000, 640, 480)
	img := msg.Elems[0].(*ImageElem)
	img.Images = append(img.Images, Image{Type: ImageTypeThumb, URL: "https://cdn.example.com/a_t.png", Width: 198, Height: 148})
	if err := msg.AppendElem(&TextElem{Text: "caption"}); err != nil {
		t.Fatal(err)
	}
	if err := msg.AppendElem(&FileElem{URL: "x"}); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf(
			"appending a file element: %v",
			err)
	}
	all := []*Message{
		msg,
		mm.CreateCustomMessage([]byte(`{"k":1}`), "desc", "ext"),
		mm.CreateFaceMessage(3, []byte("smile")),
		mm.CreateLocationMessage("here", 113.9, 22.5),
		mm.CreateSoundMessage("https://cdn.example.com/a.mp3", 2000, 7),
		mm.CreateVideoMessage("https://cdn.example.com/a.mp4", "mp4", 12, "https://cdn.example.com/a.jpg"),
		mm.CreateFileMessage("https://cdn.example.com/a.pdf", "a.pdf", 3000),
	}
	for _, in := range all {
		in.CloudCustomData = "ccd"
		in.OfflinePushInfo = &OfflinePushInfo{Title: "t", Desc: "d", IgnoreIOSBadge: true, AndroidOPPOChannelID: "ch"}
		body, err := encodeBody(in.Elems, in.CloudCustomData, in.OfflinePushInfo)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(body)
		w := wireMessage{MsgKey: "1_2_3", From: "alice", To: "bob", Seq: 1, Body: raw}
		out := w.message("bob")
		if !sameElems(in.Elems, out.Elems) ||
			out.CloudCustomData != "ccd" || *out.OfflinePushInfo != *in.OfflinePushInfo || out.UserID != "alice" || out.IsSelf {
			t.Fatalf(
				"round trip of %s:\n in %#v\nout %#v (%+v)",
				raw, deref(in.Elems), deref(out.Elems), out)
		}
	}
	if _, err := encodeBody([]Elem{&CustomElem{Data: []byte{0xff}}}, "", nil); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf(
			"non-UTF-8 custom data: %v",
			err)
	}
}

func deref(es []Elem) []any {
	out := make([]any, len(es))
	for i, e := range es {
		out[i] = fmt.Sprintf("%+v", e)
	}
	return out
}

func sameElems(a, b []Elem) bool {
	return fmt.Sprint(deref(a)) == fmt.Sprint(deref(b))
}

// Conversation changes in the change log (pin, marks, groups, ...) come
// with its seq: they advance it (no sync) and the list is read again.
func TestConversationLogPush(t *testing.T) {
	w := newMsgWorld("alice")
	w.Add("bob", "bob", "hi")
	w.Add("carol", "carol", "yo")
	_, m, c, r := msgFake(t, w)
	r.byPeer(t, 2) // the unread messages
	friends := newRecorder("alice friends")
	m.Friendship().AddFriendListener(friends)

	w.mu.Lock()
	w.convs["bob"].pinned = true
	w.mu.Unlock()
	c.push("conversation.changed", 1, map[string]any{"conversationIDs": []string{"c2c_bob"}})
	r.convs.expect(t, "conv~ c2c_bob unread=1 last=1 pinned")
	// Messages and conversation changes interleave; a friend push with the
	// next seq follows without a gap.
	c.push("msg.new", 0, w.Add("carol", "carol", "again"))
	r.msgs.expect(t, "new carol 2 carol:again")
	r.convs.expect(t, "conv~ c2c_carol unread=2 last=2", "total 3")
	c.push("conversation.cleared", 0, map[string]any{"conversationID": "c2c_bob", "userID": "bob", "clearedSeq": 1})
	r.msgs.expect(t, "cleared bob 1")
	c.push("msg.new", 0, w.Msg("bob", 1)) // a late push of a cleared message
	c.push("friend_group.changed", 2, map[string]any{})
	friends.expect(t, "groups~")
	r.msgs.expectQuiet(t, 50*time.Millisecond)
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.syncs != 0 {
		t.Fatalf(
			"%d sync requests: the conversation change was taken for a gap",
			w.syncs)
	}
}
