package restapi

import (
	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/message"
)

// The group message read receipts of the REST API (rest-spec §3.7):
// get_group_msg_receipt and get_group_msg_receipt_detail, as the app's
// admin, for any message of the group.

func (s *Server) getGroupMsgReceipt(c *call) (response, error) {
	var f struct {
		GroupId    string
		MsgSeqList []struct{ MsgSeq uint64 }
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.GroupId == "" {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_GroupId_Missing: GroupId is required")
	}
	seqs := make([]uint64, len(f.MsgSeqList))
	for i, item := range f.MsgSeqList {
		seqs[i] = item.MsgSeq
	}
	rs, err := s.Messages.GroupReceipts(c.ctx, c.app, c.identifier, f.GroupId, seqs, true)
	if err != nil {
		return nil, err
	}
	type item struct {
		Code      int
		MsgSeq    uint64
		ReadNum   int
		UnreadNum int
	}
	out := make([]item, len(rs))
	for i, r := range rs {
		out[i] = item{Code: r.Code, MsgSeq: r.Seq, ReadNum: r.ReadCount, UnreadNum: r.UnreadCount}
	}
	return &struct {
		Envelope
		GroupMsgReceiptList []item
	}{GroupMsgReceiptList: out}, nil
}

// getGroupMsgReceiptDetail pages the read (Filter 0) or unread (Filter 1)
// members of one message, the SDKs' values (the spec's one sample pairs
// Filter 1 with a ReadList; its field table gives no meaning). The field
// table says IsFinished and the sample IsFinish: both are sent.
func (s *Server) getGroupMsgReceiptDetail(c *call) (response, error) {
	var f struct {
		GroupId string
		MsgSeq  uint64
		Filter  *int
		Cursor  string
		Count   *int
	}
	if err := c.decode(&f); err != nil {
		return nil, err
	}
	if f.GroupId == "" {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_GroupId_Missing: GroupId is required")
	}
	if f.Filter == nil || (*f.Filter != 0 && *f.Filter != 1) {
		return nil, errcode.New(codeGroupBadParam, "Err_Group_Filter_Invalid: Filter is 0 (read) or 1 (unread)")
	}
	if f.Count == nil || *f.Count < 1 || *f.Count > message.MaxReadMemberPage {
		return nil, errcode.Newf(codeGroupBadParam, "Err_Group_Count_Invalid: Count is 1 to %d", message.MaxReadMemberPage)
	}
	read := *f.Filter == 0
	page, err := s.Messages.GroupReadMembers(c.ctx, c.app, c.identifier, f.GroupId, f.MsgSeq, read, f.Cursor, *f.Count, true)
	if err != nil {
		return nil, err
	}
	type readItem struct{ Read_Account string }
	type unreadItem struct{ Unread_Account string }
	resp := &struct {
		Envelope
		IsFinished int
		IsFinish   int
		MsgSeq     uint64
		Cursor     string
		ReadList   []readItem   `json:",omitempty"`
		UnreadList []unreadItem `json:",omitempty"`
	}{MsgSeq: f.MsgSeq, Cursor: page.Cursor}
	if page.Finished {
		resp.IsFinished, resp.IsFinish = 1, 1
	}
	for _, u := range page.Users {
		if read {
			resp.ReadList = append(resp.ReadList, readItem{u})
		} else {
			resp.UnreadList = append(resp.UnreadList, unreadItem{u})
		}
	}
	return resp, nil
}
