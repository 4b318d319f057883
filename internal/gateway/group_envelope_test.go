package gateway

import (
	"slices"
	"testing"
)

func TestGroupEnvelopeRoundTripAndTruncation(t *testing.T) {
	in := groupEnvelope{app: 1400000000, group: "room-Ω", node: 7, origin: 9, mode: groupExcept,
		users: []string{"alice", "b.o*b>"}, frame: []byte{0x81, 2, '{', '}'}}
	b := in.encode()
	out, err := decodeGroupEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	if out.app != in.app || out.group != in.group || out.node != in.node || out.origin != in.origin ||
		out.mode != in.mode || !slices.Equal(out.users, in.users) || string(out.frame) != string(in.frame) {
		t.Fatalf("round trip: got %+v, want %+v", out, in)
	}
	// Every truncation that cuts into the header or leaves no frame is
	// refused, never misread or a panic.
	for n := range len(b) - len(in.frame) + 1 {
		if _, err := decodeGroupEnvelope(b[:n]); err == nil {
			t.Fatalf("decoded a %d-byte prefix of a %d-byte envelope", n, len(b))
		}
	}
	// A user envelope is not a group envelope, nor the reverse.
	if _, err := decodeGroupEnvelope(envelope{app: 1, user: "u", frame: []byte{1}}.encode()); err == nil {
		t.Fatal("decoded a user envelope as a group envelope")
	}
	if _, err := decodeEnvelope(b); err == nil {
		t.Fatal("decoded a group envelope as a user envelope")
	}
	// Unknown modes, and users listed with mode "to all", are malformed.
	for _, mut := range []func(e *groupEnvelope){
		func(e *groupEnvelope) { e.mode = 3 },
		func(e *groupEnvelope) { e.mode = groupToAll },
	} {
		e := in
		mut(&e)
		if _, err := decodeGroupEnvelope(e.encode()); err == nil {
			t.Fatalf("decoded a malformed envelope %+v", e)
		}
	}
}

// A membership change that arrives while the user's groups are being read
// wins over the read, whether or not the read saw it.
func TestGroupIndexReplaysChangesMadeDuringTheRead(t *testing.T) {
	x := newGroupIndex()
	k := userKey{1, "alice"}
	c := &conn{id: 1}
	e, start, touched := x.connect(c, k, true)
	if e == nil || len(touched) != 0 {
		t.Fatal("first session of a user must read the directory")
	}
	x.change(k, "left", false)  // committed after the read saw alice in it
	x.change(k, "joined", true) // committed after the read, which missed it
	x.change(k, "both", true)   // joined and left during the read
	x.change(k, "both", false)
	if _, retry := x.loaded(e, k, start, []string{"left", "kept", "both"}); retry {
		t.Fatal("retry without overflow")
	}
	for group, want := range map[string]int{"left": 0, "joined": 1, "kept": 1, "both": 0} {
		if got := len(x.members(groupKey{1, group})); got != want {
			t.Errorf("%s: %d member sessions, want %d", group, got, want)
		}
	}
	// A second session joins the known groups without a read.
	c2 := &conn{id: 2}
	if e, _, touched := x.connect(c2, k, true); e != nil || len(touched) != 2 {
		t.Fatalf("second session: read %v, touched %v", e != nil, touched)
	}
	if got := len(x.members(groupKey{1, "kept"})); got != 2 {
		t.Fatalf("kept: %d member sessions, want 2", got)
	}
	x.disconnect(c, k)
	x.disconnect(c2, k)
	if got := len(x.members(groupKey{1, "kept"})); got != 0 {
		t.Fatalf("kept after both left: %d member sessions", got)
	}
	// Too many changes during a read make the reader read again.
	e, start, _ = x.connect(c, k, true)
	for range maxPendingChanges + 1 {
		x.change(k, "flap", true)
	}
	if _, retry := x.loaded(e, k, start, nil); !retry {
		t.Fatal("overflowed change record not reported")
	}
}
