#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and runs every check: ruff (lint and format), mypy,
# the architecture contract (import-linter; import circles are a test) and the whole pytest
# suite, through the real pcscd + vpcd, real SQLite files, real HTTPS on loopback and SANE's
# test backend; then the date-sensitive tests with the clock moved (scripts/check-dates.sh).
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
exit $status
