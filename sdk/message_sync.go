package sdk

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// initialCatchUpLimit caps, per conversation, the unread messages the
// first catch-up of a session reports as new.
const initialCatchUpLimit = 1000

// ownKey names a message this instance sends: the conversation's other
// user and the message's random.
type ownKey struct {
	peer   string
	random uint32
}

// msgSession is a session's message and conversation state.
type msgSession struct {
	// The sends of this instance whose answer the callback goroutine has
	// not absorbed yet (a count: the same message may be sent twice).
	mu  sync.Mutex
	own map[ownKey]int

	// Owned by the callback goroutine.
	primed bool              // a catch-up completed: seen holds every listed conversation
	seen   map[string]uint64 // the other user → the highest seq reported (or known to this instance)
	dirty  bool              // the conversation list may have changed
	listed bool              // convs is what the conversation listeners were told
	convs  map[string]convVersion
	total  int
	// The conversation groups the listeners were told, by group ID.
	groups       map[int64]wireConversationGroup
	groupsListed bool
	groupsDirty  bool // the groups may have changed
}

func newMsgSession() *msgSession {
	return &msgSession{own: map[ownKey]int{}, seen: map[string]uint64{}, convs: map[string]convVersion{}}
}

func (ms *msgSession) addOwn(k ownKey) {
	ms.mu.Lock()
	ms.own[k]++
	ms.mu.Unlock()
}

func (ms *msgSession) removeOwn(k ownKey) {
	ms.mu.Lock()
	if ms.own[k]--; ms.own[k] <= 0 {
		delete(ms.own, k)
	}
	ms.mu.Unlock()
}

func (ms *msgSession) isOwn(k ownKey) bool {
	ms.mu.Lock()
	defer ms.mu.Unlock()
	return ms.own[k] > 0
}

// isMessagePush tells the pushes that are not in the user's change log:
// msg.* (ordered by the conversation's seq, inside the message) and
// conversation.cleared.
func isMessagePush(kind string) bool {
	return strings.HasPrefix(kind, "msg.") || kind == "conversation.cleared"
}

// isConversationLogKind tells the conversation changes that are in the
// user's change log (pushed with its seq, replayed by sync).
// recv_opt.changed is one too: it changes Conversation.RecvOpt.
func isConversationLogKind(kind string) bool {
	return strings.HasPrefix(kind, "conversation.") || strings.HasPrefix(kind, "conversation_group.") || kind == "recv_opt.changed"
}

// applyConversationLog applies a logged conversation change (pin, marks,
// draft, groups, deletion, here or on another device): the list is read
// again after the burst.
func (m *Manager) applyConversationLog(s *session, kind string) {
	s.msg.dirty = true
	if kind == "conversation_group.changed" {
		s.msg.groupsDirty = true
	}
}

