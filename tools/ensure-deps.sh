#!/usr/bin/env bash
# Installs the npm dependencies when they are missing or older than package-lock.json (npm start / npm test).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
marker=node_modules/.package-lock.json
if [ ! -f "$marker" ] || [ package-lock.json -nt "$marker" ] || [ ! -e node_modules/better-sqlite3/build/Release/better_sqlite3.node ]; then
  echo "[nidus] installing npm dependencies (npm ci; better-sqlite3 compiles SQLite, about 2 minutes the first time)" >&2
  npm ci --no-audit --no-fund >&2
fi
