#!/bin/sh
# Creates Temporal's databases on PostgreSQL and brings their schemas up to
# the versions this admin-tools image ships; run by the temporal-schema
# service of docker-compose.yml before the server starts. Safe to run again:
# an existing database is kept, and update-schema applies only what is new.
set -eu

: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
DB_PORT=${DB_PORT:-5432}
SCHEMA=/etc/temporal/schema/postgresql/v12

sql() {
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$DB_PORT" -u "$POSTGRES_USER" "$@"
}

for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*} dir=${db#*:}
  echo "database $name"
  sql --db "$name" create || echo "database $name exists"
  sql --db "$name" setup-schema -v 0.0 || echo "schema of $name already set up"
  sql --db "$name" update-schema -d "$SCHEMA/$dir/versioned"
done
echo "schemas are up to date"
