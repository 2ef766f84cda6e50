"""Lots: grouping rules, closing rules, signed content verified end to end."""

from __future__ import annotations

import json
import subprocess
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fse_support import MSA_CORSE, make_pki, secured

from billing.canonical import canonical_bytes
from billing.cms import CmsError
from billing.fse import SecuringMode
from billing.lot import (
    LotError,
    LotRules,
    group_into_lots,
    lot_content,
    lot_key,
    sign_lot,
    verify_lot,
)

NOW = datetime.now(UTC).replace(microsecond=0)
PKI = make_pki()


def signed(fses: list, pki=PKI, number: int = 1, content: bytes | None = None) -> bytes:  # type: ignore[no-untyped-def,type-arg]
    data = content or lot_content(
        lot_id=str(uuid.uuid4()), number=number, created_at=NOW, closed_at=NOW, fses=fses
    )
    return sign_lot(data, pki.signer, NOW)


def test_lots_split_by_organism_and_mode_and_degrade_never_joins_secured() -> None:
    fses = [
        secured(1),
        secured(2, organism=MSA_CORSE),
        secured(3, SecuringMode.DEGRADE),
        secured(4),
        secured(5, SecuringMode.SANS_VITALE),
        secured(6, SecuringMode.DEGRADE),
    ]
    lots = group_into_lots(fses)
    as_numbers = sorted([f.number for f in lot] for lot in lots)
    assert as_numbers == [[1, 4], [2], [3, 6], [5]]
    for lot in lots:
        assert len({lot_key(f) for f in lot}) == 1


def test_lot_size_limit_opens_a_new_lot() -> None:
    lots = group_into_lots([secured(n) for n in range(1, 8)], LotRules(max_fse=3))
    assert [[f.number for f in lot] for lot in lots] == [[1, 2, 3], [4, 5, 6], [7]]


def test_closing_rule_size_or_age() -> None:
    rules = LotRules(max_fse=50, max_age=timedelta(hours=24))
    assert not rules.is_due(0, None, NOW)
    assert not rules.is_due(3, NOW - timedelta(hours=23), NOW)
    assert rules.is_due(3, NOW - timedelta(hours=24), NOW)
    assert rules.is_due(50, NOW, NOW)


def test_building_a_lot_of_mixed_fse_is_refused() -> None:
    with pytest.raises(LotError):
        lot_content(
            lot_id=str(uuid.uuid4()),
            number=1,
            created_at=NOW,
            closed_at=NOW,
            fses=[secured(1), secured(2, SecuringMode.DEGRADE)],
        )


def test_signed_lot_verifies_end_to_end_with_billing_and_openssl(tmp_path: Path) -> None:
    fses = [secured(1), secured(2), secured(3)]
    der = signed(fses, number=9)
    lot = verify_lot(der, PKI.ca_pem)
    assert lot.number == 9
    assert [f.number for f in lot.fses] == [1, 2, 3]
    assert lot.fses[0] == fses[0]
    assert lot.document["totals"]["total_fees"] == "90.00"
    (tmp_path / "lot.der").write_bytes(der)
    (tmp_path / "ca.pem").write_bytes(PKI.ca_pem)
    out = subprocess.run(
        [
            "openssl",
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            str(tmp_path / "lot.der"),
            "-CAfile",
            str(tmp_path / "ca.pem"),
            "-purpose",
            "any",
        ],
        capture_output=True,
        check=False,
    )
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["lot_id"] == lot.lot_id


def test_one_changed_content_byte_fails_verification() -> None:
    der = bytearray(signed([secured(1)]))
    index = der.index(b'"total_fees":"30.00"')
    der[index + len('"total_fees":"3')] = ord("4")
    with pytest.raises(CmsError):
        verify_lot(bytes(der), PKI.ca_der)


def _resigned(mutate) -> bytes:  # type: ignore[no-untyped-def]
    """A lot whose content was changed *before* signing: only the content checks catch it."""
    doc = json.loads(
        lot_content(
            lot_id=str(uuid.uuid4()),
            number=1,
            created_at=NOW,
            closed_at=NOW,
            fses=[secured(1), secured(2)],
        )
    )
    mutate(doc)
    return signed([], content=canonical_bytes(doc))


@pytest.mark.parametrize(
    ("mutate", "reason"),
    [
        (lambda d: d["fse"][0]["body"]["amounts"].update(amo="1.00"), "empreinte"),
        (lambda d: d.update(fse_count=3), "nombre"),
        (lambda d: d["fse_digests"].reverse(), "empreintes"),
        (lambda d: d["totals"].update(amo="0.00"), "total"),
        (lambda d: d["organism"].update(caisse="201"), "n'appartient pas"),
        (lambda d: d.update(extra=1), "non conforme"),
        (lambda d: d["fse"][1].update(vitale_certification=""), "certification"),
    ],
)
def test_inconsistent_content_signed_by_a_valid_cps_is_still_rejected(mutate, reason) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(LotError, match=reason):
        verify_lot(_resigned(mutate), PKI.ca_der)


def test_non_canonical_content_is_rejected() -> None:
    data = lot_content(
        lot_id=str(uuid.uuid4()), number=1, created_at=NOW, closed_at=NOW, fses=[secured(1)]
    )
    pretty = json.dumps(json.loads(data), indent=1).encode()
    with pytest.raises(LotError, match="canonique"):
        verify_lot(signed([], content=pretty), PKI.ca_der)


def test_lot_from_an_unknown_ca_is_rejected() -> None:
    with pytest.raises(CmsError):
        verify_lot(signed([secured(1)]), make_pki().ca_der)
