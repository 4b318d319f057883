package postgres

import "github.com/jackc/pgx/v5"

// SetStatementTracer makes the stores opened from now on tell tr of every
// statement (nil: no tracer).
func SetStatementTracer(tr pgx.QueryTracer) { statementTracer = tr }
