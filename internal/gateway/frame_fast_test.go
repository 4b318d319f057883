package gateway

import (
	"bytes"
	"encoding/json"
	"math/rand/v2"
	"testing"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// The hand-built frames must be the bytes encoding/json makes of the same
// values: clients parse them with ordinary JSON decoders, and the SDKs'
// tests read them through encoding/json.

func TestAppendJSONStringMatchesEncodingJSON(t *testing.T) {
	cases := []string{"", "plain", `quote " and \ backslash`, "<script>&amp;</script>", "tab\tnew\nline\rret",
		"\b\f\x00\x01\x1f\x7f", "caf\u00e9 \u4e2d\u6587 \U0001F600", "\u2028\u2029", "bad \xff utf8 \xc3", string([]byte{0xed, 0xa0, 0x80})}
	r := rand.New(rand.NewPCG(1, 2))
	for range 2000 {
		b := make([]byte, r.IntN(24))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		cases = append(cases, string(b))
	}
	for _, s := range cases {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json says %s", s, got, want)
		}
	}
}

func FuzzAppendJSONString(f *testing.F) {
	f.Add("<a href=\"x\">\u2028</a>\x00\xff")
	f.Fuzz(func(t *testing.T, s string) {
		want, _ := json.Marshal(s)
		if got := appendJSONString(nil, s); !bytes.Equal(got, want) {
			t.Fatalf("appendJSONString(%q) = %s, encoding/json says %s", s, got, want)
		}
	})
}

func TestMessageFramesMatchEncodingJSON(t *testing.T) {
	read := true
	// A stored body is json.Marshal's output (message.Content.Validate):
	// compact, with HTML characters escaped.
	body, _ := json.Marshal(map[string]any{"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem",
		"MsgContent": map[string]any{"Text": "hi <b> & \u2028 \"q\""}}}})
	msgs := []Message{
		{MsgKey: "1_2_3", From: "alice", To: "bob", Seq: 7, Random: 4294967295, TimeMs: 1764547200123, Status: "normal",
			Version: 2, Flags: 5, Body: body},
		{MsgKey: "k", From: "a\"b", Status: "recalled", Body: json.RawMessage(`{"MsgBody":[]}`), GroupID: "@TGS#1", IsPeerRead: &read},
		{MsgKey: "k", From: "x", To: "y", Status: "normal"}, // no body: null
	}
	for _, m := range msgs {
		want, _ := encodeFrame(push{V: ProtocolVersion, Push: "msg.new", Data: m})
		if got := PushFrame("msg.new", 0, m); !bytes.Equal(got, want) {
			t.Errorf("push frame\n got %q\nwant %q", got, want)
		}
		for _, dup := range []bool{false, true} {
			want, _ := encodeFrame(response{V: ProtocolVersion, ID: "req-<1>", Data: map[string]any{"message": m, "duplicate": dup}})
			if got := responseFrame("req-<1>", sendAnswer{Message: m, Duplicate: dup}, nil); !bytes.Equal(got, want) {
				t.Errorf("answer frame\n got %q\nwant %q", got, want)
			}
		}
	}
}

func TestTextFrameHeaderLengths(t *testing.T) {
	for _, n := range []int{0, 125, 126, 65535, 65536, 300000} {
		payload := bytes.Repeat([]byte("x"), n)
		f := textFrame(payload)
		r := bytes.NewReader(f)
		hdr, err := ws.ReadHeader(r)
		if err != nil || hdr.Length != int64(n) || !hdr.Fin || hdr.Masked {
			t.Fatalf("payload of %d: header %+v, %v", n, hdr, err)
		}
		if r.Len() != n || !utf8.Valid(f[len(f)-n:]) {
			t.Fatalf("payload of %d: %d bytes after the header", n, r.Len())
		}
	}
}
