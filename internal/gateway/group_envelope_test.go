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
