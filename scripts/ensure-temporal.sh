#!/usr/bin/env bash
# Prints the path of a `temporal` CLI (server >= 1.29) on stdout; builds it from its Go module into the cache when
# none is found. Progress goes to stderr. The SDK's own test-server download cannot work without internet access.
set -euo pipefail
VERSION=1.5.1
CACHE="${IMPALA_AUTOSCALER_CACHE:-$HOME/.cache/impala-autoscaler}/temporal-$VERSION"
BIN="$CACHE/temporal"

server_ok() { # $1: binary; true when it embeds server >= 1.29
  local v
  v=$("$1" --version 2>/dev/null | sed -n 's/.*[Ss]erver \([0-9]*\)\.\([0-9]*\).*/\1 \2/p' | head -1)
  [ -n "$v" ] && set -- $v && { [ "$1" -gt 1 ] || { [ "$1" -eq 1 ] && [ "$2" -ge 29 ]; }; }
}

if [ -x "$BIN" ] && server_ok "$BIN"; then echo "$BIN"; exit 0; fi
if command -v temporal >/dev/null 2>&1 && server_ok "$(command -v temporal)"; then command -v temporal; exit 0; fi

command -v go >/dev/null 2>&1 || export PATH="$PATH:/usr/local/go/bin"
command -v go >/dev/null 2>&1 || { echo "ensure-temporal: Go is needed to build the Temporal CLI (install Go >= 1.24 or put a temporal CLI with server >= 1.29 on PATH)" >&2; exit 1; }

mkdir -p "$CACHE"
echo "ensure-temporal: building the Temporal CLI v$VERSION into $CACHE (cold: about 10 minutes on 2 cores)" >&2
start=$(date +%s)
( GOBIN="$CACHE" GOFLAGS=-mod=mod CGO_ENABLED=0 go install -x -trimpath -ldflags "-s -w" "github.com/temporalio/cli/cmd/temporal@v$VERSION" 2>&1 \
  | awk -v s="$start" '/^mkdir -p \$WORK\/b[0-9]+\/$/ {n++} /^# get / || /go: downloading/ {d++} { now=systime(); if (now - last >= 15) { printf "ensure-temporal: %ds, %d modules fetched, %d packages compiled\n", now - s, d, n > "/dev/stderr"; last = now } }' ) || true
if ! [ -x "$BIN" ]; then
  echo "ensure-temporal: the build failed; rerun with: GOBIN=$CACHE go install github.com/temporalio/cli/cmd/temporal@v$VERSION" >&2
  exit 1
fi
echo "ensure-temporal: built in $(( $(date +%s) - start )) s: $("$BIN" --version | head -1)" >&2
echo "$BIN"
