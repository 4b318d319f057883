package message

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/parleyim/parley/internal/jsonscan"
	"github.com/parleyim/parley/internal/jsonscan/jsonscantest"
)

// The body is read and stored without reflection where that gives what
// encoding/json gives: a stored body must be json.Marshal's encoding (the
// push and history frames embed it as is), and a body must mean the same
// whichever path read it.

var contentSeeds = []string{
	`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`,
	`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"a\"b\\n \u00e9 <b> & \u2028"}},{"MsgType":"TIMFaceElem","MsgContent":{"Index":1,"Data":"x"}}],"CloudCustomData":"c"}`,
	`{"MsgBody":[{"MsgType":"TIMCustomElem","MsgContent":{ "Data" : "d", "Desc":"", "Ext":"e" }}],"OfflinePushInfo":{"PushFlag":0,"Desc":"x","Ext":"<y>"}}`,
	`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"text":"lower"}}]}`, `{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":null}}]}`,
	`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"a","Text":1}}]}`, `{"MsgBody":[],"GroupAtInfo":[{"GroupAtAllFlag":1}]}`,
	`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}],"CloudCustomData":"a\u0000b<&>\u2028"}`,
	`{"msgbody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"x"}}]}`, `{"MsgBody":null}`, `{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":null}]}`,
}

func TestContentFastPathsAgreeWithEncodingJSON(t *testing.T) {
	var scanned, encoded, texts int
	for _, s := range jsonscantest.Corpus(contentSeeds, 50_000) {
		rd := jsonscan.New([]byte(s))
		got, ok := ScanContent(rd)
		if ok && rd.End() {
			scanned++
			jsonscantest.SameAsEncodingJSON(t, "ScanContent", []byte(s), got)
		}
		var c Content
		if json.Unmarshal([]byte(s), &c) != nil {
			continue
		}
		if b, ok := c.encodeFast(); ok {
			encoded++
			want, err := json.Marshal(c)
			if err != nil || !bytes.Equal(b, want) {
				t.Fatalf("%q: encodeFast wrote %s, json.Marshal %s (%v)", s, b, want, err)
			}
		}
		for _, e := range c.MsgBody {
			if has, known := hasStringText(e.MsgContent); known {
				texts++
				var tx struct{ Text *string }
				want := json.Unmarshal(e.MsgContent, &tx) == nil && tx.Text != nil
				if has != want {
					t.Fatalf("%s: hasStringText %v, encoding/json %v", e.MsgContent, has, want)
				}
			}
		}
	}
	if scanned < 1000 || encoded < 1000 || texts < 1000 {
		t.Fatalf("fast paths taken: %d scans, %d encodings, %d text checks: the corpus misses them", scanned, encoded, texts)
	}
}

func TestPlainTextBodyTakesTheFastPaths(t *testing.T) {
	s := contentSeeds[0]
	rd := jsonscan.New([]byte(s))
	c, ok := ScanContent(rd)
	if !ok || !rd.End() {
		t.Fatal("a text body is not read by the fast path")
	}
	if has, known := hasStringText(c.MsgBody[0].MsgContent); !has || !known {
		t.Fatalf("text check: has=%v known=%v", has, known)
	}
	if b, ok := c.encodeFast(); !ok || string(b) != s {
		t.Fatalf("encodeFast = %s, %v; want %s", b, ok, s)
	}
}
