package restapi

import (
	"math"

	"github.com/parleyim/parley/internal/jsonscan"
	"github.com/parleyim/parley/internal/message"
)

// sendMsgBody is openim/sendmsg's request body.
type sendMsgBody struct {
	msgFields
	To_Account string
}

var sendMsgFields = []string{"SyncOtherMachine", "From_Account", "MsgLifeTime", "MsgSeq", "MsgRandom", "MsgBody",
	"CloudCustomData", "SendMsgControl", "OfflinePushInfo", "IsNeedReadReceipt", "ForbidCallbackControl",
	"SupportMessageExtension", "To_Account"}

// scanSendMsg reads a sendmsg body as json.Unmarshal would into a
// sendMsgBody, in one pass and without reflection: the REST door's decoding
// was a tenth of a node's CPU per sendmsg. ok=false where it might not agree
// (jsonscan's contract: null, a negative or fractional number, a key that
// matches only by case, an escaped string, a repeated key, ...); the caller
// then decodes with encoding/json, which also words the error
// (sendmsg_fast_test.go holds the two to the same answers).
func scanSendMsg(body []byte) (f sendMsgBody, ok bool) {
	rd := jsonscan.New(body)
	int64Field := func(dst **int64) bool {
		v, ok := rd.Uint(math.MaxInt64)
		if ok {
			n := int64(v)
			*dst = &n
		}
		return ok
	}
	intField := func(dst *int) bool {
		v, ok := rd.Uint(math.MaxInt)
		*dst = int(v)
		return ok
	}
	stringList := func(dst *[]string) bool {
		out := []string{}
		ok := rd.Array(func() bool {
			s, ok := rd.String()
			out = append(out, s)
			return ok
		})
		*dst = out
		return ok
	}
	ok = rd.Fields(sendMsgFields, func(i int) bool {
		var ok bool
		switch sendMsgFields[i] {
		case "SyncOtherMachine":
			var n int
			if ok = intField(&n); ok {
				f.SyncOtherMachine = &n
			}
		case "From_Account":
			f.From_Account, ok = rd.String()
		case "MsgLifeTime":
			ok = int64Field(&f.MsgLifeTime)
		case "MsgSeq":
			ok = int64Field(&f.MsgSeq)
		case "MsgRandom":
			ok = int64Field(&f.MsgRandom)
		case "MsgBody":
			f.MsgBody, ok = message.ScanBody(rd)
		case "CloudCustomData":
			f.CloudCustomData, ok = rd.String()
		case "SendMsgControl":
			ok = stringList(&f.SendMsgControl)
		case "OfflinePushInfo":
			f.OfflinePushInfo, ok = rd.RawObject()
		case "IsNeedReadReceipt":
			ok = intField(&f.IsNeedReadReceipt)
		case "ForbidCallbackControl":
			ok = stringList(&f.ForbidCallbackControl)
		case "SupportMessageExtension":
			ok = intField(&f.SupportMessageExtension)
		case "To_Account":
			f.To_Account, ok = rd.String()
		}
		return ok
	})
	return f, ok && rd.End()
}
