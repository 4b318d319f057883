package restapi_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// Shared harness of the *_fuzz_test.go targets, one per REST service.
// Every name starts with "fz".

// fzCommand is one REST API a target posts to, and the internal-error code
// of the service that answers it: the code no input may produce while the
// store is healthy.
type fzCommand struct {
	api      string
	internal int
}

// fzUsers exist on every fuzz node, so seeds reach the domain rules and
// not only "account not found".
var fzUsers = []string{"alice", "bob", "carol"}

// fzNode starts a node with fzUsers imported; alice has sent bob one
// message, whose MsgKey is returned for seeds that name a message.
func fzNode(f *testing.F) (*resttest.Server, string) {
	f.Helper()
	s := resttest.Start(f)
	s.Import(fzUsers...)
	resp := s.MustOK("openim/sendmsg", map[string]any{"From_Account": "alice", "To_Account": "bob", "MsgRandom": 1,
		"MsgBody": []any{map[string]any{"MsgType": "TIMTextElem", "MsgContent": map[string]any{"Text": "hi"}}}})
	key, _ := resp["MsgKey"].(string)
	return s, key
}

// fzRun seeds the corpus with seeds (command name → valid bodies) and
// fuzzes (command index, body): each input is posted in-process to the
// node's full handler as the admin, and the answer must be HTTP 200 with
// Tencent's envelope (ActionStatus agreeing with an integer ErrorCode, a
// string ErrorInfo), and neither the envelope nor any per-item result may
// carry the service's internal-error code.
func fzRun(f *testing.F, s *resttest.Server, cmds []fzCommand, seeds map[string][]string) {
	f.Helper()
	for i, c := range cmds {
		bodies := seeds[c.api]
		if len(bodies) == 0 {
			f.Fatalf("no seed for %s", c.api)
		}
		for _, b := range append(bodies, `{}`, `{"From_Account":1}`, `[]`, `{`) {
			f.Add(uint8(i), []byte(b))
		}
	}
	for api := range seeds {
		found := false
		for _, c := range cmds {
			found = found || c.api == api
		}
		if !found {
			f.Fatalf("seed for %s, which is not a command of this target", api)
		}
	}
	h := s.Node.Handler
	query := s.Query().Encode()
	f.Fuzz(func(t *testing.T, cmd uint8, body []byte) {
		c := cmds[int(cmd)%len(cmds)]
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/v4/"+c.api+"?"+query, bytes.NewReader(body)))
		if rec.Code != http.StatusOK {
			t.Fatalf("%s %q: HTTP %d", c.api, body, rec.Code)
		}
		var out map[string]any
		d := json.NewDecoder(bytes.NewReader(rec.Body.Bytes()))
		d.UseNumber()
		if err := d.Decode(&out); err != nil {
			t.Fatalf("%s %q: answer is not a JSON object: %v: %s", c.api, body, err, rec.Body.Bytes())
		}
		num, ok := out["ErrorCode"].(json.Number)
		if !ok || strings.ContainsAny(num.String(), ".eE") {
			t.Fatalf("%s %q: ErrorCode %#v is not an integer: %s", c.api, body, out["ErrorCode"], rec.Body.Bytes())
		}
		code := resttest.Code(out)
		if st, _ := out["ActionStatus"].(string); (code == 0) != (st == "OK") || (st != "OK" && st != "FAIL") {
			t.Fatalf("%s %q: ActionStatus %q with ErrorCode %d", c.api, body, out["ActionStatus"], code)
		}
		if _, ok := out["ErrorInfo"].(string); !ok {
			t.Fatalf("%s %q: ErrorInfo %#v", c.api, body, out["ErrorInfo"])
		}
		if fzHasCode(out, c.internal) {
			t.Fatalf("%s %q: internal error %d: %s", c.api, body, c.internal, rec.Body.Bytes())
		}
	})
}

// fzHasCode reports whether v holds an ErrorCode or ResultCode equal to
// code at any depth.
func fzHasCode(v any, code int) bool {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			if (k == "ErrorCode" || k == "ResultCode") && resttest.Int(e) == code {
				return true
			}
			if fzHasCode(e, code) {
				return true
			}
		}
	case []any:
		for _, e := range x {
			if fzHasCode(e, code) {
				return true
			}
		}
	}
	return false
}
