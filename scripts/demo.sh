#!/usr/bin/env bash
# `npm run demo`: builds or reuses the Temporal CLI (and, with --kubernetes, the local control plane), then runs the
# seed scenario (`impala-autoscaler demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI_PATH=$(bash scripts/ensure-temporal.sh)
export TEMPORAL_CLI_PATH
for arg in "$@"; do
  if [ "$arg" = "--kubernetes" ]; then
    IMPALA_AUTOSCALER_K8S_BIN=$(bash scripts/k8s/ensure-k8s.sh)
    export IMPALA_AUTOSCALER_K8S_BIN
  fi
done
exec node bin/impala-autoscaler.js demo "$@"
