"""What the AMC did not pay is each practitioner's own (issues #23, #26): two doctors of
one cabinet, their DRE rejected by the complémentaire (gestion séparée, the simulated AMC
over real HTTPS); the losses, claims and unpaid AMC parts each card sees — the totals, the
dashboard, the list — are his own, counted in SQL from ``amc_remainder_counts`` (m025)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from pathlib import Path

from am_support import CARE_DATE, FakeClock, open_cabinet
from amc_support import amc_server, amc_settings

from billing.referential import Referential
from client import dashboard
from client.amc.dre import build_dre_lots, send_dre_lots
from client.amc.engagement import OnlineEngagement
from client.amc.returns import fetch_returns
from client.amc.transport import AmcTransport
from client.fse_service import FseService, parse_fse_input
from client.remainders import ClosureMotif, close_remainder, open_remainders, remainder_totals
from client.store import FseRow, Store
from testbed.amc.payments import AmcPolicy, Fate


def _two_doctors_rejected(store: Store, tmp_path: Path) -> dict[str, list[FseRow]]:
    """Two FSE in tiers payant AMO + AMC for each of two doctors; the AMC rejects all
    four DRE. {practitioner id: his two FSE}."""
    clock = FakeClock()
    billed: dict[str, list[FseRow]] = {}
    with amc_server(tmp_path / "amc.sqlite") as amc:
        settings = amc_settings(amc.url)
        gate = OnlineEngagement(store, AmcTransport(settings), Referential.load_default())
        doctors = [
            open_cabinet("vitale-amc-separee", cps)
            for cps in ("cps-generaliste", "cps-deux-cabinets")
        ]
        for cabinet in doctors:
            request = parse_fse_input(
                {
                    "date_of_care": CARE_DATE.isoformat(),
                    "acts": [{"code": "G"}],
                    "beneficiary": 0,
                    "situation": 1,
                    "tiers_payant": {"amo": True, "amc": True},
                }
            )
            for _ in range(2):
                row = FseService(store, amc_gate=gate).create(request, cabinet.cps, cabinet.vitale)
                billed.setdefault(row.practitioner_id, []).append(row)
        amc.policy = AmcPolicy(
            forced=tuple((r.fse_uuid, Fate.REJECTED) for rows in billed.values() for r in rows)
        )
        for cabinet in doctors:
            FseService(store, clock=clock).close_lots(cabinet.signer, cabinet.cps, all_lots=True)
            ids = {s.billing_number + s.billing_key for s in cabinet.cps.situations}
            build_dre_lots(store, cabinet.signer, ids, clock)
        transport = AmcTransport(settings)
        try:
            send_dre_lots(store, transport, settings, clock)
            fetch_returns(store, transport, clock)
        finally:
            transport.close()
    return billed


def test_each_doctor_sees_his_own_amc_losses_claims_and_unpaid(
    store: Store, tmp_path: Path
) -> None:
    billed = _two_doctors_rejected(store, tmp_path)
    (renaud, lefevre) = sorted(billed)
    (r_lost, r_unpaid), (l_claimed, l_unpaid) = billed[renaud], billed[lefevre]
    clock = FakeClock()
    close_remainder(store, r_lost.number, ClosureMotif.LOSS, clock, practitioner_id=renaud)
    close_remainder(store, l_claimed.number, ClosureMotif.CLAIMED, clock, practitioner_id=lefevre)

    his, hers = (
        remainder_totals(store, frozenset({renaud})),
        remainder_totals(store, frozenset({lefevre})),
    )
    assert (his.lost_amount, his.lost_count) == (r_lost.amc, 1)
    assert (his.claimed_amount, his.claimed_count) == (Decimal(0), 0)
    assert (his.unpaid_amount, his.unpaid_count, his.rejected_count) == (r_unpaid.amc, 1, 1)
    assert (hers.lost_amount, hers.lost_count) == (Decimal(0), 0)
    assert (hers.claimed_amount, hers.claimed_count) == (l_claimed.amc, 1)
    assert (hers.unpaid_amount, hers.unpaid_count) == (l_unpaid.amc, 1)
    cabinet = remainder_totals(store)
    assert cabinet.lost_amount == his.lost_amount + hers.lost_amount
    assert cabinet.unpaid_amount == his.unpaid_amount + hers.unpaid_amount
    assert cabinet.claimed_amount == his.claimed_amount + hers.claimed_amount

    # His dashboard and his list: his own AMC parts only.
    now: datetime = clock()
    start = dashboard.month_start(CARE_DATE, 5)
    board = dashboard.compute(store, start, now.date(), now, frozenset({renaud}))
    assert (board.unpaid_amount, board.unpaid_count) == (r_unpaid.amc, 1)
    assert (board.claimed_amount, board.claimed_count) == (Decimal(0), 0)
    listed = open_remainders(store, include_claimed=True, practitioners=frozenset({renaud}))
    assert [(r.fse_uuid, r.amc) for r in listed] == [(r_unpaid.fse_uuid, True)]
