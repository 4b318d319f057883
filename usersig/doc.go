// Package usersig issues and checks UserSig tickets (Tencent's TLSSigAPIv2).
//
// Clients and app servers already hold UserSigs minted by Tencent's official
// signers, so Parley must accept them byte for byte and mint tickets those
// signers' verifiers accept in turn. The format itself is fixed by Tencent:
// a zlib-compressed JSON document carrying an HMAC-SHA256 over a line-based
// rendering of its fields, in a URL-safe base64 variant.
//
// Verification depends only on the field values, never on how a particular
// signer laid out the JSON or chose a compression level, because signers in
// the wild (Go, Python, Node, PHP, Java) all differ there.
package usersig
