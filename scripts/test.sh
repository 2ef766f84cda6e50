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

# One command per line: under `set -e` a failure on the left of `&&` would not stop the script.
echo "==> ruff";          .venv/bin/ruff check .
                          .venv/bin/ruff format --check --quiet .
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
# Then every test that opens a store again on PostgreSQL (the cabinet's backend): a
# throw-away cluster started here and stopped on exit, even on failure; a fresh database
# per test. The processes killed at random included (the sender's lease is the cabinet's
# concern). Not there (docs/contributing.md): the tests marked ``sqlite_only`` (the SQLite
# file itself: its pages, WAL, backups), the card readers' end-to-end tests (``pcsc``: the
# store does there what the others check, 5 minutes more), and tests/billing, tests/cardio
# and the testbed's other tests (no store). Measured on 2 busy cores: tests/client 12.5 min,
# the rest 6 min more (reliability 1.7, ui 2.5, testbed 0.6, the killed processes 1.0).
pg_tests=(tests/client tests/reliability tests/ui
  tests/testbed/test_am_faults.py tests/testbed/test_am_refusals.py tests/testbed/test_am_server.py)
if [ $status -eq 0 ]; then
  echo "==> pytest sur PostgreSQL (${SESAM_PG_TESTS:-${pg_tests[*]}})"
  # shellcheck disable=SC2086 # SESAM_PG_TESTS: paths separated by spaces
  bash scripts/pg-cluster.sh .venv/bin/python -m pytest -q -p no:cacheprovider -m "not pcsc" \
    ${SESAM_PG_TESTS:-"${pg_tests[@]}"} || status=$?
fi
exit $status
