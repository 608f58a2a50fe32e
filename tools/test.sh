#!/usr/bin/env bash
# `npm test`: every tier, against real infrastructure.
#   1. npm dependencies           (tools/ensure-deps.sh)
#   2. Kafka, FerretDB, Redis      (tools/infra/infra.sh up: installs on first use, starts on 127.0.0.1)
#   3. format, lint, typecheck, unit tier  (prettier; nx run-many: *.spec.ts)
#   4. medium tier                 (*.medium.spec.ts against the real servers, one project at a time)
#   5. end-to-end tier             (test/**: built apps as processes, driven with curl)
#   6. fault suite subset          (tools/load.sh faults scenarios=quick: simulated devices, kill -9 under load)
# The infrastructure keeps running afterwards, so the next run starts at once: `npm run infra down` stops it.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/ensure-deps.sh || exit 1
bash tools/infra/infra.sh up || exit 1
eval "$(bash tools/infra/infra.sh env)"
export KAFKA_BROKERS MONGODB_URI REDIS_URL NIDUS_TEST_IOTDA_PYTHON

results=tmp/test-results
rm -rf "$results" && mkdir -p "$results"
export NIDUS_TEST_RESULTS=$PWD/$results
status=0
failed=()
step() {
  local name=$1
  echo "[nidus] $name" >&2
  shift
  "$@" || { status=1; failed+=("$name"); }
}
step "format" npx prettier --check .
step "lint, typecheck and unit tier" npx nx run-many -t lint typecheck test --output-style=static
step "medium tier (real Kafka, FerretDB, Redis)" npx nx run-many -t test-medium --parallel=1 --output-style=static
step "end-to-end tier" npx nx run e2e:e2e --output-style=static
step "fault suite subset" bash tools/load.sh faults scenarios=quick
node tools/test-summary.mjs "$results" || status=1
[ ${#failed[@]} -eq 0 ] || echo "[nidus] failed steps: ${failed[*]}" >&2
exit $status
