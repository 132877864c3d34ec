#!/bin/sh
# One-shot (docker-compose.yml, service temporal-schema; `npm run stack:up` runs it unchanged): creates the Temporal
# databases in PostgreSQL and brings their schemas up to date. Safe to run again: `create-database` keeps an
# existing database (the postgres image has already made one named after POSTGRES_USER), `setup-schema -v 0.0` only
# adds the version tables when missing, and the update applies only what is missing; so any failure is a real one.
# Needs only temporal-sql-tool on PATH: it waits for PostgreSQL by retrying the database creation (no nc, which the
# host running `npm run stack:up` may lack), and it takes the versioned schemas embedded in the tool
# (--schema-name) rather than from a directory of one image's layout.
set -eu
: "${POSTGRES_SEEDS:?}" "${POSTGRES_USER:?}" "${SQL_PASSWORD:?}"
PORT=${DB_PORT:-5432}

sql() { # $1: database; the rest: a temporal-sql-tool command
  db=$1
  shift
  temporal-sql-tool --plugin postgres12 --ep "$POSTGRES_SEEDS" -p "$PORT" -u "$POSTGRES_USER" --db "$db" "$@"
}

create() { # $1: database; fails while PostgreSQL cannot be reached or refuses (wrong password, …)
  last=$(sql "$1" create-database 2>&1) && echo "temporal-schema: database $1 is there"
}

echo "temporal-schema: PostgreSQL at $POSTGRES_SEEDS:$PORT, user $POSTGRES_USER"
for db in temporal:temporal temporal_visibility:visibility; do
  name=${db%%:*}
  schema=postgresql/v12/${db#*:}
  i=0
  until create "$name"; do
    i=$((i + 1))
    # PostgreSQL answered and refused: waiting will not help (POSTGRES_USER or SQL_PASSWORD is wrong).
    case $last in *"password authentication failed"* | *"role \""*"\" does not exist"*) i=60 ;; esac
    if [ "$i" -ge 60 ]; then
      printf '%s\n' "$last" >&2
      echo "temporal-schema: could not create database $name as $POSTGRES_USER on $POSTGRES_SEEDS:$PORT (the last error is above)" >&2
      exit 1
    fi
    sleep 2
  done
  sql "$name" setup-schema -v 0.0
  sql "$name" update-schema --schema-name "$schema"
done
echo "temporal-schema: done"
