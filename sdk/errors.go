package sdk

import (
	"context"
	"errors"
	"fmt"
)

// Error codes the SDK produces itself (Tencent IM SDK values). Every other
// code in an *Error comes from the server unchanged: the Tencent codes of the
// REST API (30515, 30525, 70001, ...) and the protocol codes below.
const (
	// ErrCodeParseResponse: a server answer could not be decoded
	// (ERR_PARSE_RESPONSE_FAILED).
	ErrCodeParseResponse = 6001
	// ErrCodeNotInitialized: the Manager was closed (ERR_SDK_NOT_INITIALIZED).
	ErrCodeNotInitialized = 6013
	// ErrCodeNotLoggedIn: the call needs a logged-in user (ERR_SDK_NOT_LOGGED_IN);
	// the server answers it too when a request precedes login.
	ErrCodeNotLoggedIn = 6014
	// ErrCodeInvalidParameters: an argument was refused before anything was sent,
	// or the server refused a frame (ERR_INVALID_PARAMETERS).
	ErrCodeInvalidParameters = 6017
	// ErrCodeUserSigExpired: the UserSig expired (ERR_USER_SIG_EXPIRED).
	ErrCodeUserSigExpired = 6206
	// ErrCodeKickedOffline: the session was ended by another login or by the
	// app's REST call (ERR_LOGIN_KICKED_OFF_BY_OTHER).
	ErrCodeKickedOffline = 6208
	// ErrCodeLoginInProgress: Login was called while another Login of the same
	// Manager is still running (ERR_SDK_ACCOUNT_LOGIN_IN_PROCESS).
	ErrCodeLoginInProgress = 7501
	// ErrCodeNetDisconnected: the connection dropped before the answer came
	// (ERR_SDK_NET_DISCONNECT).
	ErrCodeNetDisconnected = 9508
	// ErrCodeNetConnectTimeout: the server could not be reached
	// (ERR_SDK_NET_CONN_TIMEOUT).
	ErrCodeNetConnectTimeout = 9510
	// ErrCodeRequestTimeout: no answer within Config.RequestTimeout or before
	// the context ended (ERR_SDK_NET_WAIT_ACK_TIMEOUT).
	ErrCodeRequestTimeout = 9520
	// ErrCodeFrameTooLarge: the request would exceed the protocol's frame limit
	// (ERR_SDK_NET_PKG_SIZE_LIMIT).
	ErrCodeFrameTooLarge = 9522

	// ResultFriendAddPending is the result code of an AddFriend that created a
	// friend request the target must confirm (Err_SNS_FriendAdd_Need_Confirm).
	// It is a result, not an error.
	ResultFriendAddPending = 30539
)

// Error is the error every SDK call returns: a Tencent error code and its
// description. Errors caused by a context carry it: errors.Is(err,
// context.DeadlineExceeded) works.
type Error struct {
	Code int
	Info string

	cause error
}

func (e *Error) Error() string {
	if e.Info == "" {
		return fmt.Sprintf("parley: error %d", e.Code)
	}
	return fmt.Sprintf("parley: error %d: %s", e.Code, e.Info)
}

// Unwrap returns the underlying cause, if any (a context error, a network
// error).
func (e *Error) Unwrap() error { return e.cause }

// Is reports whether target is an *Error with the same code, so callers can
// write errors.Is(err, &sdk.Error{Code: 30515}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Code == e.Code
}

// ErrorCode returns err's code when it is (or wraps) an *Error, 0 for nil
// and -1 for any other error.
func ErrorCode(err error) int {
	if err == nil {
		return 0
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return -1
}

func newError(code int, format string, args ...any) *Error {
	return &Error{Code: code, Info: fmt.Sprintf(format, args...)}
}

func wrapError(code int, cause error, info string) *Error {
	return &Error{Code: code, Info: info, cause: cause}
}

// ctxError turns a finished context into the SDK's timeout error.
func ctxError(ctx context.Context) *Error {
	err := ctx.Err()
	if cause := context.Cause(ctx); cause != nil {
		err = cause
	}
	return wrapError(ErrCodeRequestTimeout, err, "request abandoned: "+err.Error())
}

// isNetworkError reports whether err says the request did not get a server
// answer (as opposed to a server refusal): retrying after a reconnect may
// succeed.
func isNetworkError(err error) bool {
	switch ErrorCode(err) {
	case ErrCodeNetDisconnected, ErrCodeNetConnectTimeout, ErrCodeRequestTimeout, ErrCodeNotLoggedIn, -1:
		return true
	}
	return false
}

// isUserSigError reports whether a login failure code means the UserSig
// itself is unusable, so logging in again with it cannot succeed.
func isUserSigError(code int) bool {
	return code == ErrCodeUserSigExpired || (code >= 70001 && code <= 70014)
}
