package sdk

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/resttest"
)

// msgDev is a device with message and conversation recorders, registered
// before it logs in.
type msgDev struct {
	*device
	user string
	r    *msgRecorder
	// killNext, when set, closes the TCP connection right after the next
	// frame is written (the request leaves, its answer cannot come back).
	killNext atomic.Bool
}

func (n *node) msgDevice(t *testing.T, user string, p Platform) *msgDev {
	t.Helper()
	name := user + "@" + string(p)
	d := &msgDev{device: &device{rec: newRecorder(name)}, user: user, r: newMsgRecorder(name)}
	d.Manager = NewManager(Config{
		ServerURL:         n.URL,
		SDKAppID:          resttest.SDKAppID,
		Platform:          p,
		RequestTimeout:    5 * time.Second,
		ReconnectMinDelay: 20 * time.Millisecond,
		ReconnectMaxDelay: 200 * time.Millisecond,
		Dialer: func(ctx context.Context, network, addr string) (net.Conn, error) {
			c, err := d.dial(ctx, network, addr)
			if err != nil {
				return nil, err
			}
			return &killConn{Conn: c, kill: &d.killNext}, nil
		},
	})
	t.Cleanup(d.Close)
	d.AddSDKListener(d.rec)
	d.r.register(d.Manager)
	login(t, d.Manager, user)
	d.r.convs.expect(t, "sync-start", "sync-finish") // the first catch-up is done
	return d
}

type killConn struct {
	net.Conn
	kill *atomic.Bool
}

func (c *killConn) Write(b []byte) (int, error) {
	n, err := c.Conn.Write(b)
	if c.kill.CompareAndSwap(true, false) {
		c.Conn.Close()
	}
	return n, err
}

func (d *msgDev) send(t *testing.T, to, text string, opts SendOptions) *Message {
	t.Helper()
	msg, err := d.Message().SendMessage(ctxT(t), d.Message().CreateTextMessage(text), to, opts)
	if err != nil {
		t.Fatalf(
			"%s sends %q to %s: %v",
			d.user, text, to, err)
	}
	return msg
}

// newLine is the recorder line of msg as the user viewer gets it.
func newLine(viewer string, msg *Message) string {
	peer := msg.UserID
	if viewer != msg.Sender {
		peer = msg.Sender
	}
	return fmt.Sprintf("new %s %d %s:%s", peer, msg.Seq, msg.Sender, msgText(msg))
}

// expectMessages waits for d to report exactly the messages of sent (in
// seq order) that another instance sent, then nothing more.
func (d *msgDev) expectMessages(t *testing.T, sent map[uint64]sentMsg) {
	t.Helper()
	var want []string
	for seq := uint64(1); seq <= uint64(len(sent)); seq++ {
		s, ok := sent[seq]
		if !ok {
			t.Fatalf(
				"no message with seq %d among %d",
				seq, len(sent))
		}
		if s.by != d {
			want = append(want, newLine(d.user, s.msg))
		}
	}
	d.r.msgs.expect(t, want...)
}

// expectPrefix waits for the next event and checks how it starts.
func (r *recorder) expectPrefix(t *testing.T, prefix string) {
	t.Helper()
	select {
	case got := <-r.events:
		if !strings.HasPrefix(got, prefix) {
			t.Fatalf(
				"%s: event %q, want one starting with %q",
				r.name, got, prefix)
		}
	case <-time.After(waitTimeout):
		t.Fatalf(
			"%s: timed out waiting for %q...",
			r.name, prefix)
	}
}

type sentMsg struct {
	by  *msgDev
	msg *Message
}

