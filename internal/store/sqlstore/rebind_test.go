package sqlstore

import "testing"

// An engine with numbered placeholders gets every ? numbered in order, the
// text around them unchanged; one with ? gets the statement as written.
func TestRebindNumbersEveryPlaceholder(t *testing.T) {
	numbered := &DB{dialect: Dialect{NumberedPlaceholders: true}}
	for q, want := range map[string]string{
		"":                                     "",
		"SELECT 1":                             "SELECT 1",
		"?":                                    "$1",
		"SELECT ? FROM t WHERE a = ? AND b=?":  "SELECT $1 FROM t WHERE a = $2 AND b=$3",
		"??":                                   "$1$2",
		"IN (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)": "IN ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
	} {
		if got := numbered.rebind(q); got != want {
			t.Errorf("rebind(%q) = %q, want %q", q, got, want)
		}
	}
	plain := &DB{dialect: Dialect{}}
	if got := plain.rebind("a = ? AND b = ?"); got != "a = ? AND b = ?" {
		t.Errorf("rebind without numbered placeholders changed the statement: %q", got)
	}
}