// onMessagePush applies a push that isMessagePush; it runs on the callback
// goroutine.
func (m *Manager) onMessagePush(s *session, f frame) {
	ms := s.msg
	switch f.Push {
	case "msg.new":
		var w wireMessage
		if f.Data == nil || json.Unmarshal(f.Data, &w) != nil || w.From == "" {
			m.log.Warn("parley sdk: ignoring an invalid msg.new push")
			return
		}
		m.receive(s, &w)
	case "msg.recalled":
		var d struct {
			MsgKey  string `json:"msgKey"`
			From    string `json:"from"`
			To      string `json:"to"`
			Seq     uint64 `json:"seq"`
			GroupID string `json:"groupID"`
		}
		if f.Data == nil || json.Unmarshal(f.Data, &d) != nil || d.MsgKey == "" {
			m.log.Warn("parley sdk: ignoring an invalid msg.recalled push")
			return
		}
		w := wireMessage{MsgKey: d.MsgKey, From: d.From, To: d.To, Seq: d.Seq, Status: "recalled", GroupID: d.GroupID}
		w.Random, w.TimeMs = msgKeyParts(d.MsgKey)
		msg := w.message(s.userID)
		m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvMessageRevoked(msg) })
		ms.dirty = true
	case "msg.modified":
		var w wireMessage
		if f.Data == nil || json.Unmarshal(f.Data, &w) != nil || w.From == "" {
			m.log.Warn("parley sdk: ignoring an invalid msg.modified push")
			return
		}
		msg := w.message(s.userID)
		m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvMessageModified(msg) })
		ms.dirty = true
	case "msg.read":
		var d struct {
			From string `json:"from"`
			To   string `json:"to"`
			Seq  uint64 `json:"seq"`
		}
		if f.Data == nil || json.Unmarshal(f.Data, &d) != nil || d.From == "" {
			m.log.Warn("parley sdk: ignoring an invalid msg.read push")
			return
		}
		if d.From == s.userID {
			// Read on another device of the user: the unread count changed.
			ms.dirty = true
			return
		}
		r := []MessageReceipt{{UserID: d.From, Seq: d.Seq, IsPeerRead: true, Timestamp: time.Now().Unix()}}
		m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvC2CReadReceipt(r) })
	case "msg.receipt":
		var d struct {
			From    string   `json:"from"`
			To      string   `json:"to"`
			MsgKeys []string `json:"msgKeys"`
		}
		if f.Data == nil || json.Unmarshal(f.Data, &d) != nil || d.From == "" || d.To != s.userID {
			m.log.Warn("parley sdk: ignoring an invalid msg.receipt push")
			return
		}
		now := time.Now().Unix()
		r := make([]MessageReceipt, len(d.MsgKeys))
		for i, k := range d.MsgKeys {
			seq, _, _ := strings.Cut(k, "_")
			n, _ := strconv.ParseUint(seq, 10, 64)
			r[i] = MessageReceipt{MsgID: k, UserID: d.From, Seq: n, IsPeerRead: true, Timestamp: now}
		}
		m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvMessageReadReceipts(r) })
	case "msg.groupReceipt":
		m.onGroupReceiptPush(f.Data)
	case "msg.deleted":
		var d struct {
			UserID  string   `json:"userID"`
			MsgKeys []string `json:"msgKeys"`
		}
		if f.Data == nil || json.Unmarshal(f.Data, &d) != nil || d.UserID == "" {
			m.log.Warn("parley sdk: ignoring an invalid msg.deleted push")
			return
		}
		m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvMessageDeleted(d.UserID, d.MsgKeys) })
		ms.dirty = true
	case "conversation.cleared":
		var d struct {
			UserID     string `json:"userID"`
			ClearedSeq uint64 `json:"clearedSeq"`
		}
		if f.Data == nil || json.Unmarshal(f.Data, &d) != nil || d.UserID == "" {
			m.log.Warn("parley sdk: ignoring an invalid conversation.cleared push")
			return
		}
		m.cleared(s, d.UserID, d.ClearedSeq)
		m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvMessageHistoryCleared(d.UserID, d.ClearedSeq) })
	default:
		// A message event this SDK does not know: the list may show it.
		ms.dirty = true
	}
}

// cleared notes that the user cleared the conversation with peer up to
// seq: later pushes of those messages are not news.
func (m *Manager) cleared(s *session, peer string, seq uint64) {
	ms := s.msg
	if last, ok := ms.seen[peer]; ok || ms.primed {
		ms.seen[peer] = max(last, seq)
	}
	ms.dirty = true
}

// msgKeyParts returns the random and time (ms) of a MsgKey,
// seq_random_time.
func msgKeyParts(key string) (flexInt, flexInt) {
	parts := strings.Split(key, "_")
	if len(parts) != 3 {
		return 0, 0
	}
	r, _ := strconv.ParseUint(parts[1], 10, 32)
	t, _ := strconv.ParseInt(parts[2], 10, 64)
	return flexInt(r), flexInt(t * 1000)
}