// Two users with two devices each, three of them sending at once: every
// device reports every message another instance sent, once, in seq
// order; the sending instance reports none of its own.
func TestE2EMessagesReachEveryDevice(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bobIOS := n.msgDevice(t, "bob", PlatformIOS)
	bobMac := n.msgDevice(t, "bob", PlatformMac)

	var mu sync.Mutex
	sent := map[uint64]sentMsg{}
	var wg sync.WaitGroup
	for _, s := range []struct {
		d     *msgDev
		to    string
		count int
	}{{aliceWeb, "bob", 10}, {bobIOS, "alice", 6}, {aliceAndroid, "bob", 4}} {
		wg.Go(func() {
			for i := range s.count {
				text := fmt.Sprintf("%s-%d", s.d.rec.name, i)
				msg, err := s.d.Message().SendMessage(context.Background(), s.d.Message().CreateTextMessage(text), s.to, SendOptions{})
				if err != nil {
					t.Errorf(
						"%s: %v",
						text, err)
					return
				}
				if msg.Seq == 0 || msg.MsgKey == "" || msg.MsgID != msg.MsgKey || msg.Timestamp == 0 || !msg.IsSelf || msg.UserID != s.to || msg.Status != MsgStatusSendSucc {
					t.Errorf(
						"%s: stored message %+v",
						text, msg)
				}
				mu.Lock()
				sent[msg.Seq] = sentMsg{by: s.d, msg: msg}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	if len(sent) != 20 {
		t.Fatalf(
			"%d distinct seqs for 20 messages",
			len(sent))
	}
	for _, d := range []*msgDev{aliceWeb, aliceAndroid, bobIOS, bobMac} {
		d.expectMessages(t, sent)
	}
	for _, d := range []*msgDev{aliceWeb, aliceAndroid, bobIOS, bobMac} {
		d.r.msgs.expectQuiet(t, 100*time.Millisecond)
	}

	// A message through the REST API reaches both of the sender's devices.
	n.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 77, "SyncOtherMachine": 1,
		"MsgBody": []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "via REST"}}}})
	for _, d := range []*msgDev{aliceWeb, aliceAndroid} {
		d.r.msgs.expect(t, "new bob 21 alice:via REST")
	}
	for _, d := range []*msgDev{bobIOS, bobMac} {
		d.r.msgs.expect(t, "new alice 21 alice:via REST")
	}
}

// Messages sent while the receiver is offline are reported when it logs
// in, on each of its devices; after a read, a new device reports nothing.
func TestE2EOfflineMessagesArriveAtLogin(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	alice := n.msgDevice(t, "alice", PlatformWeb)
	for _, text := range []string{"one", "two", "three"} {
		alice.send(t, "bob", text, SendOptions{})
	}
	alice.send(t, "bob", "quiet", SendOptions{ExcludedFromUnreadCount: true})

	bobIOS := n.msgDevice(t, "bob", PlatformIOS)
	bobIOS.r.msgs.expect(t, "new alice 1 alice:one", "new alice 2 alice:two", "new alice 3 alice:three", "new alice 4 alice:quiet")
	total, err := bobIOS.Conversation().GetTotalUnreadMessageCount(ctxT(t))
	if err != nil || total != 3 {
		t.Fatalf(
			"bob's unread = %d, %v; want 3 (the excluded message does not count)",
			total, err)
	}
	bobMac := n.msgDevice(t, "bob", PlatformMac)
	bobMac.r.msgs.expect(t, "new alice 1 alice:one", "new alice 2 alice:two", "new alice 3 alice:three", "new alice 4 alice:quiet")

	// alice's read position in the conversation is 0: her own messages
	// after it are new to a device with no past.
	aliceLater := n.msgDevice(t, "alice", PlatformAndroid)
	aliceLater.r.msgs.expect(t, "new bob 1 alice:one", "new bob 2 alice:two", "new bob 3 alice:three", "new bob 4 alice:quiet")
	for _, d := range []*msgDev{bobIOS, bobMac, aliceLater, alice} {
		d.r.msgs.expectQuiet(t, 50*time.Millisecond)
	}

	// Read on one device, the next login of another reports nothing.
	if err := bobIOS.Message().MarkC2CMessageAsRead(ctxT(t), "alice"); err != nil {
		t.Fatal(err)
	}
	bobPad := n.msgDevice(t, "bob", PlatformIPad)
	bobPad.r.msgs.expectQuiet(t, 50*time.Millisecond)
}

// The connection of receivers drops in the middle of a stream and comes
// back only after more messages were sent; the sender's drops too. Every
// message is reported once, in order, on every other device.
func TestE2EReconnectCatchUpMessages(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bobIOS := n.msgDevice(t, "bob", PlatformIOS)
	bobMac := n.msgDevice(t, "bob", PlatformMac)

	sent := map[uint64]sentMsg{}
	var releases []func()
	for i := range 30 {
		switch i {
		case 8:
			releases = append(releases, bobIOS.drop(), aliceAndroid.drop())
			bobIOS.rec.expect(t, "connecting") // held at the dial
			aliceAndroid.rec.expect(t, "connecting")
		case 20:
			for _, release := range releases {
				release()
			}
		case 24:
			aliceWeb.drop()() // the sender's connection, reconnecting at once
		}
		msg := aliceWeb.send(t, "bob", fmt.Sprintf("m%d", i), SendOptions{})
		sent[msg.Seq] = sentMsg{by: aliceWeb, msg: msg}
	}
	if len(sent) != 30 {
		t.Fatalf(
			"%d distinct seqs for 30 messages",
			len(sent))
	}
	for _, d := range []*msgDev{bobIOS, bobMac, aliceAndroid} {
		d.expectMessages(t, sent)
	}
	for _, d := range []*msgDev{aliceWeb, aliceAndroid, bobIOS, bobMac} {
		d.r.msgs.expectQuiet(t, 200*time.Millisecond)
		if st := d.GetLoginStatus(); st != StatusLoggedIn {
			t.Fatalf(
				"%s: status %v",
				d.rec.name, st)
		}
	}

	// Live messages continue on the new connections.
	msg := bobMac.send(t, "alice", "back", SendOptions{})
	for _, d := range []*msgDev{aliceWeb, aliceAndroid} {
		d.r.msgs.expect(t, newLine("alice", msg))
	}
	bobIOS.r.msgs.expect(t, newLine("bob", msg))
}

