package store

// SessionRow is one logged-in client instance in the cluster session
// directory (Sessions). Node and Conn name it: the node's random ID and the
// connection's number on that node.
type SessionRow struct {
	App      AppID
	User     string
	Node     uint64
	Conn     uint64
	Platform string
	Instance string
	LoginAt  int64 // unix milliseconds, as the logging-in node saw it
	// Seq orders one user's logins: PutSession gives one more than the
	// user's highest. Oldest first is ascending Seq.
	Seq uint64
	// KickedReason is empty for a live session. Set, the session was
	// pushed out or kicked (at KickedAt, unix milliseconds) by a decision
	// its node must still carry out, telling the client this reason; such
	// a row counts as online for nobody (Sessions, Kicks).
	KickedReason string
	KickedAt     int64
}

// SessionKey names one session of the directory.
type SessionKey struct {
	Node, Conn uint64
}
