package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/errcode"
)

// ProtocolVersion is the "v" of every frame (docs/protocol.md).
const ProtocolVersion = 1

// MaxFrameBytes caps an incoming message.
const MaxFrameBytes = 256 << 10

// Protocol error codes (Tencent SDK values).
const (
	CodeNotLoggedIn    = 6014
	CodeInvalidRequest = 6017
	CodeUserSigExpired = 6206
)

// Request is a client frame.
type Request struct {
	V    int             `json:"v"`
	ID   string          `json:"id"`
	Op   string          `json:"op"`
	Data json.RawMessage `json:"data,omitempty"`
}

type response struct {
	V    int    `json:"v"`
	ID   string `json:"id"`
	Code int    `json:"code"`
	Info string `json:"info"`
	Data any    `json:"data,omitempty"`
}

type push struct {
	V    int    `json:"v"`
	Push string `json:"push"`
	Seq  uint64 `json:"seq,omitempty"`
	Data any    `json:"data"`
}

// DecodeRequest parses and validates one client frame. Any failure is an
// *errcode.Error with code 6017; when the id could be read it is returned so
// the error answer can echo it.
func DecodeRequest(b []byte) (Request, error) {
	var r Request
	// json.Unmarshal already refuses anything after the top-level value.
	if err := json.Unmarshal(b, &r); err != nil {
		return r, errcode.Newf(CodeInvalidRequest, "invalid frame: %v", err)
	}
	switch {
	case r.V != ProtocolVersion:
		return r, errcode.Newf(CodeInvalidRequest, "unsupported protocol version %d (want %d)", r.V, ProtocolVersion)
	case r.ID == "" || len(r.ID) > 64:
		return r, errcode.New(CodeInvalidRequest, "invalid frame: id must be 1-64 bytes")
	case r.Op == "":
		return r, errcode.New(CodeInvalidRequest, "invalid frame: missing op")
	}
	return r, nil
}

// encodeFrame renders msg as a complete server-to-client WebSocket text
// frame. Server frames are unmasked, so the bytes are the same for every
// connection: a push is encoded once and written to all recipients as is.
func encodeFrame(msg any) ([]byte, error) {
	payload, err := json.Marshal(msg)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Grow(len(payload) + ws.MaxHeaderSize)
	if err := ws.WriteHeader(&buf, ws.Header{Fin: true, OpCode: ws.OpText, Length: int64(len(payload))}); err != nil {
		return nil, err
	}
	buf.Write(payload)
	return buf.Bytes(), nil
}

func responseFrame(id string, data any, err error) []byte {
	r := response{V: ProtocolVersion, ID: id, Data: data}
	if err != nil {
		ce := errcode.As(err, CodeInvalidRequest)
		r.Code, r.Info = ce.Code, ce.Info
	}
	b, encErr := encodeFrame(r)
	if encErr != nil {
		b, _ = encodeFrame(response{V: ProtocolVersion, ID: id, Code: CodeInvalidRequest, Info: fmt.Sprintf("encode: %v", encErr)})
	}
	return b
}

// PushFrame renders a push.
func PushFrame(kind string, seq uint64, data any) []byte {
	b, _ := encodeFrame(push{V: ProtocolVersion, Push: kind, Seq: seq, Data: data})
	return b
}

// controlFrame renders a server control frame (pong, close).
func controlFrame(op ws.OpCode, payload []byte) []byte {
	var buf bytes.Buffer
	ws.WriteHeader(&buf, ws.Header{Fin: true, OpCode: op, Length: int64(len(payload))})
	buf.Write(payload)
	return buf.Bytes()
}

var (
	closeFrame  = controlFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))
	tooBigFrame = controlFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusMessageTooBig, "frame over 256 KiB"))
)
