package store

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"
)

// Value is a profile or friend field value. Tencent's wire format types each
// tag as either a string or an integer, and typed clients break when a number
// comes back as a string, so the kind is kept next to the value.
type Value struct {
	Str   string
	Int   int64
	IsInt bool
}

// StringValue and IntValue build Values of each kind.
func StringValue(s string) Value { return Value{Str: s} }
func IntValue(n int64) Value     { return Value{Int: n, IsInt: true} }

// IsZero reports the value a tag has when it was never set.
func (v Value) IsZero() bool { return !v.IsInt && v.Str == "" }

// MarshalJSON writes a JSON number or string.
func (v Value) MarshalJSON() ([]byte, error) {
	if v.IsInt {
		return strconv.AppendInt(nil, v.Int, 10), nil
	}
	return json.Marshal(v.Str)
}

// UnmarshalJSON accepts a JSON number or string; anything else is an error so
// that a caller can answer with the API's "wrong value type" code.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = StringValue(s)
		return nil
	}
	n, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("value %s is neither a string nor an integer", b)
	}
	*v = IntValue(n)
	return nil
}
