package group

import (
	"context"
	"crypto/rand"
	"errors"
	"slices"
	"strings"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/event"
	"github.com/parleyim/parley/internal/group/rules"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/outbox"
	"github.com/parleyim/parley/internal/store"
)

// Topics of communities (seed 002 "Community"; rest-spec §3.7
// million_group_open_http_svc/*_topic). Only a community created with
// isSupportTopic has topics (11000 otherwise); its owner and admins (and
// the app's admin) create, delete and edit them, every member reads them.
// A topic's messages are a group conversation of their own, the topic ID as
// the group ID (package message): every member of the community reads and
// sends there, with the community's member mutes and the topic's mute-all.

// Topic codes and limits.
const (
	// CodeNoTopicSupport: the group is not a topic-enabled community.
	CodeNoTopicSupport = 11000
	// CodeTopicIDTaken is 10021 ("the topic ID is already in use").
	CodeTopicIDTaken = CodeGroupIDTaken
	// CodeTooManyTopics is 10037 for topics ("the number of topics
	// created exceeds the limit").
	CodeTooManyTopics = 10037
	// CodeTopicDeleteFailed is a per-topic delete failure (no such topic).
	CodeTopicDeleteFailed = 110002

	// MaxTopics is a community's topic cap (rest-spec: up to 200 topics).
	MaxTopics = 200
	// MaxTopicCustomStringBytes bounds CustomString (rest-spec: 3,000 B).
	MaxTopicCustomStringBytes = 3000
	// TopicAutoIDPrefix follows the separator in a server-assigned topic
	// ID: <communityID>@TOPIC#_@TOPIC#<12 characters>, Tencent's shape.
	TopicAutoIDPrefix = "@TOPIC#"
)

// Topic push kinds, to every online member of the community.
const (
	PushTopicCreated = "group.topic_created" // PushTopic
	PushTopicDeleted = "group.topic_deleted" // PushTopicsDeleted
	PushTopicChanged = "group.topic_changed" // PushTopic
)

// TopicProfile is a topic's writable profile; nil fields are unset (at
// creation: empty) or left as they are.
type TopicProfile struct {
	Name, FaceURL, Introduction, Notification, CustomString *string
	MuteAll                                                 *bool
}

// CreateTopicRequest is a new topic of CommunityID.
type CreateTopicRequest struct {
	CommunityID string
	// TopicID is a custom ID (<communityID>@TOPIC#_<x>); "" has the server
	// assign one.
	TopicID string
	Profile TopicProfile // Name is required
	// CreatedAt (unix s) is an imported topic's creation time; 0 is now.
	CreatedAt int64
}

// TopicInfo is a topic as a member sees it (V2TIMTopicInfo): the profile,
// the topic's last seq and the member's read cursor and unread count.
type TopicInfo struct {
	TopicID      string `json:"topicID"`
	GroupID      string `json:"groupID"`
	Name         string `json:"topicName"`
	FaceURL      string `json:"topicFaceUrl"`
	Introduction string `json:"introduction"`
	Notification string `json:"notification"`
	CustomString string `json:"customString"`
	MuteAll      bool   `json:"allMute"`
	CreatedAt    int64  `json:"createTime"`
	InfoTime     int64  `json:"lastInfoTime"`
	LastSeq      uint64 `json:"lastSeq"`
	LastTime     int64  `json:"lastMessageTime"` // unix ms
	// ReadSeq and Unread are the asking member's (0 for the app's admin).
	ReadSeq uint64 `json:"readSequence"`
	Unread  int    `json:"unreadCount"`
	// SelfMuteUntil (unix s; 0 none) and RecvOpt are the asking member's
	// mute in the topic and effective receive option (topic_mute.go,
	// topic_recvopt.go; V2TIMTopicInfo's selfMuteTime and recvOpt).
	SelfMuteUntil int64 `json:"selfMuteTime"`
	RecvOpt       int   `json:"recvOpt"`
}

// TopicResult is the outcome of one topic of a delete.
type TopicResult struct {
	TopicID string `json:"topicID"`
	Code    int    `json:"code"`
	Message string `json:"message"`
}

// PushTopic is group.topic_created's and group.topic_changed's data.
type PushTopic struct {
	GroupID  string    `json:"groupID"`
	Operator string    `json:"operator"`
	Topic    TopicInfo `json:"topic"`
}

// PushTopicsDeleted is group.topic_deleted's data.
type PushTopicsDeleted struct {
	GroupID     string   `json:"groupID"`
	Operator    string   `json:"operator"`
	TopicIDList []string `json:"topicIDList"`
}

