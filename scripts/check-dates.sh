#!/usr/bin/env bash
# Runs the date-sensitive part of the suite (tests/client, tests/billing) with the machine's
# clock moved one year and three years ahead of today, under libfaketime (Debian
# `faketime`): a test that compares a fixed date with "now" fails here long before the
# calendar reaches it. Called by scripts/test.sh after the main pytest run; extra arguments
# go to pytest. pcscd is its own process and keeps the real time (it has no dates).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

libfaketime=$(dpkg -L libfaketime 2>/dev/null | grep '/libfaketime\.so\.1$' | head -n1 || true)
if ! command -v faketime >/dev/null || [ -z "$libfaketime" ]; then
  echo "faketime manque : lancer scripts/setup.sh (paquet Debian faketime)." >&2
  exit 1
fi

# libfaketime's bug with monotonic sleeps (see the C file) is worked around by a shim
# preloaded before it, built here: a few lines of C, no other dependency.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cc -shared -fPIC -O2 -o "$work/monotonic_sleep_fix.so" scripts/faketime/monotonic_sleep_fix.c -ldl

export QT_QPA_PLATFORM=offscreen
# The wall clock moves, the monotonic clock does not: timeouts and sleeps stay real.
export FAKETIME_DONT_FAKE_MONOTONIC=1
status=0
for years in 1 3; do
  today=$(date -u '+%F %T')
  now=$(date -u -d "$today" +%s)
  target=$(date -u -d "$today UTC + $years year" +%s)
  offset=$((target - now))
  expected=$(date -d "@$target" +%F)
  echo "==> dates : suite à l'heure du $expected (aujourd'hui + $years an(s))"
  run=(env "LD_PRELOAD=$work/monotonic_sleep_fix.so" faketime -f "+$offset")
  # The fake clock must reach Python, its children (whatever their environment) and
  # SQLite, and a sleep must still work; otherwise the run below proves nothing.
  if ! "${run[@]}" .venv/bin/python - "$expected" <<'PY'
import datetime, os, sqlite3, subprocess, sys, time

expected = datetime.date.fromisoformat(sys.argv[1])
time.sleep(0.01)
seen = {
    "python": datetime.date.today(),
    "sous-processus": datetime.date.fromisoformat(subprocess.run(
        [sys.executable, "-c", "import datetime; print(datetime.date.today())"],
        env={**os.environ, "PYTHONPATH": ""}, capture_output=True, text=True,
        timeout=60, check=True).stdout.strip()),
    "sqlite": datetime.date.fromisoformat(
        sqlite3.connect(":memory:").execute("SELECT date('now')").fetchone()[0]),
}
wrong = {k: v for k, v in seen.items() if v not in (expected, expected + datetime.timedelta(1))}
if wrong:
    sys.exit(f"faketime n'a pas pris : {wrong}, attendu {expected}")
PY
  then
    exit 1
  fi
  set +e
  "${run[@]}" .venv/bin/python -m pytest -q -p no:cacheprovider tests/client tests/billing "$@"
  code=$?
  set -e
  if [ $code -ne 0 ]; then
    echo "==> dates : échec à l'heure du $expected" >&2
    status=$code
  fi
done
exit $status
