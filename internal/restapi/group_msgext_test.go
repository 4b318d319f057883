package restapi_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/app"
	"github.com/parleyim/parley/internal/convid"
	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/resttest"
)

func grpText(s string) []map[string]any {
	return []map[string]any{{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": s}}}
}

// TestGroupMsgTargetedREST: send_group_msg's To_Account sends to those
// members only (history of others leaves it out), up to 50, never in a
// Community or an AVChatRoom (10007); MsgPriority and GroupAtInfo are
// checked (10004).
func TestGroupMsgTargetedREST(t *testing.T) {
	s := grpStart(t)
	for id, typ := range map[string]string{"pub": "Public", "comm": "Community", "av": "AVChatRoom"} {
		grpCreate(t, s, id, typ)
	}
	send := func(body map[string]any) map[string]any {
		body["Random"], body["MsgBody"] = 1, grpText("x")
		return s.Call("group_open_http_svc/send_group_msg", body)
	}
	rcWant(t, "targeted", send(map[string]any{"GroupId": "pub", "From_Account": "owner", "To_Account": []string{"m1"}}), 0)
	for _, u := range []string{"m1", "m2"} {
		h, err := s.Node.Messages.HistoryIn(t.Context(), s.App, u, convid.Group("pub"), 0, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]int{"m1": 1, "m2": 0}[u]; len(h) != want {
			t.Errorf("%s's history has %d messages, want %d", u, len(h), want)
		}
	}
	many := make([]string, 51)
	for i := range many {
		many[i] = fmt.Sprint("u", i)
	}
	for _, c := range []struct {
		name string
		body map[string]any
		want int
	}{
		{"Community", map[string]any{"GroupId": "comm", "To_Account": []string{"m1"}}, 10007},
		{"AVChatRoom", map[string]any{"GroupId": "av", "To_Account": []string{"owner"}}, 10007},
		{"51 receivers", map[string]any{"GroupId": "pub", "To_Account": many}, 10004},
		{"a non-member", map[string]any{"GroupId": "pub", "To_Account": []string{"out"}}, 10004},
		{"bad priority", map[string]any{"GroupId": "pub", "MsgPriority": "Urgent"}, 10004},
		{"bad at flag", map[string]any{"GroupId": "pub", "GroupAtInfo": []map[string]any{{"GroupAtAllFlag": 3}}}, 10004},
	} {
		rcWant(t, c.name, send(c.body), c.want)
	}
	// @m1 from REST reaches m1's at-info.
	rcWant(t, "mention", send(map[string]any{"GroupId": "pub", "From_Account": "owner", "MsgPriority": "Low",
		"GroupAtInfo": []map[string]any{{"GroupAtAllFlag": 0, "GroupAt_Account": "m1"}}}), 0)
	infos, err := s.Node.Messages.GroupAtInfo(t.Context(), s.App, "m1", []string{"pub"})
	if err != nil || len(infos["pub"]) != 1 || infos["pub"][0].Seq != 2 || infos["pub"][0].Type != 0 {
		t.Fatalf("m1's at-info %v %v", infos, err)
	}
}

// TestGroupMsgReceiptREST: get_group_msg_receipt's counts and per-seq
// codes, get_group_msg_receipt_detail's pages, and their refusals.
func TestGroupMsgReceiptREST(t *testing.T) {
	s := resttest.Start(t, func(a *app.App) { a.GroupReadReceipts = []string{"Public"} })
	s.Import("owner", "adm", "m1", "m2", "out")
	grpCreate(t, s, "pub", "Public")
	grpCreate(t, s, "comm", "Community")
	sent, err := s.Node.Messages.SendGroup(t.Context(), s.App, message.GroupSendRequest{From: "m1", GroupID: "pub", Random: 1,
		Content: message.Content{MsgBody: []message.Element{{MsgType: "TIMTextElem", MsgContent: []byte(`{"Text":"r"}`)}}}, NeedReadReceipt: true})
	if err != nil {
		t.Fatal(err)
	}
	for _, reader := range []string{"owner", "m2"} {
		if _, err := s.Node.Messages.SendGroupReceipts(t.Context(), s.App, reader, "pub", []string{sent.Key}); err != nil {
			t.Fatal(err)
		}
	}
	rcWant(t, "plain message", s.Call("group_open_http_svc/send_group_msg", map[string]any{"GroupId": "pub", "Random": 2, "MsgBody": grpText("p")}), 0)
	resp := s.MustOK("group_open_http_svc/get_group_msg_receipt", `{"GroupId":"pub","MsgSeqList":[{"MsgSeq":1},{"MsgSeq":2}]}`)
	items := resttest.Items(resp, "GroupMsgReceiptList")
	if len(items) != 2 || resttest.Int(items[0]["Code"]) != 0 || resttest.Int(items[0]["ReadNum"]) != 2 || resttest.Int(items[0]["UnreadNum"]) != 1 ||
		resttest.Int(items[1]["Code"]) != 10062 {
		t.Fatalf("receipts %v", resp)
	}
	read := s.MustOK("group_open_http_svc/get_group_msg_receipt_detail", `{"GroupId":"pub","MsgSeq":1,"Filter":0,"Cursor":"","Count":1}`)
	if l := resttest.Items(read, "ReadList"); len(l) != 1 || l[0]["Read_Account"] != "m2" || resttest.Int(read["IsFinished"]) != 0 {
		t.Fatalf("read page 1 %v", read)
	}
	read = s.MustOK("group_open_http_svc/get_group_msg_receipt_detail", fmt.Sprintf(`{"GroupId":"pub","MsgSeq":1,"Filter":0,"Cursor":%q,"Count":1}`, read["Cursor"]))
	if l := resttest.Items(read, "ReadList"); len(l) != 1 || l[0]["Read_Account"] != "owner" || resttest.Int(read["IsFinished"]) != 1 || resttest.Int(read["IsFinish"]) != 1 {
		t.Fatalf("read page 2 %v", read)
	}
	unread := s.MustOK("group_open_http_svc/get_group_msg_receipt_detail", `{"GroupId":"pub","MsgSeq":1,"Filter":1,"Cursor":"","Count":10}`)
	if l := resttest.Items(unread, "UnreadList"); len(l) != 1 || l[0]["Unread_Account"] != "adm" {
		t.Fatalf("unread %v", unread)
	}
	for _, c := range []struct {
		name, api, body string
		want            int
	}{
		{"no receipt", "get_group_msg_receipt_detail", `{"GroupId":"pub","MsgSeq":2,"Filter":0,"Cursor":"","Count":10}`, 10062},
		{"filter 2", "get_group_msg_receipt_detail", `{"GroupId":"pub","MsgSeq":1,"Filter":2,"Cursor":"","Count":10}`, 10004},
		{"count 201", "get_group_msg_receipt_detail", `{"GroupId":"pub","MsgSeq":1,"Filter":0,"Cursor":"","Count":201}`, 10004},
		{"Community", "get_group_msg_receipt", `{"GroupId":"comm","MsgSeqList":[{"MsgSeq":1}]}`, 10007},
		{"no group", "get_group_msg_receipt", `{"GroupId":"nope","MsgSeqList":[{"MsgSeq":1}]}`, 10010},
		{"no seqs", "get_group_msg_receipt", `{"GroupId":"pub","MsgSeqList":[]}`, 10004},
	} {
		rcWant(t, c.name, s.Call("group_open_http_svc/"+c.api, c.body), c.want)
	}
}
