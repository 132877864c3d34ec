#!/usr/bin/env bash
# `npm run demo`: builds or reuses the Temporal CLI, then runs the seed scenario (`impala-autoscaler demo --help`).
set -euo pipefail
cd "$(dirname "$0")/.."
TEMPORAL_CLI_PATH=$(bash scripts/ensure-temporal.sh)
export TEMPORAL_CLI_PATH
exec node bin/impala-autoscaler.js demo "$@"