// The connection dies right after the msg.send request leaves: the SDK
// sends it again after the reconnect and the server keeps one message.
func TestE2ESendRetryIsIdempotent(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	alice := n.msgDevice(t, "alice", PlatformWeb)
	bob := n.msgDevice(t, "bob", PlatformIOS)
	ctx := ctxT(t)

	dials := alice.dialCount()
	alice.killNext.Store(true)
	msg := alice.Message().CreateTextMessage("once")
	sent, err := alice.Message().SendMessage(ctx, msg, "bob", SendOptions{})
	if err != nil || sent.Seq != 1 || sent != msg || msg.ClientMsgID == "" {
		t.Fatalf(
			"SendMessage across a dropped connection = %+v, %v",
			sent, err)
	}
	if alice.dialCount() != dials+1 {
		t.Fatalf(
			"%d dials: the connection was not dropped",
			alice.dialCount()-dials)
	}
	bob.r.msgs.expect(t, "new alice 1 alice:once")

	// Sending the same message again is the same message.
	id := msg.ClientMsgID
	again, err := alice.Message().SendMessage(ctx, msg, "bob", SendOptions{})
	if err != nil || again.Seq != 1 || again.ClientMsgID != id {
		t.Fatalf(
			"SendMessage of the same message again = %+v, %v",
			again, err)
	}
	next := alice.send(t, "bob", "twice", SendOptions{})
	if next.Seq != 2 {
		t.Fatalf(
			"next message seq = %d",
			next.Seq)
	}
	bob.r.msgs.expect(t, "new alice 2 alice:twice")
	bob.r.msgs.expectQuiet(t, 100*time.Millisecond)
	alice.r.msgs.expectQuiet(t, 0)
}

func TestE2EHistoryPaging(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	alice := n.msgDevice(t, "alice", PlatformWeb)
	bob := n.msgDevice(t, "bob", PlatformIOS)
	ctx := ctxT(t)
	for i := 1; i <= 25; i++ {
		from, to := alice, "bob"
		if i%5 == 0 {
			from, to = bob, "alice"
		}
		from.send(t, to, fmt.Sprintf("h%d", i), SendOptions{})
	}
	alice.send(t, "bob", "online", SendOptions{OnlineUserOnly: true}) // not in history

	seqs := func(page []*Message) string {
		s := ""
		for _, m := range page {
			s += fmt.Sprintf("%d,", m.Seq)
		}
		return s
	}
	var last *Message
	var got []string
	for {
		page, err := bob.Message().GetC2CHistoryMessageList(ctx, "alice", 10, last)
		if err != nil {
			t.Fatal(err)
		}
		got = append(got, seqs(page))
		if len(page) < 10 {
			break
		}
		last = page[len(page)-1]
	}
	want := []string{"25,24,23,22,21,20,19,18,17,16,", "15,14,13,12,11,10,9,8,7,6,", "5,4,3,2,1,"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf(
			"pages %q, want %q",
			got, want)
	}
	page, err := alice.Message().GetC2CHistoryMessageList(ctx, "bob", 3, nil)
	if err != nil || len(page) != 3 {
		t.Fatal(page, err)
	}
	if m := page[0]; m.Seq != 25 || m.Sender != "bob" || m.IsSelf || m.UserID != "bob" || msgText(m) != "h25" {
		t.Fatalf(
			"newest from alice's side: %+v",
			m)
	}
	if m := page[1]; m.Sender != "alice" || !m.IsSelf || m.UserID != "bob" || msgText(m) != "h24" {
		t.Fatalf(
			"alice's own message in her history: %+v",
			m)
	}
	// Longer than a request's page.
	all, err := bob.Message().GetC2CHistoryMessageList(ctx, "alice", 150, nil)
	if err != nil || len(all) != 25 {
		t.Fatalf(
			"count 150: %d messages, %v",
			len(all), err)
	}
	if page, err := bob.Message().GetC2CHistoryMessageList(ctx, "alice", 10, all[24]); err != nil || len(page) != 0 {
		t.Fatalf(
			"before the first: %v, %v",
			page, err)
	}
	if _, err := bob.Message().GetC2CHistoryMessageList(ctx, "alice", 0, nil); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf(
			"count 0: %v",
			err)
	}
	if page, err := bob.Message().GetC2CHistoryMessageList(ctx, "nobody", 10, nil); err != nil || len(page) != 0 {
		t.Fatalf(
			"no conversation: %v, %v",
			page, err)
	}
}

