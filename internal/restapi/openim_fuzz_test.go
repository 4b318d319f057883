package restapi_test

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/errcode"
)

// FuzzOpenIM posts arbitrary bodies to openim's one-to-one message APIs.
func FuzzOpenIM(f *testing.F) {
	s, key := fzNode(f)
	in := errcode.OpenIMInternal
	text := `[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]`
	seeds := map[string][]string{
		"openim/sendmsg": {
			`{"SyncOtherMachine":1,"From_Account":"alice","To_Account":"bob","MsgLifeTime":60,"MsgRandom":7,"MsgBody":` + text +
				`,"CloudCustomData":"c","OfflinePushInfo":{"PushFlag":0,"Desc":"d"}}`,
			`{"To_Account":"carol","MsgRandom":8,"MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"x","Desc":"y"}}]}`,
		},
		"openim/batchsendmsg": {`{"SyncOtherMachine":2,"To_Account":["bob","carol"],"MsgSeq":28360,"MsgRandom":19901224,"MsgBody":` +
			text + `,"CloudCustomData":"your cloud custom data"}`},
		"openim/importmsg": {`{"SyncFromOldSystem":5,"From_Account":"alice","To_Account":"bob","MsgSeq":827092,"MsgRandom":1287657,` +
			`"MsgTimeStamp":1556178721,"MsgBody":` + text + `}`},
		"openim/admin_getroammsg": {`{"Operator_Account":"alice","Peer_Account":"bob","MaxCnt":100,"MinTime":0,"MaxTime":4000000000}`},
		"openim/admin_msgwithdraw": {fmt.Sprintf(`{"From_Account":"alice","To_Account":"bob","MsgKey":%q}`, key),
			`{"From_Account":"alice","To_Account":"bob","MsgKey":"1_2_3"}`},
		"openim/admin_set_msg_read":     {`{"Report_Account":"bob","Peer_Account":"alice"}`},
		"openim/get_c2c_unread_msg_num": {`{"To_Account":"bob","Peer_Account":["alice","carol"]}`, `{"To_Account":"bob"}`},
		"openim/modify_c2c_msg": {fmt.Sprintf(`{"From_Account":"alice","To_Account":"bob","MsgKey":%q,"MsgVersion":0,"MsgBody":%s}`, key, text),
			fmt.Sprintf(`{"From_Account":"alice","To_Account":"bob","MsgKey":%q,"CloudCustomData":"edited"}`, key)},
	}
	var cmds []fzCommand
	for _, c := range []string{"sendmsg", "batchsendmsg", "importmsg", "admin_getroammsg", "admin_msgwithdraw",
		"admin_set_msg_read", "get_c2c_unread_msg_num", "modify_c2c_msg"} {
		cmds = append(cmds, fzCommand{"openim/" + c, in})
	}
	fzRun(f, s, cmds, seeds)
}
