package restapi_test

import (
	"testing"

	"github.com/parleyim/parley/internal/errcode"
)

// FuzzProfile posts arbitrary bodies to profile's APIs.
func FuzzProfile(f *testing.F) {
	s, _ := fzNode(f)
	in := errcode.ProfileInternal
	fzRun(f, s, []fzCommand{{"profile/portrait_set", in}, {"profile/portrait_get", in}}, map[string][]string{
		"profile/portrait_set": {
			`{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Nick","Value":"MyNickName"}]}`,
			`{"From_Account":"alice","ProfileItem":[{"Tag":"Tag_Profile_IM_Gender","Value":"Gender_Type_Female"},` +
				`{"Tag":"Tag_Profile_IM_BirthDay","Value":19900101},{"Tag":"Tag_Profile_Custom_Test","Value":"x"}]}`,
			`{"From_Account":"bob","ProfileItem":[{"Tag":"Tag_Profile_IM_AllowType","Value":"AllowType_Type_AllowAny"}]}`,
		},
		"profile/portrait_get": {
			`{"To_Account":["alice","nobody"],"TagList":["Tag_Profile_IM_Nick","Tag_Profile_Custom_Test"]}`,
			`{"To_Account":["bob"],"TagList":["Tag_Profile_IM_Gender","Tag_Profile_IM_BirthDay"]}`,
		},
	})
}