// A read on one device: the sender's devices get the receipt, the
// reader's devices see the unread count drop to 0.
func TestE2EReadReceiptsAndUnread(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bobIOS := n.msgDevice(t, "bob", PlatformIOS)
	bobMac := n.msgDevice(t, "bob", PlatformMac)
	ctx := ctxT(t)

	for _, text := range []string{"r1", "r2", "r3"} {
		aliceWeb.send(t, "bob", text, SendOptions{})
	}
	for _, d := range []*msgDev{bobMac, bobIOS} {
		d.r.msgs.expect(t, "new alice 1 alice:r1", "new alice 2 alice:r2", "new alice 3 alice:r3")
	}
	bobMac.r.convs.expectPrefix(t, "conv+ c2c_alice unread=") // 1 to 3: the burst may be read at once
	bobMac.r.convs.waitFor(t, "total 3")
	bobIOS.r.convs.waitFor(t, "total 3")
	conv, err := bobMac.Conversation().GetConversation(ctx, "c2c_alice")
	if err != nil || conv.UnreadCount != 3 || conv.LastMessage == nil || conv.LastMessage.Seq != 3 || conv.UserID != "alice" || conv.Type != ConversationC2C {
		t.Fatalf(
			"bob's conversation = %+v, %v",
			conv, err)
	}

	if err := bobIOS.Message().MarkC2CMessageAsRead(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	aliceWeb.r.msgs.expect(t, "receipt bob 3")
	aliceAndroid.r.msgs.waitFor(t, "receipt bob 3")
	for _, d := range []*msgDev{bobMac, bobIOS} {
		// Re-reads of the list that raced the burst may still report
		// unread=3 states first; what matters is that 0 arrives.
		d.r.convs.waitFor(t, "conv~ c2c_alice unread=0 last=3")
		d.r.convs.waitFor(t, "total 0")
	}
	if total, err := bobMac.Conversation().GetTotalUnreadMessageCount(ctx); err != nil || total != 0 {
		t.Fatalf(
			"unread on the other device = %d, %v",
			total, err)
	}
	bobIOS.r.msgs.expectQuiet(t, 50*time.Millisecond) // the reader gets no receipt of its own

	list, err := aliceWeb.Conversation().GetConversationList(ctx, "", 10)
	if err != nil || !list.IsFinished || len(list.ConversationList) != 1 || list.ConversationList[0].ConversationID != "c2c_bob" ||
		list.ConversationList[0].UnreadCount != 0 || list.ConversationList[0].LastMessage.Sender != "alice" {
		t.Fatalf(
			"alice's conversation list = %+v, %v",
			list, err)
	}
}

func TestE2ERecall(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bobIOS := n.msgDevice(t, "bob", PlatformIOS)
	bobMac := n.msgDevice(t, "bob", PlatformMac)
	ctx := ctxT(t)

	oops := aliceWeb.send(t, "bob", "oops", SendOptions{})
	reply := bobIOS.send(t, "alice", "what?", SendOptions{})
	bobMac.r.msgs.expect(t, "new alice 1 alice:oops", "new alice 2 bob:what?")
	aliceAndroid.r.msgs.expect(t, "new bob 1 alice:oops", "new bob 2 bob:what?")
	bobMac.r.convs.waitFor(t, "total 1")

	if err := aliceWeb.Message().RevokeMessage(ctx, reply); ErrorCode(err) != 20022 {
		t.Fatalf(
			"recalling the other user's message: %v, want 20022",
			err)
	}
	if err := aliceWeb.Message().RevokeMessage(ctx, oops); err != nil {
		t.Fatal(err)
	}
	if oops.Status != MsgStatusLocalRevoked {
		t.Fatalf(
			"status after recall: %v",
			oops.Status)
	}
	bobIOS.r.msgs.expect(t, "new alice 1 alice:oops", "revoked alice 1")
	bobMac.r.msgs.expect(t, "revoked alice 1")
	aliceAndroid.r.msgs.expect(t, "revoked bob 1")
	bobMac.r.convs.waitFor(t, "total 0") // a recalled message is not unread

	hist, err := bobMac.Message().GetC2CHistoryMessageList(ctx, "alice", 10, nil)
	if err != nil || len(hist) != 2 || hist[1].Status != MsgStatusLocalRevoked || len(hist[1].Elems) != 0 || hist[0].Status != MsgStatusSendSucc {
		t.Fatalf(
			"history after recall = %+v, %v",
			hist, err)
	}
	aliceWeb.r.msgs.expect(t, "new bob 2 bob:what?")
	aliceWeb.r.msgs.expectQuiet(t, 50*time.Millisecond) // not told of its own recall
}

// Online messages reach the devices online, have no seq and no place in
// history, and do not disturb the seq tracking.
func TestE2EOnlineOnlyMessages(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	alice := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bob := n.msgDevice(t, "bob", PlatformIOS)

	typing := alice.Message().CreateCustomMessage([]byte("typing"), "", "")
	sent, err := alice.Message().SendMessage(ctxT(t), typing, "bob", SendOptions{OnlineUserOnly: true})
	if err != nil || sent.Seq != 0 || !sent.OnlineUserOnly {
		t.Fatalf(
			"online message = %+v, %v",
			sent, err)
	}
	bob.r.msgs.expect(t, "new alice 0 alice:custom=typing")
	aliceAndroid.r.msgs.expect(t, "new bob 0 alice:custom=typing")
	alice.send(t, "bob", "hello", SendOptions{})
	bob.r.msgs.expect(t, "new alice 1 alice:hello")
	if hist, err := bob.Message().GetC2CHistoryMessageList(ctxT(t), "alice", 10, nil); err != nil || len(hist) != 1 {
		t.Fatalf(
			"history = %v, %v",
			hist, err)
	}
	if err := alice.Message().RevokeMessage(ctxT(t), sent); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf(
			"recalling an online message: %v",
			err)
	}
}

