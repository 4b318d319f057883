package restapi_test

import (
	"strings"
	"testing"

	"github.com/parleyim/parley/internal/resttest"
)

// A body that is JSON but not an object is the service's bad-parameter
// code, and says what is wrong with it rather than naming an empty field.
func TestBodyNotAnObject(t *testing.T) {
	s := resttest.Start(t)
	for api, code := range map[string]int{"im_open_login_svc/account_check": 70402, "sns/friend_get": 30001, "openim/sendmsg": 90001} {
		for _, body := range []string{`[]`, `"x"`, `12`} {
			out := s.Call(api, body)
			info, _ := out["ErrorInfo"].(string)
			if resttest.Code(out) != code || !strings.Contains(info, "the body must be a JSON object") {
				t.Fatalf("%s %s: %v, want %d naming the body", api, body, out, code)
			}
		}
	}
}
