package restapi_test

import (
	"testing"

	"github.com/parleyim/parley/internal/errcode"
)

// FuzzRecentContact posts arbitrary bodies to every recentcontact API.
func FuzzRecentContact(f *testing.F) {
	s, _ := fzNode(f)
	in := errcode.RecentContactInternal
	seeds := map[string][]string{
		"recentcontact/get_list": {`{"From_Account":"bob","TimeStamp":0,"StartIndex":0,"TopTimeStamp":0,"TopStartIndex":0,"AssistFlags":15}`},
		"recentcontact/delete":   {`{"From_Account":"bob","Type":1,"To_Account":"alice","ClearRamble":1}`, `{"From_Account":"bob","Type":2,"ToGroupid":"g","ClearRamble":1}`},
		"recentcontact/mark_contact": {`{"From_Account":"bob","MarkItem":[{"OptType":3,"ContactItem":{"Type":1,"To_Account":"alice"},` +
			`"SetMark":[1,2,3],"CustomMark":"abcd"},{"OptType":1,"ContactItem":{"Type":"1","To_Account":"carol"},"ClearMark":[2],"SetMark":[8,33]}]}`},
		"recentcontact/create_contact_group": {`{"From_Account":"bob","GroupContactItem":[{"GroupName":"test0",` +
			`"ContactItem":[{"Type":1,"To_Account":"alice"}]}]}`},
		"recentcontact/del_contact_group": {`{"From_Account":"bob","GroupName":["test0"]}`},
		"recentcontact/update_contact_group": {`{"From_Account":"bob","UpdateType":1,"UpdateGroup":{"UpdateGroupType":2,` +
			`"OldGroupName":"test0","ContactUpdateItem":[{"ContactOptType":1,"ContactItem":{"Type":1,"To_Account":"carol"}}]}}`,
			`{"From_Account":"bob","UpdateType":1,"UpdateGroup":{"UpdateGroupType":1,"OldGroupName":"test0","NewGroupName":"t1"}}`},
		"recentcontact/get_contact_group":    {`{"From_Account":"bob","StartIndex":0}`},
		"recentcontact/search_contact_group": {`{"From_Account":"bob","ContactItem":[{"Type":1,"To_Account":"alice"}]}`},
	}
	var cmds []fzCommand
	for _, c := range []string{"get_list", "delete", "mark_contact", "create_contact_group", "del_contact_group",
		"update_contact_group", "get_contact_group", "search_contact_group"} {
		cmds = append(cmds, fzCommand{"recentcontact/" + c, in})
	}
	fzRun(f, s, cmds, seeds)
}
