package store

import "context"

// UserStatusRow is a user's stored status (table user_status): how the
// user's last session ended and the custom status. A user without a row
// never logged in, or logged out, and has no custom status.
type UserStatusRow struct {
	User string
	// Offline: the last session ended without a logout (a dropped
	// connection, a missed heartbeat).
	Offline bool
	Custom  string
}

// UserStatuses is the user_status table.
type UserStatuses interface {
	// SetCustomStatus stores user's custom status, keeping Offline.
	SetCustomStatus(ctx context.Context, app AppID, user, custom string, now int64) error
	// EndUserStatus records that user's last session ended (offline: not
	// by a logout) and clears the custom status.
	EndUserStatus(ctx context.Context, app AppID, user string, offline bool, now int64) error
	// UserStatuses returns the rows of those of users that have one.
	UserStatuses(ctx context.Context, app AppID, users []string) (map[string]UserStatusRow, error)
}
