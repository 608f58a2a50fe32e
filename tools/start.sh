#!/usr/bin/env bash
# `npm start`: the embedded shape — every service in one process, no external services, data in ./data.
# Installs what is missing, builds (Nx cache makes a rebuild instant), then runs the platform in the foreground.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
bash tools/ensure-deps.sh
npx nx build platform --output-style=static >&2
exec tools/nidus-node dist/apps/platform/apps/platform/src/main.js
