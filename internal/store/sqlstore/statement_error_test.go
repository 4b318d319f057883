package sqlstore

import (
	"database/sql"
	"errors"
	"strings"
	"testing"
)

// A failed statement's error names the statement (whitespace collapsed,
// cut at 60 bytes) and keeps its cause reachable.
func TestStatementErrorNamesTheStatement(t *testing.T) {
	err := statementError("UPDATE accounts\n\t\tSET event_seq = event_seq + 1 WHERE app_id = ? AND user_id = ? RETURNING event_seq", sql.ErrConnDone)
	if !errors.Is(err, sql.ErrConnDone) {
		t.Fatalf("cause lost: %v", err)
	}
	if want := "store: UPDATE accounts SET event_seq = event_seq + 1 WHERE app_id =...: "; !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("%q, want it to start %q", err, want)
	}
	if statementError("SELECT 1", nil) != nil || statementError("SELECT 1", errReadOnly) != errReadOnly {
		t.Fatal("nil and the read-only error must pass through")
	}
}
