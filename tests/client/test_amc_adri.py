"""Sans Vitale, the complémentaire ADRi returns is billed on like the card's (issue #23):
the simulated Assurance Maladie answers ADRi over real HTTPS with the patient's mutuelle,
the FSE sans Vitale prices its AMC part from it and, the convention allowing it, asks the
simulated AMC (real HTTPS) its engagement for the tiers payant AMC — the same part as the
carte Vitale's; a malformed complémentaire in the input is refused before anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from am_support import CARE_DATE, client_settings, open_cabinet
from amc_support import amc_server, amc_settings, create_tp_fse

from billing.referential import Referential
from client.adri import query_rights
from client.amc.engagement import OnlineEngagement
from client.amc.transport import AmcTransport
from client.fse_service import FseInputError, FseService, parse_fse_input
from client.store import Store
from client.store.amc_lots import EngagementOutcome
from client.transport import HttpsTransport
from testbed.am.server import AmServer

#: M. LEFEBVRE of the ``vitale-amc-separee`` profile: his mutuelle 44300002, gestion séparée.
NIR, BORN, RANG, AMC = "188021305501259", "19880213", "1", "44300002"


def _sans_vitale(identity: dict[str, object]) -> object:
    return parse_fse_input(
        {
            "date_of_care": CARE_DATE.isoformat(),
            "practitioner": {},
            "patient": {},
            "acts": [{"code": "G"}],
            "mode": "sans_vitale",
            "identity": identity,
            "tiers_payant": {"amo": True, "amc": True},
        }
    )


def test_the_amc_returned_by_adri_is_billed_like_the_cards(store: Store, tmp_path: Path) -> None:
    am = AmServer(ledger_path=tmp_path / "ledger.sqlite").start()
    try:
        transport = HttpsTransport(client_settings(am.url))
        rights = query_rights(transport, NIR, BORN, RANG, CARE_DATE)
        transport.close()
    finally:
        am.stop()
    request = _sans_vitale(rights.identity_input())
    assert request.identity is not None and request.identity.amc is not None  # type: ignore[attr-defined]
    assert request.identity.amc.organism == AMC  # type: ignore[attr-defined]
    cabinet = open_cabinet()  # the CPS; no carte Vitale
    with amc_server(tmp_path / "amc.sqlite") as amc:
        gate = OnlineEngagement(
            store, AmcTransport(amc_settings(amc.url)), Referential.load_default()
        )
        service = FseService(store, amc_gate=gate)
        row = service.create(request, cabinet.cps, None)  # type: ignore[arg-type]
        card_row, _ = create_tp_fse(store, open_cabinet(vitale="vitale-amc-separee"), gate)
    assert row.mode == "sans_vitale"
    assert row.amc > 0 and row.amc == card_row.amc  # the same part as with the card
    assert row.tiers_payant_amc and row.patient_remainder == card_row.patient_remainder
    result = service.last_amc
    assert result is not None and result.outcome is EngagementOutcome.GRANTED
    assert result.gestion == "separee"
    assert store.amc_lots.engagement_of(row.fse_uuid) is not None


def test_a_malformed_complementaire_is_refused_before_anything(store: Store) -> None:
    identity = {
        "nir": NIR,
        "birth_date": BORN,
        "rang": RANG,
        "identification": "adri",
        "organism": {"regime": "01", "caisse": "131", "centre": "1312"},
        "amc": {"organisme": "4430", "debut": "2026-01-01"},
    }
    with pytest.raises(FseInputError) as caught:
        _sans_vitale(identity)
    assert "identity.amc.organisme" in str(caught.value)
    identity["amc"] = {"organisme": AMC, "debut": "hier"}
    with pytest.raises(FseInputError, match="AAAA-MM-JJ"):
        _sans_vitale(identity)
    assert store.fse_list() == []
