"""Each AMC's payment delay comes from its convention (issue #23): the conventions table
holds a « délai de paiement (jours) », the default of ``billing/tariffs/amc-delais.json``
where it says none; the late-AMC alert counts with it (simulated AMC over real HTTPS, real
store, cards emulated in-process; ``sesam amc conventions`` in a subprocess)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from am_support import FakeClock, open_cabinet
from amc_support import amc_server, amc_settings, create_tp_fse
from test_cli_vocabulary import french_keys_only

from billing.amc_delays import load_amc_delays
from billing.referential import Referential
from client.amc.dre import build_dre_lots, send_dre_lots
from client.amc.engagement import OnlineEngagement
from client.amc.transport import AmcTransport
from client.fse_service import FseService
from client.remainders import late_amc_parts
from client.store import Store

ROOT = Path(__file__).resolve().parents[2]


def _acknowledged_dre(store: Store, tmp_path: Path) -> tuple[str, str]:
    """An FSE in gestion séparée whose DRE the AMC acknowledged and has not paid yet: its
    uuid and its n° AMC."""
    cabinet = open_cabinet(vitale="vitale-amc-separee")
    clock = FakeClock()
    with amc_server(tmp_path / "amc.sqlite") as amc:
        gate = OnlineEngagement(
            store, AmcTransport(amc_settings(amc.url)), Referential.load_default()
        )
        row, _ = create_tp_fse(store, cabinet, gate)
        FseService(store, clock=clock).close_lots(cabinet.signer, cabinet.cps, all_lots=True)
        ids = {s.billing_number + s.billing_key for s in cabinet.cps.situations}
        build_dre_lots(store, cabinet.signer, ids, clock)
        settings = amc_settings(amc.url)
        transport = AmcTransport(settings)
        try:
            assert send_dre_lots(store, transport, settings, clock).acknowledged == 1
        finally:
            transport.close()
    (lot,) = store.amc_lots.dre_lots()
    return row.fse_uuid, lot.amc


def _set_delay(store: Store, amc: str, days: int | None) -> None:
    c = store.amc_conventions.convention(amc)
    assert c is not None
    store.amc_conventions.set_convention(
        c.amc_number, c.name, c.convention, c.tiers_payant, datetime.now(UTC), days
    )


def test_the_late_amc_alert_counts_with_the_conventions_delay(store: Store, tmp_path: Path) -> None:
    fse_uuid, amc = _acknowledged_dre(store, tmp_path)
    now = datetime.now(UTC)
    default = load_amc_delays().days(now.date(), amc)
    assert store.amc_conventions.convention(amc).delay_days is None  # type: ignore[union-attr]
    assert late_amc_parts(store, now + timedelta(days=default + 1))[0].fse_uuid == fse_uuid

    _set_delay(store, amc, 10)  # this AMC pays within 10 days
    (late,) = late_amc_parts(store, now + timedelta(days=11))
    assert late.fse_uuid == fse_uuid and late.amc_number == amc
    assert late.deadline <= (now + timedelta(days=11)).astimezone().date()
    assert late_amc_parts(store, now + timedelta(days=9)) == []

    _set_delay(store, amc, default + 30)  # a longer delay: not late at the default's end
    assert late_amc_parts(store, now + timedelta(days=default + 1)) == []
    _set_delay(store, amc, None)  # back to the file's default
    assert late_amc_parts(store, now + timedelta(days=default + 1))[0].fse_uuid == fse_uuid


def sesam(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", "amc", "conventions", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**os.environ, "SESAM_DATA_DIR": str(data_dir)},
        timeout=60,
        check=False,
    )


def _row(data_dir: Path, amc: str) -> dict[str, object]:
    done = sesam(data_dir, "list", "--json")
    assert done.returncode == 0, done.stderr
    rows = json.loads(done.stdout)
    french_keys_only(rows)
    return next(r for r in rows if r["amc"] == amc)


def test_the_delay_is_set_kept_and_reset_from_the_command_line(tmp_path: Path) -> None:
    default = load_amc_delays().days(datetime.now(UTC).date())
    row = _row(tmp_path, "44300002")
    assert (row["delai_paiement_jours"], row["delai_par_defaut"]) == (default, True)
    base = ["set", "44300002", "--nom", "Mutuelle", "--convention", "C1", "--tiers-payant"]
    assert sesam(tmp_path, *base, "oui", "--delai", "45").returncode == 0
    assert _row(tmp_path, "44300002")["delai_paiement_jours"] == 45
    assert sesam(tmp_path, *base, "non").returncode == 0  # without --delai: kept
    row = _row(tmp_path, "44300002")
    assert (row["delai_paiement_jours"], row["tiers_payant"]) == (45, False)
    listed = sesam(tmp_path, "list")
    assert "payée sous 45 jours" in listed.stdout
    bad = sesam(tmp_path, *base, "oui", "--delai", "900")
    assert bad.returncode == 2 and "Délai de paiement invalide" in bad.stderr
    assert _row(tmp_path, "44300002")["delai_paiement_jours"] == 45
    assert sesam(tmp_path, *base, "oui", "--delai", "0").returncode == 0
    row = _row(tmp_path, "44300002")
    assert (row["delai_paiement_jours"], row["delai_par_defaut"]) == (default, True)
