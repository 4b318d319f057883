package restapi

import (
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/relation"
)

func (s *Server) snsRoutes() {
	s.add(svcSNS, "friend_add", s.friendAdd)
	s.add(svcSNS, "friend_import", s.friendImport)
	s.add(svcSNS, "friend_update", s.friendUpdate)
	s.add(svcSNS, "friend_delete", s.friendDelete)
	s.add(svcSNS, "friend_delete_all", s.friendDeleteAll)
	s.add(svcSNS, "friend_check", s.friendCheck)
	s.add(svcSNS, "friend_get", s.friendGet)
	s.add(svcSNS, "friend_get_list", s.friendGetList)
	s.add(svcSNS, "black_list_add", s.blockAdd)
	s.add(svcSNS, "black_list_delete", s.blockDelete)
	s.add(svcSNS, "black_list_get", s.blockGet)
	s.add(svcSNS, "black_list_check", s.blockCheck)
	s.add(svcSNS, "group_add", s.listAdd)
	s.add(svcSNS, "group_delete", s.listDelete)
	s.add(svcSNS, "group_get", s.listGet)
}

// batchResponse is the ResultItem/Fail_Account shape of most sns APIs.
type batchResponse struct {
	ResultItem   []resultItem
	Fail_Account []string `json:",omitempty"`
	Envelope
}

func batch(results []relation.ItemResult) *batchResponse {
	resp := &batchResponse{ResultItem: make([]resultItem, len(results))}
	for i, r := range results {
		code, info := itemStatus(r.Err)
		resp.ResultItem[i] = resultItem{r.Peer, code, info}
	}
	resp.Fail_Account = relation.Failed(results)
	return resp
}