// Modify (with a conflict), delete and clear, and what the other devices
// are told.
func TestE2EModifyDeleteClear(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bobIOS := n.msgDevice(t, "bob", PlatformIOS)
	bobMac := n.msgDevice(t, "bob", PlatformMac)
	ctx := ctxT(t)

	first := aliceWeb.send(t, "bob", "helo", SendOptions{})
	aliceWeb.send(t, "bob", "two", SendOptions{})
	aliceWeb.send(t, "bob", "three", SendOptions{})
	for _, d := range []*msgDev{bobIOS, bobMac} {
		d.r.msgs.expect(t, "new alice 1 alice:helo", "new alice 2 alice:two", "new alice 3 alice:three")
	}
	aliceAndroid.r.msgs.expect(t, "new bob 1 alice:helo", "new bob 2 alice:two", "new bob 3 alice:three")
	bobHist, err := bobIOS.Message().GetC2CHistoryMessageList(ctx, "alice", 10, nil)
	if err != nil || len(bobHist) != 3 {
		t.Fatal(bobHist, err)
	}
	stale := bobHist[2] // seq 1 at version 0

	// alice fixes her typo.
	first.Elems[0].(*TextElem).Text = "hello"
	first.CloudCustomData = "edited"
	mod, err := aliceWeb.Message().ModifyMessage(ctx, first)
	if err != nil || mod != first || first.Version != 1 || msgText(first) != "hello" || first.CloudCustomData != "edited" {
		t.Fatalf(
			"ModifyMessage = %+v, %v",
			mod, err)
	}
	for _, d := range []*msgDev{bobIOS, bobMac} {
		d.r.msgs.expect(t, "modified alice 1 v1 alice:hello")
	}
	aliceAndroid.r.msgs.expect(t, "modified bob 1 v1 alice:hello")

	// bob edits the version he had: a conflict, answered with the current
	// message; he merges and modifies again.
	stale.Elems = []Elem{&TextElem{Text: "bob's edit"}}
	current, err := bobIOS.Message().ModifyMessage(ctx, stale)
	if ErrorCode(err) != ErrCodeModifyConflict || current == nil || current.Version != 1 || msgText(current) != "hello" || stale.Version != 0 {
		t.Fatalf(
			"stale ModifyMessage = %+v, %v; want 2480 with the current message",
			current, err)
	}
	current.Elems = append(current.Elems, &TextElem{Text: "(ok)"})
	if _, err := bobIOS.Message().ModifyMessage(ctx, current); err != nil || current.Version != 2 {
		t.Fatalf(
			"merged ModifyMessage: %+v, %v",
			current, err)
	}
	bobMac.r.msgs.expect(t, "modified alice 1 v2 alice:hello+(ok)")
	for _, d := range []*msgDev{aliceWeb, aliceAndroid} {
		d.r.msgs.expect(t, "modified bob 1 v2 alice:hello+(ok)")
	}

	// bob deletes message 2 for himself.
	if err := bobIOS.Message().DeleteMessages(ctx, []*Message{bobHist[1]}); err != nil || bobHist[1].Status != MsgStatusHasDeleted {
		t.Fatalf(
			"DeleteMessages: %v (status %v)",
			err, bobHist[1].Status)
	}
	bobMac.r.msgs.expect(t, "deleted alice "+bobHist[1].MsgKey)
	if h, err := bobMac.Message().GetC2CHistoryMessageList(ctx, "alice", 10, nil); err != nil || len(h) != 2 || h[0].Seq != 3 || h[1].Seq != 1 {
		t.Fatalf(
			"bob's history after the delete: %v, %v",
			h, err)
	}
	if h, err := aliceAndroid.Message().GetC2CHistoryMessageList(ctx, "bob", 10, nil); err != nil || len(h) != 3 {
		t.Fatalf(
			"alice's history after bob's delete: %v, %v",
			h, err)
	}

	// bob clears the conversation on his Mac.
	if err := bobMac.Message().ClearC2CHistoryMessage(ctx, "alice"); err != nil {
		t.Fatal(err)
	}
	bobIOS.r.msgs.expect(t, "cleared alice 3")
	if h, err := bobIOS.Message().GetC2CHistoryMessageList(ctx, "alice", 10, nil); err != nil || len(h) != 0 {
		t.Fatalf(
			"bob's history after clear: %v, %v",
			h, err)
	}
	bobIOS.r.convs.waitFor(t, "total 0")
	conv, err := bobIOS.Conversation().GetConversation(ctx, "c2c_alice")
	if err != nil || conv.UnreadCount != 0 || conv.LastMessage != nil {
		t.Fatalf(
			"bob's conversation after clear: %+v, %v",
			conv, err)
	}

	// The conversation goes on.
	after := aliceWeb.send(t, "bob", "after", SendOptions{})
	for _, d := range []*msgDev{bobIOS, bobMac} {
		d.r.msgs.expect(t, newLine("bob", after))
		d.r.msgs.expectQuiet(t, 50*time.Millisecond)
	}
	if after.Seq != 4 {
		t.Fatalf(
			"seq after clear = %d",
			after.Seq)
	}
	aliceWeb.r.msgs.expectQuiet(t, 0)
}

