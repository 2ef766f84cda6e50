"""ARL codec: what the concentrator answers per lot must be read exactly or refused."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from billing.arl import Arl, ArlStatus, MalformedArlError, build_arl, motif, parse_arl

WHEN = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


def _negative() -> Arl:
    return Arl(
        arl_id="arl-1",
        lot_id="0b4c9a3e-1111-4222-8333-444455556666",
        status=ArlStatus.NEGATIVE,
        received_at=WHEN,
        fse_count=3,
        motifs=(motif("A04", "fse-2"), motif("A01")),
    )


def test_round_trip_keeps_every_motif() -> None:
    arl = _negative()
    again = parse_arl(build_arl(arl))
    assert again == arl
    assert not again.positive
    assert again.rejected_fse() == {"fse-2"}
    assert again.motifs[0].label == "Certification Vitale invalide"


def test_positive_round_trip() -> None:
    arl = Arl("a", "lot-1", ArlStatus.POSITIVE, WHEN, 10)
    assert parse_arl(build_arl(arl)).positive


def test_build_is_deterministic() -> None:
    assert build_arl(_negative()) == build_arl(_negative())


def _doc() -> dict[str, object]:
    return json.loads(build_arl(_negative()))


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("statut"),
        lambda d: d.update(extra=1),
        lambda d: d.update(statut="peut-etre"),
        lambda d: d.update(nb_fse="3"),
        lambda d: d.update(nb_fse=True),
        lambda d: d.update(recu_le="2026-11-22T10:00:00"),  # no time zone
        lambda d: d.update(motifs=[]),  # negative without motif
        lambda d: d.update(statut="positif"),  # positive with motifs
        lambda d: d.update(lot_id="../../etc"),
        lambda d: d.update(version=2),
        lambda d: d.update(motifs=[{"code": "a4", "fse": None, "libelle": "x"}]),
        lambda d: d.update(motifs=[{"code": "A04", "fse": 3, "libelle": "x"}]),
    ],
)
def test_malformed_documents_are_refused(mutate) -> None:  # type: ignore[no-untyped-def]
    doc = _doc()
    mutate(doc)
    with pytest.raises(MalformedArlError):
        parse_arl(json.dumps(doc).encode())


def test_duplicate_keys_nan_and_garbage_are_refused() -> None:
    raw = build_arl(_negative()).decode()
    with pytest.raises(MalformedArlError):
        parse_arl(raw.replace('{"arl_id"', '{"arl_id":"x","arl_id"', 1).encode())
    with pytest.raises(MalformedArlError):
        parse_arl(b'{"nb_fse": NaN}')
    with pytest.raises(MalformedArlError):
        parse_arl(b"\xff\xfe<html>")
    with pytest.raises(MalformedArlError):
        parse_arl(b"[" * 100_000)


def test_unknown_motif_code_is_refused_when_building() -> None:
    with pytest.raises(MalformedArlError):
        motif("Z99")


@given(st.binary(max_size=300))
def test_any_bytes_either_parse_or_raise_the_typed_error(data: bytes) -> None:
    with contextlib.suppress(MalformedArlError):
        parse_arl(data)


def test_error_message_is_french() -> None:
    with pytest.raises(MalformedArlError, match="illisible"):
        parse_arl(b"{}")
