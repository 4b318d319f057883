package gateway

import (
	"context"
	"encoding/json"
	"sort"
	"strings"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/relation"
	"github.com/parleyim/parley/internal/store"
)

// Client-side batch caps from the seeds.
const (
	maxDeleteFriends = 100
	maxCheckFriends  = 1000
)

func (g *Gateway) friendOps() {
	g.ops["friend.list"] = g.friendList
	g.ops["friend.info"] = g.friendInfo
	g.ops["friend.add"] = g.friendAdd
	g.ops["friend.delete"] = g.friendDelete
	g.ops["friend.check"] = g.friendCheck
	g.ops["friend.set"] = g.friendSet
	g.ops["friend_request.list"] = g.requestList
	g.ops["friend_request.accept"] = g.requestAccept
	g.ops["friend_request.refuse"] = g.requestRefuse
	g.ops["friend_request.delete"] = g.requestDelete
	g.ops["friend_request.read"] = g.requestRead
	g.ops["friend_group.create"] = g.groupCreate
	g.ops["friend_group.delete"] = g.groupDelete
	g.ops["friend_group.rename"] = g.groupRename
	g.ops["friend_group.add"] = g.groupMembers(true)
	g.ops["friend_group.remove"] = g.groupMembers(false)
	g.ops["friend_group.list"] = g.groupList
	g.ops["block.add"] = g.blockChange(true)
	g.ops["block.delete"] = g.blockChange(false)
	g.ops["block.list"] = g.blockList
}

// FriendInfo is a friend in the protocol's vocabulary (V2TIMFriendInfo).
type FriendInfo struct {
	UserID     string         `json:"userID"`
	Remark     string         `json:"remark"`
	Groups     []string       `json:"groups"`
	AddSource  string         `json:"addSource"`
	AddWording string         `json:"addWording"`
	AddTime    int64          `json:"addTime"`
	CustomInfo map[string]any `json:"customInfo"`
	Profile    UserInfo       `json:"profile"`
}

type result struct {
	UserID string `json:"userID"`
	Code   int    `json:"code"`
	Info   string `json:"info"`
}

func results(in []relation.ItemResult) []result {
	out := make([]result, len(in))
	for i, r := range in {
		out[i] = result{UserID: r.Peer}
		if r.Err != nil {
			out[i].Code, out[i].Info = r.Err.Code, r.Err.Info
		}
	}
	return out
}

func friendInfos(rows []store.Friend, profiles map[string]UserInfo) []FriendInfo {
	out := make([]FriendInfo, len(rows))
	for i, f := range rows {
		fi := FriendInfo{UserID: f.Peer, Remark: f.Remark, Groups: f.Groups, AddSource: f.AddSource,
			AddWording: f.AddWording, AddTime: f.AddTime, CustomInfo: map[string]any{}, Profile: profiles[f.Peer]}
		if fi.Groups == nil {
			fi.Groups = []string{}
		}
		if fi.Profile.UserID == "" {
			fi.Profile = UserInfo{UserID: f.Peer, CustomInfo: map[string]string{}}
		}
		for k, v := range f.Custom {
			key := strings.TrimPrefix(k, relation.CustomPrefix)
			if v.IsInt {
				fi.CustomInfo[key] = v.Int
			} else {
				fi.CustomInfo[key] = v.Str
			}
		}
		out[i] = fi
	}
	return out
}

func peersOf(rows []store.Friend) []string {
	ids := make([]string, len(rows))
	for i, f := range rows {
		ids[i] = f.Peer
	}
	return ids
}

func (g *Gateway) friendList(ctx context.Context, c *conn, _ json.RawMessage) (any, error) {
	rows, err := g.Relations.AllFriends(ctx, c.app, c.session.User)
	if err != nil {
		return nil, err
	}
	profiles, err := g.users(ctx, c.app, peersOf(rows))
	if err != nil {
		return nil, err
	}
	return map[string]any{"friends": friendInfos(rows, profiles)}, nil
}

