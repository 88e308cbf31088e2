#!/usr/bin/env bash
# The project's test command (npm test): type-check, lint, build, then jest against a fresh
# PostgreSQL database per run (created and dropped by test/support) plus the PGlite smoke suite.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== typecheck"; npx tsc --noEmit -p tsconfig.json
echo "== lint"; npx eslint . --max-warnings=0
echo "== format"; npx prettier --check . >/dev/null || { npx prettier --check . ; exit 1; }
echo "== build"; npx tsc -p tsconfig.build.json
# Timing checks run on their own, after the rest, so other test workers do not compete with them
# for the CPU: the start-time check (npm start healthy within 15 s) and the API's p95 during a
# warehouse load (within 2x of idle; idle is a few ms, so a neighbour's burst alone can exceed it).
START_TEST=test/e2e/start.test.ts
LATENCY_TEST=test/integration/warehouse/load-latency.test.ts
if [ $# -gt 0 ]; then
  echo "== jest"; npx jest --ci --forceExit --maxWorkers="${JEST_WORKERS:-2}" "$@"
else
  echo "== jest"; npx jest --ci --forceExit --maxWorkers="${JEST_WORKERS:-2}" --testPathIgnorePatterns "$START_TEST" "$LATENCY_TEST"
  echo "== jest (timing checks, alone)"; npx jest --ci --forceExit --runInBand "$START_TEST" "$LATENCY_TEST"
fi