// Pin, draft, marks, groups and deletion, made on one device and reported
// on both (the change log brings them to the device that made them too).
func TestE2EConversationOps(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob", "carol")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bob := n.msgDevice(t, "bob", PlatformIOS)
	carol := n.msgDevice(t, "carol", PlatformMac)
	ctx := ctxT(t)
	cm := aliceWeb.Conversation()
	both := []*msgDev{aliceWeb, aliceAndroid}

	bob.send(t, "alice", "b1", SendOptions{})
	for _, d := range both {
		d.r.convs.waitFor(t, "total 1")
	}
	carol.send(t, "alice", "c1", SendOptions{})
	for _, d := range both {
		d.r.convs.expect(t, "conv+ c2c_carol unread=1 last=1", "total 2")
	}
	order := func() string {
		t.Helper()
		res, err := cm.GetConversationList(ctx, "", 10)
		if err != nil {
			t.Fatal(err)
		}
		return convIDs(res.ConversationList)
	}
	if got := order(); got != "c2c_carol,c2c_bob" {
		t.Fatalf(
			"list before pinning: %s",
			got)
	}

	// Pin.
	if err := cm.PinConversation(ctx, "c2c_bob", true); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.expect(t, "conv~ c2c_bob unread=1 last=1 pinned")
	}
	if got := order(); got != "c2c_bob,c2c_carol" {
		t.Fatalf(
			"list after pinning bob: %s",
			got)
	}

	// Draft, from the other device.
	if err := aliceAndroid.Conversation().SetConversationDraft(ctx, "c2c_carol", "see you"); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.expect(t, "conv~ c2c_carol unread=1 last=1 draft=see you")
	}
	if c, err := cm.GetConversation(ctx, "c2c_carol"); err != nil || c.DraftText != "see you" || c.DraftTimestamp == 0 {
		t.Fatalf(
			"draft: %+v, %v",
			c, err)
	}

	// Marks.
	res, err := cm.MarkConversation(ctx, []string{"c2c_bob"}, ConversationMarkStar, true)
	if err != nil || len(res) != 1 || res[0].ConversationID != "c2c_bob" || res[0].ResultCode != 0 {
		t.Fatalf(
			"MarkConversation = %+v, %v",
			res, err)
	}
	for _, d := range both {
		d.r.convs.expect(t, "conv~ c2c_bob unread=1 last=1 pinned marks=[1]")
	}
	starred, err := cm.GetConversationListByFilter(ctx, ConversationListFilter{MarkType: ConversationMarkStar}, "", 10)
	if err != nil || convIDs(starred.ConversationList) != "c2c_bob" {
		t.Fatalf(
			"starred: %+v, %v",
			starred, err)
	}

	// Conversation groups.
	if _, err := cm.CreateConversationGroup(ctx, "work", []string{"c2c_bob"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.waitFor(t, "group+ work c2c_bob")
	}
	if _, err := aliceAndroid.Conversation().AddConversationsToGroup(ctx, "work", []string{"c2c_carol"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.waitFor(t, "group work +c2c_carol")
	}
	if err := cm.RenameConversationGroup(ctx, "work", "office"); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.waitFor(t, "group~ work>office")
	}
	if _, err := cm.DeleteConversationsFromGroup(ctx, "office", []string{"c2c_bob"}); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.waitFor(t, "group office -c2c_bob")
	}
	names, err := aliceAndroid.Conversation().GetConversationGroupList(ctx)
	if err != nil || fmt.Sprint(names) != "[office]" {
		t.Fatalf(
			"groups: %v, %v",
			names, err)
	}
	inOffice, err := cm.GetConversationListByFilter(ctx, ConversationListFilter{GroupName: "office"}, "", 10)
	if err != nil || convIDs(inOffice.ConversationList) != "c2c_carol" || fmt.Sprint(inOffice.ConversationList[0].ConversationGroupList) != "[office]" {
		t.Fatalf(
			"office: %+v, %v",
			inOffice, err)
	}
	if err := cm.DeleteConversationGroup(ctx, "office"); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.waitFor(t, "group- office")
	}
	if err := cm.DeleteConversationGroup(ctx, "office"); ErrorCode(err) != 51009 {
		t.Fatalf(
			"deleting a missing group: %v, want 51009",
			err)
	}

	// Delete a conversation: gone with its history until a new message.
	if err := cm.DeleteConversation(ctx, "c2c_carol"); err != nil {
		t.Fatal(err)
	}
	for _, d := range both {
		d.r.convs.waitFor(t, "conv- c2c_carol")
		d.r.convs.expect(t, "total 1")
	}
	if h, err := aliceAndroid.Message().GetC2CHistoryMessageList(ctx, "carol", 10, nil); err != nil || len(h) != 0 {
		t.Fatalf(
			"history of a deleted conversation: %v, %v",
			h, err)
	}
	if got := order(); got != "c2c_bob" {
		t.Fatalf(
			"list after deleting carol: %s",
			got)
	}
	carol.send(t, "alice", "c2", SendOptions{})
	for _, d := range both {
		d.r.msgs.waitFor(t, "new carol 2 carol:c2")
		d.r.convs.expect(t, "conv+ c2c_carol unread=1 last=2", "total 2")
	}
	if total, err := cm.GetTotalUnreadMessageCount(ctx); err != nil || total != 2 {
		t.Fatalf(
			"total unread = %d, %v",
			total, err)
	}
	if c, err := cm.GetConversation(ctx, "c2c_nobody"); err != nil || c.UserID != "nobody" || c.LastMessage != nil {
		t.Fatalf(
			"a conversation not in the list: %+v, %v",
			c, err)
	}
}