// V2TIM relation names by (in my list, in their list).
func relationName(mine, theirs bool) string {
	switch {
	case mine && theirs:
		return "both_way"
	case mine:
		return "in_my_list"
	case theirs:
		return "in_their_list"
	}
	return "none"
}

func (g *Gateway) friendInfo(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d userIDs
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if len(d.UserIDs) == 0 || len(d.UserIDs) > maxUsersPerCall {
		return nil, errcode.Newf(CodeInvalidRequest, "userIDs: 1 to %d", maxUsersPerCall)
	}
	checks, err := g.Relations.CheckFriends(ctx, c.app, c.session.User, d.UserIDs, relation.CheckBoth)
	if err != nil {
		return nil, err
	}
	rows, err := g.Relations.FriendRows(ctx, c.app, c.session.User, d.UserIDs)
	if err != nil {
		return nil, err
	}
	profiles, err := g.users(ctx, c.app, d.UserIDs)
	if err != nil {
		return nil, err
	}
	type item struct {
		result
		Relation string      `json:"relation"`
		Friend   *FriendInfo `json:"friend,omitempty"`
	}
	out := make([]item, len(d.UserIDs))
	for i, id := range d.UserIDs {
		out[i].UserID = id
		out[i].Relation = relationName(checks[i].Relation == relation.AWithB || checks[i].Relation == relation.BothWay,
			checks[i].Relation == relation.BWithA || checks[i].Relation == relation.BothWay)
		if f, ok := rows[id]; ok {
			fi := friendInfos([]store.Friend{f}, profiles)[0]
			out[i].Friend = &fi
		} else if _, known := profiles[id]; !known {
			out[i].Code, out[i].Info = errcode.SNSNoAccount, "Err_SNS_Account_Not_Exist"
		}
	}
	return map[string]any{"results": out}, nil
}

func addType(s string) (relation.AddType, error) {
	switch s {
	case "", "both":
		return relation.AddBoth, nil
	case "single":
		return relation.AddSingle, nil
	}
	return "", errcode.Newf(CodeInvalidRequest, "addType must be single or both, not %q", s)
}

func (g *Gateway) friendAdd(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID     string `json:"userID"`
		AddType    string `json:"addType"`
		Remark     string `json:"remark"`
		GroupName  string `json:"groupName"`
		AddWording string `json:"addWording"`
		AddSource  string `json:"addSource"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	typ, err := addType(d.AddType)
	if err != nil {
		return nil, err
	}
	res, err := g.Relations.AddFriends(ctx, c.app, c.session.User, []relation.AddItem{{
		To: d.UserID, Remark: d.Remark, GroupName: d.GroupName, AddWording: d.AddWording, AddSource: d.AddSource,
	}}, relation.AddOptions{Type: typ})
	if err != nil {
		return nil, err
	}
	r := results(res)[0]
	if r.Code != 0 {
		// The code is the answer's code too (30539: pending), and data still
		// names the user, like V2TIMFriendOperationResult.
		return r, errcode.New(r.Code, r.Info)
	}
	return r, nil
}

func deleteType(s string) (relation.DeleteType, error) {
	switch s {
	case "", "both":
		return relation.DeleteBoth, nil
	case "single":
		return relation.DeleteSingle, nil
	}
	return "", errcode.Newf(CodeInvalidRequest, "type must be single or both, not %q", s)
}

func (g *Gateway) friendDelete(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserIDs []string `json:"userIDs"`
		Type    string   `json:"type"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	typ, err := deleteType(d.Type)
	if err != nil {
		return nil, err
	}
	res, err := g.Relations.DeleteFriends(ctx, c.app, c.session.User, d.UserIDs, typ, maxDeleteFriends)
	if err != nil {
		return nil, err
	}
	return map[string]any{"results": results(res)}, nil
}