// receive handles a msg.new push: a duplicate (seq at or below the highest
// seen in its conversation) is dropped, the next seq is reported, and a
// jump fetches the skipped messages (and this one) from history in order.
func (m *Manager) receive(s *session, w *wireMessage) {
	ms := s.msg
	if w.Seq == 0 {
		m.deliver(s, w) // online-only: no place in the sequence
		return
	}
	peer := w.seqKey(s.userID)
	last, known := ms.seen[peer]
	ms.dirty = true
	switch {
	case !known && !ms.primed:
		// No baseline yet (the catch-up has not run or failed): report it
		// as it comes.
		m.deliver(s, w)
		ms.seen[peer] = w.Seq
	case w.Seq <= last:
		// A duplicate.
	case w.Seq == last+1:
		m.deliver(s, w)
		ms.seen[peer] = w.Seq
	default:
		// A gap; unknown conversations (new since the catch-up) start at 0.
		err := m.fill(s, peer, last, w.Seq)
		if err != nil && !isNetworkError(err) && ms.seen[peer] < w.Seq {
			// History refused: report what the push brought.
			m.log.Info("parley sdk: cannot fill a message gap", "peer", peer, "after", last, "error", err)
			m.deliver(s, w)
			ms.seen[peer] = w.Seq
		}
		// On a network error the reconnect's catch-up reports them.
	}
}

// deliver reports a message to the message listeners, unless this instance
// sent it.
func (m *Manager) deliver(s *session, w *wireMessage) {
	if w.From == s.userID && s.msg.isOwn(ownKey{peer: w.ownPeer(), random: uint32(w.Random)}) {
		return
	}
	msg := w.message(s.userID)
	m.messages.fire(func(l AdvancedMsgListener) { l.OnRecvNewMessage(msg) })
}

// fill reports the messages of the conversation with peer after `after`
// up to at least upTo, ascending, from history. Messages history no
// longer has (expired, cleared) are skipped. It returns history's error,
// having reported what came before it.
func (m *Manager) fill(s *session, peer string, after, upTo uint64) error {
	ms := s.msg
	if cur, ok := ms.seen[peer]; !ok || cur < after {
		ms.seen[peer] = after
	}
	for ms.seen[peer] < upTo {
		before := ms.seen[peer]
		page, err := m.history(s.loopCtx, s, peer, before+1, true, MaxHistoryPage)
		if err != nil {
			return err
		}
		for i := range page {
			w := &page[i]
			if w.Seq <= ms.seen[peer] {
				continue
			}
			m.deliver(s, w)
			ms.seen[peer] = w.Seq
		}
		if len(page) < MaxHistoryPage || ms.seen[peer] == before {
			// The end of the conversation: what is missing up to upTo is
			// gone.
			ms.seen[peer] = max(ms.seen[peer], upTo)
		}
	}
	return nil
}

// onOwnSent runs on the callback goroutine after SendMessage stored a
// message: its seq counts as seen (it is not reported here), and a jump
// past messages not yet seen fetches them.
func (m *Manager) onOwnSent(s *session, peer string, seq uint64, key ownKey) {
	ms := s.msg
	defer ms.removeOwn(key) // after any fill, which must skip it
	if seq == 0 || !m.isCurrent(s) {
		return
	}
	ms.dirty = true
	last, known := ms.seen[peer]
	switch {
	case !known && !ms.primed:
		ms.seen[peer] = seq
	case seq <= last:
	case seq == last+1:
		ms.seen[peer] = seq
	default:
		if err := m.fill(s, peer, last, seq); err != nil && !isNetworkError(err) {
			ms.seen[peer] = max(ms.seen[peer], seq)
		}
	}
}

