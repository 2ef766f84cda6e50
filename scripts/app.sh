#!/usr/bin/env bash
# Sets up the machine (scripts/setup.sh) and starts the whole demo: the testbed's emulated
# cards in the two virtual readers (CPS of a médecin généraliste, family carte Vitale), the
# simulated Assurance Maladie on loopback, then the desktop application. Closing the
# application stops the testbed.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
bash scripts/setup.sh

py=.venv/bin/python
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; }
trap cleanup EXIT INT TERM

echo "==> Cartes de test : CPS (lecteur 0) et carte Vitale famille (lecteur 1)"
$py -m testbed cards serve --insert 0=cps-generaliste --insert 1=vitale-famille &
pids+=($!)
echo "==> Assurance Maladie simulée (HTTPS sur 127.0.0.1)"
$py -m testbed am serve &
pids+=($!)
echo "==> Complémentaire santé simulée (HTTPS sur 127.0.0.1:8453)"
$py -m testbed amc serve &
pids+=($!)
echo "==> Service ApCV simulé (application carte Vitale, HTTPS sur 127.0.0.1:8445)"
echo "    Code du téléphone : $py -m testbed apcv show vitale-famille"
$py -m testbed apcv serve &
pids+=($!)
# The application checks the server at start: wait until it answers (at most 30 s).
$py - <<'PY'
import socket, sys, time
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        socket.create_connection(("127.0.0.1", 8443), timeout=1).close()
        sys.exit(0)
    except OSError:
        time.sleep(0.2)
sys.exit("L'Assurance Maladie simulée n'a pas démarré (port 8443).")
PY

echo "==> Application (code porteur de la CPS de test : 1234)"
if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  echo "    Pas d'écran : l'application tourne sur un écran virtuel (Xvfb)."
  xvfb-run -a -s "-screen 0 1366x768x24" $py -m ui "$@"
else
  $py -m ui "$@"
fi
