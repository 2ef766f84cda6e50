"""The simulated caisse details each part in its NOEMIE returns (entities 198 / 199 of the
public NOEMIE PS layout): in gestion unique it pays the AMC part too, in gestion séparée it
leaves it to the AMC (« pas de traitement »), and a CCAM act gets a 3-character nature.
The bénéficiaires are those of the emulated carte Vitale profiles."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing.noemie import InvoiceOutcome, PartState, build_noemie, parse_noemie
from testbed.am.adri import Directory
from testbed.am.ledger import AcceptedFse
from testbed.am.noemie_gen import CCAM_NATURE, ReturnPolicy, generate

PROFILES = Path(__file__).resolve().parents[2] / "testbed" / "cards" / "profiles"
PAY_ALL = ReturnPolicy(rejected_per_mille=0, partly_paid_per_mille=0)


def _accepted(profile: str, fse_id: str, code: str = "G") -> AcceptedFse:
    doc = json.loads((PROFILES / f"{profile}.json").read_text(encoding="utf-8"))
    b = doc["beneficiaires"][0]
    today = date.today().isoformat()
    body: dict[str, Any] = {
        "care_date": today,
        "practitioner": {"billing_number": "75123456", "billing_key": "8"},
        "beneficiary": {
            "assure_nir": doc["assure"]["nir"][:13],
            "birth_date": b["naissance"],
            "rang": b["rang"],
        },
        "amounts": {"amo": "19.00", "amc": "9.00"},
        "tiers_payant": {"amo": True, "amc": True},
        "acts": [
            {
                "date": today,
                "code": code,
                "quantity": 1,
                "coefficient": "1",
                "amo": "19.00",
            }
        ],
    }
    return AcceptedFse(fse_id, "lot-1", datetime.now(UTC), {"body": body})


def _invoices(*fse: AcceptedFse) -> dict[str, Any]:
    ((noemie, _ids),) = generate(
        list(fse), first_number=1, today=date.today(), directory=Directory(), policy=PAY_ALL
    )
    back = parse_noemie(build_noemie(noemie))  # through the bytes, as the client reads it
    return {i.fse_id: i for i in back.invoices()}


def test_gestion_unique_the_caisse_pays_both_parts() -> None:
    inv = _invoices(_accepted("vitale-amc-unique", "fse-unique"))["fse-unique"]
    assert inv.outcome is InvoiceOutcome.PAID
    assert (inv.paid_amo, inv.paid_amc) == (Decimal("19.00"), Decimal("9.00"))
    assert inv.amo is not None and inv.amo.state is PartState.PAID
    assert inv.amc is not None and inv.amc.state is PartState.PAID
    assert (inv.amc.paid, inv.amc.amc_number, inv.amc.member_id) == (
        Decimal("9.00"),
        "77500001",
        "M00782211",
    )


def test_gestion_separee_the_caisse_leaves_the_amc_part_to_the_amc() -> None:
    inv = _invoices(_accepted("vitale-amc-separee", "fse-separee", "HBLD426"))["fse-separee"]
    assert (inv.paid_amo, inv.paid_amc) == (Decimal("19.00"), Decimal("0.00"))
    assert inv.amc is not None and inv.amc.state is PartState.NOT_PROCESSED
    assert inv.amc.requested == Decimal("9.00") and inv.amc.amc_number == "44300002"
    assert inv.motif_code is None  # not a partial payment: nothing was cut
    assert inv.acts[0].code == CCAM_NATURE
