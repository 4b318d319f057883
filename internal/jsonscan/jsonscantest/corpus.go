// Package jsonscantest builds the inputs of the differential tests that hold
// jsonscan's fast readings to encoding/json's.
package jsonscantest

import "math/rand/v2"

// Corpus returns seeds and n seeded random mutations of them (bytes
// replaced, dropped, inserted or repeated, drawn mostly from JSON's own
// punctuation and from the cases encoding/json treats specially: escapes,
// HTML characters, U+2028, invalid UTF-8, keys in another case). The same
// arguments give the same corpus.
func Corpus(seeds []string, n int) []string {
	r := rand.New(rand.NewPCG(1, 2))
	out := append([]string{}, seeds...)
	for range n {
		out = append(out, mutate(r, seeds[r.IntN(len(seeds))]))
	}
	return out
}

func mutate(r *rand.Rand, s string) string {
	b := []byte(s)
	const alphabet = "{}[]\",:\\ \t\n0123456789-+.eEtrufalsnu<>&\x00\xe2\x80\xa8\xffaTxKM"
	for n := r.IntN(3) + 1; n > 0 && len(b) > 0; n-- {
		i := r.IntN(len(b))
		switch r.IntN(5) {
		case 0:
			b[i] = alphabet[r.IntN(len(alphabet))]
		case 1:
			b = append(b[:i], b[i+1:]...)
		case 2:
			b = append(b[:i], append([]byte{alphabet[r.IntN(len(alphabet))]}, b[i:]...)...)
		case 3:
			// Flip a letter's case: encoding/json matches keys either way.
			if c := b[i]; c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' {
				b[i] ^= 0x20
			}
		default:
			j := i + r.IntN(len(b)-i)
			b = append(b[:j], append(append([]byte{}, b[i:j]...), b[j:]...)...)
		}
	}
	return string(b)
}
