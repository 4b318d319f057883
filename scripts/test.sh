#!/usr/bin/env bash
# The whole test suite: every package under the race detector, the store
# suite on both engines (a local PostgreSQL is installed and started if
# needed), and the process tests (kill -9 durability, config files) against
# both engines as well; on PostgreSQL they include the cluster tests, with a
# real nats-server (installed with `go install` if there is none).
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v go >/dev/null 2>&1; then
	echo "test.sh: Go is required (https://go.dev/dl/)" >&2
	exit 1
fi

DSN=$(scripts/postgres-test-db.sh | tail -n1)
export PARLEY_TEST_POSTGRES="$DSN" PARLEY_REQUIRE_POSTGRES=1

# The cluster process tests start a real nats-server: PARLEY_E2E_NATS_SERVER,
# else the one on PATH or in $GOPATH/bin, else the version go.mod pins, built
# from the Go module proxy. PARLEY_REQUIRE_NATS=1 makes them fail rather than
# skip without it.
NATS_SERVER=${PARLEY_E2E_NATS_SERVER:-$(command -v nats-server || true)}
GOBIN_DIR=$(go env GOBIN)
GOBIN_DIR=${GOBIN_DIR:-$(go env GOPATH | cut -d: -f1)/bin}
if [[ -z $NATS_SERVER && -x $GOBIN_DIR/nats-server ]]; then
	NATS_SERVER=$GOBIN_DIR/nats-server
fi
if [[ -z $NATS_SERVER ]]; then
	NATS_VERSION=$(go list -m -f '{{.Version}}' github.com/nats-io/nats-server/v2)
	echo "== installing nats-server $NATS_VERSION (go install)"
	go install "github.com/nats-io/nats-server/v2@$NATS_VERSION"
	NATS_SERVER=$GOBIN_DIR/nats-server
fi
export PARLEY_E2E_NATS_SERVER="$NATS_SERVER" PARLEY_REQUIRE_NATS=1
echo "== nats-server: $("$NATS_SERVER" --version)"

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
	# Go 1.26's fuzzing coordinator can fail a target with a bare "context
	# deadline exceeded" as -fuzztime ends (go.dev/issue/75804, fixed in Go
	# 1.27): no input failed then, none is written. That case alone is run
	# once more; any failing input, panic or other error fails the suite.
	if ! out=$(go test -run '^$' -fuzz "^${name}\$" -fuzztime "${FUZZTIME:-5s}" "$(dirname "$file")" 2>&1); then
		echo "$out"
		if grep -q 'context deadline exceeded' <<<"$out" && ! grep -qE 'Failing input written|panic:' <<<"$out"; then
			echo "-- $name: the coordinator's deadline race (go.dev/issue/75804), no failing input: running it once more"
			go test -run '^$' -fuzz "^${name}\$" -fuzztime "${FUZZTIME:-5s}" "$(dirname "$file")"
		else
			exit 1
		fi
	else
		echo "$out" | tail -n 3
	fi
done

echo "== process tests on PostgreSQL"
PARLEY_E2E_STORE=postgres PARLEY_E2E_POSTGRES_DSN="$DSN" go test -count=1 -timeout 10m ./e2e/

# The Web SDK (web/sdk): esbuild build, tsc declarations and the type test
# against Tencent's typings, then vitest against a real `parley serve` built
# from this tree, on SQLite, then again on a fresh PostgreSQL database. It
# needs Node 20.19 or later with npm; without them the step is skipped with a
# message, or fails when PARLEY_REQUIRE_NODE is set.
echo "== web/sdk (npm ci && npm test; vitest again on PostgreSQL)"
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
	node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
	(cd web/sdk && npm ci --no-audit --no-fund && npm test &&
		PARLEY_E2E_STORE=postgres PARLEY_E2E_POSTGRES_DSN="$DSN" node test/run.mjs)
elif [[ -n ${PARLEY_REQUIRE_NODE:-} ]]; then
	echo "test.sh: PARLEY_REQUIRE_NODE is set but Node >= 20.19 and npm are not installed" >&2
	exit 1
else
	echo "== web/sdk SKIPPED: Node >= 20.19 and npm are not installed (set PARLEY_REQUIRE_NODE=1 to make this an error)"
fi

# The web app (web/app): tsc, then a fresh esbuild build compared with the
# bundle committed in internal/webapp/bundle (the binary embeds that one, so
# a stale bundle fails here), then the browser tests: Debian's chromium
# driven by playwright-core against a real `parley serve`, on SQLite, then on
# a fresh PostgreSQL database. Screenshots go to PARLEY_SCREENSHOTS (default
# artifacts/screenshots, the PostgreSQL run's in its postgres/ subdirectory).
# Without Node or chromium the step is skipped with a message, or fails when
# PARLEY_REQUIRE_NODE or PARLEY_REQUIRE_BROWSER is set.
echo "== web/app (npm ci; tsc and the committed bundle against a fresh build; browser tests on SQLite and PostgreSQL)"
CHROMIUM=${CHROMIUM:-$(command -v chromium || command -v chromium-browser || true)}
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 &&
	node -e 'const [a,b]=process.versions.node.split(".").map(Number); process.exit(a>20||(a===20&&b>=19)?0:1)'; then
	(cd web/app && npm ci --no-audit --no-fund && npm run check)
	if [[ -n $CHROMIUM ]]; then
		SHOTS=${PARLEY_SCREENSHOTS:-$PWD/artifacts/screenshots}
		(cd web/app && CHROMIUM="$CHROMIUM" PARLEY_SCREENSHOTS="$SHOTS" npm test &&
			CHROMIUM="$CHROMIUM" PARLEY_SCREENSHOTS="$SHOTS/postgres" PARLEY_E2E_STORE=postgres PARLEY_E2E_POSTGRES_DSN="$DSN" npm test)
	elif [[ -n ${PARLEY_REQUIRE_BROWSER:-} ]]; then
		echo "test.sh: PARLEY_REQUIRE_BROWSER is set but there is no chromium (apt-get install -y chromium, or set CHROMIUM)" >&2
		exit 1
	else
		echo "== web/app browser tests SKIPPED: no chromium (apt-get install -y chromium; PARLEY_REQUIRE_BROWSER=1 makes this an error)"
	fi
elif [[ -n ${PARLEY_REQUIRE_NODE:-} ]]; then
	echo "test.sh: PARLEY_REQUIRE_NODE is set but Node >= 20.19 and npm are not installed" >&2
	exit 1
else
	echo "== web/app SKIPPED: Node >= 20.19 and npm are not installed (set PARLEY_REQUIRE_NODE=1 to make this an error)"
fi