// messageCatchUp runs on the callback goroutine after every login of the
// session: it compares each conversation's lastSeq with the highest seq
// seen and reports the messages in between, then the conversation
// changes. The first catch-up of a session reports the messages after the
// user's read position: the unread ones and those the user sent since
// (this instance has no memory of an earlier session).
func (m *Manager) messageCatchUp(s *session) {
	ms := s.msg
	cm := m.conversations
	cm.fire(func(l ConversationListener) { l.OnSyncServerStart() })
	list, total, err := m.conversationList(s.loopCtx, s)
	if err != nil {
		m.log.Info("parley sdk: cannot read the conversation list", "error", err)
		cm.fire(func(l ConversationListener) { l.OnSyncServerFailed() })
		return
	}
	first := !ms.primed
	var failed error
	delivered := false
	for _, c := range list {
		peer := c.UserID
		if c.GroupID != "" {
			peer = groupSeqKey(c.GroupID)
		}
		last, known := ms.seen[peer]
		base := last
		if !known {
			if first {
				base = c.ReadSeq
				if c.LastSeq > base+initialCatchUpLimit {
					base = c.LastSeq - initialCatchUpLimit
				}
			} else {
				base = 0 // a conversation that began since
			}
		}
		if c.LastSeq <= base {
			if !known {
				ms.seen[peer] = base
			}
			continue
		}
		delivered = true
		if err := m.fill(s, peer, base, c.LastSeq); err != nil {
			if isNetworkError(err) {
				failed = err
				break
			}
			m.log.Info("parley sdk: cannot catch up a conversation", "peer", peer, "error", err)
			ms.seen[peer] = max(ms.seen[peer], c.LastSeq)
		}
	}
	if failed == nil {
		ms.primed = true
	}
	if !ms.groupsListed && cm.hasListeners() {
		// The baseline of the group callbacks.
		if groups, err := m.conversationGroups(s.loopCtx, s); err == nil {
			m.applyGroups(s, groups, nil)
		} else {
			m.log.Info("parley sdk: cannot read the conversation groups", "error", err)
		}
	}
	m.applyConversations(s, list, total)
	if delivered {
		ms.dirty = true // the list was read before the messages
	}
	if failed != nil {
		m.log.Info("parley sdk: message catch-up interrupted", "error", failed)
		cm.fire(func(l ConversationListener) { l.OnSyncServerFailed() })
		return
	}
	cm.fire(func(l ConversationListener) { l.OnSyncServerFinish() })
}

// applyConversations makes list the conversation baseline and reports how
// it differs from the previous one (unless the listeners have no baseline
// yet).
func (m *Manager) applyConversations(s *session, list []*Conversation, total int) {
	ms := s.msg
	cm := m.conversations
	next := make(map[string]convVersion, len(list))
	for _, c := range list {
		next[c.ConversationID] = c.version()
	}
	old, oldTotal, silent := ms.convs, ms.total, !ms.listed || !cm.hasListeners()
	ms.convs, ms.total, ms.listed = next, total, true
	if silent {
		return
	}
	var added, changed []*Conversation
	for _, c := range list {
		v, ok := old[c.ConversationID]
		switch {
		case !ok:
			added = append(added, c)
		case v != next[c.ConversationID]:
			changed = append(changed, c)
		}
	}
	var gone []string
	for id := range old {
		if _, ok := next[id]; !ok {
			gone = append(gone, id)
		}
	}
	if len(added) > 0 {
		cm.fire(func(l ConversationListener) { l.OnNewConversation(added) })
	}
	if len(changed) > 0 {
		cm.fire(func(l ConversationListener) { l.OnConversationChanged(changed) })
	}
	if len(gone) > 0 {
		slices.Sort(gone)
		cm.fire(func(l ConversationListener) { l.OnConversationDeleted(gone) })
	}
	if total != oldTotal {
		cm.fire(func(l ConversationListener) { l.OnTotalUnreadMessageCountChanged(total) })
	}
}

