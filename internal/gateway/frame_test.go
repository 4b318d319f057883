package gateway

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"

	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"

	"github.com/parleyim/parley/internal/errcode"
)

func TestDecodeRequestRejectsBadFrames(t *testing.T) {
	cases := map[string]string{
		"not json":       `hello`,
		"array":          `[1,2]`,
		"wrong version":  `{"v":2,"id":"1","op":"ping"}`,
		"no version":     `{"id":"1","op":"ping"}`,
		"no id":          `{"v":1,"op":"ping"}`,
		"long id":        `{"v":1,"id":"` + string(bytes.Repeat([]byte("x"), 65)) + `","op":"ping"}`,
		"no op":          `{"v":1,"id":"1"}`,
		"trailing data":  `{"v":1,"id":"1","op":"ping"} {}`,
		"id not string":  `{"v":1,"id":1,"op":"ping"}`,
		"data not value": `{"v":1,"id":"1","op":"ping","data":}`,
	}
	for name, in := range cases {
		_, err := DecodeRequest([]byte(in))
		ce, ok := err.(*errcode.Error)
		if !ok || ce.Code != CodeInvalidRequest {
			t.Errorf("%s: got %v, want code %d", name, err, CodeInvalidRequest)
		}
	}
	r, err := DecodeRequest([]byte(`{"v":1,"id":"7","op":"friend.add","data":{"userID":"bob"}}`))
	if err != nil || r.ID != "7" || r.Op != "friend.add" || string(r.Data) != `{"userID":"bob"}` {
		t.Fatalf("valid frame: %+v %v", r, err)
	}
	// An id that could be read is echoed even when the frame is refused.
	r, _ = DecodeRequest([]byte(`{"v":9,"id":"42","op":"ping"}`))
	if r.ID != "42" {
		t.Fatalf("id of a refused frame = %q", r.ID)
	}
}

// A push is one complete WebSocket frame that any client decodes, identical
// for every recipient.
func TestPushFrameIsACompleteTextFrame(t *testing.T) {
	frame := PushFrame("friend.added", 42, map[string][]string{"userIDs": {"bob"}})
	msg, op, err := wsutil.ReadServerData(struct {
		io.Reader
		io.Writer
	}{bytes.NewReader(frame), io.Discard})
	if err != nil || op != ws.OpText {
		t.Fatalf("read: %v %v", op, err)
	}
	var p struct {
		V    int
		Push string
		Seq  uint64
		Data struct{ UserIDs []string }
	}
	if err := json.Unmarshal(msg, &p); err != nil || p.V != 1 || p.Push != "friend.added" || p.Seq != 42 || p.Data.UserIDs[0] != "bob" {
		t.Fatalf("push %s: %+v %v", msg, p, err)
	}
}

func FuzzDecodeRequest(f *testing.F) {
	for _, s := range []string{
		`{"v":1,"id":"1","op":"login","data":{"userID":"a","userSig":"x","platform":"Web"}}`,
		`{"v":1,"id":"2","op":"friend.add","data":{"userID":"b"}}`,
		`{"v":1,"id":"","op":""}`, `[]`, `{"v":1e400}`, `{"data":` + "\xff" + `}`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		r, err := DecodeRequest(b)
		if err != nil {
			if ce, ok := err.(*errcode.Error); !ok || ce.Code != CodeInvalidRequest {
				t.Fatalf("error %v is not a 6017 *errcode.Error", err)
			}
			// The answer to any refused frame must itself encode.
			if frame := responseFrame(r.ID, nil, err); len(frame) == 0 {
				t.Fatal("no error frame")
			}
			return
		}
		if r.V != ProtocolVersion || r.ID == "" || len(r.ID) > 64 || r.Op == "" {
			t.Fatalf("accepted an invalid request: %+v", r)
		}
	})
}
