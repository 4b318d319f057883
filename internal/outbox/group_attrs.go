package outbox

// KindGroupAttrChanged: a group's attributes were written
// (GroupAttrChanged; Group.CallbackAfterGroupAttrChanged). Partition: the
// group, like every group entry.
const KindGroupAttrChanged = "group.attr_changed"

// GroupAttrChanged is the payload of KindGroupAttrChanged, in the fields
// rest-spec §4 gives the callback: OptionType is set (all replaced),
// modify (keys upserted), delete (keys removed) or clear (all removed), and
// GroupAttr the group's attributes after the write.
type GroupAttrChanged struct {
	GroupID     string         `json:"GroupId"`
	Type        string         `json:"Type"`
	Operator    string         `json:"Operator_Account"`
	OptionType  string         `json:"OptionType"`
	GroupAttr   []AttrKeyValue `json:"GroupAttr"`
	OptPlatform string         `json:"OptPlatform,omitempty"`
	ClientIP    string         `json:"ClientIP,omitempty"`
	EventTime   int64          `json:"EventTime"`
}

// AttrKeyValue is one attribute as REST's GroupAttr arrays write it
// (lower-case key and value, unlike AppDefinedData's Key and Value).
type AttrKeyValue struct {
	Key   string `json:"key"`
	Value string `json:"value"`
}