func (s *Server) friendAdd(c *call) (response, error) {
	var req struct {
		From_Account  string
		AddFriendItem []struct {
			To_Account string
			Remark     string
			GroupName  string
			AddSource  string
			AddWording string
		}
		AddType       string
		ForceAddFlags int
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	items := make([]relation.AddItem, len(req.AddFriendItem))
	for i, it := range req.AddFriendItem {
		items[i] = relation.AddItem{To: it.To_Account, Remark: it.Remark, GroupName: it.GroupName, AddSource: it.AddSource, AddWording: it.AddWording}
	}
	results, err := s.Relations.AddFriends(c.ctx, c.app, req.From_Account, items,
		relation.AddOptions{Type: relation.AddType(req.AddType), Force: req.ForceAddFlags == 1})
	if err != nil {
		return nil, err
	}
	return batch(results), nil
}

func (s *Server) friendImport(c *call) (response, error) {
	var req struct {
		From_Account  string
		AddFriendItem []struct {
			To_Account string
			Remark     string
			RemarkTime int64
			GroupName  []string
			AddSource  string
			AddWording string
			AddTime    int64
			CustomItem []relation.TagValue
		}
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	items := make([]relation.ImportItem, len(req.AddFriendItem))
	for i, it := range req.AddFriendItem {
		items[i] = relation.ImportItem{To: it.To_Account, Remark: it.Remark, RemarkTime: it.RemarkTime, Groups: it.GroupName,
			AddSource: it.AddSource, AddWording: it.AddWording, AddTime: it.AddTime, Custom: it.CustomItem}
	}
	results, err := s.Relations.ImportFriends(c.ctx, c.app, req.From_Account, items)
	if err != nil {
		return nil, err
	}
	return batch(results), nil
}

func (s *Server) friendUpdate(c *call) (response, error) {
	var req struct {
		From_Account string
		UpdateItem   []struct {
			To_Account string
			SnsItem    []relation.TagValue
		}
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	items := make([]relation.UpdateItem, len(req.UpdateItem))
	for i, it := range req.UpdateItem {
		items[i] = relation.UpdateItem{To: it.To_Account, Items: it.SnsItem}
	}
	results, err := s.Relations.UpdateFriends(c.ctx, c.app, req.From_Account, items)
	if err != nil {
		return nil, err
	}
	return batch(results), nil
}

type peersRequest struct {
	From_Account string
	To_Account   []string
}

func (s *Server) friendDelete(c *call) (response, error) {
	var req struct {
		peersRequest
		DeleteType string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, err := s.Relations.DeleteFriends(c.ctx, c.app, req.From_Account, req.To_Account, relation.DeleteType(req.DeleteType), relation.MaxBatch)
	if err != nil {
		return nil, err
	}
	return batch(results), nil
}

func (s *Server) friendDeleteAll(c *call) (response, error) {
	var req struct {
		From_Account string
		DeleteType   string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	return ok(), s.Relations.DeleteAllFriends(c.ctx, c.app, req.From_Account, relation.DeleteType(req.DeleteType))
}

func (s *Server) friendCheck(c *call) (response, error) {
	var req struct {
		peersRequest
		CheckType string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, err := s.Relations.CheckFriends(c.ctx, c.app, req.From_Account, req.To_Account, relation.CheckType(req.CheckType))
	if err != nil {
		return nil, err
	}
	items, failed := relationItems(len(results), func(i int) (string, string, *errcode.Error) {
		return results[i].Peer, string(results[i].Relation), results[i].Err
	})
	return &struct {
		InfoItem     []relationItem
		Fail_Account []string `json:",omitempty"`
		Envelope
	}{InfoItem: items, Fail_Account: failed}, nil
}

// relationItem is a per-peer answer of friend_check and black_list_check.
type relationItem struct {
	To_Account string
	Relation   string
	ResultCode int
	ResultInfo string
}

func relationItems(n int, at func(i int) (peer, relation string, err *errcode.Error)) ([]relationItem, []string) {
	items := make([]relationItem, n)
	var failed []string
	for i := range items {
		peer, rel, err := at(i)
		code, info := itemStatus(err)
		items[i] = relationItem{peer, rel, code, info}
		if err != nil {
			failed = append(failed, peer)
		}
	}
	return items, failed
}

func (s *Server) friendGet(c *call) (response, error) {
	var req struct {
		From_Account     string
		StartIndex       int
		StandardSequence uint64
		CustomSequence   uint64
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	page, err := s.Relations.GetFriends(c.ctx, c.app, req.From_Account, req.StartIndex, req.StandardSequence, req.CustomSequence)
	if err != nil {
		return nil, err
	}
	type item struct {
		To_Account string
		ValueItem  []relation.Field
	}
	resp := &struct {
		UserDataItem     []item
		StandardSequence uint64
		CustomSequence   uint64
		FriendNum        int
		CompleteFlag     int
		NextStartIndex   int
		Envelope
	}{
		UserDataItem:     make([]item, len(page.Friends)),
		StandardSequence: page.Seqs.Friend,
		CustomSequence:   page.Seqs.FriendCustom,
		FriendNum:        page.Total,
		NextStartIndex:   page.NextStart,
	}
	if page.Complete {
		resp.CompleteFlag = 1
	}
	for i, f := range page.Friends {
		fields := relation.FriendTags(f, !page.SkipStandard, !page.SkipCustom)
		if fields == nil {
			fields = []relation.Field{}
		}
		resp.UserDataItem[i] = item{f.Peer, fields}
	}
	return resp, nil
}

func (s *Server) friendGetList(c *call) (response, error) {
	var req struct {
		peersRequest
		TagList []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, err := s.Relations.GetFriendInfo(c.ctx, c.app, req.From_Account, req.To_Account, req.TagList)
	if err != nil {
		return nil, err
	}
	type item struct {
		To_Account     string
		SnsProfileItem []relation.Field `json:",omitempty"`
		ResultCode     int
		ResultInfo     string
	}
	resp := &struct {
		InfoItem     []item
		Fail_Account []string `json:",omitempty"`
		Envelope
	}{InfoItem: make([]item, len(results))}
	for i, r := range results {
		code, info := itemStatus(r.Err)
		resp.InfoItem[i] = item{r.Peer, r.Items, code, info}
		if r.Err != nil {
			resp.Fail_Account = append(resp.Fail_Account, r.Peer)
		}
	}
	return resp, nil
}

func (s *Server) blockAdd(c *call) (response, error) {
	var req peersRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, err := s.Relations.AddBlocks(c.ctx, c.app, req.From_Account, req.To_Account)
	if err != nil {
		return nil, err
	}
	return batch(results), nil
}

func (s *Server) blockDelete(c *call) (response, error) {
	var req peersRequest
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, err := s.Relations.DeleteBlocks(c.ctx, c.app, req.From_Account, req.To_Account)
	if err != nil {
		return nil, err
	}
	return batch(results), nil
}

func (s *Server) blockGet(c *call) (response, error) {
	var req struct {
		From_Account string
		StartIndex   int
		MaxLimited   int
		LastSequence uint64
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	page, err := s.Relations.GetBlocks(c.ctx, c.app, req.From_Account, req.StartIndex, req.MaxLimited)
	if err != nil {
		return nil, err
	}
	type item struct {
		To_Account        string
		AddBlackTimeStamp int64
	}
	// Tencent's docs and official SDKs spell it CurruentSequence; some
	// clients read CurrentSequence. Both are sent.
	resp := &struct {
		BlackListItem    []item
		StartIndex       int
		CurruentSequence uint64
		CurrentSequence  uint64
		Envelope
	}{BlackListItem: make([]item, len(page.Blocks)), StartIndex: page.NextStart, CurruentSequence: page.Seq, CurrentSequence: page.Seq}
	for i, b := range page.Blocks {
		resp.BlackListItem[i] = item{b.Peer, b.AddedAt}
	}
	return resp, nil
}

func (s *Server) blockCheck(c *call) (response, error) {
	var req struct {
		peersRequest
		CheckType string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, err := s.Relations.CheckBlocks(c.ctx, c.app, req.From_Account, req.To_Account, relation.BlockCheckType(req.CheckType))
	if err != nil {
		return nil, err
	}
	items, failed := relationItems(len(results), func(i int) (string, string, *errcode.Error) {
		return results[i].Peer, string(results[i].Relation), results[i].Err
	})
	return &struct {
		BlackListCheckItem []relationItem
		Fail_Account       []string `json:",omitempty"`
		Envelope
	}{BlackListCheckItem: items, Fail_Account: failed}, nil
}

type sequenceResponse struct {
	CurrentSequence uint64
	Envelope
}

func (s *Server) listAdd(c *call) (response, error) {
	var req struct {
		From_Account string
		GroupName    []string
		To_Account   []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	results, seq, err := s.Relations.CreateLists(c.ctx, c.app, req.From_Account, req.GroupName, req.To_Account)
	if err != nil {
		return nil, err
	}
	resp := &struct {
		ResultItem      []resultItem `json:",omitempty"`
		Fail_Account    []string     `json:",omitempty"`
		CurrentSequence uint64
		Envelope
	}{CurrentSequence: seq}
	if len(results) > 0 {
		b := batch(results)
		resp.ResultItem, resp.Fail_Account = b.ResultItem, b.Fail_Account
	}
	return resp, nil
}

func (s *Server) listDelete(c *call) (response, error) {
	var req struct {
		From_Account string
		GroupName    []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	seq, err := s.Relations.DeleteLists(c.ctx, c.app, req.From_Account, req.GroupName)
	if err != nil {
		return nil, err
	}
	return &sequenceResponse{CurrentSequence: seq}, nil
}

func (s *Server) listGet(c *call) (response, error) {
	var req struct {
		From_Account string
		NeedFriend   string
		GroupName    []string
	}
	if err := c.decode(&req); err != nil {
		return nil, err
	}
	lists, seq, err := s.Relations.GetLists(c.ctx, c.app, req.From_Account, req.GroupName)
	if err != nil {
		return nil, err
	}
	type item struct {
		GroupName    string
		FriendNumber int
		To_Account   []string `json:",omitzero"` // [] for an empty list when asked for
	}
	resp := &struct {
		ResultItem      []item
		CurrentSequence uint64
		Envelope
	}{ResultItem: make([]item, len(lists)), CurrentSequence: seq}
	for i, l := range lists {
		resp.ResultItem[i] = item{GroupName: l.Name, FriendNumber: len(l.Members)}
		if req.NeedFriend == "Need_Friend_Type_Yes" {
			resp.ResultItem[i].To_Account = l.Members
			if resp.ResultItem[i].To_Account == nil {
				resp.ResultItem[i].To_Account = []string{}
			}
		}
	}
	return resp, nil
}
