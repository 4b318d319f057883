package restapi_test

import (
	"testing"

	"github.com/parleyim/parley/internal/errcode"
)

// FuzzSNS posts arbitrary bodies to every sns API.
func FuzzSNS(f *testing.F) {
	s, _ := fzNode(f)
	in := errcode.SNSInternal
	seeds := map[string][]string{
		"sns/friend_add": {`{"From_Account":"alice","AddFriendItem":[{"To_Account":"bob","Remark":"B","GroupName":"g",` +
			`"AddSource":"AddSource_Type_Web","AddWording":"hi"}],"AddType":"Add_Type_Both","ForceAddFlags":1}`},
		"sns/friend_import": {`{"From_Account":"alice","AddFriendItem":[{"To_Account":"carol","Remark":"C","GroupName":["g"],` +
			`"AddSource":"AddSource_Type_Import","AddTime":1600000000,"CustomItem":[{"Tag":"Tag_SNS_Custom_Test","Value":"v"}]}]}`},
		"sns/friend_update": {`{"From_Account":"alice","UpdateItem":[{"To_Account":"carol","SnsItem":[` +
			`{"Tag":"Tag_SNS_IM_Remark","Value":"R"},{"Tag":"Tag_SNS_IM_Group","Value":["g2"]}]}]}`},
		"sns/friend_delete":     {`{"From_Account":"alice","To_Account":["bob","nobody"],"DeleteType":"Delete_Type_Both"}`},
		"sns/friend_delete_all": {`{"From_Account":"bob","DeleteType":"Delete_Type_Single"}`},
		"sns/friend_check":      {`{"From_Account":"alice","To_Account":["bob","carol"],"CheckType":"CheckResult_Type_Both"}`},
		"sns/friend_get":        {`{"From_Account":"alice","StartIndex":0,"StandardSequence":0,"CustomSequence":0}`},
		"sns/friend_get_list": {`{"From_Account":"alice","To_Account":["carol"],` +
			`"TagList":["Tag_SNS_IM_Remark","Tag_SNS_IM_Group","Tag_Profile_IM_Nick","Tag_SNS_Custom_Test"]}`},
		"sns/black_list_add":    {`{"From_Account":"carol","To_Account":["alice","nobody"]}`},
		"sns/black_list_delete": {`{"From_Account":"carol","To_Account":["alice"]}`},
		"sns/black_list_get":    {`{"From_Account":"carol","StartIndex":0,"MaxLimited":10,"LastSequence":0}`},
		"sns/black_list_check":  {`{"From_Account":"alice","To_Account":["carol"],"CheckType":"BlackCheckResult_Type_Both"}`},
		"sns/group_add":         {`{"From_Account":"alice","GroupName":["g1","g2"],"To_Account":["carol"]}`},
		"sns/group_delete":      {`{"From_Account":"alice","GroupName":["g1"]}`},
		"sns/group_get":         {`{"From_Account":"alice","NeedFriend":"Need_Friend_Type_Yes","LastSequence":0}`},
	}
	var cmds []fzCommand
	for _, c := range []string{"friend_add", "friend_import", "friend_update", "friend_delete", "friend_delete_all",
		"friend_check", "friend_get", "friend_get_list", "black_list_add", "black_list_delete", "black_list_get",
		"black_list_check", "group_add", "group_delete", "group_get"} {
		cmds = append(cmds, fzCommand{"sns/" + c, in})
	}
	fzRun(f, s, cmds, seeds)
}
