package sdk

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"sync"
)

func jsonUnmarshal(data []byte, v any) error { return json.Unmarshal(data, v) }

type taskKind int

const (
	taskFunc      taskKind = iota // call fn
	taskConnected                 // a connection of sess logged in; eventSeq is the server's latest seq
	taskPush                      // apply a push of sess
)

type task struct {
	kind     taskKind
	fn       func()
	sess     *session
	frame    frame
	eventSeq uint64
}

// taskQueue is an unbounded FIFO, so a socket reader never waits for a
// callback.
type taskQueue struct {
	mu     sync.Mutex
	items  []task
	signal chan struct{}
}

func newTaskQueue() *taskQueue { return &taskQueue{signal: make(chan struct{}, 1)} }

func (q *taskQueue) push(t task) {
	q.mu.Lock()
	q.items = append(q.items, t)
	q.mu.Unlock()
	select {
	case q.signal <- struct{}{}:
	default:
	}
}

func (q *taskQueue) take() []task {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items = nil
	return items
}

// loop is the Manager's callback goroutine: it applies pushes (reading the
// state they announce) and calls listeners, one task at a time, in order.
func (m *Manager) loop() {
	for {
		items := m.tasks.take()
		if len(items) == 0 {
			select {
			case <-m.tasks.signal:
				continue
			case <-m.quit:
				return
			}
		}
		for _, t := range items {
			select {
			case <-m.quit:
				return
			default:
			}
			switch t.kind {
			case taskFunc:
				t.fn()
			case taskConnected:
				m.onConnected(t.sess, t.eventSeq)
			case taskPush:
				m.onPush(t.sess, t.frame)
			}
		}
		m.afterBatch()
	}
}

// notifySDK queues a call of every SDK listener registered when it runs.
func (m *Manager) notifySDK(fn func(SDKListener)) {
	m.tasks.push(task{kind: taskFunc, fn: func() {
		m.mu.Lock()
		ls := slices.Clone(m.sdkListeners)
		m.mu.Unlock()
		for _, l := range ls {
			fn(l)
		}
	}})
}

// fireFriends calls every friendship listener now; only the callback
// goroutine calls it.
func (m *Manager) fireFriends(fn func(FriendshipListener)) {
	m.mu.Lock()
	ls := slices.Clone(m.friendListeners)
	m.mu.Unlock()
	for _, l := range ls {
		fn(l)
	}
}

func (m *Manager) fireSDK(fn func(SDKListener)) {
	m.mu.Lock()
	ls := slices.Clone(m.sdkListeners)
	m.mu.Unlock()
	for _, l := range ls {
		fn(l)
	}
}

// onConnected: the first connection of a session starts the change log at
// the server's latest seq; a later one (a reconnect) catches up from the
// last applied seq.
func (m *Manager) onConnected(s *session, eventSeq uint64) {
	if !m.isCurrent(s) {
		return
	}
	m.fireSDK(func(l SDKListener) { l.OnConnectSuccess() })
	if !s.started {
		s.started = true
		s.lastSeq = eventSeq
	} else {
		m.resubscribeStatus(s)
	}
	if !s.primed {
		m.loadCache(s)
	}
	if eventSeq != s.lastSeq || s.needSync {
		m.syncFrom(s)
	}
	m.messageCatchUp(s)
}

type pushIDs struct {
	UserIDs []string `json:"userIDs"`
}

func (m *Manager) onPush(s *session, f frame) {
	if !m.isCurrent(s) {
		return
	}
	if isMessagePush(f.Push) {
		m.onMessagePush(s, f)
		return
	}
	if f.Seq == 0 && strings.HasPrefix(f.Push, "group.") {
		// A group push: live only, to every online member (group.go).
		m.onGroupPush(f.Push, f.Data)
		return
	}
	if f.Push == "user.status_changed" {
		m.onStatusPush(f.Data) // live only (status.go)
		return
	}
	if !s.started {
		// A push that overtook the login answer: the log has it, and the
		// login answer's eventSeq says whether it is news.
		s.needSync = true
		return
	}
	var d pushIDs
	if f.Data != nil {
		_ = json.Unmarshal(f.Data, &d)
	}
	switch {
	case f.Seq == 0:
		m.apply(s, f.Push, d.UserIDs)
	case f.Seq <= s.lastSeq:
		// A duplicate: already applied.
	case f.Seq == s.lastSeq+1 && !s.needSync:
		if m.apply(s, f.Push, d.UserIDs) {
			s.lastSeq = f.Seq
		} else {
			s.needSync = true
		}
	default:
		// A gap: something was missed; the log has it, this push included.
		m.syncFrom(s)
	}
}

