#!/usr/bin/env bash
# The project's test command (npm test): type-check, lint, build, then jest against a fresh
# PostgreSQL database per run (created and dropped by test/support) plus the PGlite smoke suite.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"; npx tsc --noEmit -p tsconfig.json
echo "== lint"; npx eslint . --max-warnings=0
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }
echo "== build"; npx tsc -p tsconfig.build.json
# The start-time check (npm start healthy within 15 s) runs on its own, after the rest, so other
# test workers do not compete with it for the CPU.
START_TEST=test/e2e/start.test.ts
if [ $# -gt 0 ]; then
  echo "== jest"; npx jest --ci --forceExit --maxWorkers="${JEST_WORKERS:-2}" "$@"
else
  echo "== jest"; npx jest --ci --forceExit --maxWorkers="${JEST_WORKERS:-2}" --testPathIgnorePatterns "$START_TEST"
  echo "== jest (start time)"; npx jest --ci --forceExit "$START_TEST"
fi