func (g *Gateway) friendCheck(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserIDs []string `json:"userIDs"`
		Type    string   `json:"type"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	typ := relation.CheckBoth
	switch d.Type {
	case "", "both":
	case "single":
		typ = relation.CheckSingle
	default:
		return nil, errcode.Newf(CodeInvalidRequest, "type must be single or both, not %q", d.Type)
	}
	if len(d.UserIDs) > maxCheckFriends {
		return nil, errcode.Newf(errcode.SNSBadRequest, "Err_SNS_FriendCheck_Too_Many: at most %d", maxCheckFriends)
	}
	res, err := g.Relations.CheckFriends(ctx, c.app, c.session.User, d.UserIDs, typ)
	if err != nil {
		return nil, err
	}
	type item struct {
		result
		Relation string `json:"relation"`
	}
	out := make([]item, len(res))
	for i, r := range res {
		out[i] = item{result{UserID: r.Peer}, relationName(r.Relation == relation.AWithB || r.Relation == relation.BothWay,
			r.Relation == relation.BWithA || r.Relation == relation.BothWay)}
		if r.Err != nil {
			out[i].Code, out[i].Info = r.Err.Code, r.Err.Info
		}
	}
	return map[string]any{"results": out}, nil
}

func (g *Gateway) friendSet(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID     string                     `json:"userID"`
		Remark     *string                    `json:"remark"`
		CustomInfo map[string]json.RawMessage `json:"customInfo"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	var items []relation.TagValue
	if d.Remark != nil {
		b, _ := json.Marshal(*d.Remark)
		items = append(items, relation.TagValue{Tag: relation.TagRemark, Value: b})
	}
	keys := make([]string, 0, len(d.CustomInfo))
	for k := range d.CustomInfo {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		items = append(items, relation.TagValue{Tag: relation.CustomPrefix + k, Value: d.CustomInfo[k]})
	}
	if len(items) == 0 {
		return nil, errcode.New(CodeInvalidRequest, "nothing to set: give remark or customInfo")
	}
	res, err := g.Relations.UpdateFriends(ctx, c.app, c.session.User, []relation.UpdateItem{{To: d.UserID, Items: items}})
	if err != nil {
		return nil, err
	}
	if e := res[0].Err; e != nil {
		return nil, e
	}
	return struct{}{}, nil
}

// FriendApplication is a pending request in the protocol's vocabulary.
type FriendApplication struct {
	UserID     string `json:"userID"`
	Type       string `json:"type"` // come_in or send_out
	AddSource  string `json:"addSource"`
	AddWording string `json:"addWording"`
	Remark     string `json:"remark"`
	GroupName  string `json:"groupName"`
	AddTime    int64  `json:"addTime"`
	Read       bool   `json:"read"`
}

func (g *Gateway) requestList(ctx context.Context, c *conn, _ json.RawMessage) (any, error) {
	r, err := g.Relations.ListRequests(ctx, c.app, c.session.User)
	if err != nil {
		return nil, err
	}
	out := make([]FriendApplication, 0, len(r.Incoming)+len(r.Sent))
	for _, in := range r.Incoming {
		out = append(out, FriendApplication{in.From, "come_in", in.AddSource, in.AddWording, in.Remark, in.GroupName, in.CreatedAt, in.Read})
	}
	for _, s := range r.Sent {
		out = append(out, FriendApplication{s.To, "send_out", s.AddSource, s.AddWording, s.Remark, s.GroupName, s.CreatedAt, true})
	}
	return map[string]any{"requests": out, "unreadCount": r.Unread}, nil
}

func (g *Gateway) requestAccept(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID string `json:"userID"`
		Type   string `json:"type"`
		Remark string `json:"remark"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Type != "agree" && d.Type != "agree_and_add" {
		return nil, errcode.Newf(CodeInvalidRequest, "type must be agree or agree_and_add, not %q", d.Type)
	}
	return struct{}{}, g.Relations.AcceptRequest(ctx, c.app, c.session.User, d.UserID, d.Type == "agree_and_add", d.Remark)
}

func (g *Gateway) requestRefuse(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID string `json:"userID"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	return struct{}{}, g.Relations.RefuseRequest(ctx, c.app, c.session.User, d.UserID)
}

