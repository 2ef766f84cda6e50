#!/usr/bin/env bash
# Installs everything the app and the tests need on a Debian machine, idempotently:
# system packages (only the missing ones), the SANE test backend, a virtualenv with the
# project, and a running pcscd. Sourced by scripts/app.sh and scripts/test.sh.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"

sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then sudo_cmd=(sudo); fi

# Debian packages: the PC/SC stack with the virtual reader driver, SANE, PDF tools,
# Xvfb and the libraries Qt's platform plugins load; PostgreSQL (the suite runs the store
# on a throw-away cluster too: scripts/pg-cluster.sh).
packages=(pcscd vsmartcard-vpcd pcsc-tools libpcsclite-dev swig
          sane-utils libsane-dev qpdf poppler-utils xvfb xauth libxcb-cursor0
          libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3
          libxcb-icccm4 libxcb-image0 libxcb-keysyms1 libxcb-randr0 libxcb-render-util0
          libxcb-shape0 libxcb-xinerama0 libxcb-xkb1 openssl python3-venv
          opensc cardpeek softhsm2
          faketime gcc libc6-dev postgresql)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "==> Installation des paquets système : ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The SANE 'test' backend stands in for a scanner in the demo and the tests.
if [ -f /etc/sane.d/dll.conf ] && ! grep -qx 'test' /etc/sane.d/dll.conf; then
  if grep -qx '#test' /etc/sane.d/dll.conf; then
    "${sudo_cmd[@]}" sed -i 's/^#test$/test/' /etc/sane.d/dll.conf
  else
    echo test | "${sudo_cmd[@]}" tee -a /etc/sane.d/dll.conf >/dev/null
  fi
fi

# The virtualenv, from requirements.lock (exact versions with their hashes, made by
# scripts/lock.sh from pyproject.toml); reinstalled only when the lock or pyproject.toml
# changed. --no-deps for the project itself: its dependencies come only from the lock.
python=${PYTHON:-python3.11}
command -v "$python" >/dev/null || python=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> Création de l'environnement Python (.venv)"
  "$python" -m venv .venv
fi
stamp=.venv/.installed-$(cat requirements.lock pyproject.toml | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ]; then
  echo "==> Installation du projet et de ses dépendances (requirements.lock)"
  .venv/bin/python -m pip install -q --require-hashes -r requirements.lock
  .venv/bin/python -m pip install -q --no-deps -e .
  # A lock made before a dependency was added to pyproject.toml: say so rather than
  # leave an import error for later.
  if ! .venv/bin/python -m pip check >/dev/null; then
    .venv/bin/python -m pip check >&2 || true
    echo "requirements.lock ne correspond plus à pyproject.toml : lancez bash scripts/lock.sh." >&2
    exit 1
  fi
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# The project's bytecode, written once here: a `sesam` command then starts without compiling
# its modules even where PYTHONDONTWRITEBYTECODE is set (a stale file is simply recompiled).
.venv/bin/python -m compileall -q -j 0 cardio billing client ui testbed benchmarks >/dev/null || true

# pcscd: no service manager on these machines, start it when it is not running.
if ! pgrep -x pcscd >/dev/null; then
  echo "==> Démarrage de pcscd"
  # At niceness 0 even from a niced shell: card figures must not measure a niced daemon.
  "${sudo_cmd[@]}" nice -n "$((-$(nice)))" pcscd
  for _ in $(seq 50); do
    [ -S /run/pcscd/pcscd.comm ] && break
    sleep 0.1
  done
fi
