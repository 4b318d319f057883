package restapi

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/hook"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/store"
)

// One-to-one message codes of the openim service (rest-spec §5, "Message
// error codes").
const (
	codeBadMsgBody        = 90002 // MsgBody not in the message format
	codeMissingTo         = 90003 // To_Account missing, or (queries) unknown
	codeBadMsgSeq         = 90004
	codeBadMsgRandom      = 90005
	codeBadMsgTimeStamp   = 90006
	codeMsgBodyNotArray   = 90007
	codeBadFrom           = 90008 // From_Account missing or unknown
	codeBadMsgFormat      = 90010
	codeTooManyTo         = 90011
	codeUnknownTo         = 90012
	codeTooManyAccounts   = 90018
	codeBadLifeTime       = 90026
	codeBadSyncFromOld    = 90030
	codeBadSyncOther      = 90031
	codeBadOfflinePush    = 90043
	codeLifeTimeNotInt    = 90044
	codeBadSender         = 20003 // sendmsg/modify: sender or receiver invalid
	codeUnknownAccountOne = 70107 // per-item: the account does not exist
)

// Limits of the openim message APIs.
const (
	MaxBatchSendAccounts = 500
	MaxUnreadPeers       = 10
	MaxMsgLifeTime       = 604800 // seconds: 7 days
)

func (s *Server) openimRoutes() {
	s.add(svcOpenIM, "sendmsg", s.sendMsg)
	s.add(svcOpenIM, "batchsendmsg", s.batchSendMsg)
	s.add(svcOpenIM, "importmsg", s.importMsg)
	s.add(svcOpenIM, "admin_getroammsg", s.getRoamMsg)
	s.add(svcOpenIM, "admin_msgwithdraw", s.msgWithdraw)
	s.add(svcOpenIM, "admin_set_msg_read", s.setMsgRead)
	s.add(svcOpenIM, "get_c2c_unread_msg_num", s.unreadMsgNum)
	s.add(svcOpenIM, "modify_c2c_msg", s.modifyC2CMsg)
}

// openimFieldCodes are the codes Tencent gives a field of the wrong JSON
// type; any other field is 90001.
var openimFieldCodes = map[string]int{
	"MsgRandom":         codeBadMsgRandom,
	"MsgTimeStamp":      codeBadMsgTimeStamp,
	"MsgSeq":            codeBadMsgSeq,
	"MsgBody":           codeMsgBodyNotArray,
	"SyncOtherMachine":  codeBadSyncOther,
	"SyncFromOldSystem": codeBadSyncFromOld,
	"MsgLifeTime":       codeLifeTimeNotInt,
	"To_Account":        codeMissingTo,
	"From_Account":      codeBadFrom,
	"Operator_Account":  codeBadFrom,
	"Report_Account":    codeBadFrom,
	"Peer_Account":      codeMissingTo,
}

// decodeMsg is call.decode with the message service's codes: 90001 for a
// body that does not parse, and per-field codes for a wrong type.
func (c *call) decodeMsg(v any) error {
	err := json.Unmarshal(c.body, v)
	if err == nil {
		return nil
	}
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		field := strings.TrimPrefix(typeErr.Field, "msgFields.") // the shared fields are embedded
		if field == "" {
			return errcode.Newf(errcode.OpenIMBadRequest, "Err_Decode_Fail: the body must be a JSON object, not %s", typeErr.Value)
		}
		if code, ok := openimFieldCodes[field]; ok {
			return errcode.Newf(code, "Err_Decode_Fail: field %s has the wrong type", field)
		}
		if strings.HasPrefix(field, "MsgBody.") {
			return errcode.Newf(codeBadMsgFormat, "Err_Msg_Format_Invalid: field %s has the wrong type", field)
		}
		return errcode.Newf(errcode.OpenIMBadRequest, "Err_Decode_Fail: field %s has the wrong type", field)
	}
	// The message APIs list 90001 for a body that is not JSON.
	return errcode.Newf(errcode.OpenIMBadRequest, "Err_Json_Parse_Fail: %v", err)
}

