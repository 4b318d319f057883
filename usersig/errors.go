package usersig

import "fmt"

// Error reports a rejected UserSig with the code Tencent's server would have
// returned, so REST and login handlers can pass it to clients unchanged.
type Error struct {
	Code int
	Info string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Info) }

// Codes from Tencent's server error table. Clients branch on these numbers,
// so they are not Parley's to choose.
const (
	CodeExpired            = 70001
	CodeEmpty              = 70002
	CodeMalformed          = 70003
	CodeInvalid            = 70005
	CodeWrongKey           = 70009
	CodeIdentifierMismatch = 70013
	CodeSDKAppIDMismatch   = 70014
)

// The Info texts follow Tencent's error table so that logs and client
// messages read the same whichever server produced them. Each call gets a
// fresh *Error because callers may annotate or keep the value.
func errExpired() error { return &Error{CodeExpired, "UserSig expired"} }
func errEmpty() error   { return &Error{CodeEmpty, "The value of UserSig is 0 bytes"} }

func errMalformed(why string) error {
	return &Error{CodeMalformed, "Invalid UserSig: " + why}
}

func errInvalid(why string) error {
	return &Error{CodeInvalid, "Invalid UserSig: " + why}
}

func errWrongKey() error {
	return &Error{CodeWrongKey, "UserSig authentication failed, probably because the private key or key of another SDKAppID was mistakenly used to generate the UserSig"}
}

func errIdentifierMismatch() error {
	return &Error{CodeIdentifierMismatch, "The UserID in the request does not match the UserID used to generate the UserSig"}
}

func errSDKAppIDMismatch() error {
	return &Error{CodeSDKAppIDMismatch, "The SDKAppID in the request does not match the SDKAppID used to generate the UserSig"}
}
