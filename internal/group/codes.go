package group

import "github.com/parleyim/parley/internal/errcode"

// codeOf is err's Tencent code (0 for nil or a storage fault).
func codeOf(err error) int {
	if err == nil {
		return 0
	}
	if e := errcode.As(err, 0); e != nil {
		return e.Code
	}
	return 0
}
