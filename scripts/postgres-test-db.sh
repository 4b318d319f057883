#!/usr/bin/env bash
# Brings up a local PostgreSQL for the store tests on a Debian machine where
# we are root, and prints the admin DSN for PARLEY_TEST_POSTGRES on its last
# line:
#
#   export PARLEY_TEST_POSTGRES="$(scripts/postgres-test-db.sh | tail -n1)"
#   PARLEY_REQUIRE_POSTGRES=1 go test -race ./internal/store/...
#
# Idempotent: installs PostgreSQL only if missing, creates a cluster only if
# there is none, starts it only if it is down, creates the role only if it
# does not exist. Progress goes to stderr; stdout is the DSN alone.
set -euo pipefail

ROLE=parley
PASSWORD=parley

log() { printf 'postgres-test-db: %s\n' "$*" >&2; }

if [[ $(id -u) -ne 0 ]]; then
	log "must run as root (it may install packages and start the cluster)"
	exit 1
fi

if ! command -v pg_ctlcluster >/dev/null 2>&1; then
	log "installing postgresql"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update >&2
	apt-get install -y postgresql >&2
fi

# pg_lsclusters -h: version cluster port status owner datadir logfile
clusters() { pg_lsclusters -h 2>/dev/null || true; }

pick_cluster() {
	# Prefer 15/main, else the first cluster listed.
	clusters | awk '$1 == "15" && $2 == "main" { print; found = 1; exit }
		NR == 1 { first = $0 }
		END { if (!found && first != "") print first }'
}

line=$(pick_cluster)
if [[ -z $line ]]; then
	version=$(ls /usr/lib/postgresql 2>/dev/null | sort -V | tail -n1 || true)
	if [[ -z $version ]]; then
		log "no PostgreSQL server version found under /usr/lib/postgresql"
		exit 1
	fi
	log "creating cluster $version/main"
	pg_createcluster "$version" main >&2
	line=$(pick_cluster)
fi
read -r version name port status _ <<<"$line"
log "using cluster $version/$name on port $port ($status)"

if [[ $status != online* ]]; then
	log "starting cluster $version/$name"
	pg_ctlcluster "$version" "$name" start >&2
fi

# Wait for the server to accept TCP connections on localhost.
for i in $(seq 1 60); do
	if pg_isready -q -h 127.0.0.1 -p "$port"; then
		break
	fi
	if [[ $i -eq 60 ]]; then
		log "server on 127.0.0.1:$port not ready after 60s"
		exit 1
	fi
	sleep 1
done

psql_admin() {
	(cd / && runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -p "$port" -d postgres "$@")
}

if [[ $(psql_admin -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$ROLE'") != 1 ]]; then
	log "creating role $ROLE"
	psql_admin -c "CREATE ROLE $ROLE LOGIN SUPERUSER PASSWORD '$PASSWORD'"
else
	log "role $ROLE exists"
fi

# Check the DSN actually works before handing it out.
if ! PGPASSWORD=$PASSWORD psql -X -q -h 127.0.0.1 -p "$port" -U "$ROLE" -d postgres -tAc 'SELECT 1' >/dev/null; then
	log "cannot log in as $ROLE over TCP on 127.0.0.1:$port (check pg_hba.conf)"
	exit 1
fi

echo "postgres://$ROLE:$PASSWORD@127.0.0.1:$port/postgres?sslmode=disable"
