#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs every check: ruff (lint and format), mypy,
# the architecture contract (import-linter; import circles are a test) and the whole pytest
# suite, through the real pcscd + vpcd, real SQLite files, real HTTPS on loopback and SANE's
# test backend; then the date-sensitive tests with the clock moved (scripts/check-dates.sh);
# then the store's tests on a throw-away PostgreSQL cluster (scripts/pg-cluster.sh).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh

echo "==> ruff";          .venv/bin/ruff check . && .venv/bin/ruff format --check --quiet .
echo "==> mypy";          .venv/bin/mypy
echo "==> architecture";  .venv/bin/lint-imports
echo "==> pytest"
export QT_QPA_PLATFORM=offscreen
# The suite runs serially: tests on the virtual readers share the one pcscd of the machine.
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ $status -eq 5 ]; then
  echo "Aucun test n'a été exécuté : c'est une erreur." >&2
  exit 1
fi
# Then the date-sensitive tests again with the clock one and three years ahead (faketime).
if [ $status -eq 0 ]; then
  bash scripts/check-dates.sh || status=$?
fi
# Then the store's tests again on PostgreSQL (the cabinet's backend): a throw-away cluster
# started here and stopped on exit, even on failure; a fresh database per test.
# Without the card readers' end-to-end tests (the store does the same there as in the
# others) nor the processes killed at random (SQLite's durability; the server's faults
# have their own tests): about 6 minutes.
if [ $status -eq 0 ]; then
  echo "==> pytest sur PostgreSQL (${SESAM_PG_TESTS:-tests/client})"
  bash scripts/pg-cluster.sh .venv/bin/python -m pytest -q -p no:cacheprovider \
    -m "not pcsc" -k "not sigkill and not killed and not replay_e2e and not crash" \
    ${SESAM_PG_TESTS:-tests/client} || status=$?
fi
exit $status
