package webhook_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/webhook"
)

// github.com/dobyte/tencent-im's callback package, the third-party receiver
// the issue names, does not resolve through the Go module proxy (403: "This
// module version is not available"), so it cannot be a test dependency.
// These types are written from rest-spec §4.3's field lists, with the Go
// types a typed receiver such as that one uses (EventTime an integer, so a
// quoted EventTime fails to decode; MsgRandom and MsgSeq integers).
type (
	tcMsgBody struct {
		MsgType    string          `json:"MsgType"`
		MsgContent json.RawMessage `json:"MsgContent"`
	}
	tcC2C struct {
		CallbackCommand string      `json:"CallbackCommand"`
		From            string      `json:"From_Account"`
		To              string      `json:"To_Account"`
		MsgSeq          int         `json:"MsgSeq"`
		MsgRandom       int         `json:"MsgRandom"`
		MsgTime         int         `json:"MsgTime"`
		MsgKey          string      `json:"MsgKey"`
		OnlineOnlyFlag  int         `json:"OnlineOnlyFlag"`
		SendMsgResult   int         `json:"SendMsgResult"`
		ErrorInfo       string      `json:"ErrorInfo"`
		MsgBody         []tcMsgBody `json:"MsgBody"`
		CloudCustomData string      `json:"CloudCustomData"`
		EventTime       int64       `json:"EventTime"`
	}
	tcState struct {
		CallbackCommand string `json:"CallbackCommand"`
		EventTime       int64  `json:"EventTime"`
		Info            struct {
			Action string `json:"Action"`
			User   string `json:"To_Account"`
			Reason string `json:"Reason"`
		} `json:"Info"`
		KickedDevice []struct {
			Platform string `json:"Platform"`
		} `json:"KickedDevice"`
	}
	tcPairs struct {
		CallbackCommand string `json:"CallbackCommand"`
		PairList        []struct {
			From      string `json:"From_Account"`
			To        string `json:"To_Account"`
			Initiator string `json:"Initiator_Account"`
		} `json:"PairList"`
		ClientCmd string `json:"ClientCmd"`
		Admin     string `json:"Admin_Account"`
		ForceFlag int    `json:"ForceFlag"`
		EventTime int64  `json:"EventTime"`
	}
	tcPortrait struct {
		CallbackCommand string `json:"CallbackCommand"`
		Operator        string `json:"Operator_Account"`
		From            string `json:"From_Account"`
		ProfileItem     []struct {
			Tag   string `json:"Tag"`
			Value any    `json:"Value"`
		} `json:"ProfileItem"`
		EventTime int64 `json:"EventTime"`
	}
	tcPrevAdd struct {
		CallbackCommand string `json:"CallbackCommand"`
		Requester       string `json:"Requester_Account"`
		From            string `json:"From_Account"`
		FriendItem      []struct {
			To         string `json:"To_Account"`
			Remark     string `json:"Remark"`
			GroupName  string `json:"GroupName"`
			AddSource  string `json:"AddSource"`
			AddWording string `json:"AddWording"`
		} `json:"FriendItem"`
		AddType       string `json:"AddType"`
		ForceAddFlags int    `json:"ForceAddFlags"`
		EventTime     int64  `json:"EventTime"`
	}
	tcPrevResponse struct {
		CallbackCommand    string `json:"CallbackCommand"`
		Requester          string `json:"Requester_Account"`
		From               string `json:"From_Account"`
		ResponseFriendItem []struct {
			To             string `json:"To_Account"`
			Remark         string `json:"Remark"`
			TagName        string `json:"TagName"`
			ResponseAction string `json:"ResponseAction"`
		} `json:"ResponseFriendItem"`
		EventTime int64 `json:"EventTime"`
	}
	tcRead struct {
		CallbackCommand string `json:"CallbackCommand"`
		Report          string `json:"Report_Account"`
		Peer            string `json:"Peer_Account"`
		LastReadTime    int64  `json:"LastReadTime"`
		EventTime       int64  `json:"EventTime"`
	}
	tcRecall struct {
		CallbackCommand string `json:"CallbackCommand"`
		From            string `json:"From_Account"`
		To              string `json:"To_Account"`
		MsgKey          string `json:"MsgKey"`
		EventTime       int64  `json:"EventTime"`
	}
)

