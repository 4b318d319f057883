package usersig

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

var (
	errGenEmptyKey        = errors.New("usersig: empty key")
	errGenEmptyIdentifier = errors.New("usersig: empty identifier")
	errGenBadIdentifier   = errors.New("usersig: identifier is not valid UTF-8")
	errGenNegativeExpire  = errors.New("usersig: negative expire")
)

// document fixes the field order of the official signers, so tokens minted
// here look like Tencent's to anyone inspecting them; verifiers do not care.
type document struct {
	Ver        string  `json:"TLS.ver"`
	Identifier string  `json:"TLS.identifier"`
	SDKAppID   uint64  `json:"TLS.sdkappid"`
	Expire     int64   `json:"TLS.expire"`
	Time       int64   `json:"TLS.time"`
	UserBuf    *string `json:"TLS.userbuf,omitempty"`
	Sig        string  `json:"TLS.sig"`
}

// Generate signs a ticket. key is the app secret used as its UTF-8 bytes.
func Generate(sdkAppID uint64, key, identifier string, expire int64, now time.Time) (string, error) {
	return GenerateWithUserBuf(sdkAppID, key, identifier, expire, nil, now)
}

// GenerateWithUserBuf signs a ticket carrying opaque userBuf bytes (TRTC's
// PrivateMapKey rides here). nil means absent. A non-nil empty userBuf is
// present: its line is signed and the field is emitted as "", because
// Tencent's Go signer signs the line yet omits the empty field, minting
// tickets that no verifier, its own included, accepts.
func GenerateWithUserBuf(sdkAppID uint64, key, identifier string, expire int64, userBuf []byte, now time.Time) (string, error) {
	switch {
	case key == "":
		// An empty HMAC key would mint tickets anyone can forge.
		return "", errGenEmptyKey
	case identifier == "":
		return "", errGenEmptyIdentifier
	case !utf8.ValidString(identifier):
		// encoding/json would replace the bad bytes, so the document would
		// no longer carry the identifier the MAC covers.
		return "", errGenBadIdentifier
	case expire < 0:
		return "", errGenNegativeExpire
	}
	t := Ticket{
		Identifier: identifier,
		SDKAppID:   sdkAppID,
		Time:       now.Unix(),
		Expire:     expire,
		UserBuf:    userBuf,
	}
	doc := document{
		Ver:        "2.0",
		Identifier: t.Identifier,
		SDKAppID:   t.SDKAppID,
		Expire:     t.Expire,
		Time:       t.Time,
		Sig:        base64.StdEncoding.EncodeToString(mac(key, t)),
	}
	if userBuf != nil {
		s := base64.StdEncoding.EncodeToString(userBuf)
		doc.UserBuf = &s
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return "", err
	}
	return encodeSig(deflate(js)), nil
}
