#!/usr/bin/env bash
# `npm run test:faults`, `npm run soak` and `npm run bench:flood` (docs/reliability.md): builds the apps and the load
# tools, starts Kafka, FerretDB and Redis on 127.0.0.1 (tools/infra), and runs bench/src/<faults|soak|flood>.ts with
# the remaining arguments.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
tool=$1; shift
bash tools/ensure-deps.sh >&2
npx nx run-many -t build -p bench platform api device-registry mqtt-gateway shadow rule-engine amqp-push \
  --output-style=static >&2
bash tools/infra/infra.sh up >&2
eval "$(bash tools/infra/infra.sh env)"
export KAFKA_BROKERS MONGODB_URI REDIS_URL
exec node "dist/bench/bench/src/$tool.js" "$@"