// Per-message read receipts: the sender asks, the receiver answers for
// some messages, the sender's devices hear it once per message and
// history shows IsPeerRead.
func TestE2EMessageReadReceipts(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bob := n.msgDevice(t, "bob", PlatformIOS)
	ctx := ctxT(t)

	var sent []*Message
	for i, need := range []bool{true, false, true} {
		msg := aliceWeb.Message().CreateTextMessage(fmt.Sprintf("q%d", i))
		msg.NeedReadReceipt = need
		stored, err := aliceWeb.Message().SendMessage(ctx, msg, "bob", SendOptions{})
		if err != nil || stored.NeedReadReceipt != need {
			t.Fatalf("send %d: %+v, %v", i, stored, err)
		}
		sent = append(sent, stored)
	}
	bob.r.msgs.expect(t, "new alice 1 alice:q0", "new alice 2 alice:q1", "new alice 3 alice:q2")
	received, err := bob.Message().GetC2CHistoryMessageList(ctx, "alice", 10, nil)
	if err != nil || len(received) != 3 {
		t.Fatalf("bob's history: %v, %v", received, err)
	}
	// Newest first: q2, q1, q0.
	if !received[0].NeedReadReceipt || received[1].NeedReadReceipt || !received[2].NeedReadReceipt {
		t.Fatalf("NeedReadReceipt on bob's side: %+v", received)
	}
	if err := bob.Message().SendMessageReadReceipts(ctx, nil); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf("no messages: %v", err)
	}
	if err := bob.Message().SendMessageReadReceipts(ctx, []*Message{received[2], received[1]}); err != nil {
		t.Fatal(err)
	}
	for _, d := range []*msgDev{aliceWeb, aliceAndroid} {
		d.r.msgs.waitFor(t, "msgreceipt bob "+sent[0].MsgID+" true")
	}
	aliceWeb.r.msgs.expectQuiet(t, 100*time.Millisecond) // nothing for q1, which asked for none

	hist, err := aliceAndroid.Message().GetC2CHistoryMessageList(ctx, "bob", 10, nil)
	if err != nil || len(hist) != 3 {
		t.Fatalf("alice's history: %v, %v", hist, err)
	}
	if hist[2].MsgID != sent[0].MsgID || !hist[2].IsPeerRead || hist[1].IsPeerRead || hist[0].IsPeerRead {
		t.Fatalf("IsPeerRead: %v %v %v", hist[2].IsPeerRead, hist[1].IsPeerRead, hist[0].IsPeerRead)
	}
	// A receipt does not change the unread count.
	if total, err := bob.Conversation().GetTotalUnreadMessageCount(ctx); err != nil || total != 3 {
		t.Fatalf("bob's unread = %d, %v", total, err)
	}
}

