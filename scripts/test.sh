#!/usr/bin/env bash
# The whole test suite: every package under the race detector, the store
# suite on both engines (a local PostgreSQL is installed and started if
# needed), and the process tests (kill -9 durability, config files) against
# both engines as well.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
	echo "test.sh: Go is required (https://go.dev/dl/)" >&2
	exit 1
fi

DSN=$(scripts/postgres-test-db.sh | tail -n1)
export PARLEY_TEST_POSTGRES="$DSN" PARLEY_REQUIRE_POSTGRES=1

echo "== go vet"
go vet ./...

echo "== go test -race ./... (SQLite and PostgreSQL)"
go test -race -count=1 -timeout 20m ./...

# Every fuzz target of the repository, briefly: go test -fuzz takes one
# target per run. FUZZTIME overrides the time per target.
echo "== fuzz targets (${FUZZTIME:-5s} each)"
grep -rHo --include='*_test.go' '^func Fuzz[A-Za-z0-9_]*' . | sort | while IFS=: read -r file decl; do
	name=${decl#func }
	echo "-- $name ($(dirname "$file"))"
	go test -run '^$' -fuzz "^${name}\$" -fuzztime "${FUZZTIME:-5s}" "$(dirname "$file")"
done

echo "== process tests on PostgreSQL"
PARLEY_E2E_STORE=postgres PARLEY_E2E_POSTGRES_DSN="$DSN" go test -count=1 -timeout 10m ./e2e/