// msgFields are the message fields sendmsg and batchsendmsg share.
type msgFields struct {
	SyncOtherMachine  *int
	From_Account      string
	MsgLifeTime       *int64
	MsgSeq            *int64
	MsgRandom         *int64
	MsgBody           []message.Element
	CloudCustomData   string
	SendMsgControl    []string
	OfflinePushInfo   json.RawMessage
	IsNeedReadReceipt int
	// ForbidCallbackControl suppresses this request's message callbacks
	// (hook.WithForbidden); message extensions are accepted and ignored.
	ForbidCallbackControl   []string
	SupportMessageExtension int
}

// sendRequest validates the shared fields (the order of checks is ours) and
// builds the domain request (without receivers).
func (c *call) sendRequest(f msgFields) (message.SendRequest, error) {
	req := message.SendRequest{From: f.From_Account, Admin: true}
	if req.From == "" {
		req.From = c.identifier
	}
	switch {
	case f.SyncOtherMachine == nil, *f.SyncOtherMachine == 1:
	case *f.SyncOtherMachine == 2:
		req.HideFromSender = true
	default:
		return req, errcode.Newf(codeBadSyncOther, "Err_Msg_SyncOtherMachine_Invalid: %d (1 or 2)", *f.SyncOtherMachine)
	}
	if f.MsgRandom == nil || *f.MsgRandom < 0 || *f.MsgRandom > 0xFFFFFFFF {
		return req, errcode.New(codeBadMsgRandom, "Err_Msg_MsgRandom_Invalid: an integer 0 to 4294967295 is required")
	}
	req.Random = uint32(*f.MsgRandom)
	if f.MsgSeq != nil && (*f.MsgSeq < 0 || *f.MsgSeq > 0xFFFFFFFF) {
		return req, errcode.New(codeBadMsgSeq, "Err_Msg_MsgSeq_Invalid")
	}
	if f.MsgLifeTime != nil {
		if *f.MsgLifeTime < 0 || *f.MsgLifeTime > MaxMsgLifeTime {
			return req, errcode.Newf(codeBadLifeTime, "Err_Msg_MsgLifeTime_Invalid: 0 to %d seconds", MaxMsgLifeTime)
		}
		// 0: delivered to whoever is online, never stored. Otherwise the
		// message is stored for the app's retention (roaming).
		req.OnlineOnly = *f.MsgLifeTime == 0
	}
	if err := checkOfflinePush(f.OfflinePushInfo); err != nil {
		return req, err
	}
	for _, ctl := range f.SendMsgControl {
		switch ctl {
		case "NoUnread":
			req.ExcludeFromUnread = true
		case "NoLastMsg":
			req.ExcludeFromLast = true
		}
	}
	req.NeedReadReceipt = f.IsNeedReadReceipt == 1
	req.Content = message.Content{MsgBody: f.MsgBody, CloudCustomData: f.CloudCustomData, OfflinePushInfo: f.OfflinePushInfo}
	return req, nil
}

func checkOfflinePush(raw json.RawMessage) error {
	v := bytes.TrimSpace(raw)
	if len(v) == 0 || bytes.Equal(v, []byte("null")) {
		return nil
	}
	var obj map[string]json.RawMessage
	if json.Unmarshal(v, &obj) != nil {
		return errcode.New(codeBadOfflinePush, "Err_Msg_OfflinePushInfo_Invalid: must be an object")
	}
	return nil
}

func (s *Server) sendMsg(c *call) (response, error) {
	f, fast := scanSendMsg(c.body)
	if !fast {
		f = sendMsgBody{}
		if err := c.decodeMsg(&f); err != nil {
			return nil, err
		}
	}
	req, err := c.sendRequest(f.msgFields)
	if err != nil {
		return nil, err
	}
	c.ctx = hook.WithForbidden(c.ctx, f.ForbidCallbackControl)
	if f.To_Account == "" {
		return nil, errcode.New(codeMissingTo, "Err_Msg_To_Account_Missing")
	}
	// Both accounts are read with the receiver's rules (one round trip),
	// the sender's absence first: 20003, then the receiver's: 90012.
	req.To, req.CheckSender = f.To_Account, true
	sent, err := s.Messages.SendC2C(c.ctx, c.app, req)
	switch {
	case errors.Is(err, message.ErrUnknownSender):
		return nil, errcode.New(codeBadSender, "Err_Msg_From_Account_Not_Exist")
	case errors.Is(err, message.ErrUnknownReceiver):
		return nil, errcode.New(codeUnknownTo, "Err_Msg_To_Account_Not_Exist")
	case err != nil:
		return nil, err
	}
	if !sent.Duplicate {
		s.Metrics.sent(req.OnlineOnly, 1)
	}
	return &struct {
		Envelope
		MsgTime int64
		MsgKey  string
	}{MsgTime: sent.Message.SentAt / 1000, MsgKey: sent.Key}, nil
}

