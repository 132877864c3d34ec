#!/bin/sh
# One-shot (docker-compose.yml, service temporal-schema): creates the Temporal databases in PostgreSQL and brings
# their schemas up to date. Safe to run again: `create` of an existing database fails harmlessly, the schema update
# only applies what is missing.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT=${DB_PORT:-5432}
SCHEMA=/etc/temporal/schema/postgresql/v12

echo "temporal-schema: waiting for PostgreSQL at $POSTGRES_SEEDS:$PORT"
i=0
until nc -z "$POSTGRES_SEEDS" "$PORT"; do
  i=$((i + 1)); [ "$i" -lt 60 ] || { echo "temporal-schema: PostgreSQL did not answer in 120 s" >&2; exit 1; }
  sleep 2
done

for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}; dir=${db#*:}
  sql="temporal-sql-tool --plugin postgres12 --ep $POSTGRES_SEEDS -p $PORT -u $POSTGRES_USER --db $name"
  $sql create 2>/dev/null || echo "temporal-schema: database $name exists"
  $sql setup-schema -v 0.0 2>/dev/null || echo "temporal-schema: $name has a schema already"
  $sql update-schema -d "$SCHEMA/$dir/versioned"
done
echo "temporal-schema: done"