func checkTopicProfile(p TopicProfile) error {
	if p.Name != nil && *p.Name == "" {
		return newErr(CodeInvalidParam, "Err_Topic_Name_Empty: a topic needs a name")
	}
	for _, c := range []struct {
		f     string
		v     *string
		limit int
	}{{"Name", p.Name, MaxNameBytes}, {"Introduction", p.Introduction, MaxIntroductionBytes},
		{"Notification", p.Notification, MaxNotificationBytes}, {"FaceUrl", p.FaceURL, MaxFaceURLBytes},
		{"CustomString", p.CustomString, MaxTopicCustomStringBytes}} {
		if c.v != nil && len(*c.v) > c.limit {
			return newErr(CodeInvalidParam, "Err_Topic_%s_Too_Long: at most %d bytes", c.f, c.limit)
		}
	}
	return nil
}

// ValidateTopicID checks a custom topic ID of communityID: the community's
// ID, the separator @TOPIC#_ and 1 or more printable ASCII bytes, at most
// convid.MaxTopicIDBytes in all (10015 otherwise).
func ValidateTopicID(communityID, topicID string) error {
	suffix, ok := strings.CutPrefix(topicID, communityID+convid.TopicSeparator)
	if !ok || suffix == "" || len(topicID) > convid.MaxTopicIDBytes {
		return newErr(CodeBadGroupID, "Err_Topic_ID_Invalid: a topic ID is %s%s<1 or more bytes>, at most %d bytes",
			communityID, convid.TopicSeparator, convid.MaxTopicIDBytes)
	}
	for i := 0; i < len(suffix); i++ {
		if suffix[i] < 0x20 || suffix[i] > 0x7e {
			return newErr(CodeBadGroupID, "Err_Topic_ID_Invalid: byte %d is not printable ASCII", len(topicID)-len(suffix)+i)
		}
	}
	return nil
}

func autoTopicID(communityID string) string {
	var b [12]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return communityID + convid.TopicSeparator + TopicAutoIDPrefix + string(b[:])
}

// loadCommunity is load for a topic operation: communityID must be a
// topic-enabled community (11000), the actor a member or the app's admin.
// manage asks for the owner or an admin (10007).
func loadCommunity(ctx context.Context, tx Tx, a *app.App, communityID string, actor Actor, lock, manage bool) (state, error) {
	if _, isTopic := convid.CommunityOf(communityID); isTopic {
		return state{}, newErr(CodeNoTopicSupport, "Err_Group_Not_Support_Topic: %q is a topic, not a community", communityID)
	}
	st, err := load(ctx, tx, a, communityID, actor, lock, false)
	if err != nil {
		return st, err
	}
	if st.g.Type != rules.Community || !st.g.SupportTopic {
		return st, newErr(CodeNoTopicSupport, "Err_Group_Not_Support_Topic: %q is not a community with topics", communityID)
	}
	if manage && !actor.AppAdmin && st.role != rules.RoleOwner && st.role != rules.RoleAdmin {
		return st, newErr(CodeNoPermission, "Err_Group_No_Permission: only the owner and admins of %q manage its topics", communityID)
	}
	return st, nil
}

func topicInfo(t store.Topic, view *store.Conversation) TopicInfo {
	info := TopicInfo{TopicID: t.ID, GroupID: t.CommunityID, Name: t.Name, FaceURL: t.FaceURL, Introduction: t.Introduction,
		Notification: t.Notification, CustomString: t.CustomString, MuteAll: t.MuteAll, CreatedAt: t.CreatedAt,
		InfoTime: t.InfoTime, LastSeq: t.LastSeq, LastTime: t.LastTime}
	if view != nil {
		info.ReadSeq, info.Unread = view.ReadSeq, view.Unread
	}
	return info
}

func valueOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// CreateTopic makes a topic of a topic-enabled community and returns its
// ID; every online member hears group.topic_created.
func (s *Service) CreateTopic(ctx context.Context, a *app.App, actor Actor, req CreateTopicRequest) (TopicInfo, error) {
	p := req.Profile
	if p.Name == nil || *p.Name == "" {
		return TopicInfo{}, newErr(CodeInvalidParam, "Err_Topic_Name_Empty: TopicName is required")
	}
	if err := checkTopicProfile(p); err != nil {
		return TopicInfo{}, err
	}
	if req.TopicID != "" {
		if err := ValidateTopicID(req.CommunityID, req.TopicID); err != nil {
			return TopicInfo{}, err
		}
	}
	// The before-create hook is asked outside any write; a community that
	// is not one is left to the write's own check.
	if s.Hook.HasTopic() {
		v := s.Hook.CreateTopic(ctx, hook.TopicCreate{App: a.SDKAppID, GroupID: req.CommunityID, TopicID: req.TopicID,
			Operator: operatorOf(actor), Name: *p.Name})
		if err := v.Err(); err != nil {
			return TopicInfo{}, err
		}
	}
	now := s.now().Unix()
	t := store.Topic{App: a.SDKAppID, CommunityID: req.CommunityID, Name: *p.Name, FaceURL: valueOr(p.FaceURL),
		Introduction: valueOr(p.Introduction), Notification: valueOr(p.Notification), CustomString: valueOr(p.CustomString),
		MuteAll: p.MuteAll != nil && *p.MuteAll, CreatedAt: now, InfoTime: now}
	if req.CreatedAt > 0 {
		t.CreatedAt = req.CreatedAt
	}
	for attempt := 0; ; attempt++ {
		t.ID = req.TopicID
		if t.ID == "" {
			t.ID = autoTopicID(req.CommunityID)
		}
		var events []event.Event
		err := s.write(ctx, &events, func(tx Tx) error {
			st, err := loadCommunity(ctx, tx, a, req.CommunityID, actor, true, true)
			if err != nil {
				return err
			}
			n, err := tx.CountTopics(ctx, a.SDKAppID, req.CommunityID)
			if err != nil {
				return err
			}
			if n >= MaxTopics {
				return newErr(CodeTooManyTopics, "Err_Topic_Too_Many: %q has %d topics already", req.CommunityID, n)
			}
			created, err := tx.CreateTopic(ctx, t)
			if err != nil {
				return err
			}
			if !created {
				return errIDTaken
			}
			return s.outboxTopic(ctx, tx, a, outbox.KindTopicCreated, req.CommunityID, func(operator, platform, ip string, at int64) any {
				return outbox.TopicCreated{GroupID: req.CommunityID, TopicID: t.ID, Operator: operator, Owner: st.g.Owner,
					Type: rules.Community, Name: t.Name, OptPlatform: platform, ClientIP: ip, EventTime: at}
			}, actor)
		})
		if errors.Is(err, errIDTaken) {
			if req.TopicID == "" && attempt < 3 {
				continue
			}
			return TopicInfo{}, newErr(CodeTopicIDTaken, "Err_Topic_ID_Used: %q is in use", t.ID)
		}
		if err != nil {
			return TopicInfo{}, wrap(err, "create topic in %s", req.CommunityID)
		}
		info := topicInfo(t, nil)
		s.push(a, req.CommunityID, PushTopicCreated, PushTopic{GroupID: req.CommunityID, Operator: actor.User, Topic: info}, actor.Origin)
		return info, nil
	}
}

// DeleteTopics deletes topics of a community with their messages, each
// reported in request order (110002 for one that is not a topic of it);
// nil topicIDs deletes every topic. Members hear group.topic_deleted with
// the IDs deleted.
func (s *Service) DeleteTopics(ctx context.Context, a *app.App, actor Actor, communityID string, topicIDs []string) ([]TopicResult, error) {
	if len(topicIDs) > MaxTopics {
		return nil, newErr(CodeInvalidParam, "Err_Topic_Too_Many_IDs: at most %d per call", MaxTopics)
	}
	var out []TopicResult
	var deleted []string
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		out, deleted = nil, nil
		if _, err := loadCommunity(ctx, tx, a, communityID, actor, true, true); err != nil {
			return err
		}
		ids := topicIDs
		if ids == nil {
			all, err := tx.Topics(ctx, a.SDKAppID, communityID, nil)
			if err != nil {
				return err
			}
			for _, t := range all {
				ids = append(ids, t.ID)
			}
		}
		for _, id := range ids {
			if slices.Contains(deleted, id) {
				continue
			}
			ok, err := tx.DeleteTopic(ctx, a.SDKAppID, communityID, id)
			if err != nil {
				return err
			}
			if !ok {
				out = append(out, TopicResult{TopicID: id, Code: CodeTopicDeleteFailed, Message: "Err_Topic_Not_Exist: not a topic of " + communityID})
				continue
			}
			deleted = append(deleted, id)
			out = append(out, TopicResult{TopicID: id, Message: "OK"})
		}
		if len(deleted) == 0 {
			return nil
		}
		return s.outboxTopic(ctx, tx, a, outbox.KindTopicDestroyed, communityID, func(operator, platform, ip string, at int64) any {
			return outbox.TopicsDestroyed{GroupID: communityID, Type: rules.Community, Operator: operator, TopicIDs: deleted,
				OptPlatform: platform, ClientIP: ip, EventTime: at}
		}, actor)
	})
	if err != nil {
		return nil, wrap(err, "delete topics of %s", communityID)
	}
	if len(deleted) > 0 {
		s.push(a, communityID, PushTopicDeleted, PushTopicsDeleted{GroupID: communityID, Operator: actor.User, TopicIDList: deleted}, actor.Origin)
	}
	return out, nil
}