// syncPage is the page size of sync calls.
const syncPage = 100

type syncEvent struct {
	Seq     uint64   `json:"seq"`
	Kind    string   `json:"kind"`
	UserIDs []string `json:"userIDs"`
	Time    flexInt  `json:"time"`
}

type syncAnswer struct {
	Events    []syncEvent `json:"events"`
	LatestSeq uint64      `json:"latestSeq"`
	Complete  bool        `json:"complete"`
	Reset     bool        `json:"reset"`
}

// syncFrom applies the change log after s.lastSeq, page by page. When the
// log no longer has those entries (reset), or the server's log is behind the
// client's (its history was lost), it reloads the state and reports the
// difference, then continues after latestSeq. On failure it leaves needSync
// set: the next push or reconnect tries again from the same seq.
func (m *Manager) syncFrom(s *session) {
	s.needSync = true
	resets := 0
	for {
		var ans syncAnswer
		if _, err := m.callSess(s.loopCtx, s, "sync", map[string]uint64{"after": s.lastSeq, "limit": syncPage}, &ans); err != nil {
			m.log.Info("parley sdk: sync failed", "after", s.lastSeq, "error", err)
			return
		}
		if ans.Reset || ans.LatestSeq < s.lastSeq {
			if resets++; resets > 1 || !m.reload(s) {
				return
			}
			s.lastSeq = ans.LatestSeq
			continue
		}
		before := s.lastSeq
		for _, ev := range ans.Events {
			if ev.Seq <= s.lastSeq {
				continue
			}
			if !m.apply(s, ev.Kind, ev.UserIDs) {
				return
			}
			s.lastSeq = ev.Seq
		}
		if ans.Complete || len(ans.Events) == 0 || s.lastSeq == before {
			s.needSync = false
			return
		}
	}
}

// apply reads the state a change announces and fires the listeners. It
// returns false, firing nothing, when the state could not be read for want
// of a connection, so the change is applied again after the reconnect.
func (m *Manager) apply(s *session, kind string, ids []string) bool {
	if isConversationLogKind(kind) {
		m.applyConversationLog(s, kind)
		return true
	}
	if strings.HasPrefix(kind, "group.") {
		m.applyGroupLog(s, kind, ids)
		return true
	}
	ctx := s.loopCtx
	if s.cache == nil {
		s.cache = newRelCache()
	}
	idKinds := kind != "friend_request.read" && kind != "friend_group.changed"
	if idKinds && len(ids) == 0 {
		return true
	}
	ids = slices.Clone(ids)
	switch kind {
	case "friend.added", "friend.updated":
		infos, err := m.friendInfos(ctx, s, ids)
		if err != nil {
			return false
		}
		if kind == "friend.added" {
			s.cache.friends.add(ids...)
			m.fireFriends(func(l FriendshipListener) { l.OnFriendListAdded(infos) })
		} else {
			m.fireFriends(func(l FriendshipListener) { l.OnFriendInfoChanged(infos) })
		}
	case "friend.deleted":
		s.cache.friends.remove(ids...)
		m.fireFriends(func(l FriendshipListener) { l.OnFriendListDeleted(ids) })
	case "friend_request.added":
		all, err := m.applications(ctx, s)
		if err != nil && isNetworkError(err) {
			return false
		}
		var apps []FriendApplication
		for _, id := range ids {
			found := false
			for _, a := range all {
				if a.UserID == id {
					apps = append(apps, a)
					found = true
				}
			}
			if !found {
				apps = append(apps, FriendApplication{UserID: id})
			}
		}
		for _, a := range apps {
			if a.Type != ApplicationUnknown {
				s.cache.apps[appKey{a.UserID, a.Type}] = a
			}
		}
		m.fireFriends(func(l FriendshipListener) { l.OnFriendApplicationListAdded(apps) })
	case "friend_request.deleted":
		for k := range s.cache.apps {
			if slices.Contains(ids, k.user) {
				delete(s.cache.apps, k)
			}
		}
		m.fireFriends(func(l FriendshipListener) { l.OnFriendApplicationListDeleted(ids) })
	case "friend_request.read":
		m.fireFriends(func(l FriendshipListener) { l.OnFriendApplicationListRead() })
	case "block.added":
		users, err := m.usersInfo(ctx, s, ids)
		if err != nil && isNetworkError(err) {
			return false
		}
		infos := make([]FriendInfo, len(ids))
		for i, id := range ids {
			infos[i] = FriendInfo{UserID: id, UserProfile: UserFullInfo{UserID: id}}
			if u, ok := users[id]; ok {
				infos[i].UserProfile = u
			}
		}
		s.cache.blocked.add(ids...)
		m.fireFriends(func(l FriendshipListener) { l.OnBlackListAdded(infos) })
	case "block.deleted":
		s.cache.blocked.remove(ids...)
		m.fireFriends(func(l FriendshipListener) { l.OnBlackListDeleted(ids) })
	case "friend_group.changed":
		m.fireFriends(func(l FriendshipListener) { l.OnFriendGroupsChanged() })
	case "profile.updated":
		var others []string
		self := false
		for _, id := range ids {
			if id == s.userID {
				self = true
			} else {
				others = append(others, id)
			}
		}
		var me UserFullInfo
		if self {
			users, err := m.usersInfo(ctx, s, []string{s.userID})
			if err != nil && isNetworkError(err) {
				return false
			}
			me = users[s.userID]
			me.UserID = s.userID
		}
		var infos []FriendInfo
		if len(others) > 0 {
			var err error
			if infos, err = m.friendInfos(ctx, s, others); err != nil {
				return false
			}
		}
		if self {
			m.fireSDK(func(l SDKListener) { l.OnSelfInfoUpdated(me) })
		}
		if len(infos) > 0 {
			m.fireFriends(func(l FriendshipListener) { l.OnFriendInfoChanged(infos) })
		}
	default:
		m.log.Info("parley sdk: ignoring an unknown push", "push", kind)
	}
	return true
}

