package restapi_test

import (
	"testing"

	"github.com/parleyim/parley/internal/errcode"
)

// FuzzAccount posts arbitrary bodies to im_open_login_svc's account APIs.
func FuzzAccount(f *testing.F) {
	s, _ := fzNode(f)
	in := errcode.AccountInternal
	fzRun(f, s, []fzCommand{
		{"im_open_login_svc/account_import", in},
		{"im_open_login_svc/multiaccount_import", in},
		{"im_open_login_svc/account_delete", in},
		{"im_open_login_svc/account_check", in},
	}, map[string][]string{
		"im_open_login_svc/account_import":      {`{"UserID":"dave","Nick":"Dave","FaceUrl":"http://x/y.png"}`, `{"Identifier":"erin"}`},
		"im_open_login_svc/multiaccount_import": {`{"Accounts":["frank","grace"]}`, `{"Accounts":[]}`},
		"im_open_login_svc/account_delete":      {`{"DeleteItem":[{"UserID":"carol"},{"UserID":"nobody"}]}`},
		"im_open_login_svc/account_check":       {`{"CheckItem":[{"UserID":"alice"},{"UserID":"nobody"}]}`},
	})
}
