#!/usr/bin/env bash
# `npm test`: builds or reuses the tools the tests need (cached outside the repo), type-checks, lints, then runs
# jest's three tiers (jest.config.js). On a new machine the Kubernetes control plane — the longest build — is built
# in the background at the lowest CPU priority while the `unit` and `servers` tiers run, and the `kubernetes` tier
# runs once it is done. With arguments (`npm test -- test/some.test.ts`), everything is built first.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

TEMPORAL_CLI_PATH=$(bash scripts/ensure-temporal.sh)
export TEMPORAL_CLI_PATH
echo "test: Temporal CLI $TEMPORAL_CLI_PATH ($("$TEMPORAL_CLI_PATH" --version | head -1))"

work=$(mktemp -d)
: >"$work/k8s.log"
# Its own session, so that stopping `npm test` stops the whole build (go and its compilers) too.
setsid bash -c 'nice -n 19 bash scripts/k8s/ensure-k8s.sh >"$1/k8s.dir" 2>"$1/k8s.log"; echo $? >"$1/k8s.rc"' _ "$work" &
k8s=$!
trap 'kill -- -$k8s 2>/dev/null || true; rm -rf "$work"' EXIT
# The build's progress, as it goes (it prints a line every 20 s while compiling).
tail -n +1 -f --pid=$k8s "$work/k8s.log" >&2 &

kubernetes_ready() {
  wait $k8s || true
  if [ "$(cat "$work/k8s.rc" 2>/dev/null)" != 0 ]; then
    echo "test: building the local Kubernetes control plane failed (scripts/k8s/ensure-k8s.sh; its output is above)" >&2
    exit 1
  fi
  IMPALA_AUTOSCALER_K8S_BIN=$(cat "$work/k8s.dir")
  export IMPALA_AUTOSCALER_K8S_BIN
  echo "test: Kubernetes control plane binaries in $IMPALA_AUTOSCALER_K8S_BIN"
}

IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR=$(bash scripts/ensure-temporal-server.sh)
export IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR
echo "test: Temporal server on PostgreSQL from $IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR ($("$IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR/temporal-server" --version), $("$IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR/pgbin/postgres" --version))"

echo "test: browser $(bash scripts/ensure-chromium.sh) (Debian's chromium, for the Web UI test)"

echo "test: type-checking"
npx --no-install tsc -p tsconfig.json --noEmit

echo "test: linting (eslint.config.mjs, .prettierrc.json)"
npm run --silent lint

rc=0
if [ $# -gt 0 ]; then
  kubernetes_ready
  npx --no-install jest --ci "$@" || rc=$?
else
  npx --no-install jest --ci --selectProjects unit servers || rc=$?
  kubernetes_ready
  npx --no-install jest --ci --selectProjects kubernetes || rc=$?
fi
echo "test: done in $(( $(date +%s) - start )) s"
exit $rc
