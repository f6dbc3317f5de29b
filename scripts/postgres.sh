#!/usr/bin/env bash
# postgres.sh installs (if missing) and starts a local PostgreSQL cluster for
# ocimove's tests, then prints its DSN on stdout. It is idempotent: running it
# again reuses the cluster, the role and the database.
#
#   export OCIMOVE_TEST_PG_DSN="$(scripts/postgres.sh)"
#
# It uses Debian's postgresql package and postgresql-common's cluster tools
# (pg_createcluster, pg_ctlcluster), which drop to the postgres user on their
# own: initdb refuses to run as root. Progress goes to stderr.
#
# Environment (all optional):
#   OCIMOVE_PG_PORT     port on 127.0.0.1 (default 55432)
#   OCIMOVE_PG_CLUSTER  cluster name (default ocimove)
#   OCIMOVE_PG_DB       database (default ocimove_test)
#   OCIMOVE_PG_USER     role (default ocimove)
#   OCIMOVE_PG_PASSWORD password (default ocimove; a test-only credential)
set -euo pipefail

PORT="${OCIMOVE_PG_PORT:-55432}"
CLUSTER="${OCIMOVE_PG_CLUSTER:-ocimove}"
DB="${OCIMOVE_PG_DB:-ocimove_test}"
ROLE="${OCIMOVE_PG_USER:-ocimove}"
PASSWORD="${OCIMOVE_PG_PASSWORD:-ocimove}"
SOCKDIR=/var/run/postgresql

log() { echo "postgres.sh: $*" >&2; }
die() { log "error: $*"; exit 1; }

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null || die "run as root, or install sudo"
	SUDO=(sudo)
fi

# pg_version prints the newest installed PostgreSQL server major version.
pg_version() {
	local v
	v="$(ls /usr/lib/postgresql 2>/dev/null | grep -E '^[0-9]+$' | sort -n | tail -1 || true)"
	if [ -n "$v" ] && [ -x "/usr/lib/postgresql/$v/bin/postgres" ]; then
		echo "$v"
	fi
}

install_postgres() {
	if [ -n "$(pg_version)" ] && command -v pg_createcluster >/dev/null; then
		return
	fi
	log "installing Debian's postgresql package"
	export DEBIAN_FRONTEND=noninteractive
	# Lock::Timeout waits for another apt/dpkg run instead of failing at once.
	local apt=("${SUDO[@]}" apt-get -o DPkg::Lock::Timeout=900 -y -q)
	if ! "${apt[@]}" install postgresql >&2; then
		log "install failed; running apt-get update and trying again"
		"${apt[@]}" update >&2
		"${apt[@]}" install postgresql >&2
	fi
	[ -n "$(pg_version)" ] || die "postgresql installed, but no server binary under /usr/lib/postgresql"
}

psql_admin() {
	"${SUDO[@]}" runuser -u postgres -- psql -X -q -h "$SOCKDIR" -p "$PORT" -d postgres -v ON_ERROR_STOP=1 "$@"
}

install_postgres
VER="$(pg_version)"

# The socket directory is made by systemd-tmpfiles on a booted system; a
# container may not have it.
"${SUDO[@]}" install -d -o postgres -g postgres -m 2775 "$SOCKDIR"

if ! "${SUDO[@]}" pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -qx "$VER $CLUSTER"; then
	log "creating cluster $VER/$CLUSTER on 127.0.0.1:$PORT"
	"${SUDO[@]}" pg_createcluster --port "$PORT" --start-conf manual \
		"$VER" "$CLUSTER" -- --auth-local=peer --auth-host=scram-sha-256 >&2
fi

# Settings of our own, in the cluster's conf.d (included by Debian's default
# postgresql.conf); rewritten each run, read at the next start.
CONFD="/etc/postgresql/$VER/$CLUSTER/conf.d"
"${SUDO[@]}" install -d -o postgres -g postgres "$CONFD"
"${SUDO[@]}" tee "$CONFD/ocimove.conf" >/dev/null <<CONF
# Written by ocimove's scripts/postgres.sh.
port = $PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$SOCKDIR'
CONF

status="$("${SUDO[@]}" pg_lsclusters -h | awk -v v="$VER" -v c="$CLUSTER" '$1==v && $2==c {print $4}')"
if [ "$status" != "online" ]; then
	log "starting cluster $VER/$CLUSTER"
	# --skip-systemctl-redirect: start it directly, also where systemd is not
	# running (containers, CI).
	"${SUDO[@]}" pg_ctlcluster --skip-systemctl-redirect "$VER" "$CLUSTER" start >&2
fi

for _ in $(seq 1 60); do
	if "${SUDO[@]}" runuser -u postgres -- pg_isready -q -h "$SOCKDIR" -p "$PORT"; then
		break
	fi
	sleep 0.5
done
"${SUDO[@]}" runuser -u postgres -- pg_isready -q -h "$SOCKDIR" -p "$PORT" ||
	die "cluster $VER/$CLUSTER did not become ready; see /var/log/postgresql/postgresql-$VER-$CLUSTER.log"

# Role and database, created only when missing. Values are passed as psql
# variables and quoted by psql (:'x' literal, :"x" identifier).
psql_admin -v role="$ROLE" -v pw="$PASSWORD" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN CREATEROLE PASSWORD :'pw';
SQL
psql_admin -v role="$ROLE" -v db="$DB" <<'SQL'
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL

log "ready: cluster $VER/$CLUSTER, database $DB, role $ROLE on 127.0.0.1:$PORT"
echo "postgres://${ROLE}:${PASSWORD}@127.0.0.1:${PORT}/${DB}?sslmode=disable"