func (g *Gateway) requestDelete(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		UserID string `json:"userID"`
		Type   string `json:"type"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	if d.Type != "come_in" && d.Type != "send_out" {
		return nil, errcode.Newf(CodeInvalidRequest, "type must be come_in or send_out, not %q", d.Type)
	}
	return struct{}{}, g.Relations.DeleteRequest(ctx, c.app, c.session.User, d.UserID, d.Type == "come_in")
}

func (g *Gateway) requestRead(ctx context.Context, c *conn, _ json.RawMessage) (any, error) {
	return struct{}{}, g.Relations.MarkRequestsRead(ctx, c.app, c.session.User)
}

func (g *Gateway) groupCreate(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		Name    string   `json:"name"`
		UserIDs []string `json:"userIDs"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	res, _, err := g.Relations.CreateLists(ctx, c.app, c.session.User, []string{d.Name}, d.UserIDs)
	if err != nil {
		return nil, err
	}
	return map[string]any{"results": results(res)}, nil
}

func (g *Gateway) groupDelete(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		Names []string `json:"names"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	_, err := g.Relations.DeleteLists(ctx, c.app, c.session.User, d.Names)
	return struct{}{}, err
}

func (g *Gateway) groupRename(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		OldName string `json:"oldName"`
		NewName string `json:"newName"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	_, err := g.Relations.RenameList(ctx, c.app, c.session.User, d.OldName, d.NewName)
	return struct{}{}, err
}

func (g *Gateway) groupMembers(add bool) opFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
		var d struct {
			Name    string   `json:"name"`
			UserIDs []string `json:"userIDs"`
		}
		if err := decode(data, &d); err != nil {
			return nil, err
		}
		change := g.Relations.RemoveFromList
		if add {
			change = g.Relations.AddToList
		}
		res, _, err := change(ctx, c.app, c.session.User, d.Name, d.UserIDs)
		if err != nil {
			return nil, err
		}
		return map[string]any{"results": results(res)}, nil
	}
}

func (g *Gateway) groupList(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
	var d struct {
		Names []string `json:"names"`
	}
	if err := decode(data, &d); err != nil {
		return nil, err
	}
	lists, _, err := g.Relations.GetLists(ctx, c.app, c.session.User, d.Names)
	if err != nil {
		return nil, err
	}
	type group struct {
		Name        string   `json:"name"`
		FriendCount int      `json:"friendCount"`
		UserIDs     []string `json:"userIDs"`
	}
	out := make([]group, len(lists))
	for i, l := range lists {
		out[i] = group{l.Name, len(l.Members), l.Members}
		if out[i].UserIDs == nil {
			out[i].UserIDs = []string{}
		}
	}
	return map[string]any{"groups": out}, nil
}

func (g *Gateway) blockChange(add bool) opFunc {
	return func(ctx context.Context, c *conn, data json.RawMessage) (any, error) {
		var d userIDs
		if err := decode(data, &d); err != nil {
			return nil, err
		}
		change := g.Relations.DeleteBlocks
		if add {
			change = g.Relations.AddBlocks
		}
		res, err := change(ctx, c.app, c.session.User, d.UserIDs)
		if err != nil {
			return nil, err
		}
		return map[string]any{"results": results(res)}, nil
	}
}

func (g *Gateway) blockList(ctx context.Context, c *conn, _ json.RawMessage) (any, error) {
	type item struct {
		UserID  string `json:"userID"`
		AddTime int64  `json:"addTime"`
	}
	out := []item{}
	for start := 0; ; {
		page, err := g.Relations.GetBlocks(ctx, c.app, c.session.User, start, relation.MaxBatch)
		if err != nil {
			return nil, err
		}
		for _, b := range page.Blocks {
			out = append(out, item{b.Peer, b.AddedAt})
		}
		if page.NextStart == 0 {
			break
		}
		start = page.NextStart
	}
	return map[string]any{"users": out}, nil
}