// friendInfos reads the friend entries of ids for a listener: an entry the
// server does not have (no longer a friend) has only UserID (and the
// profile when the server sent one). The error is only ever a network one.
func (m *Manager) friendInfos(ctx context.Context, s *session, ids []string) ([]FriendInfo, error) {
	byID := map[string]FriendInfo{}
	for chunk := range slices.Chunk(ids, 100) {
		var ans friendInfoAnswer
		if _, err := m.callSess(ctx, s, "friend.info", map[string][]string{"userIDs": chunk}, &ans); err != nil {
			if isNetworkError(err) {
				return nil, err
			}
			m.log.Info("parley sdk: friend.info failed", "error", err)
			continue
		}
		for _, r := range ans.Results {
			if r.Friend != nil {
				byID[r.UserID] = r.Friend.friend()
			}
		}
	}
	out := make([]FriendInfo, len(ids))
	for i, id := range ids {
		f, ok := byID[id]
		if !ok {
			f = FriendInfo{UserID: id, UserProfile: UserFullInfo{UserID: id}}
		}
		out[i] = f
	}
	return out, nil
}

// usersInfo reads profiles by UserID, 100 per request.
func (m *Manager) usersInfo(ctx context.Context, s *session, ids []string) (map[string]UserFullInfo, error) {
	out := map[string]UserFullInfo{}
	for chunk := range slices.Chunk(ids, 100) {
		var ans struct {
			Users []wireUser `json:"users"`
		}
		if _, err := m.callSess(ctx, s, "user.get", map[string][]string{"userIDs": chunk}, &ans); err != nil {
			return out, err
		}
		for _, u := range ans.Users {
			out[u.UserID] = u.user()
		}
	}
	return out, nil
}

func (m *Manager) applications(ctx context.Context, s *session) ([]FriendApplication, error) {
	var ans friendRequestListAnswer
	if _, err := m.callSess(ctx, s, "friend_request.list", nil, &ans); err != nil {
		return nil, err
	}
	return ans.result().Applications, nil
}

// ---- the relationship cache, for reset ----

type idSet map[string]bool

func (s idSet) add(ids ...string) {
	for _, id := range ids {
		s[id] = true
	}
}

func (s idSet) remove(ids ...string) {
	for _, id := range ids {
		delete(s, id)
	}
}

type appKey struct {
	user string
	typ  FriendApplicationType
}

// relCache is what the listeners were told: the friend list, the blocklist
// and the pending requests. It lets a reset report what changed while the
// change log could not.
type relCache struct {
	friends idSet
	blocked idSet
	apps    map[appKey]FriendApplication
}

func newRelCache() *relCache {
	return &relCache{friends: idSet{}, blocked: idSet{}, apps: map[appKey]FriendApplication{}}
}

// loadCache reads the current relationship state into the cache, which
// the changes applied since (idempotent on it) then bring up to date. On
// failure the next connection tries again.
func (m *Manager) loadCache(s *session) {
	c, _, err := m.readState(s)
	if err != nil {
		m.log.Info("parley sdk: cannot load the relationship state", "error", err)
		return
	}
	s.cache, s.primed = c, true
}

