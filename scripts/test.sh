#!/usr/bin/env bash
# `npm test`: builds or reuses the tools the tests need (cached outside the repo), type-checks, then runs jest.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$(date +%s)

TEMPORAL_CLI_PATH=$(bash scripts/ensure-temporal.sh)
export TEMPORAL_CLI_PATH
echo "test: Temporal CLI $TEMPORAL_CLI_PATH ($("$TEMPORAL_CLI_PATH" --version | head -1))"

IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR=$(bash scripts/ensure-temporal-server.sh)
export IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR
echo "test: Temporal server on PostgreSQL from $IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR ($("$IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR/temporal-server" --version), $("$IMPALA_AUTOSCALER_TEMPORAL_SERVER_DIR/pgbin/postgres" --version))"

IMPALA_AUTOSCALER_K8S_BIN=$(bash scripts/k8s/ensure-k8s.sh)
export IMPALA_AUTOSCALER_K8S_BIN
echo "test: Kubernetes control plane binaries in $IMPALA_AUTOSCALER_K8S_BIN"

echo "test: browser $(bash scripts/ensure-chromium.sh) (Debian's chromium, for the Web UI test)"

echo "test: type-checking"
npx --no-install tsc -p tsconfig.json --noEmit

echo "test: linting (eslint.config.mjs)"
npx --no-install eslint src bench scripts test

npx --no-install jest --ci "$@"
echo "test: done in $(( $(date +%s) - start )) s"
