// Package jsonscan reads the few JSON shapes on the per-message paths (a
// socket frame, a send's parameters, a message body) in one pass and
// without reflection.
//
// Its contract is to never disagree with encoding/json: a reader answers
// ok=false for anything it does not handle exactly as encoding/json would
// (an escaped or non-UTF-8 string where a Go string is wanted, a key that
// matches a field only case-insensitively, a duplicate key, a number outside
// the plain form, null, nesting past maxDepth, any syntax error), and the
// caller then decodes the same bytes with encoding/json, which also words
// the error. So the fast path changes what a request costs, never what it
// means. The differential tests hold the two to the same answers.
package jsonscan

import "unicode/utf8"

// maxDepth is the nesting Skip follows before it gives up (and the caller
// falls back to encoding/json, which allows 10,000).
const maxDepth = 64

// Reader reads one JSON text from its start. The zero value is unusable;
// use New.
type Reader struct {
	b []byte
	i int
	// loose records that a skipped value was not in the form json.Marshal
	// writes a json.RawMessage: insignificant whitespace, or a character it
	// escapes for HTML (<, >, &, U+2028, U+2029).
	loose bool
}

// New returns a reader at the start of b. Readers keep subslices of b.
func New(b []byte) *Reader { return &Reader{b: b} }

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func (r *Reader) space() {
	for r.i < len(r.b) && isSpace(r.b[r.i]) {
		r.i++
	}
}

// End reports whether only whitespace is left.
func (r *Reader) End() bool {
	r.space()
	return r.i == len(r.b)
}

// Peek returns the next significant byte, or 0 at the end.
func (r *Reader) Peek() byte {
	r.space()
	if r.i == len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// Object reads an object, calling field with each key; field reads the
// value (through the reader's methods) and reports whether it did. A key
// with an escape is not handled (ok=false).
func (r *Reader) Object(field func(key []byte) bool) bool {
	return r.list('{', '}', func() bool {
		key, ok := r.plainString()
		if !ok || r.Peek() != ':' {
			return false
		}
		r.i++
		return field(key)
	})
}

// Fields reads an object whose keys of interest are names (at most 64):
// field(i) reads the value of names[i] and reports whether it did, and the
// values of other keys are skipped (validated). A key encoding/json might
// take for a name by folding case (Match's Unsure) and a name seen twice
// are not handled (ok=false): which value encoding/json keeps then is its
// own rule, left to the caller's fallback.
func (r *Reader) Fields(names []string, field func(i int) bool) bool {
	if len(names) > 64 {
		return false
	}
	var seen uint64
	return r.Object(func(key []byte) bool {
		i, how := Match(key, names...)
		switch {
		case how == Other:
			_, ok := r.Skip()
			return ok
		case how == Unsure || seen&(1<<i) != 0:
			return false
		}
		seen |= 1 << i
		return field(i)
	})
}

// Array reads an array, calling elem for each element (it reads the
// element and reports whether it did).
func (r *Reader) Array(elem func() bool) bool {
	return r.list('[', ']', elem)
}

// list reads open, items separated by commas (each read by item, which
// reports whether it did), and close; an empty list is open then close.
// Whitespace between the tokens counts against Raw's compact form (next).
func (r *Reader) list(open, close byte, item func() bool) bool {
	if r.next() != open {
		return false
	}
	r.i++
	if r.next() == close {
		r.i++
		return true
	}
	for {
		if !item() {
			return false
		}
		switch r.next() {
		case ',':
			r.i++
		case close:
			r.i++
			return true
		default:
			return false
		}
	}
}

// plainString reads a string with no escape and no control character and
// returns its bytes between the quotes. Non-ASCII bytes must be valid
// UTF-8: encoding/json would replace invalid ones.
func (r *Reader) plainString() ([]byte, bool) {
	if r.Peek() != '"' {
		return nil, false
	}
	start := r.i + 1
	ascii := true
	for j := start; j < len(r.b); j++ {
		c := r.b[j]
		switch {
		case c == '"':
			s := r.b[start:j]
			if !ascii && !utf8.Valid(s) {
				return nil, false
			}
			r.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= 0x80:
			ascii = false
		}
	}
	return nil, false
}

// String reads a string value that decodes to its own bytes.
func (r *Reader) String() (string, bool) {
	s, ok := r.plainString()
	return string(s), ok
}

// Uint reads a non-negative integer in plain form (no sign, fraction or
// exponent) no larger than max.
func (r *Reader) Uint(max uint64) (uint64, bool) {
	r.space()
	j := r.i
	var v uint64
	for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
		d := uint64(r.b[j] - '0')
		if v > (max-d)/10 {
			return 0, false
		}
		v = v*10 + d
		j++
	}
	n := j - r.i
	if n == 0 || (n > 1 && r.b[r.i] == '0') {
		return 0, false
	}
	if j < len(r.b) && (r.b[j] == '.' || r.b[j] == 'e' || r.b[j] == 'E') {
		return 0, false
	}
	r.i = j
	return v, true
}

// Bool reads true or false.
func (r *Reader) Bool() (bool, bool) {
	r.space()
	if r.literal("true") {
		return true, true
	}
	if r.literal("false") {
		return false, true
	}
	return false, false
}

