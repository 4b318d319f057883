package restapi_test

import (
	"testing"

	"github.com/parleyim/parley/internal/errcode"
)

// FuzzState posts arbitrary bodies to the state commands (state.go): kick
// answers with im_open_login_svc's codes, the online-status queries with
// openim's.
func FuzzState(f *testing.F) {
	s, _ := fzNode(f)
	fzRun(f, s, []fzCommand{
		{"im_open_login_svc/kick", errcode.AccountInternal},
		{"openim/query_online_status", errcode.OpenIMInternal},
		{"openim/querystate", errcode.OpenIMInternal},
	}, map[string][]string{
		"im_open_login_svc/kick":     {`{"UserID":"alice"}`, `{"Identifier":"nobody"}`},
		"openim/query_online_status": {`{"To_Account":["alice","bob","nobody"],"IsNeedDetail":1}`},
		"openim/querystate":          {`{"To_Account":["carol"]}`},
	})
}
