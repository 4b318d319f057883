package restapi

import (
	"testing"

	"github.com/parleyim/parley/internal/jsonscan/jsonscantest"
)

var sendMsgSeeds = []string{
	`{"SyncOtherMachine":2,"From_Account":"user000001","To_Account":"user001667","MsgRandom":1234567,"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"bench"}}]}`,
	`{"SyncOtherMachine":1,"From_Account":"a","To_Account":"b","MsgLifeTime":60,"MsgSeq":93847636,"MsgRandom":1287657,
	  "MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}},{"MsgType":"TIMFaceElem","MsgContent":{"Index":1,"Data":"x"}}],
	  "CloudCustomData":"c","SendMsgControl":["NoUnread","NoLastMsg"],"OfflinePushInfo":{"PushFlag":0,"Desc":"d","Ext":"<e>"},
	  "IsNeedReadReceipt":1,"ForbidCallbackControl":["ForbidBeforeSendMsgCallback"],"SupportMessageExtension":0}`,
	`{"From_Account":"a","To_Account":"b","MsgBody":[]}`, `{"From_Account":"a","To_Account":"b","MsgBody":null}`,
	`{"from_account":"a","To_Account":"b","MsgBody":[]}`, `{"From_Account":"a","From_Account":"b"}`,
	`{"From_Account":"a\u00e9","To_Account":"b\n","MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`,
	`{"SyncOtherMachine":-1,"MsgRandom":1.5,"MsgSeq":1e3,"MsgLifeTime":null,"IsNeedReadReceipt":"1"}`,
	`{"SyncOtherMachine":99999999999999999999,"MsgRandom":18446744073709551615}`,
	`{"SendMsgControl":[],"ForbidCallbackControl":null,"OfflinePushInfo":"x","Unknown":{"a":[1,2,{"b":null}]}}`,
	`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":null}],"To_Account":1}`, `[]`, `"x"`, `{}`, `{"To_Account":"b"} x`,
	` { "From_Account" : "a" , "To_Account" : "b" , "MsgBody" : [ { "MsgType" : "TIMTextElem" , "MsgContent" : { "Text" : "x" } } ] } `,
}

// The one-pass reading of a sendmsg body answers what encoding/json
// answers whenever it answers: over the seeds and many mutations of them
// (keys by case, nulls, numbers out of form, escapes, repeats, cuts).
func TestSendMsgFastPathAgreesWithEncodingJSON(t *testing.T) {
	scanned := 0
	for _, s := range jsonscantest.Corpus(sendMsgSeeds, 50_000) {
		got, ok := scanSendMsg([]byte(s))
		if !ok {
			continue
		}
		scanned++
		jsonscantest.SameAsEncodingJSON(t, "scanSendMsg", []byte(s), got)
	}
	if scanned < 1000 {
		t.Fatalf("the fast path read %d of the corpus: it misses it", scanned)
	}
}

// The body an application's server sends most (the bench's) is read by the
// fast path.
func TestPlainSendMsgTakesTheFastPath(t *testing.T) {
	for _, s := range sendMsgSeeds[:3] {
		if _, ok := scanSendMsg([]byte(s)); !ok {
			t.Errorf("%s: not read by the fast path", s)
		}
	}
}

func FuzzSendMsgFastPath(f *testing.F) {
	for _, s := range sendMsgSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		got, ok := scanSendMsg(b)
		if ok {
			jsonscantest.SameAsEncodingJSON(t, "scanSendMsg", b, got)
		}
	})
}
