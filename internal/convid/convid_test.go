package convid

import (
	"errors"
	"testing"
)

func TestParseAndFormat(t *testing.T) {
	for _, s := range []string{"c2c_bob", "c2c_a_b-1", "group_@TGS#1ABC", "group_x.y:z"} {
		id, err := Parse(s)
		if err != nil {
			t.Fatalf("Parse(%q): %v", s, err)
		}
		if id.String() != s {
			t.Errorf("Parse(%q).String() = %q", s, id.String())
		}
	}
	for _, s := range []string{"", "c2c_", "c2c_a:b", "c2c_a b", "group_", "bob", "C2C_bob",
		"group_" + string(make([]byte, MaxGroupIDBytes+1))} {
		if _, err := Parse(s); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, want ErrInvalid", s, err)
		}
	}
}

func TestKeys(t *testing.T) {
	if C2C("bob").Key("alice") != "c2c:alice:bob" || C2C("alice").Key("bob") != "c2c:alice:bob" {
		t.Fatalf("c2c keys differ by side: %q %q", C2C("bob").Key("alice"), C2C("alice").Key("bob"))
	}
	if got := Group("g1").Key("anyone"); got != "group:g1" {
		t.Fatalf("group key %q", got)
	}
	for _, c := range []struct {
		owner, key string
		want       ID
		ok         bool
	}{
		{"alice", "c2c:alice:bob", C2C("bob"), true},
		{"bob", "c2c:alice:bob", C2C("alice"), true},
		{"alice", "c2c:alice:alice", C2C("alice"), true},
		{"carol", "c2c:alice:bob", ID{}, false},
		{"alice", "group:g:1", Group("g:1"), true},
		{"alice", "group:", ID{}, false},
		{"alice", "bogus", ID{}, false},
	} {
		got, ok := FromKey(c.owner, c.key)
		if got != c.want || ok != c.ok {
			t.Errorf("FromKey(%q, %q) = %v %v, want %v %v", c.owner, c.key, got, ok, c.want, c.ok)
		}
	}
	if KeyKind("c2c:a:b") != KindC2C || KeyKind("group:g") != KindGroup || KeyKind("x") != 0 {
		t.Fatal("KeyKind")
	}
}
