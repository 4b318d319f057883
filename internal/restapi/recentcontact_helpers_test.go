package restapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/parleyim/parley/internal/message"
	"github.com/parleyim/parley/internal/resttest"
	"github.com/parleyim/parley/internal/store"
	"github.com/parleyim/parley/usersig"
)

// Shared helpers of the recentcontact_*_test.go end-to-end tests. Every name
// starts with "rc".

// rcMessages stores one message from each sender to to at the given time
// (unix ms), in one write: the conversations the tests list.
func rcMessages(s *resttest.Server, to string, at int64, senders ...string) {
	s.T.Helper()
	err := s.Node.Store.Write(context.Background(), func(tx store.Tx) error {
		for i, from := range senders {
			m := store.Message{App: resttest.SDKAppID, ConvKey: message.ConvKey(from, to), Sender: from, Receiver: to,
				Random: uint32(i), ClientKey: from + "-" + to + "-" + time.UnixMilli(at).String(), SentAt: at,
				Body: []byte(`{"MsgBody":[{"MsgType":"TIMTextElem","MsgContent":{"Text":"hi"}}]}`), ExpiresAt: time.Now().Add(time.Hour).Unix()}
			if _, _, err := tx.AppendMessage(context.Background(), m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.T.Fatal(err)
	}
}

// rcWant fails unless resp carries code (and FAIL/OK to match).
func rcWant(t *testing.T, what string, resp map[string]any, code int) {
	t.Helper()
	if got := resttest.Code(resp); got != code {
		t.Fatalf("%s: ErrorCode %d, want %d (%v)", what, got, code, resp)
	}
	if status := resp["ActionStatus"]; (code == 0) != (status == "OK") {
		t.Fatalf("%s: ActionStatus %v with code %d", what, status, code)
	}
}

// rcSame fails unless got, with the values of the volatile keys replaced by
// "*", equals the JSON want (numbers compared as JSON numbers).
func rcSame(t *testing.T, what string, got map[string]any, want string, volatile ...string) {
	t.Helper()
	var w any
	d := json.NewDecoder(bytes.NewReader([]byte(want)))
	d.UseNumber()
	if err := d.Decode(&w); err != nil {
		t.Fatalf("%s: bad want: %v", what, err)
	}
	g := rcMask(any(got), volatile)
	if !reflect.DeepEqual(g, w) {
		gb, _ := json.Marshal(g)
		wb, _ := json.Marshal(w)
		t.Fatalf("%s:\n got %s\nwant %s", what, gb, wb)
	}
}

func rcMask(v any, keys []string) any {
	switch x := v.(type) {
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = rcMask(e, keys)
			for _, vk := range keys {
				if k == vk {
					out[k] = "*"
				}
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = rcMask(e, keys)
		}
		return out
	}
	return v
}

// rcAsUser calls api as a plain user (not an admin).
func rcAsUser(s *resttest.Server, api, body string) map[string]any {
	s.T.Helper()
	q := s.Query()
	sig, err := usersig.Generate(resttest.SDKAppID, resttest.Key, "plainuser", 3600, time.Now())
	if err != nil {
		s.T.Fatal(err)
	}
	q.Set("identifier", "plainuser")
	q.Set("usersig", sig)
	resp, _ := s.Raw(api, q, []byte(body))
	return resp
}