type accountError struct {
	To_Account string
	ErrorCode  int
}

func (s *Server) batchSendMsg(c *call) (response, error) {
	var f struct {
		msgFields
		To_Account []string
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	req, err := c.sendRequest(f.msgFields)
	if err != nil {
		return nil, err
	}
	c.ctx = hook.WithForbidden(c.ctx, f.ForbidCallbackControl)
	if len(f.To_Account) == 0 {
		return nil, errcode.New(codeMissingTo, "Err_Msg_To_Account_Missing")
	}
	if len(f.To_Account) > MaxBatchSendAccounts {
		return nil, errcode.Newf(codeTooManyTo, "Err_Msg_To_Account_Too_Many: at most %d", MaxBatchSendAccounts)
	}
	from, err := s.Messages.Existing(c.ctx, c.app, req.From)
	if err != nil {
		return nil, err
	}
	if !from[req.From] {
		return nil, errcode.New(codeBadFrom, "Err_Msg_From_Account_Not_Exist")
	}
	tos := make([]string, 0, len(f.To_Account))
	seen := map[string]bool{}
	for _, to := range f.To_Account {
		if !seen[to] {
			seen[to] = true
			tos = append(tos, to)
		}
	}
	results, err := s.Messages.SendC2CBatch(c.ctx, c.app, req, tos)
	if err != nil {
		return nil, err
	}
	resp := &struct {
		Envelope
		MsgKey    string         `json:",omitempty"`
		ErrorList []accountError `json:",omitempty"`
	}{}
	accepted := 0
	for _, r := range results {
		if r.Err == nil && !r.Sent.Duplicate {
			accepted++
		}
		switch {
		case r.Err == nil:
			// One MsgKey for the batch: every receiver's message has the
			// batch's random and time, which is what resolves the key in
			// each conversation (admin_msgwithdraw, modify_c2c_msg).
			if resp.MsgKey == "" {
				resp.MsgKey = r.Sent.Key
			}
		case r.Err.Code == message.CodeNoReceiver:
			resp.ErrorList = append(resp.ErrorList, accountError{r.To, codeUnknownAccountOne})
		default:
			resp.ErrorList = append(resp.ErrorList, accountError{r.To, r.Err.Code})
		}
	}
	s.Metrics.sent(req.OnlineOnly, accepted)
	return resp, nil
}

func (s *Server) importMsg(c *call) (response, error) {
	var f struct {
		SyncFromOldSystem *int
		From_Account      string
		To_Account        string
		MsgSeq            *int64
		MsgRandom         *int64
		MsgTimeStamp      *int64
		MsgBody           []message.Element
		CloudCustomData   string
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	req := message.ImportRequest{From: f.From_Account, To: f.To_Account,
		Content: message.Content{MsgBody: f.MsgBody, CloudCustomData: f.CloudCustomData}}
	switch {
	case f.SyncFromOldSystem == nil:
		return nil, errcode.New(codeBadSyncFromOld, "Err_Msg_SyncFromOldSystem_Missing")
	case *f.SyncFromOldSystem == 1: // real-time import (older docs): unread, not pushed
		req.Unread = true
	case *f.SyncFromOldSystem == 2: // history: read, not pushed
	case *f.SyncFromOldSystem == 5: // real-time import: unread, pushed
		req.Unread, req.Deliver = true, true
	default:
		return nil, errcode.Newf(codeBadSyncFromOld, "Err_Msg_SyncFromOldSystem_Invalid: %d (2 history, 5 real time)", *f.SyncFromOldSystem)
	}
	if f.From_Account == "" {
		return nil, errcode.New(codeBadFrom, "Err_Msg_From_Account_Missing")
	}
	if f.To_Account == "" {
		return nil, errcode.New(codeMissingTo, "Err_Msg_To_Account_Missing")
	}
	if f.MsgRandom == nil || *f.MsgRandom < 0 || *f.MsgRandom > 0xFFFFFFFF {
		return nil, errcode.New(codeBadMsgRandom, "Err_Msg_MsgRandom_Invalid: an integer 0 to 4294967295 is required")
	}
	req.Random = uint32(*f.MsgRandom)
	// The range (a sane Unix time, not in the future) is the domain's:
	// message.Import checks it.
	if f.MsgTimeStamp == nil {
		return nil, errcode.New(codeBadMsgTimeStamp, "Err_Msg_MsgTimeStamp_Invalid: unix seconds are required")
	}
	req.Time = time.Unix(*f.MsgTimeStamp, 0)
	if f.MsgSeq != nil {
		if *f.MsgSeq < 0 {
			return nil, errcode.New(codeBadMsgSeq, "Err_Msg_MsgSeq_Invalid")
		}
		req.OldSeq = uint64(*f.MsgSeq)
	}
	if _, err := req.Content.Validate(); err != nil {
		return nil, err
	}
	exists, err := s.Messages.Existing(c.ctx, c.app, f.From_Account, f.To_Account)
	if err != nil {
		return nil, err
	}
	if !exists[f.From_Account] {
		return nil, errcode.New(codeBadFrom, "Err_Msg_From_Account_Not_Exist")
	}
	if !exists[f.To_Account] {
		return nil, errcode.New(codeUnknownTo, "Err_Msg_To_Account_Not_Exist")
	}
	if _, err := s.Messages.Import(c.ctx, c.app, req); err != nil {
		return nil, err
	}
	return ok(), nil
}

// roamMsg is one message of admin_getroammsg.
type roamMsg struct {
	From_Account    string
	To_Account      string
	MsgSeq          uint64
	MsgRandom       uint32
	MsgTimeStamp    int64
	MsgFlagBits     int // 0 normal, 8 recalled
	IsPeerRead      int
	MsgKey          string
	MsgBody         json.RawMessage
	CloudCustomData string
}

func toRoamMsg(m store.Message, peerRead bool) roamMsg {
	r := roamMsg{From_Account: m.Sender, To_Account: m.Receiver, MsgSeq: m.Seq, MsgRandom: m.Random,
		MsgTimeStamp: m.SentAt / 1000, MsgKey: message.MsgKey(m), MsgBody: json.RawMessage(`[]`)}
	if peerRead {
		r.IsPeerRead = 1
	}
	if m.Status == store.MessageRecalled {
		r.MsgFlagBits = 8
		return r
	}
	var c struct {
		MsgBody         json.RawMessage
		CloudCustomData string
	}
	if json.Unmarshal(m.Body, &c) == nil {
		if len(c.MsgBody) > 0 && !bytes.Equal(c.MsgBody, []byte("null")) {
			r.MsgBody = c.MsgBody
		}
		r.CloudCustomData = c.CloudCustomData
	}
	return r
}

// requireAccounts checks that from and to are given and exist, reporting
// each with its own code.
func (s *Server) requireAccounts(c *call, from string, fromCode int, to string, toMissing, toUnknown int) error {
	if from == "" {
		return errcode.New(fromCode, "Err_Msg_From_Account_Missing")
	}
	if to == "" {
		return errcode.New(toMissing, "Err_Msg_To_Account_Missing")
	}
	exists, err := s.Messages.Existing(c.ctx, c.app, from, to)
	if err != nil {
		return err
	}
	if !exists[from] {
		return errcode.New(fromCode, "Err_Msg_From_Account_Not_Exist")
	}
	if !exists[to] {
		return errcode.New(toUnknown, "Err_Msg_To_Account_Not_Exist")
	}
	return nil
}

func (s *Server) getRoamMsg(c *call) (response, error) {
	var f struct {
		Operator_Account string
		Peer_Account     string
		MaxCnt           *int
		MinTime          *int64
		MaxTime          *int64
		LastMsgKey       string
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	if err := s.requireAccounts(c, f.Operator_Account, codeBadFrom, f.Peer_Account, codeMissingTo, codeMissingTo); err != nil {
		return nil, err
	}
	switch {
	case f.MaxCnt == nil || *f.MaxCnt <= 0:
		return nil, errcode.New(errcode.OpenIMBadRequest, "Err_Msg_MaxCnt_Invalid: a positive count is required")
	case f.MinTime == nil || f.MaxTime == nil:
		return nil, errcode.New(errcode.OpenIMBadRequest, "Err_Msg_Time_Range_Missing: MinTime and MaxTime are required")
	case *f.MinTime < 0 || *f.MaxTime < *f.MinTime || *f.MaxTime > 1<<40:
		return nil, errcode.New(errcode.OpenIMBadRequest, "Err_Msg_Time_Range_Invalid: 0 <= MinTime <= MaxTime")
	}
	page, err := s.Messages.Roam(c.ctx, c.app, message.RoamQuery{Operator: f.Operator_Account, Peer: f.Peer_Account,
		MinTime: *f.MinTime, MaxTime: *f.MaxTime, Max: *f.MaxCnt, LastKey: f.LastMsgKey})
	if err != nil {
		return nil, err
	}
	resp := &struct {
		Envelope
		Complete    int
		MsgCnt      int
		LastMsgTime int64
		LastMsgKey  string
		MsgList     []roamMsg
	}{MsgList: make([]roamMsg, len(page.Messages)), MsgCnt: len(page.Messages)}
	if page.Complete {
		resp.Complete = 1
	}
	for i, m := range page.Messages {
		resp.MsgList[i] = toRoamMsg(m, page.ReadSeq[m.Receiver] >= m.Seq)
	}
	if len(page.Messages) > 0 {
		// Pages go back in time: the last message pulled is the oldest.
		oldest := resp.MsgList[0]
		resp.LastMsgTime, resp.LastMsgKey = oldest.MsgTimeStamp, oldest.MsgKey
	}
	return resp, nil
}

func (s *Server) msgWithdraw(c *call) (response, error) {
	var f struct {
		From_Account string
		To_Account   string
		MsgKey       string
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	if err := s.requireAccounts(c, f.From_Account, codeBadFrom, f.To_Account, codeMissingTo, codeMissingTo); err != nil {
		return nil, err
	}
	if f.MsgKey == "" {
		return nil, errcode.New(message.CodeBadMsgKey, "Err_Msg_MsgKey_Missing")
	}
	if _, err := s.Messages.Recall(c.ctx, c.app, f.From_Account, f.To_Account, f.MsgKey, true, nil); err != nil {
		return nil, err
	}
	return ok(), nil
}

func (s *Server) setMsgRead(c *call) (response, error) {
	var f struct {
		Report_Account string
		Peer_Account   string
		// A string in the field table; numbers are accepted too.
		MsgReadTime json.RawMessage
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	if err := s.requireAccounts(c, f.Report_Account, codeBadFrom, f.Peer_Account, codeMissingTo, codeMissingTo); err != nil {
		return nil, err
	}
	until, set, err := parseReadTime(f.MsgReadTime)
	if err != nil {
		return nil, err
	}
	if set {
		err = s.Messages.MarkReadUntil(c.ctx, c.app, f.Report_Account, f.Peer_Account, time.Unix(until, 0), nil)
	} else {
		err = s.Messages.MarkRead(c.ctx, c.app, f.Report_Account, f.Peer_Account, 0, nil)
	}
	if err != nil {
		return nil, err
	}
	return ok(), nil
}

// parseReadTime reads MsgReadTime: unix seconds as a string or a number;
// absent, empty or 0 means now.
func parseReadTime(raw json.RawMessage) (int64, bool, error) {
	v := strings.Trim(string(bytes.TrimSpace(raw)), `"`)
	if v == "" || v == "null" || v == "0" {
		return 0, false, nil
	}
	t, err := strconv.ParseInt(v, 10, 64)
	if err != nil || t < 0 || t > 1<<40 {
		return 0, false, errcode.New(errcode.OpenIMBadRequest, "Err_Msg_MsgReadTime_Invalid: unix seconds")
	}
	return t, true, nil
}

func (s *Server) unreadMsgNum(c *call) (response, error) {
	var f struct {
		To_Account   string
		Peer_Account []string
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	if f.To_Account == "" {
		return nil, errcode.New(codeMissingTo, "Err_Msg_To_Account_Missing")
	}
	if len(f.Peer_Account) > MaxUnreadPeers {
		return nil, errcode.Newf(codeTooManyAccounts, "Err_Msg_Peer_Account_Too_Many: at most %d", MaxUnreadPeers)
	}
	exists, err := s.Messages.Existing(c.ctx, c.app, append([]string{f.To_Account}, f.Peer_Account...)...)
	if err != nil {
		return nil, err
	}
	if !exists[f.To_Account] {
		return nil, errcode.New(codeMissingTo, "Err_Msg_To_Account_Not_Exist")
	}
	var known []string
	for _, p := range f.Peer_Account {
		if exists[p] {
			known = append(known, p)
		}
	}
	total, per, err := s.Messages.UnreadCounts(c.ctx, c.app, f.To_Account, known)
	if err != nil {
		return nil, err
	}
	type peerCount struct {
		Peer_Account    string
		C2CUnreadMsgNum int
	}
	type peerError struct {
		Peer_Account string
		ErrorCode    int
	}
	resp := &struct {
		Envelope
		AllC2CUnreadMsgNum  int
		C2CUnreadMsgNumList []peerCount `json:",omitempty"`
		ErrorList           []peerError `json:",omitempty"`
	}{AllC2CUnreadMsgNum: total}
	for _, p := range f.Peer_Account {
		if exists[p] {
			resp.C2CUnreadMsgNumList = append(resp.C2CUnreadMsgNumList, peerCount{p, per[p]})
		} else {
			resp.ErrorList = append(resp.ErrorList, peerError{p, codeUnknownAccountOne})
		}
	}
	return resp, nil
}

func (s *Server) modifyC2CMsg(c *call) (response, error) {
	var f struct {
		From_Account    string
		To_Account      string
		MsgKey          string
		MsgBody         []message.Element
		CloudCustomData *string
		// Parley's optimistic concurrency: the version the caller edited
		// (a client's message "version"). Without it the modification is
		// unconditional.
		MsgVersion *int
	}
	if err := c.decodeMsg(&f); err != nil {
		return nil, err
	}
	if f.From_Account == "" {
		return nil, errcode.New(codeBadSender, "Err_Msg_From_Account_Missing")
	}
	if f.To_Account == "" {
		return nil, errcode.New(codeMissingTo, "Err_Msg_To_Account_Missing")
	}
	if err := s.requireAccounts(c, f.From_Account, codeBadSender, f.To_Account, codeMissingTo, codeUnknownTo); err != nil {
		return nil, err
	}
	if f.MsgKey == "" {
		return nil, errcode.New(message.CodeBadMsgKey, "Err_Msg_MsgKey_Missing")
	}
	m, err := s.Messages.Modify(c.ctx, c.app, f.From_Account, f.To_Account, f.MsgKey, f.MsgVersion,
		message.Modification{MsgBody: f.MsgBody, CloudCustomData: f.CloudCustomData}, nil)
	if err != nil {
		var ce *errcode.Error
		if errors.As(err, &ce) && ce.Code == message.CodeModifyConflict {
			// The current message comes back so the caller can merge.
			cur := toRoamMsg(m, false)
			return &struct {
				Envelope
				MsgVersion int
				CurrentMsg roamMsg
			}{Envelope: Envelope{ErrorCode: ce.Code, ErrorInfo: ce.Info}, MsgVersion: m.Version, CurrentMsg: cur}, nil
		}
		return nil, err
	}
	return &struct {
		Envelope
		MsgVersion int
	}{MsgVersion: m.Version}, nil
}
