package gateway

import (
	"encoding/json"
	"testing"

	"github.com/parleyim/parley/internal/jsonscan/jsonscantest"
)

// The fast readings of a frame and of msg.send's parameters must mean what
// encoding/json makes of the same bytes: where the fast path answers, its
// answer is encoding/json's, and the common shapes do take it.

var requestSeeds = []string{
	`{"v":1,"id":"7","op":"msg.send","data":{"to":"bob","random":42,"body":{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}}}`,
	`{"v":1,"id":"a-1","op":"login","data":{"userID":"u","userSig":"eJw"}}`,
	`{"op":"ping","id":"x","v":1}`, `{"v":1,"id":"é","op":"x","data":{},"extra":[1,{"a":null}]}`,
	`{"v":1,"id":"q","op":"msg.send","data":{"to":"b","random":4294967295,"clientMsgID":"c","onlineUserOnly":true,` +
		`"excludedFromUnreadCount":false,"excludedFromLastMessage":true,"needReadReceipt":true,` +
		`"body":{"MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{"Data":"<x>","Desc":"a\"b"}},{"MsgType":"TIMTextElem","MsgContent":{"Text":"\u00e9\n"}}],` +
		`"CloudCustomData":"ccd","OfflinePushInfo":{"Title":"t","Ext":"e"}}}}`,
	`{"V":1,"ID":"x","Op":"y"}`, `{"v":1,"id":"x","id":"y","op":"z"}`, `{"v":1,"id":"x","op":"z","data":null}`,
	`{"v":1.0,"id":"x","op":"z"}`, `{"v":1,"id":"x\u0041","op":"z"}`, ` {"v":1,"id":"x","op":"z"} `,
	`{"v":1,"id":"g","op":"msg.send","data":{"groupID":"@TGS#1","random":1,"body":{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"g"}}]}}}`,
	`{"v":1,"id":"h","op":"msg.read","data":{"conversationID":"group_g1","seq":3}}`,
	`{"v":1,"id":"i","op":"msg.read","data":{"conversationID":"c2c_bob","groupID":"","seq":3}}`,
}

func TestDecodeRequestFastAgreesWithEncodingJSON(t *testing.T) {
	fast := 0
	for _, s := range jsonscantest.Corpus(requestSeeds, 50_000) {
		got, ok := decodeRequestFast([]byte(s))
		if !ok {
			continue
		}
		fast++
		checkRequest(t, []byte(s), got)
	}
	if fast < 1000 {
		t.Fatalf("only %d of the corpus took the fast path", fast)
	}
}

// checkGroupTarget: where the fast reading of a group target answers, its
// answer is decode's.
func checkGroupTarget(t *testing.T, data json.RawMessage) {
	t.Helper()
	got, ok := decodeGroupTargetFast(data)
	if !ok {
		return
	}
	var want groupTarget
	if err := decode(data, &want); err != nil {
		t.Fatalf("fast path read the group target of %q, which encoding/json refuses: %v", data, err)
	}
	if got != want {
		t.Fatalf("%q: fast path read group target %+v, encoding/json %+v", data, got, want)
	}
}

func TestCommonFramesTakeTheFastPath(t *testing.T) {
	for _, s := range requestSeeds[:5] {
		r, ok := decodeRequestFast([]byte(s))
		if !ok {
			t.Fatalf("%s: not read by the fast path", s)
		}
		if r.Op == "msg.send" {
			if _, ok := decodeSendFast(r.Data); !ok {
				t.Fatalf("%s: params not read by the fast path", r.Data)
			}
			if _, ok := decodeGroupTargetFast(r.Data); !ok {
				t.Fatalf("%s: group target not read by the fast path", r.Data)
			}
		}
	}
	for _, s := range requestSeeds[len(requestSeeds)-3:] {
		r, _ := decodeRequestFast([]byte(s))
		if gt, ok := decodeGroupTargetFast(r.Data); !ok || gt.GroupID == "" && gt.ConversationID == "" {
			t.Fatalf("%s: group target %+v (fast path %v)", r.Data, gt, ok)
		}
	}
}

func FuzzDecodeRequestFast(f *testing.F) {
	for _, s := range requestSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, ok := decodeRequestFast([]byte(s))
		if ok {
			checkRequest(t, []byte(s), got)
		}
	})
}

// checkRequest: a frame the fast path read (got) is what encoding/json
// reads, and so are its send parameters and group target where their fast
// readings answer.
func checkRequest(t *testing.T, frame []byte, got Request) {
	t.Helper()
	jsonscantest.SameAsEncodingJSON(t, "decodeRequestFast", frame, got)
	if ds, ok := decodeSendFast(got.Data); ok {
		jsonscantest.SameAsEncodingJSON(t, "decodeSendFast", got.Data, ds)
	}
	checkGroupTarget(t, got.Data)
}