// afterBatch runs on the callback goroutine when it has applied every
// queued task: a conversation list (and group list) marked changed is
// read once for the whole burst.
func (m *Manager) afterBatch() {
	m.mu.Lock()
	s := m.sess
	m.mu.Unlock()
	if s == nil || !s.msg.dirty && !s.msg.groupsDirty {
		return
	}
	ms := s.msg
	if !m.conversations.hasListeners() {
		// Nobody to tell: the next listener starts from a fresh baseline.
		ms.dirty, ms.listed, ms.groupsDirty, ms.groupsListed = false, false, false, false
		return
	}
	list, total, err := m.conversationList(s.loopCtx, s)
	if err != nil {
		if !isNetworkError(err) {
			ms.dirty, ms.groupsDirty = false, false
		}
		m.log.Info("parley sdk: cannot read the conversation list", "error", err)
		return // after a reconnect, the catch-up reads it
	}
	var groups []wireConversationGroup
	groupsRead := false
	if ms.groupsDirty {
		groups, err = m.conversationGroups(s.loopCtx, s)
		switch {
		case err == nil:
			groupsRead = true
		case isNetworkError(err):
			m.log.Info("parley sdk: cannot read the conversation groups", "error", err)
			return // still marked: read after the next batch (or reconnect)
		default:
			m.log.Info("parley sdk: cannot read the conversation groups", "error", err)
			ms.groupsDirty = false
		}
	}
	ms.dirty = false
	m.applyConversations(s, list, total)
	if groupsRead {
		ms.groupsDirty = false
		m.applyGroups(s, groups, list)
	}
}

// applyGroups makes groups the baseline of the group callbacks and reports
// how they differ from the previous one, by group ID (so a rename is a
// rename): deleted, created, renamed, conversations added and removed.
func (m *Manager) applyGroups(s *session, groups []wireConversationGroup, list []*Conversation) {
	ms := s.msg
	cm := m.conversations
	next := make(map[int64]wireConversationGroup, len(groups))
	for _, g := range groups {
		next[g.GroupID] = g
	}
	old, silent := ms.groups, !ms.groupsListed || !cm.hasListeners()
	ms.groups, ms.groupsListed = next, true
	if silent {
		return
	}
	byID := make(map[string]*Conversation, len(list))
	for _, c := range list {
		byID[c.ConversationID] = c
	}
	convs := func(ids []string) []*Conversation {
		out := make([]*Conversation, len(ids))
		for i, id := range ids {
			if c, ok := byID[id]; ok {
				out[i] = c
			} else {
				out[i] = emptyConversation(id)
			}
		}
		return out
	}
	for _, id := range slices.Sorted(maps.Keys(old)) {
		if _, ok := next[id]; !ok {
			name := old[id].Name
			cm.fire(func(l ConversationListener) { l.OnConversationGroupDeleted(name) })
		}
	}
	for _, id := range slices.Sorted(maps.Keys(next)) {
		g := next[id]
		o, ok := old[id]
		if !ok {
			cs := convs(g.ConversationIDs)
			cm.fire(func(l ConversationListener) { l.OnConversationGroupCreated(g.Name, cs) })
			continue
		}
		if o.Name != g.Name {
			cm.fire(func(l ConversationListener) { l.OnConversationGroupNameChanged(o.Name, g.Name) })
		}
		var added, removed []string
		for _, c := range g.ConversationIDs {
			if !slices.Contains(o.ConversationIDs, c) {
				added = append(added, c)
			}
		}
		for _, c := range o.ConversationIDs {
			if !slices.Contains(g.ConversationIDs, c) {
				removed = append(removed, c)
			}
		}
		if len(added) > 0 {
			cs := convs(added)
			cm.fire(func(l ConversationListener) { l.OnConversationsAddedToGroup(g.Name, cs) })
		}
		if len(removed) > 0 {
			cs := convs(removed)
			cm.fire(func(l ConversationListener) { l.OnConversationsDeletedFromGroup(g.Name, cs) })
		}
	}
}

// convRebase makes the next reading of the conversation list the
// listeners' baseline.
func (m *Manager) convRebase() {
	m.tasks.push(task{kind: taskFunc, fn: func() {
		m.mu.Lock()
		s := m.sess
		m.mu.Unlock()
		if s != nil {
			s.msg.listed, s.msg.dirty = false, true
			s.msg.groupsListed, s.msg.groupsDirty = false, true
		}
	}})
}
