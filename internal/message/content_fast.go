package message

import (
	"encoding/json"
	"unicode/utf8"

	"github.com/parleyim/parley/internal/jsonscan"
)

// The body of every message is read from JSON and written back as JSON once
// per send; through encoding/json each way is a reflective walk. These are
// the same readings and writings for the common body (text and other
// elements, optionally CloudCustomData and OfflinePushInfo) without
// reflection. Each answers ok=false where it would not agree with
// encoding/json byte for byte, and the caller uses encoding/json
// (content_fast_test.go holds them to it).

// contentFields are Content's keys; GroupAtInfo is left to encoding/json.
var contentFields = []string{"MsgBody", "CloudCustomData", "OfflinePushInfo", "GroupAtInfo"}

var elementFields = []string{"MsgType", "MsgContent"}

// ScanContent reads a Content at rd's position as json.Unmarshal would.
func ScanContent(rd *jsonscan.Reader) (c Content, ok bool) {
	ok = rd.Fields(contentFields, func(i int) bool {
		switch i {
		case 0:
			var ok bool
			c.MsgBody, ok = ScanBody(rd)
			return ok
		case 1:
			var ok bool
			c.CloudCustomData, ok = rd.String()
			return ok
		case 3:
			return false
		default:
			var ok bool
			c.OfflinePushInfo, ok = rd.RawObject()
			return ok
		}
	})
	return c, ok
}

// ScanBody reads a MsgBody array at rd's position as json.Unmarshal reads
// it into a []Element.
func ScanBody(rd *jsonscan.Reader) ([]Element, bool) {
	body := []Element{}
	ok := rd.Array(func() bool {
		e, ok := scanElement(rd)
		body = append(body, e)
		return ok
	})
	return body, ok
}

func scanElement(rd *jsonscan.Reader) (e Element, ok bool) {
	ok = rd.Fields(elementFields, func(i int) bool {
		if i == 0 {
			var ok bool
			e.MsgType, ok = rd.String()
			return ok
		}
		if rd.Peek() == 'n' {
			return false // null: encoding/json's RawMessage keeps the literal
		}
		raw, ok := rd.Skip()
		e.MsgContent = append(json.RawMessage(nil), raw...)
		return ok
	})
	return e, ok
}

// hasStringText reports, where it can tell as encoding/json would, whether
// a text element's content decodes with a string Text (known=false: ask
// encoding/json).
func hasStringText(content []byte) (has, known bool) {
	rd := jsonscan.New(content)
	var text []byte
	ok := rd.Object(func(key []byte) bool {
		_, how := jsonscan.Match(key, "Text")
		switch how {
		case jsonscan.Exact:
			var ok bool
			text, ok = rd.Skip()
			return ok
		case jsonscan.Other:
			_, ok := rd.Skip()
			return ok
		}
		return false
	})
	if !ok || !rd.End() {
		return false, false
	}
	return len(text) > 0 && text[0] == '"', true
}

// encodeFast appends c as json.Marshal encodes it, for a body of elements
// whose contents are already in json.Marshal's form and whose strings need
// no escaping; ok is false otherwise.
func (c Content) encodeFast() ([]byte, bool) {
	if c.MsgBody == nil || len(c.GroupAtInfo) > 0 || !plainJSONString(c.CloudCustomData) ||
		(len(c.OfflinePushInfo) > 0 && !marshalForm(c.OfflinePushInfo)) {
		return nil, false
	}
	n := 32 + len(c.CloudCustomData) + len(c.OfflinePushInfo)
	for _, e := range c.MsgBody {
		if !plainJSONString(e.MsgType) || !marshalForm(e.MsgContent) {
			return nil, false
		}
		n += 32 + len(e.MsgType) + len(e.MsgContent)
	}
	b := make([]byte, 0, n)
	b = append(b, `{"MsgBody":[`...)
	for i, e := range c.MsgBody {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"MsgType":"`...)
		b = append(b, e.MsgType...)
		b = append(b, `","MsgContent":`...)
		b = append(b, e.MsgContent...)
		b = append(b, '}')
	}
	b = append(b, ']')
	if c.CloudCustomData != "" {
		b = append(b, `,"CloudCustomData":"`...)
		b = append(b, c.CloudCustomData...)
		b = append(b, '"')
	}
	if len(c.OfflinePushInfo) > 0 {
		b = append(b, `,"OfflinePushInfo":`...)
		b = append(b, c.OfflinePushInfo...)
	}
	return append(b, '}'), true
}

// marshalForm reports whether raw is one JSON value exactly as json.Marshal
// writes a json.RawMessage: compact, HTML characters escaped.
func marshalForm(raw []byte) bool {
	rd := jsonscan.New(raw)
	v, compact, ok := rd.Raw()
	return ok && compact && len(v) == len(raw)
}

// plainJSONString reports whether json.Marshal writes s between quotes as
// it is: valid UTF-8 with nothing it escapes.
func plainJSONString(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20, c == '"', c == '\\', c == '<', c == '>', c == '&':
			return false
		case c >= 0x80:
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || r == '\u2028' || r == '\u2029' {
				return false
			}
			i += size - 1
		}
	}
	return true
}
