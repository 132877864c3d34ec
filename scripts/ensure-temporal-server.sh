#!/usr/bin/env bash
# Prints on stdout one directory holding what the production topology (docker-compose.yml: a Temporal server on
# PostgreSQL) needs to run here without Docker; builds or installs what is missing. Progress goes to stderr.
#   temporal-server, temporal-sql-tool  go.temporal.io/server v$VERSION (the release docker-compose.yml pins and the
#                                       CLI embeds), built from its Go module like scripts/ensure-temporal.sh
#   dockerize-template                  renders the server image's config template (scripts/dockerize-template.go)
#   config_template.yaml                that template, from the same module
#   pgbin                               a link to PostgreSQL's executables (Debian's postgresql, installed with
#                                       apt-get when missing, as root)
# A second run only checks versions (well under a second).
set -euo pipefail
VERSION=1.29.1
REPO=$(cd "$(dirname "$0")/.." && pwd)
CACHE="${IMPALA_AUTOSCALER_CACHE:-$HOME/.cache/impala-autoscaler}/temporal-server-$VERSION"
say() { echo "ensure-temporal-server: $*" >&2; }

# The newest installed PostgreSQL (Debian keeps each major version's executables in /usr/lib/postgresql/N/bin).
postgres_bin() { find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null | sort -V | tail -1 | xargs -r dirname; }
if [ -z "$(postgres_bin)" ]; then
  if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
    say "PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb); install Debian's or Ubuntu's postgresql package: sudo apt-get update && sudo apt-get install -y postgresql"
    exit 1
  fi
  say "installing Debian's postgresql package (apt-get)"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq --no-install-recommends postgresql >&2
  [ -n "$(postgres_bin)" ] || { say "apt-get install postgresql finished but no /usr/lib/postgresql/*/bin/initdb exists"; exit 1; }
fi
mkdir -p "$CACHE"
ln -sfn "$(postgres_bin)" "$CACHE/pgbin"

version_of() { [ -x "$1" ] && "$1" --version 2>/dev/null || true; }
# Its source's content, not its mtime: a fresh clone's files are all newer than any cached build.
source_hash() { sha256sum "$REPO/scripts/dockerize-template.go" | cut -d' ' -f1; }
built_ok() {
  grep -q " $VERSION\$" <<<"$(version_of "$CACHE/temporal-server")" &&
    grep -q " $VERSION\$" <<<"$(version_of "$CACHE/temporal-sql-tool")" &&
    [ -x "$CACHE/dockerize-template" ] && [ "$(cat "$CACHE/dockerize-template.source" 2>/dev/null)" = "$(source_hash)" ] &&
    [ -s "$CACHE/config_template.yaml" ]
}
if built_ok; then echo "$CACHE"; exit 0; fi
# One build at a time per cache (two test runs, or a test run and the demo, on one machine): the second waits and
# then finds the first one's build.
exec 9>"$CACHE/.build.lock"
if ! flock -n 9; then
  say "another build of the Temporal server is running in $CACHE; waiting for it"
  flock 9
  if built_ok; then echo "$CACHE"; exit 0; fi
fi

command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { say "Go >= 1.24 is needed to build the Temporal server (install it from https://go.dev/dl/ or put it on PATH)"; exit 1; }

# Built inside a module whose go.mod and go.sum are the Temporal CLI's (scripts/ensure-temporal.sh builds it first):
# the server then links exactly the module versions the CLI embeds, so all but about ten packages come from Go's build
# cache (the server's own go.mod selects other versions, which cost a full build of about six minutes on 2 cores).
CLI_VERSION=$(sed -n 's/^VERSION=//p' "$REPO/scripts/ensure-temporal.sh")
say "building temporal-server and temporal-sql-tool v$VERSION into $CACHE with the module versions of Temporal CLI v$CLI_VERSION"
start=$(date +%s)
export GOFLAGS=-mod=mod CGO_ENABLED=0
CLI_DIR=$(go mod download -json "github.com/temporalio/cli@v$CLI_VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
grep -q "go.temporal.io/server v$VERSION\$" "$CLI_DIR/go.mod" || { say "Temporal CLI v$CLI_VERSION does not embed server v$VERSION ($CLI_DIR/go.mod); keep the two versions in step"; exit 1; }
MOD="$CACHE/.module"
rm -rf "$MOD" "$CACHE/temporal-server" "$CACHE/temporal-sql-tool" && mkdir -p "$MOD"
sed 's#^module .*#module impala-autoscaler/temporal-server#' "$CLI_DIR/go.mod" > "$MOD/go.mod"
cp "$CLI_DIR/go.sum" "$MOD/go.sum"
chmod 644 "$MOD/go.mod" "$MOD/go.sum"
# The flags of scripts/ensure-temporal.sh, so that the packages the CLI compiled are reused.
( cd "$MOD" && nice -n 10 go build -x -trimpath -ldflags "-s -w" -o "$CACHE/temporal-server" "go.temporal.io/server/cmd/server" 2>&1 &&
    nice -n 10 go build -x -trimpath -ldflags "-s -w" -o "$CACHE/temporal-sql-tool" "go.temporal.io/server/cmd/tools/sql" 2>&1 ) \
  | awk -v s="$start" '/^mkdir -p \$WORK\/b[0-9]+\/$/ {n++} /go: downloading/ {d++} { now=systime(); if (now - last >= 15) { printf "ensure-temporal-server: %ds, %d modules fetched, %d packages compiled\n", now - s, d, n > "/dev/stderr"; last = now } }' || true
if ! [ -x "$CACHE/temporal-server" ] || ! [ -x "$CACHE/temporal-sql-tool" ]; then
  say "the build failed; rerun it by hand: cd $MOD && go build -o $CACHE/temporal-server go.temporal.io/server/cmd/server"
  exit 1
fi

MODDIR=$(GOFLAGS=-mod=mod go mod download -json "go.temporal.io/server@v$VERSION" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
cp "$MODDIR/docker/config_template.yaml" "$CACHE/config_template.yaml"
chmod 644 "$CACHE/config_template.yaml"
( cd "$REPO/scripts" && nice -n 10 go build -o "$CACHE/dockerize-template" dockerize-template.go )
source_hash >"$CACHE/dockerize-template.source"

built_ok || { say "built, but the versions do not match v$VERSION: $(version_of "$CACHE/temporal-server")"; exit 1; }
say "built in $(( $(date +%s) - start )) s: $(version_of "$CACHE/temporal-server")"
echo "$CACHE"
