package message

import (
	"fmt"
	"testing"

	"github.com/parleyim/parley/internal/store"
)

// MsgKey is seq_random_time (seconds), as Tencent's C2C MsgKey, for every
// value a message can carry.
func TestMsgKeyIsSeqRandomSeconds(t *testing.T) {
	for _, m := range []store.Message{
		{Seq: 1, Random: 0, SentAt: 999},
		{Seq: 18446744073709551615, Random: 4294967295, SentAt: 1764547200123},
		{Seq: 42, Random: 7, SentAt: -1500},
		{Seq: 123456, Random: 2147483648, SentAt: 1764547200999},
	} {
		want := fmt.Sprintf("%d_%d_%d", m.Seq, m.Random, m.SentAt/1000)
		if got := MsgKey(m); got != want {
			t.Errorf("MsgKey(%+v) = %q, want %q", m, got, want)
		}
		if m.SentAt < 0 || m.Seq > 1<<62 {
			continue // formatted, but outside what a stored message carries
		}
		if seq, err := ParseMsgKey(MsgKey(m)); err != nil || seq != m.Seq {
			t.Errorf("ParseMsgKey(MsgKey(%+v)) = %d, %v", m, seq, err)
		}
	}
}
