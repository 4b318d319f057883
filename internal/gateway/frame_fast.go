package gateway

import (
	"strconv"
	"unicode/utf8"

	"github.com/gobwas/ws"
)

// The hot frames, built by hand. A one-to-one message costs the server the
// push to its receiver and the answer to its sender; through encoding/json
// each is a reflective walk plus a second pass over the stored body, which
// json.Marshal validates and compacts again although it is the server's
// own compact encoding (message.Content, checked at send). These builders
// produce the same bytes encoding/json would (frame_fast_test.go holds them
// to it), in one allocation.

// jsonAppender is data an answer can append as JSON itself; responseFrame
// uses it instead of encoding/json.
type jsonAppender interface {
	appendJSON(b []byte) []byte
}

// sendAnswer is msg.send's answer: {"duplicate":…,"message":{…}}.
type sendAnswer struct {
	Duplicate bool    `json:"duplicate"`
	Message   Message `json:"message"`
}

func (a sendAnswer) appendJSON(b []byte) []byte {
	b = append(b, `{"duplicate":`...)
	b = strconv.AppendBool(b, a.Duplicate)
	b = append(b, `,"message":`...)
	b = a.Message.appendJSON(b)
	return append(b, '}')
}

// appendJSON appends m as encoding/json encodes it. m.Body goes in as it
// is: it must be what json.Marshal produces (compact, HTML characters
// escaped), which every stored body is (message.Content.Validate encodes
// it so).
func (m Message) appendJSON(b []byte) []byte {
	b = append(b, `{"msgKey":`...)
	b = appendJSONString(b, m.MsgKey)
	b = append(b, `,"from":`...)
	b = appendJSONString(b, m.From)
	b = append(b, `,"to":`...)
	b = appendJSONString(b, m.To)
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, m.Seq, 10)
	b = append(b, `,"random":`...)
	b = strconv.AppendUint(b, uint64(m.Random), 10)
	b = append(b, `,"timeMs":`...)
	b = strconv.AppendInt(b, m.TimeMs, 10)
	b = append(b, `,"status":`...)
	b = appendJSONString(b, m.Status)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, int64(m.Version), 10)
	b = append(b, `,"flags":`...)
	b = strconv.AppendInt(b, int64(m.Flags), 10)
	b = append(b, `,"body":`...)
	if len(m.Body) == 0 {
		b = append(b, "null"...)
	} else {
		b = append(b, m.Body...)
	}
	if m.GroupID != "" {
		b = append(b, `,"groupID":`...)
		b = appendJSONString(b, m.GroupID)
	}
	if m.IsPeerRead != nil {
		b = append(b, `,"isPeerRead":`...)
		b = strconv.AppendBool(b, *m.IsPeerRead)
	}
	return append(b, '}')
}

// messagePushFrame is PushFrame(kind, 0, m) built by hand.
func messagePushFrame(kind string, m Message) []byte {
	payload := make([]byte, 0, 160+len(m.Body)+len(m.MsgKey)+len(m.From)+len(m.To)+len(m.GroupID))
	payload = append(payload, `{"v":1,"push":`...)
	payload = appendJSONString(payload, kind)
	payload = append(payload, `,"data":`...)
	payload = m.appendJSON(payload)
	payload = append(payload, '}')
	return textFrame(payload)
}

// answerFrame is responseFrame's success frame for data that appends itself.
func answerFrame(id string, data jsonAppender) []byte {
	payload := make([]byte, 0, 512)
	payload = append(payload, `{"v":1,"id":`...)
	payload = appendJSONString(payload, id)
	payload = append(payload, `,"code":0,"info":"","data":`...)
	payload = data.appendJSON(payload)
	payload = append(payload, '}')
	return textFrame(payload)
}

// textFrame puts a WebSocket header (server side: unmasked, final) in
// front of payload.
func textFrame(payload []byte) []byte {
	n := len(payload)
	var hdr []byte
	switch {
	case n <= 125:
		hdr = []byte{0x80 | byte(ws.OpText), byte(n)}
	case n <= 0xffff:
		hdr = []byte{0x80 | byte(ws.OpText), 126, byte(n >> 8), byte(n)}
	default:
		hdr = []byte{0x80 | byte(ws.OpText), 127, 0, 0, 0, 0, byte(n >> 24), byte(n >> 16), byte(n >> 8), byte(n)}
	}
	frame := make([]byte, len(hdr)+n)
	copy(frame, hdr)
	copy(frame[len(hdr):], payload)
	return frame
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s quoted as encoding/json does by default: HTML
// characters (<, >, &) and U+2028/U+2029 escaped as \u00XX / \u202X,
// control characters as \n, \r, \t, \b, \f or \u00XX, invalid UTF-8 replaced by
// U+FFFD.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
