#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs every check: ruff (lint and format), mypy,
# the architecture contract (import-linter; import circles are a test) and the whole pytest
# suite, through the real pcscd + vpcd, real SQLite files, real HTTPS on loopback and SANE's
# test backend; then the date-sensitive tests with the clock moved (scripts/check-dates.sh);
# then the whole suite again on a throw-away PostgreSQL cluster (scripts/pg-cluster.sh).
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
# Then the whole suite again on PostgreSQL (the cabinet's backend, issue #26): a throw-away
# cluster started here and stopped on exit, even on failure; a fresh database per test.
# Everything runs there, the card readers' end-to-end tests (``pcsc``, serial on the one
# pcscd as above) and the processes killed at random included, and tests/billing and
# tests/cardio too (they open no store: cheap, and nothing is left out by a list to keep).
# Skipped there only the tests marked ``sqlite_only``: about the SQLite file itself (its
# pages, WAL, backups, modes, numbering.json, the SQLite stores of before the PostgreSQL
# backend, SQLite's query plans), each with its reason on its marker line. The tests that
# tamper with the database go through its own backend (tests/store_attacker.py).
# SESAM_PG_TESTS: other paths (separated by spaces) for this pass. Figures in
# docs/contributing.md.
if [ $status -eq 0 ]; then
  echo "==> pytest sur PostgreSQL (${SESAM_PG_TESTS:-tests})"
  # shellcheck disable=SC2086 # SESAM_PG_TESTS: paths separated by spaces
  bash scripts/pg-cluster.sh .venv/bin/python -m pytest -q -p no:cacheprovider \
    ${SESAM_PG_TESTS:-tests} || status=$?
fi
exit $status
