// Package errcode holds the Tencent Cloud Chat server error codes that Parley
// returns. Clients written against Tencent branch on these exact numbers, so a
// domain failure is always expressed as one of them rather than as free text.
package errcode

import (
	"errors"
	"fmt"
)

// Error is a failure that travels to the caller as ErrorCode/ErrorInfo (or as a
// per-item ResultCode/ResultInfo in batch APIs).
type Error struct {
	Code int
	Info string
}

func (e *Error) Error() string { return fmt.Sprintf("%d %s", e.Code, e.Info) }

// New builds an *Error; info follows Tencent's habit of naming the failure
// (Err_SNS_...) so that logs from either server read the same way.
func New(code int, info string) *Error { return &Error{Code: code, Info: info} }

// Newf is New with formatting.
func Newf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Info: fmt.Sprintf(format, args...)}
}

// As extracts an *Error from err. An error that is not one (a storage fault,
// a cancelled context) is reported with the fallback code, so the caller
// still receives a documented code instead of a dropped request.
func As(err error, fallback int) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: fallback, Info: "internal error"}
}

// Wrapf says what was being done when err happened: a storage fault is
// wrapped ("relation: add friends of alice: <cause>"), so the log line a door
// writes for it names the operation; nil and a domain failure (an *Error,
// wrapped or not) are returned as they are, so its code and Info still reach
// the client unchanged.
func Wrapf(err error, format string, args ...any) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return err
	}
	return fmt.Errorf(format+": %w", append(args, err)...)
}

// Common REST protocol codes (60000-60021).
const (
	HTTPParse          = 60002
	JSONParse          = 60003
	AccountOrSigInURL  = 60004
	InvalidSDKAppID    = 60006
	RateLimited        = 60007
	Timeout            = 60008 // the request timed out or its HTTP was malformed
	BadResource        = 60009
	RequiresAdmin      = 60010
	SDKAppIDMissing    = 60012
	AccountTypeInvalid = 60015
)

// Account and login codes (70000-72001).
const (
	SigExpired            = 70001
	SigEmpty              = 70002
	SigMalformed          = 70003
	SigInvalid            = 70005
	SigWrongKey           = 70009
	SigIdentifierMismatch = 70013
	SigSDKAppIDMismatch   = 70014
	AccountNotExist       = 70107
	AccountBatchInvalid   = 70206
	AccountLimit          = 70398
	AccountInvalidParam   = 70402
	AccountRequestFailed  = 70403
	AccountInternal       = 70500
	AccountDeleteFailed   = 71000
	// UserStatusDisabled: the app's user status feature is off (another
	// user's status, subscriptions).
	UserStatusDisabled = 72001
)

// Profile codes (40001-40610).
const (
	ProfileBadRequest    = 40001
	ProfileBadParam      = 40002
	ProfileNoAccount     = 40003
	ProfileRequiresAdmin = 40004
	ProfileInternal      = 40006
	ProfileNoReadAccess  = 40007
	ProfileNoWriteAccess = 40008
	ProfileUnknownTag    = 40009
	ProfileValueTooLong  = 40601
	ProfileBadValue      = 40605
	ProfileBadValueType  = 40610
)

// Relationship chain codes (30001-31804).
const (
	SNSBadRequest        = 30001
	SNSAppMismatch       = 30002
	SNSNoAccount         = 30003
	SNSRequiresAdmin     = 30004
	SNSInternal          = 30006
	SNSTimeout           = 30007
	SNSWriteConflict     = 30008
	SNSAddForbidden      = 30009
	SNSFriendLimit       = 30010
	SNSFriendListLimit   = 30011
	SNSPendingLimit      = 30012
	SNSBlocklistLimit    = 30013
	SNSPeerFriendLimit   = 30014
	SNSPeerInMyBlocklist = 30515
	SNSPeerDeniesAll     = 30516
	SNSInPeerBlocklist   = 30525
	SNSPendingApproval   = 30539
	SNSTooFrequent       = 30540
	SNSNoPendingRequest  = 30614
	SNSNotFriend         = 31704
)

// One-to-one message and state service codes (90001-91000).
const (
	OpenIMBadRequest    = 90001
	OpenIMBadToAccount  = 90003
	OpenIMRequiresAdmin = 90009
	OpenIMTooMany       = 90011
	OpenIMInternal      = 90994
)

// Recent contact (conversation) codes (50001-51012).
const (
	RecentContactNoAccount       = 50001
	RecentContactBadParam        = 50002
	RecentContactRequiresAdmin   = 50003
	RecentContactInternal        = 50004
	RecentContactMarkCount       = 51006 // no conversation, or more than 100, in one mark call
	RecentContactBadGroupID      = 51007 // a group conversation whose group does not exist
	RecentContactTooManyMarked   = 51008 // more than 1000 conversations in the group/mark data
	RecentContactNoSuchGroup     = 51009
	RecentContactTooManyGroups   = 51010
	RecentContactGroupNameLength = 51011
)
