package sdk

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
)

// ProtocolVersion is the "v" of every frame (docs/protocol.md).
const ProtocolVersion = 1

// MaxFrameBytes is the protocol's cap on one frame, in either direction.
const MaxFrameBytes = 256 << 10

// maxIDBytes caps a request id.
const maxIDBytes = 64

// frame is a decoded server frame: a response (Push empty) or a push.
type frame struct {
	// Response fields.
	ID   string
	Code int
	Info string
	// Push fields.
	Push string
	Seq  uint64
	// Data is the raw "data" value, nil when absent or null.
	Data json.RawMessage
}

func (f frame) isPush() bool { return f.Push != "" }

// wireFrame mirrors the JSON; pointers tell absent fields from zero ones.
type wireFrame struct {
	V    *int            `json:"v"`
	ID   *string         `json:"id"`
	Code *int            `json:"code"`
	Info string          `json:"info"`
	Push *string         `json:"push"`
	Seq  *uint64         `json:"seq"`
	Data json.RawMessage `json:"data"`
	Op   *string         `json:"op"`
}

var (
	errNotObject = errors.New("frame is not a JSON object")
	errTrailing  = errors.New("trailing data after the frame's JSON object")
)

// decodeFrame parses one server text message. It accepts exactly one JSON
// object with "v":1 that is either a response ("id" and "code" present) or a
// push (a non-empty "push"); everything else is an error. It never panics.
func decodeFrame(b []byte) (frame, error) {
	if len(b) > MaxFrameBytes {
		return frame{}, fmt.Errorf("frame of %d bytes exceeds %d", len(b), MaxFrameBytes)
	}
	t := bytes.TrimLeft(b, " \t\r\n")
	if len(t) == 0 || t[0] != '{' {
		return frame{}, errNotObject
	}
	d := json.NewDecoder(bytes.NewReader(t))
	var w wireFrame
	if err := d.Decode(&w); err != nil {
		return frame{}, fmt.Errorf("invalid frame: %w", err)
	}
	if len(bytes.TrimSpace(t[d.InputOffset():])) != 0 {
		return frame{}, errTrailing
	}
	if w.V == nil {
		return frame{}, errors.New("frame without \"v\"")
	}
	if *w.V != ProtocolVersion {
		return frame{}, fmt.Errorf("unsupported protocol version %d", *w.V)
	}
	f := frame{Info: w.Info}
	if len(w.Data) > 0 && string(w.Data) != "null" {
		f.Data = w.Data
	}
	switch {
	case w.Push != nil:
		if *w.Push == "" {
			return frame{}, errors.New("push frame with an empty \"push\"")
		}
		if w.ID != nil {
			return frame{}, errors.New("frame is both a push and a response")
		}
		f.Push = *w.Push
		if w.Seq != nil {
			f.Seq = *w.Seq
		}
	case w.ID != nil:
		if w.Code == nil {
			return frame{}, errors.New("response frame without \"code\"")
		}
		if w.Op != nil {
			return frame{}, errors.New("server frame with an \"op\"")
		}
		f.ID, f.Code = *w.ID, *w.Code
	default:
		return frame{}, errors.New("frame is neither a response nor a push")
	}
	return f, nil
}

// request is a client frame.
type request struct {
	V    int    `json:"v"`
	ID   string `json:"id"`
	Op   string `json:"op"`
	Data any    `json:"data"`
}

// encodeRequest renders a request as the JSON text of one frame. A nil data
// is sent as {}.
func encodeRequest(id, op string, data any) ([]byte, error) {
	if id == "" || len(id) > maxIDBytes {
		return nil, newError(ErrCodeInvalidParameters, "request id must be 1-%d bytes", maxIDBytes)
	}
	if data == nil {
		data = struct{}{}
	}
	b, err := json.Marshal(request{V: ProtocolVersion, ID: id, Op: op, Data: data})
	if err != nil {
		return nil, wrapError(ErrCodeInvalidParameters, err, "encode request: "+err.Error())
	}
	if len(b) > MaxFrameBytes {
		return nil, newError(ErrCodeFrameTooLarge, "request of %d bytes exceeds the %d-byte frame limit", len(b), MaxFrameBytes)
	}
	return b, nil
}