// Receive options: not_receive keeps a peer's messages off every device
// of the user (the sender still sends), receive_not_notify delivers them;
// every device sees the option on the conversation.
func TestE2EReceiveMessageOpt(t *testing.T) {
	n := startNode(t)
	n.Import("alice", "bob", "carol")
	aliceWeb := n.msgDevice(t, "alice", PlatformWeb)
	aliceAndroid := n.msgDevice(t, "alice", PlatformAndroid)
	bob := n.msgDevice(t, "bob", PlatformIOS)
	carol := n.msgDevice(t, "carol", PlatformIOS)
	ctx := ctxT(t)

	bob.send(t, "alice", "before", SendOptions{})
	for _, d := range []*msgDev{aliceWeb, aliceAndroid} {
		d.r.msgs.expect(t, "new bob 1 bob:before")
		d.r.convs.waitFor(t, "total 1")
	}
	if err := aliceWeb.Message().SetC2CReceiveMessageOpt(ctx, []string{"bob"}, 3); ErrorCode(err) != ErrCodeInvalidParameters {
		t.Fatalf("bad option: %v", err)
	}
	if err := aliceWeb.Message().SetC2CReceiveMessageOpt(ctx, []string{"bob"}, NotReceiveMessage); err != nil {
		t.Fatal(err)
	}
	if err := aliceWeb.Message().SetC2CReceiveMessageOpt(ctx, []string{"carol"}, ReceiveNotNotifyMessage); err != nil {
		t.Fatal(err)
	}
	aliceAndroid.r.convs.waitFor(t, "conv~ c2c_bob unread=1 last=1 recvOpt=1")
	opts, err := aliceAndroid.Message().GetC2CReceiveMessageOpt(ctx, []string{"bob", "carol", "dave"})
	if err != nil || len(opts) != 3 || opts[0] != (ReceiveMessageOptInfo{"bob", NotReceiveMessage}) ||
		opts[1] != (ReceiveMessageOptInfo{"carol", ReceiveNotNotifyMessage}) || opts[2] != (ReceiveMessageOptInfo{"dave", ReceiveMessage}) {
		t.Fatalf("options = %+v, %v", opts, err)
	}

	hidden := bob.send(t, "alice", "hidden", SendOptions{})
	if hidden.Seq != 2 {
		t.Fatalf("bob's message: %+v", hidden)
	}
	carol.send(t, "alice", "quiet", SendOptions{})
	for _, d := range []*msgDev{aliceWeb, aliceAndroid} {
		d.r.msgs.expect(t, "new carol 1 carol:quiet") // and nothing from bob
	}
	hist, err := aliceWeb.Message().GetC2CHistoryMessageList(ctx, "bob", 10, nil)
	if err != nil || len(hist) != 1 || msgText(hist[0]) != "before" {
		t.Fatalf("alice's history with bob: %v, %v", hist, err)
	}
	conv, err := aliceWeb.Conversation().GetConversation(ctx, "c2c_carol")
	if err != nil || conv.RecvOpt != ReceiveNotNotifyMessage || conv.UnreadCount != 1 {
		t.Fatalf("alice's conversation with carol = %+v, %v", conv, err)
	}
	if total, err := aliceWeb.Conversation().GetTotalUnreadMessageCount(ctx); err != nil || total != 2 {
		t.Fatalf("alice's unread = %d, %v", total, err)
	}
}