func (r *Reader) literal(lit string) bool {
	if len(r.b)-r.i < len(lit) || string(r.b[r.i:r.i+len(lit)]) != lit {
		return false
	}
	r.i += len(lit)
	return true
}

// Skip reads any one value, checking its syntax as encoding/json does, and
// returns its bytes.
func (r *Reader) Skip() ([]byte, bool) {
	r.space()
	start := r.i
	if !r.skip(0) {
		return nil, false
	}
	return r.b[start:r.i], true
}

// RawObject reads an object value into a copy of its bytes, as
// encoding/json fills a json.RawMessage field (it copies out of its input);
// any other value is not handled (ok=false).
func (r *Reader) RawObject() ([]byte, bool) {
	if r.Peek() != '{' {
		return nil, false
	}
	raw, ok := r.Skip()
	return append([]byte(nil), raw...), ok
}

// Raw is Skip for a value that is to be stored as json.Marshal would write
// it as a json.RawMessage: compact is false when those bytes would differ
// (whitespace between tokens, an HTML character to escape).
func (r *Reader) Raw() (raw []byte, compact bool, ok bool) {
	r.loose = false
	raw, ok = r.Skip()
	return raw, ok && !r.loose, ok
}

func (r *Reader) skip(depth int) bool {
	if depth > maxDepth || r.i == len(r.b) {
		return false
	}
	switch c := r.b[r.i]; {
	case c == '{':
		return r.list('{', '}', func() bool {
			if r.next() != '"' || !r.skipString() || r.next() != ':' {
				return false
			}
			r.i++
			r.next()
			return r.skip(depth + 1)
		})
	case c == '[':
		return r.list('[', ']', func() bool {
			r.next()
			return r.skip(depth + 1)
		})
	case c == '"':
		return r.skipString()
	case c == '-' || (c >= '0' && c <= '9'):
		return r.skipNumber()
	case c == 't':
		return r.literal("true")
	case c == 'f':
		return r.literal("false")
	case c == 'n':
		return r.literal("null")
	}
	return false
}

// next skips whitespace inside a value, noting it (json.Marshal would drop
// it), and returns the next byte or 0.
func (r *Reader) next() byte {
	j := r.i
	r.space()
	if r.i != j {
		r.loose = true
	}
	if r.i == len(r.b) {
		return 0
	}
	return r.b[r.i]
}

// skipString reads a string with any valid escapes. Bytes that are not
// UTF-8 are accepted, as encoding/json's syntax check does.
func (r *Reader) skipString() bool {
	j := r.i + 1
	for j < len(r.b) {
		c := r.b[j]
		switch {
		case c == '"':
			r.i = j + 1
			return true
		case c == '\\':
			if j+1 == len(r.b) {
				return false
			}
			switch r.b[j+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				j += 2
			case 'u':
				if j+6 > len(r.b) {
					return false
				}
				for _, h := range r.b[j+2 : j+6] {
					if !isHex(h) {
						return false
					}
				}
				j += 6
			default:
				return false
			}
		case c < 0x20:
			return false
		case c == '<' || c == '>' || c == '&':
			r.loose = true
			j++
		case c == 0xE2 && j+2 < len(r.b) && r.b[j+1] == 0x80 && (r.b[j+2] == 0xA8 || r.b[j+2] == 0xA9):
			r.loose = true
			j += 3
		default:
			j++
		}
	}
	return false
}

func isHex(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// skipNumber reads a number in JSON's grammar.
func (r *Reader) skipNumber() bool {
	j := r.i
	if r.b[j] == '-' {
		j++
	}
	digits := func() int {
		n := 0
		for j < len(r.b) && r.b[j] >= '0' && r.b[j] <= '9' {
			j++
			n++
		}
		return n
	}
	if j < len(r.b) && r.b[j] == '0' {
		j++
	} else if digits() == 0 {
		return false
	}
	if j < len(r.b) && r.b[j] == '.' {
		j++
		if digits() == 0 {
			return false
		}
	}
	if j < len(r.b) && (r.b[j] == 'e' || r.b[j] == 'E') {
		j++
		if j < len(r.b) && (r.b[j] == '+' || r.b[j] == '-') {
			j++
		}
		if digits() == 0 {
			return false
		}
	}
	r.i = j
	return true
}

// Key reports how a key read by Object stands to the field names a struct
// decodes: Exact when it is one of them as written, Other when
// encoding/json would ignore it (ASCII, and no name case-insensitively),
// and Unsure otherwise (a case-insensitive or non-ASCII match, where the
// caller falls back).
type Key int

const (
	Other Key = iota
	Exact
	Unsure
)

// Match looks key up among names; on Exact, index is the name's position.
func Match(key []byte, names ...string) (index int, how Key) {
	for i, n := range names {
		if string(key) == n {
			return i, Exact
		}
	}
	for _, c := range key {
		if c >= 0x80 {
			return -1, Unsure
		}
	}
	for _, n := range names {
		if equalFoldASCII(key, n) {
			return -1, Unsure
		}
	}
	return -1, Other
}

func equalFoldASCII(a []byte, b string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		x, y := a[i], b[i]
		if 'A' <= x && x <= 'Z' {
			x += 'a' - 'A'
		}
		if 'A' <= y && y <= 'Z' {
			y += 'a' - 'A'
		}
		if x != y {
			return false
		}
	}
	return true
}
