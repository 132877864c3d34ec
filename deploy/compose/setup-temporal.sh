#!/bin/sh
# One-shot (docker-compose.yml, service temporal-setup): creates the namespace and registers the warehouse
# workflow's search attributes, which `warehouse list` and the Web UI's list read. Idempotent: what exists is kept.
set -eu
: "${TEMPORAL_ADDRESS:?}"
NS=${TEMPORAL_NAMESPACE:-default}

echo "temporal-setup: waiting for the Temporal server at $TEMPORAL_ADDRESS"
i=0
until temporal operator cluster health --address "$TEMPORAL_ADDRESS" >/dev/null 2>&1; do
  i=$((i + 1)); [ "$i" -lt 60 ] || { echo "temporal-setup: the server was not healthy within 120 s" >&2; exit 1; }
  sleep 2
done

temporal operator namespace describe --address "$TEMPORAL_ADDRESS" --namespace "$NS" >/dev/null 2>&1 \
  || temporal operator namespace create --address "$TEMPORAL_ADDRESS" --namespace "$NS" --retention 72h

# A new namespace is usable once every frontend's namespace cache has it (seconds).
i=0
until existing=$(temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" --namespace "$NS" 2>/dev/null); do
  i=$((i + 1)); [ "$i" -lt 60 ] || { echo "temporal-setup: namespace $NS not usable within 60 s" >&2; exit 1; }
  sleep 1
done

# The names and types of src/workflows/messages.ts (SEARCH_ATTRIBUTES).
for attr in ImpalaWarehouse:Keyword ImpalaWarehouseState:Keyword ImpalaExecutorGroups:Int ImpalaTargetExecutorGroups:Int ImpalaScalingFrozen:KeywordList; do
  name=${attr%%:*}; type=${attr#*:}
  if echo "$existing" | grep -qw "$name"; then
    echo "temporal-setup: search attribute $name exists"
  else
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" --namespace "$NS" --name "$name" --type "$type"
  fi
done
echo "temporal-setup: namespace $NS and the warehouse search attributes are ready"