// Topics returns a community's topics among topicIDs (nil: all), in ID
// order, each with the actor's read cursor and unread count (derived from
// seqs: constant cost per topic whatever its length or the community's
// size). IDs that name no topic of it are left out.
func (s *Service) Topics(ctx context.Context, a *app.App, actor Actor, communityID string, topicIDs []string) ([]TopicInfo, error) {
	if len(topicIDs) > MaxTopics {
		return nil, newErr(CodeInvalidParam, "Err_Topic_Too_Many_IDs: at most %d per call", MaxTopics)
	}
	var out []TopicInfo
	err := s.Store.Read(ctx, func(tx Tx) error {
		out = nil
		if _, err := loadCommunity(ctx, tx, a, communityID, actor, false, false); err != nil {
			return err
		}
		topics, err := tx.Topics(ctx, a.SDKAppID, communityID, topicIDs)
		if err != nil {
			return err
		}
		views := map[string]store.Conversation{}
		if actor.User != "" {
			vs, err := tx.TopicViews(ctx, a.SDKAppID, actor.User, communityID, topicIDs)
			if err != nil {
				return err
			}
			for _, v := range vs {
				id, _ := convid.FromKey(actor.User, v.ConvKey)
				views[id.Target] = v
			}
		}
		self, err := readSelfSettings(ctx, tx, a, communityID, actor.User)
		if err != nil {
			return err
		}
		for _, t := range topics {
			var view *store.Conversation
			if v, ok := views[t.ID]; ok {
				view = &v
			}
			info := topicInfo(t, view)
			self.apply(&info, s.now().Unix())
			out = append(out, info)
		}
		return nil
	})
	return out, wrap(err, "topics of %s", communityID)
}

// SetTopicInfo changes a topic's profile (and its mute-all); members hear
// group.topic_changed with the topic as it now is.
func (s *Service) SetTopicInfo(ctx context.Context, a *app.App, actor Actor, communityID, topicID string, p TopicProfile) (TopicInfo, error) {
	if err := checkTopicProfile(p); err != nil {
		return TopicInfo{}, err
	}
	if c, ok := convid.CommunityOf(topicID); !ok || c != communityID {
		return TopicInfo{}, newErr(CodeBadGroupID, "Err_Topic_ID_Invalid: %q is not a topic of %q", topicID, communityID)
	}
	var info TopicInfo
	var events []event.Event
	err := s.write(ctx, &events, func(tx Tx) error {
		if _, err := loadCommunity(ctx, tx, a, communityID, actor, true, true); err != nil {
			return err
		}
		ok, err := tx.UpdateTopic(ctx, a.SDKAppID, communityID, topicID, store.TopicUpdate{Name: p.Name, FaceURL: p.FaceURL,
			Introduction: p.Introduction, Notification: p.Notification, CustomString: p.CustomString, MuteAll: p.MuteAll,
			InfoTime: s.now().Unix()})
		if err != nil {
			return err
		}
		if !ok {
			return newErr(CodeNoSuchGroup, "Err_Topic_Not_Exist: %q", topicID)
		}
		topics, err := tx.Topics(ctx, a.SDKAppID, communityID, []string{topicID})
		if err != nil || len(topics) == 0 {
			return err
		}
		info = topicInfo(topics[0], nil)
		if p.Name == nil && p.Introduction == nil && p.Notification == nil && p.FaceURL == nil {
			return nil
		}
		return s.outboxTopic(ctx, tx, a, outbox.KindTopicInfoChanged, communityID, func(operator, platform, ip string, at int64) any {
			return outbox.TopicInfoChanged{GroupID: communityID, TopicID: topicID, Type: rules.Community, Operator: operator,
				Name: p.Name, Introduction: p.Introduction, Notification: p.Notification, FaceURL: p.FaceURL,
				OptPlatform: platform, ClientIP: ip, EventTime: at}
		}, actor)
	})
	if err != nil {
		return TopicInfo{}, wrap(err, "set topic %s", topicID)
	}
	s.push(a, communityID, PushTopicChanged, PushTopic{GroupID: communityID, Operator: actor.User, Topic: info}, actor.Origin)
	return info, nil
}

// outboxTopic appends a topic entry of kind, partitioned by the community
// (after its row's lock, so its entries keep the order of its writes),
// when a consumer wants it; payload builds it from the operator, the
// origin and the event time.
func (s *Service) outboxTopic(ctx context.Context, tx Tx, a *app.App, kind, communityID string,
	payload func(operator, platform, clientIP string, at int64) any, actor Actor) error {
	if !s.Outbox.Wants(a.SDKAppID, kind) {
		return nil
	}
	platform, ip := hook.PlatformOf(ctx)
	return s.outboxAdd(ctx, tx, a, kind, communityID, payload(operatorOf(actor), platform, ip, s.now().UnixMilli()))
}
