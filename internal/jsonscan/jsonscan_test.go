package jsonscan_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/jsonscan"
	"github.com/parleyim/parley/internal/jsonscan/jsonscantest"
)

// seeds are JSON texts, valid and not, that the differential test mutates.
var seeds = []string{
	`{"v":1,"id":"7","op":"msg.send","data":{"to":"bob","random":42,"body":{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}}}`,
	`{"Text":"a\"b\\c\u00e9\n"}`, `{"Text":"<b>&amp;</b>"}`, "{\"Text\":\"\u2028\"}", `{ "a" : [1, 2.5e-3, -0, true, false, null] }`,
	`[]`, `{}`, `""`, `"\ud800"`, `-0.0E+1`, `01`, `1.`, `.5`, `{"a":1,}`, `[1,]`, `{"a" 1}`, `"\x"`, "\"\x01\"", `tru`, `nul`,
	`{"k":"\xff"}`, `{"a":{"b":{"c":[[[]]]}}}`, `  {"x":"y"}  `, `{"x":"y"} {}`, strings.Repeat("[", 70) + strings.Repeat("]", 70),
}

// checkSkip holds Skip and Raw to encoding/json: what Skip accepts as a
// whole text is valid JSON, what is valid (and not too deep) Skip accepts,
// and a value Raw calls compact is what json.Marshal writes for it.
func checkSkip(t *testing.T, s string) {
	in := []byte(s)
	rd := jsonscan.New(in)
	raw, compact, ok := rd.Raw()
	whole := ok && rd.End()
	valid := json.Valid(in)
	if whole && !valid {
		t.Fatalf("Skip accepted %q, which encoding/json refuses", s)
	}
	// Past maxDepth Skip gives up on purpose (the caller falls back).
	if valid && !whole && strings.Count(s, "[")+strings.Count(s, "{") <= 64 {
		t.Fatalf("Skip refused valid %q", s)
	}
	if whole && compact {
		out, err := json.Marshal(json.RawMessage(raw))
		if err != nil || !bytes.Equal(out, raw) {
			t.Fatalf("Raw called %q compact; json.Marshal writes %q (%v)", raw, out, err)
		}
	}
}

func TestSkipAgreesWithEncodingJSON(t *testing.T) {
	for _, s := range jsonscantest.Corpus(seeds, 50_000) {
		checkSkip(t, s)
	}
}

func FuzzSkip(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(checkSkip)
}

func TestReadersTakeOnlyPlainForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want bool
	}{
		{`"abc"`, true}, {`"é"`, true}, {`"a\nb"`, false}, {"\"\xff\"", false}, {`null`, false},
	} {
		_, ok := jsonscan.New([]byte(tc.in)).String()
		if ok != tc.want {
			t.Errorf("String(%s) ok=%v, want %v", tc.in, ok, tc.want)
		}
	}
	for _, tc := range []struct {
		in   string
		max  uint64
		want uint64
		ok   bool
	}{
		{`0`, 10, 0, true}, {`42`, 100, 42, true}, {`4294967295`, 1<<32 - 1, 1<<32 - 1, true},
		{`4294967296`, 1<<32 - 1, 0, false}, {`01`, 10, 0, false}, {`-1`, 10, 0, false}, {`1.0`, 10, 0, false}, {`1e2`, 1000, 0, false},
	} {
		v, ok := jsonscan.New([]byte(tc.in)).Uint(tc.max)
		if ok != tc.ok || v != tc.want {
			t.Errorf("Uint(%s, %d) = %d, %v; want %d, %v", tc.in, tc.max, v, ok, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		key  string
		how  jsonscan.Key
		want int
	}{
		{"to", jsonscan.Exact, 0}, {"body", jsonscan.Exact, 1}, {"TO", jsonscan.Unsure, -1}, {"Body", jsonscan.Unsure, -1},
		{"other", jsonscan.Other, -1}, {"bod\u0443", jsonscan.Unsure, -1},
	} {
		i, how := jsonscan.Match([]byte(tc.key), "to", "body")
		if how != tc.how || i != tc.want {
			t.Errorf("Match(%q) = %d, %v; want %d, %v", tc.key, i, how, tc.want, tc.how)
		}
	}
}

// Fields reads the named keys, skips the others, and declines a name seen
// twice or a key encoding/json would fold onto a name.
func TestFields(t *testing.T) {
	names := []string{"to", "random"}
	read := func(in string) (got map[string]string, ok bool) {
		got = map[string]string{}
		rd := jsonscan.New([]byte(in))
		ok = rd.Fields(names, func(i int) bool {
			raw, ok := rd.Skip()
			got[names[i]] = string(raw)
			return ok
		})
		return got, ok && rd.End()
	}
	if got, ok := read(`{"x":[1,{"y":2}],"random":7,"to":"bob"}`); !ok || got["to"] != `"bob"` || got["random"] != "7" || len(got) != 2 {
		t.Errorf("plain object: %v %v", got, ok)
	}
	for _, in := range []string{
		`{"to":"a","to":"b"}`, // encoding/json keeps the last: left to it
		`{"To":"a"}`,          // encoding/json folds case onto "to"
		`{"x":[1,}`,           // an invalid skipped value
	} {
		if got, ok := read(in); ok {
			t.Errorf("%s read as %v, want declined", in, got)
		}
	}
}
