package usersig

import (
	"bytes"
	"compress/zlib"
	"encoding/base64"
	"io"
	"sync"
)

// maxInflated caps the decompressed document. A genuine one is a few hundred
// bytes (a PrivateMapKey userbuf adds tens), so 64 KiB is generous while
// keeping a zlib bomb from costing more than that much memory per request.
const maxInflated = 64 << 10

// maxSigLen rejects oversized input before any decoding work. A level-0
// (stored) stream of maxInflated bytes encodes to about 87 KiB, so nothing
// that could inflate within the cap is refused.
const maxSigLen = 128 << 10

// encodeSig applies Tencent's URL-safe alphabet. It is not base64.URLEncoding:
// Tencent maps '+' to '*' and '/' to '-', and pads with '_'.
func encodeSig(raw []byte) string {
	out := base64.StdEncoding.AppendEncode(make([]byte, 0, base64.StdEncoding.EncodedLen(len(raw))), raw)
	for i, c := range out {
		switch c {
		case '+':
			out[i] = '*'
		case '/':
			out[i] = '-'
		case '=':
			out[i] = '_'
		}
	}
	return string(out)
}

// decodeSig reverses encodeSig. Like the official verifier it also accepts
// the standard alphabet mixed in, and it tolerates missing padding because
// some transports strip trailing '_' and the zlib checksum still guards the
// result.
func decodeSig(sig string) ([]byte, error) {
	if len(sig) > maxSigLen {
		return nil, errMalformed("too long")
	}
	b := []byte(sig)
	for i, c := range b {
		switch c {
		case '*':
			b[i] = '+'
		case '-':
			b[i] = '/'
		case '_':
			b[i] = '='
		}
	}
	b = bytes.TrimRight(b, "=")
	out := make([]byte, base64.RawStdEncoding.DecodedLen(len(b)))
	n, err := base64.RawStdEncoding.Decode(out, b)
	if err != nil {
		return nil, errMalformed("bad base64")
	}
	return out[:n], nil
}

// zlibReaders recycles decompressors: each holds tens of KiB of Huffman
// tables, and allocating one per request dominated uncached verification.
var zlibReaders sync.Pool

// inflate decompresses at most maxInflated bytes. Any zlib level is accepted,
// since the official Go signer stores uncompressed while others deflate.
func inflate(compressed []byte) ([]byte, error) {
	src := bytes.NewReader(compressed)
	var zr io.ReadCloser
	if v, ok := zlibReaders.Get().(io.ReadCloser); ok {
		if err := v.(zlib.Resetter).Reset(src, nil); err != nil {
			zlibReaders.Put(v)
			return nil, errMalformed("not zlib")
		}
		zr = v
	} else {
		r, err := zlib.NewReader(src)
		if err != nil {
			return nil, errMalformed("not zlib")
		}
		zr = r
	}
	defer zlibReaders.Put(zr)

	// Reading to EOF (rather than stopping at a closing brace) is what makes
	// the reader verify the Adler-32 trailer.
	out, err := io.ReadAll(io.LimitReader(zr, maxInflated+1))
	if err != nil {
		return nil, errMalformed("bad zlib stream")
	}
	if len(out) > maxInflated {
		return nil, errMalformed("inflated document too large")
	}
	return out, nil
}

// zlibWriters recycles compressors, which allocate close to a megabyte of
// state each; without reuse that allocation is nearly all of Generate's cost.
var zlibWriters sync.Pool

// deflate compresses at the default level: smaller tokens than the official
// Go signer's stored blocks, and every verifier inflates any level.
func deflate(doc []byte) []byte {
	var buf bytes.Buffer
	zw, ok := zlibWriters.Get().(*zlib.Writer)
	if ok {
		zw.Reset(&buf)
	} else {
		zw = zlib.NewWriter(&buf)
	}
	zw.Write(doc) // writes to a bytes.Buffer cannot fail
	zw.Close()
	zlibWriters.Put(zw)
	return buf.Bytes()
}