// tcGroup holds the fields every group callback a receiver keys on
// carries (Tencent's group callbacks name the group and its type; the
// group-full one the group alone).
type tcGroup struct {
	CallbackCommand string `json:"CallbackCommand"`
	GroupID         string `json:"GroupId"`
	Type            string `json:"Type"`
	EventTime       int64  `json:"EventTime"`
}

// decodeAsTencentReceiver decodes every callback received into the typed
// request of its command and checks the fields a receiver keys on; every
// available command of the family asked for (groups, or all the others)
// must have been seen.
func decodeAsTencentReceiver(t *testing.T, got []callback, groups bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, c := range got {
		cmd := c.Query.Get("CallbackCommand")
		var v any
		var ok func() bool
		switch cmd {
		case webhook.CmdC2CBeforeSendMsg, webhook.CmdC2CAfterSendMsg:
			m := &tcC2C{}
			v, ok = m, func() bool {
				return m.From != "" && m.To != "" && len(m.MsgBody) > 0 && m.MsgBody[0].MsgType != "" && m.EventTime > 0
			}
		case webhook.CmdStateChange:
			m := &tcState{}
			v, ok = m, func() bool { return m.Info.Action != "" && m.Info.User != "" && m.EventTime > 0 }
		case webhook.CmdFriendAdd, webhook.CmdFriendDelete, webhook.CmdBlackListAdd, webhook.CmdBlackListDelete:
			m := &tcPairs{}
			v, ok = m, func() bool { return len(m.PairList) > 0 && m.PairList[0].From != "" && m.PairList[0].To != "" }
		case webhook.CmdPortraitSet:
			m := &tcPortrait{}
			v, ok = m, func() bool { return m.From != "" && len(m.ProfileItem) > 0 && m.EventTime > 0 }
		case webhook.CmdPrevFriendAdd:
			m := &tcPrevAdd{}
			v, ok = m, func() bool {
				return m.From != "" && len(m.FriendItem) > 0 && m.FriendItem[0].To != "" && m.EventTime > 0
			}
		case webhook.CmdPrevFriendResponse:
			m := &tcPrevResponse{}
			v, ok = m, func() bool { return m.From != "" && len(m.ResponseFriendItem) == 1 && m.EventTime > 0 }
		case webhook.CmdC2CAfterMsgReport:
			m := &tcRead{}
			v, ok = m, func() bool { return m.Report != "" && m.Peer != "" && m.EventTime > 0 }
		case webhook.CmdC2CAfterMsgWithDraw:
			m := &tcRecall{}
			v, ok = m, func() bool { return m.From != "" && m.MsgKey != "" && m.EventTime > 0 }
		case webhook.CmdGroupBeforeCreate:
			m := &struct {
				tcGroup
				Owner string `json:"Owner_Account"`
			}{}
			v, ok = m, func() bool { return m.Owner != "" && m.Type != "" && m.EventTime > 0 }
		case webhook.CmdGroupAfterGroupFull:
			m := &tcGroup{}
			v, ok = m, func() bool { return m.GroupID != "" && m.EventTime > 0 }
		default:
			if !strings.HasPrefix(cmd, "Group.") {
				t.Fatalf("unexpected command %q", cmd)
			}
			m := &tcGroup{}
			v, ok = m, func() bool { return m.GroupID != "" && m.Type != "" && m.EventTime > 0 }
		}
		if err := json.Unmarshal(c.Raw, v); err != nil {
			t.Fatalf("%s does not decode as a typed receiver's request: %v\n%s", cmd, err, c.Raw)
		}
		if !ok() {
			t.Fatalf("%s decoded without its key fields: %+v\n%s", cmd, v, c.Raw)
		}
		seen[cmd] = true
	}
	for _, cmd := range webhook.Commands {
		if cmd.Available && strings.HasPrefix(cmd.Name, "Group.") == groups && !seen[cmd.Name] {
			t.Errorf("no %s callback was decoded", cmd.Name)
		}
	}
}
