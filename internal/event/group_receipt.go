package event

// GroupMessageReceipt tells a group message's sender that members read
// messages they sent with a read receipt requested; GroupReceipts has the
// counts after the receipt. Addressed to the sender (User), not logged.
const GroupMessageReceipt Kind = "msg.groupReceipt"

// GroupReceipt is one message of a GroupMessageReceipt event.
type GroupReceipt struct {
	MsgKey      string
	Seq         uint64
	ReadCount   int
	UnreadCount int
}
