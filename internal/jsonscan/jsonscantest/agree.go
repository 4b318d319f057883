package jsonscantest

import (
	"encoding/json"
	"reflect"
	"testing"
)

// SameAsEncodingJSON fails t unless encoding/json reads input into a T
// equal to got, what the fast reading named reader answered for it.
func SameAsEncodingJSON[T any](t testing.TB, reader string, input []byte, got T) {
	t.Helper()
	var want T
	if err := json.Unmarshal(input, &want); err != nil {
		t.Fatalf("%s read %q, which encoding/json refuses: %v", reader, input, err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q:\n%s read  %+v\nencoding/json %+v", input, reader, got, want)
	}
}
