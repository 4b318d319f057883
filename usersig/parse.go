package usersig

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"strconv"
)

// JSON field names of the signed document.
const (
	fieldIdentifier = "TLS.identifier"
	fieldSDKAppID   = "TLS.sdkappid"
	fieldExpire     = "TLS.expire"
	fieldTime       = "TLS.time"
	fieldUserBuf    = "TLS.userbuf"
	fieldSig        = "TLS.sig"
)

// Parse decodes a UserSig without checking its signature, for diagnostics
// and for callers that only need the claimed identity. Nothing it returns
// may be trusted until Verify has accepted the same sig.
func Parse(sig string) (Ticket, error) {
	t, _, err := decode(sig)
	return t, err
}

// decode returns the ticket and the claimed TLS.sig bytes.
func decode(sig string) (Ticket, []byte, error) {
	if sig == "" {
		return Ticket{}, nil, errEmpty()
	}
	compressed, err := decodeSig(sig)
	if err != nil {
		return Ticket{}, nil, err
	}
	doc, err := inflate(compressed)
	if err != nil {
		return Ticket{}, nil, err
	}
	return parseDoc(doc)
}

// parseDoc reads fields by exact name from a generic object rather than
// unmarshalling into a struct: encoding/json matches struct tags
// case-insensitively, and a signer's key order or spacing must not matter.
func parseDoc(doc []byte) (Ticket, []byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(doc, &fields); err != nil {
		return Ticket{}, nil, errInvalid("bad JSON")
	}
	var (
		t   Ticket
		ok  bool
		err error
	)
	if t.Identifier, ok, err = stringField(fields, fieldIdentifier); err != nil || !ok {
		return Ticket{}, nil, fieldError(fieldIdentifier, err)
	}
	if t.SDKAppID, ok, err = uintField(fields, fieldSDKAppID); err != nil || !ok {
		return Ticket{}, nil, fieldError(fieldSDKAppID, err)
	}
	if t.Time, ok, err = intField(fields, fieldTime); err != nil || !ok {
		return Ticket{}, nil, fieldError(fieldTime, err)
	}
	// A missing expire means a zero lifetime, i.e. already expired, which is
	// how the official verifier's zero-valued struct field behaves.
	if t.Expire, _, err = intField(fields, fieldExpire); err != nil {
		return Ticket{}, nil, fieldError(fieldExpire, err)
	}
	if t.UserBuf, _, err = bytesField(fields, fieldUserBuf); err != nil {
		return Ticket{}, nil, fieldError(fieldUserBuf, err)
	}
	sig, ok, err := bytesField(fields, fieldSig)
	if err != nil || !ok {
		return Ticket{}, nil, fieldError(fieldSig, err)
	}
	return t, sig, nil
}

func fieldError(name string, err error) error {
	if err != nil {
		return errInvalid(name + " " + err.Error())
	}
	return errInvalid(name + " missing")
}

type fieldErr string

func (e fieldErr) Error() string { return string(e) }

const (
	errNotString = fieldErr("is not a string")
	errNotInt    = fieldErr("is not an integer")
	errNotBase64 = fieldErr("is not base64")
)

// raw returns a field's JSON text; null counts as absent so that signers
// which emit null for unset optionals behave like those which omit them.
func raw(fields map[string]json.RawMessage, name string) ([]byte, bool) {
	r, ok := fields[name]
	if !ok {
		return nil, false
	}
	r = bytes.TrimSpace(r)
	if string(r) == "null" {
		return nil, false
	}
	return r, true
}

func stringField(fields map[string]json.RawMessage, name string) (string, bool, error) {
	r, ok := raw(fields, name)
	if !ok {
		return "", false, nil
	}
	if r[0] != '"' {
		return "", true, errNotString
	}
	var s string
	if err := json.Unmarshal(r, &s); err != nil {
		return "", true, errNotString
	}
	return s, true, nil
}

// numberText accepts a JSON integer or a string holding one, since some
// hand-written signers quote their numbers. Fractions and exponents are
// refused: the MAC covers the decimal rendering, and a signer that wrote
// 1.7e9 cannot have signed anything this side would reproduce.
func numberText(fields map[string]json.RawMessage, name string) (string, bool, error) {
	r, ok := raw(fields, name)
	if !ok {
		return "", false, nil
	}
	if r[0] == '"' {
		var s string
		if err := json.Unmarshal(r, &s); err != nil {
			return "", true, errNotInt
		}
		return s, true, nil
	}
	return string(r), true, nil
}

func intField(fields map[string]json.RawMessage, name string) (int64, bool, error) {
	s, ok, err := numberText(fields, name)
	if err != nil || !ok {
		return 0, ok, err
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, true, errNotInt
	}
	return n, true, nil
}

func uintField(fields map[string]json.RawMessage, name string) (uint64, bool, error) {
	s, ok, err := numberText(fields, name)
	if err != nil || !ok {
		return 0, ok, err
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, true, errNotInt
	}
	return n, true, nil
}

// bytesField decodes standard base64, padded or not. A present but empty
// string yields a non-nil empty slice, because presence alone decides
// whether the userbuf line is part of the MAC.
func bytesField(fields map[string]json.RawMessage, name string) ([]byte, bool, error) {
	s, ok, err := stringField(fields, name)
	if err != nil || !ok {
		return nil, ok, err
	}
	s = trimPadding(s)
	b, err := base64.RawStdEncoding.DecodeString(s)
	if err != nil {
		return nil, true, errNotBase64
	}
	return b, true, nil
}

func trimPadding(s string) string {
	for len(s) > 0 && s[len(s)-1] == '=' {
		s = s[:len(s)-1]
	}
	return s
}
