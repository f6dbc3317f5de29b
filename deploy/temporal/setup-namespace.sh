#!/bin/sh
# Creates the namespace the workers and starters use and registers the
# search attributes ocimove's workflows set (MigrationID, MigrationState,
# ShardState, ShardPrefix, all Keyword); run by the temporal-setup service
# of docker-compose.yml once the server is healthy. Safe to run again.
set -eu

: "${TEMPORAL_ADDRESS:?}"
NAMESPACE=${NAMESPACE:-default}
RETENTION=${RETENTION:-30d}

until temporal operator cluster health --address "$TEMPORAL_ADDRESS"; do
  echo "waiting for Temporal at $TEMPORAL_ADDRESS"
  sleep 2
done

temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1 ||
  temporal operator namespace create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --retention "$RETENTION"

until temporal operator namespace describe --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" >/dev/null 2>&1; do
  echo "waiting for namespace $NAMESPACE"
  sleep 1
done

for name in MigrationID MigrationState ShardState ShardPrefix; do
  if temporal operator search-attribute list --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" | grep -qw "$name"; then
    echo "search attribute $name exists"
  else
    temporal operator search-attribute create --address "$TEMPORAL_ADDRESS" -n "$NAMESPACE" --name "$name" --type Keyword
  fi
done
echo "namespace $NAMESPACE is ready"