// readState reads the friend list, the blocklist and the requests.
func (m *Manager) readState(s *session) (*relCache, []FriendInfo, error) {
	c := newRelCache()
	var fl friendListAnswer
	if _, err := m.callSess(s.loopCtx, s, "friend.list", nil, &fl); err != nil {
		return nil, nil, err
	}
	friends := make([]FriendInfo, len(fl.Friends))
	for i, f := range fl.Friends {
		friends[i] = f.friend()
		c.friends.add(f.UserID)
	}
	var bl blockListAnswer
	if _, err := m.callSess(s.loopCtx, s, "block.list", nil, &bl); err != nil {
		return nil, nil, err
	}
	for _, b := range bl.Users {
		c.blocked.add(b.UserID)
	}
	apps, err := m.applications(s.loopCtx, s)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range apps {
		c.apps[appKey{a.UserID, a.Type}] = a
	}
	return c, friends, nil
}

// reload reads the whole state after a reset and reports the difference to
// what the listeners were told: deletions, additions, every remaining
// friend as changed (its entry or profile may have), the friend lists and
// the own profile.
func (m *Manager) reload(s *session) bool {
	next, friends, err := m.readState(s)
	if err != nil {
		m.log.Info("parley sdk: reload failed", "error", err)
		return false
	}
	old := s.cache
	if old == nil {
		old = newRelCache()
	}
	s.cache, s.primed = next, true

	var goneFriends, goneBlocked, goneApps []string
	for id := range old.friends {
		if !next.friends[id] {
			goneFriends = append(goneFriends, id)
		}
	}
	for id := range old.blocked {
		if !next.blocked[id] {
			goneBlocked = append(goneBlocked, id)
		}
	}
	for k := range old.apps {
		if _, ok := next.apps[k]; !ok && !slices.Contains(goneApps, k.user) {
			goneApps = append(goneApps, k.user)
		}
	}
	var newFriends, keptFriends []FriendInfo
	for _, f := range friends {
		if old.friends[f.UserID] {
			keptFriends = append(keptFriends, f)
		} else {
			newFriends = append(newFriends, f)
		}
	}
	var newBlocked []string
	for id := range next.blocked {
		if !old.blocked[id] {
			newBlocked = append(newBlocked, id)
		}
	}
	var newApps []FriendApplication
	for k, a := range next.apps {
		if _, ok := old.apps[k]; !ok {
			newApps = append(newApps, a)
		}
	}
	slices.Sort(goneFriends)
	slices.Sort(goneBlocked)
	slices.Sort(goneApps)
	slices.Sort(newBlocked)
	slices.SortFunc(newApps, func(a, b FriendApplication) int {
		if a.UserID != b.UserID {
			if a.UserID < b.UserID {
				return -1
			}
			return 1
		}
		return int(a.Type) - int(b.Type)
	})

	if len(goneFriends) > 0 {
		m.fireFriends(func(l FriendshipListener) { l.OnFriendListDeleted(goneFriends) })
	}
	if len(newFriends) > 0 {
		m.fireFriends(func(l FriendshipListener) { l.OnFriendListAdded(newFriends) })
	}
	if len(keptFriends) > 0 {
		m.fireFriends(func(l FriendshipListener) { l.OnFriendInfoChanged(keptFriends) })
	}
	if len(goneBlocked) > 0 {
		m.fireFriends(func(l FriendshipListener) { l.OnBlackListDeleted(goneBlocked) })
	}
	if len(newBlocked) > 0 {
		users, _ := m.usersInfo(s.loopCtx, s, newBlocked)
		infos := make([]FriendInfo, len(newBlocked))
		for i, id := range newBlocked {
			infos[i] = FriendInfo{UserID: id, UserProfile: UserFullInfo{UserID: id}}
			if u, ok := users[id]; ok {
				infos[i].UserProfile = u
			}
		}
		m.fireFriends(func(l FriendshipListener) { l.OnBlackListAdded(infos) })
	}
	if len(goneApps) > 0 {
		m.fireFriends(func(l FriendshipListener) { l.OnFriendApplicationListDeleted(goneApps) })
	}
	if len(newApps) > 0 {
		m.fireFriends(func(l FriendshipListener) { l.OnFriendApplicationListAdded(newApps) })
	}
	m.fireFriends(func(l FriendshipListener) { l.OnFriendGroupsChanged() })
	if users, err := m.usersInfo(s.loopCtx, s, []string{s.userID}); err == nil {
		if me, ok := users[s.userID]; ok {
			m.fireSDK(func(l SDKListener) { l.OnSelfInfoUpdated(me) })
		}
	}
	return true
}
