"""The listing commands start fast because they import only what they use (issue #27): no
PDF library, no Qt, no certificate or CMS code, no card session, no sender.
Asserted on module names, not on timings."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pytest
import test_fast_pages as fast

from client.store import Store

# The store of ``test_fast_pages`` in every state: lots sent and returned (paid, partly paid,
# rejected, rectified), a remainder claimed, FSE waiting in an open lot.
every_state = fast.every_state

#: Modules a listing never needs (a prefix ending in "." names the package's modules).
HEAVY = (
    "fpdf",
    "PySide6",
    "cryptography.x509",
    "asn1crypto",
    "smartcard",
    "cardio.cps",
    "cardio.vitale",
    "cardio.pcsc",
    "cardio.monitor",
    "billing.signing",
    "billing.documents",
    "client.sender",
    "client.desk",
    "client.transport",
    # Issue #27, finding 53: France's holidays come from billing/data/jours_feries.json
    # (the package imports every country, ~50–80 ms); the card's labels and the cabinet's
    # scope are made when a card or a second practitioner is there.
    "holidays",
    "cardio.probe",
    "cardio.vitale_values",
    # Issue #27, finding 53 (part 2): a listing reads the lots' states, it checks no lot
    # (the lot schema).
    "billing.fse_schema",
    # Issue #27, finding 57: the alerts name NOEMIE's motifs and the rejects' actions from
    # modules of their own, without the codec or the euro status.
    "billing.noemie_format",
    "client.euro_status",
    "client.store.amc_lots",
    # The journal's batch of events is made by a lot's step, never by a listing.
    "billing.audit_batch",
    # Finding 59: the opening raises the counters without the lot writer and its journal,
    # notes the store's compression dictionaries without zstd (a listing unpacks no value),
    # finds the data folder without platformdirs (tempfile), and leaves the side files'
    # import and the drafts' rows alone when there are none.
    "client.store.lots",
    "client.store.journal",
    "client.store.packing",
    "zstandard",
    "platformdirs",
    "client.store.kept",
    # ``scor status`` lists the pieces without the scanner (subprocess).
    "client.scor.scan",
)

#: The FSE's records (eleven dataclasses, ~6 ms): the store, the labels and the SCOR pieces
#: need only the securing modes (``billing.securing_modes``).
RECORDS = "billing.fse_model"

#: The workstation's settings (a dataclass of ~30 fields, ~1.5 ms): only the alerts read
#: them (their thresholds); the other listings of a practitioner alone never do.
SETTINGS = "client.settings"

#: A practitioner alone looks as nobody: the scope's use cases are a cabinet's (~3 ms).
SCOPE = "client.usecases.scope"

#: What opening a store that is already current never needs (issue #27: 50–100 ms of a
#: listing's start): sqlite-utils (with click and pluggy) and the migrations' module.
OPENING = ("sqlite_utils", "click", "pluggy", "client.migrations")

_RUN = (
    "import sys\n"
    "from client.cli import main\n"
    "code = main(sys.argv[1:])\n"
    "print('MODULES', ' '.join(sorted(sys.modules)))\n"
    "sys.exit(code)\n"
)


def _run(data_dir: Path, *command: str, code: int = 0) -> tuple[str, set[str]]:
    env = dict(os.environ, SESAM_DATA_DIR=str(data_dir), SESAM_NO_READER_SCOPE="1")
    out = subprocess.run(
        [sys.executable, "-c", _RUN, *command],
        check=False,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )
    assert out.returncode == code, out.stderr
    printed, _, modules = out.stdout.rpartition("MODULES ")
    return printed + out.stderr, set(modules.split())


def _heavy(modules: set[str]) -> list[str]:
    # On the cabinet's server the migrations' own check runs at every opening (its
    # mark is SQLite's ``user_version``): OPENING is held to on SQLite only.
    heavy = HEAVY if os.environ.get("SESAM_DATABASE_URL") else HEAVY + OPENING
    return sorted(m for m in modules if any(m == h or m.startswith(h + ".") for h in heavy))


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (("fse", "list"), "Aucune FSE."),
        (("returns", "list"), "Retours non rapprochés : 0"),
        (("alerts",), "Aucune alerte."),
    ],
)
def test_a_listing_command_answers_without_loading_the_heavy_modules(
    tmp_path: Path, command: tuple[str, ...], says: str
) -> None:
    _, created = _run(tmp_path, "fse", "list")  # creates the store: the listing opens it
    assert "client.migrations" in created  # a new store is migrated (then marked current)
    printed, modules = _run(tmp_path, *command)
    assert says in printed
    assert _heavy(modules) == []
    assert RECORDS not in modules
    if command != ("alerts",):
        assert SETTINGS not in modules


@pytest.mark.parametrize(
    ("command", "says"),
    [
        (("queue", "status"), "Dernier contact avec le concentrateur : 20"),
        (("lot", "list"), "FSE  envoi : "),
        (("numbers", "gaps"), "la numérotation est continue"),
        (("dashboard",), "Tableau de bord du "),
        (("recette", "--du", (date.today() - timedelta(days=31)).isoformat()), "Honoraires"),
        (("scor", "status"), "Aucune pièce justificative."),
        (("alerts",), ""),
    ],
)
def test_the_listings_of_a_busy_store_answer_without_the_heavy_modules(
    every_state: Store, tmp_path: Path, command: tuple[str, ...], says: str
) -> None:
    """Lots sent and returned, payments, FSE waiting: each listing reads what it shows
    (the oldest waiting lot, the last contact, the payment means) without the card, PDF,
    CMS, sender or transport code (issue #27: ~0.8 s of start each before)."""
    every_state.close()
    printed, modules = _run(tmp_path, *command)
    assert says in printed
    assert "Traceback" not in printed
    assert _heavy(modules) == []
    if command != ("dashboard",):  # its figures come from the desk's views, read as someone
        assert SCOPE not in modules
    assert RECORDS not in modules
    if command != ("alerts",):
        assert SETTINGS not in modules


def test_help_and_the_other_commands_still_load_what_they_need(tmp_path: Path) -> None:
    printed, modules = _run(tmp_path, "fse", "show", "1", code=1)  # no FSE n° 1 yet
    assert "FSE" in printed  # a French sentence, not a traceback
    assert "Traceback" not in printed
    assert "client.cli.fse_commands" in modules  # its handler was loaded when it ran
    env = dict(os.environ, SESAM_DATA_DIR=str(tmp_path))
    helped = subprocess.run(
        [sys.executable, "-m", "client.cli", "--help"],
        check=False,
        capture_output=True,
        text=True,
        env=env,
    )
    assert helped.returncode == 0
    assert "fse" in helped.stdout and "returns" in helped.stdout and "alerts" in helped.stdout
