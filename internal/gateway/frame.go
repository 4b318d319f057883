package gateway

import (
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"unicode/utf8"

	"github.com/gobwas/ws"

	"github.com/parleyim/parley/internal/errcode"
	"github.com/parleyim/parley/internal/jsonscan"
)

// ProtocolVersion is the "v" of every frame (docs/protocol.md).
const ProtocolVersion = 1

// MaxFrameBytes caps an incoming message (all its fragments together) of a
// logged-in connection.
const MaxFrameBytes = 256 << 10

// Protocol error codes (Tencent SDK and server values).
const (
	CodeRequestTimeout = 6012
	CodeNotLoggedIn    = 6014
	CodeInvalidRequest = 6017
	CodeUserSigExpired = 6206
	// CodeRateLimited is the SDK's "API call frequency limit": a client-door
	// rate limit, or too many requests in flight on one connection.
	CodeRateLimited = 7008
	// CodeInternal is Tencent's "internal server error"; the answer carries
	// a requestID that names the server's log line.
	CodeInternal = 20005
)

// Request is a client frame.
type Request struct {
	V    int             `json:"v"`
	ID   string          `json:"id"`
	Op   string          `json:"op"`
	Data json.RawMessage `json:"data,omitempty"`
}

type response struct {
	V         int    `json:"v"`
	ID        string `json:"id"`
	Code      int    `json:"code"`
	Info      string `json:"info"`
	RequestID string `json:"requestID,omitempty"`
	Data      any    `json:"data,omitempty"`
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
	r, ok := decodeRequestFast(b)
	if !ok {
		// json.Unmarshal already refuses anything after the top-level
		// value. What it read before an error (the id) stays in r.
		r = Request{}
		if err := json.Unmarshal(b, &r); err != nil {
			return r, errcode.Newf(CodeInvalidRequest, "invalid frame: %v", err)
		}
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
	if a, ok := data.(jsonAppender); ok && err == nil {
		return answerFrame(id, a)
	}
	r := response{V: ProtocolVersion, ID: id, Data: data}
	var ie *internalError
	if errors.As(err, &ie) {
		r.Code, r.Info, r.RequestID, r.Data = CodeInternal, "internal server error (request id "+ie.requestID+")", ie.requestID, nil
	} else if err != nil {
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
	if m, ok := data.(Message); ok && seq == 0 {
		return messagePushFrame(kind, m)
	}
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

var closeFrame = controlFrame(ws.OpClose, ws.NewCloseFrameBody(ws.StatusNormalClosure, ""))

// closeFrameWith renders a close frame with a status code and a reason
// (truncated to fit the 125-byte control payload).
func closeFrameWith(code ws.StatusCode, reason string) []byte {
	if len(reason) > 123 {
		reason = reason[:123]
	}
	return controlFrame(ws.OpClose, ws.NewCloseFrameBody(code, reason))
}

func tooBigReason(limit int64) string {
	return fmt.Sprintf("message over %d KiB", limit>>10)
}

func validUTF8(b []byte) bool { return utf8.Valid(b) }

func invalidRequest(info string) error { return errcode.New(CodeInvalidRequest, info) }

var tooManyInFlight = errcode.Newf(CodeRateLimited,
	"too many requests in flight: at most %d requests or %d KiB read and not answered; the connection closes (1008)",
	MaxQueuedRequests, MaxQueuedRequestBytes>>10)

// internalError is a failure that is not the client's: the answer is 20005
// with the ID of the server's log line, never the error's text.
type internalError struct{ requestID string }

func (e *internalError) Error() string { return "internal error, request id " + e.requestID }

func isDomainError(err error) bool {
	var e *errcode.Error
	return errors.As(err, &e)
}

// newRequestID returns 16 random hex digits.
func newRequestID() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

var requestFields = []string{"v", "id", "op", "data"}

// decodeRequestFast is DecodeRequest's reading of the common frame, a
// plain object of v, id, op and an object data, without reflection; ok is
// false for anything else, which encoding/json then reads (jsonscan's
// contract: the same answer either way).
func decodeRequestFast(b []byte) (r Request, ok bool) {
	rd := jsonscan.New(b)
	ok = rd.Fields(requestFields, func(i int) bool {
		switch i {
		case 0:
			v, ok := rd.Uint(1 << 31)
			r.V = int(v)
			return ok
		case 1:
			var ok bool
			r.ID, ok = rd.String()
			return ok
		case 2:
			var ok bool
			r.Op, ok = rd.String()
			return ok
		default:
			var ok bool
			r.Data, ok = rd.RawObject()
			return ok
		}
	})
	return r, ok && rd.End()
}
