"""NOEMIE codec: the returns file that says which FSE were paid, partly paid or rejected."""

from __future__ import annotations

import contextlib
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from billing.noemie import (
    RECORD,
    InvoiceOutcome,
    MalformedNoemieError,
    NoemieAct,
    NoemieFile,
    NoemieInvoice,
    NoemiePart,
    NoemiePatient,
    NoemiePayment,
    NoemieRejects,
    PartState,
    build_noemie,
    parse_noemie,
)

FSE_A = "0b4c9a3e-1111-4222-8333-444455556666"
FSE_B = "1b4c9a3e-1111-4222-8333-444455556666"
FSE_C = "2b4c9a3e-1111-4222-8333-444455556666"
LOT = "9b4c9a3e-1111-4222-8333-444455556666"


def _file() -> NoemieFile:
    patient = NoemiePatient("120580", 1, "DURAND", "PIERRE")
    act = NoemieAct(1, date(2026, 11, 20), "G", 1, Decimal("1.00"), Decimal("18.90"))
    paid = NoemieInvoice(
        FSE_A,
        LOT,
        date(2026, 11, 20),
        InvoiceOutcome.PAID,
        Decimal("18.90"),
        Decimal("8.10"),
        patient=patient,
        acts=(act,),
    )
    partly = NoemieInvoice(
        FSE_B, LOT, date(2026, 11, 20), InvoiceOutcome.PAID, Decimal("17.01"), Decimal("8.10")
    )
    rejected = NoemieInvoice(
        FSE_C,
        LOT,
        date(2026, 11, 21),
        InvoiceOutcome.REJECTED,
        motif_code="R01",
        motif_label="Droits fermés",
        patient=NoemiePatient("080719", 2, "DURAND", "LÉA"),
    )
    return NoemieFile(
        emitter="AMSIMUL01",
        receiver="123456789",
        file_number=42,
        created_on=date(2026, 11, 22),
        payments=(NoemiePayment("VIR20261122000042", date(2026, 11, 22), (paid, partly)),),
        rejects=(NoemieRejects(date(2026, 11, 22), (rejected,)),),
    )


def test_round_trip_keeps_payments_rejects_and_amounts() -> None:
    back = parse_noemie(build_noemie(_file()))
    assert back.file_number == 42
    assert back.payments[0].total == Decimal("52.11")
    invoices = {i.fse_id: i for i in back.invoices()}
    assert invoices[FSE_A].paid_amo == Decimal("18.90")
    assert invoices[FSE_A].acts[0].amount == Decimal("18.90")
    assert invoices[FSE_A].patient == NoemiePatient("120580", 1, "DURAND", "PIERRE")
    assert invoices[FSE_C].outcome is InvoiceOutcome.REJECTED
    assert invoices[FSE_C].motif_code == "R01"
    # Names and labels are written as the caisses do: uppercase ASCII.
    assert invoices[FSE_C].patient is not None and invoices[FSE_C].patient.first_name == "LEA"
    assert invoices[FSE_C].motif_label == "DROITS FERMES"


def test_layout_follows_the_public_description() -> None:
    text = build_noemie(_file()).decode("latin-1")
    lines = text.split("\r\n")
    assert lines[0].startswith("000") and len(lines[0]) == RECORD
    assert lines[-2].startswith("999") and len(lines[-2]) == RECORD
    body = lines[1:-2]
    assert all(line.endswith("@") for line in body)
    patient = next(line for line in body if line.startswith("12003"))
    assert patient[12:37].rstrip() == "DURAND" and patient[37:52].rstrip() == "PIERRE"
    act = next(line for line in body if line.startswith("21003"))
    assert act[21:27] == "201126" and act[52:60] == "00001890" and act[60] == "P"
    assert [line[:5] for line in body if line.startswith("990")] == ["99002", "99002"]


def test_entities_without_line_breaks_are_read_too() -> None:
    raw = build_noemie(_file()).replace(b"\r\n", b"")
    assert parse_noemie(raw) == parse_noemie(build_noemie(_file()))


def _corrupt(old: bytes, new: bytes) -> bytes:
    raw = build_noemie(_file())
    assert old in raw
    return raw.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "why"),
    [
        (b"00000NOE576", b"00000NOE580", "référence"),
        (
            b"VIR20261122000042   20261122000000005211",
            b"VIR20261122000042   20261122000000005212",
            "virement",
        ),
        (b"99002000002", b"99002000003", "totaux"),
        (b"99900000000004200000010", b"99900000000004200000011", "entités"),
        (b"20261121R", b"20261121X", "statut"),
        (b"20261121R", b"20261131R", "date"),
        (b"R01DROITS", b"   DROITS", "rejet sans motif"),
        (b"@", b"#", "non terminée"),
        (b"999000000000042", b"999000000000043", "numéro de fichier"),
    ],
)
def test_inconsistent_or_damaged_files_are_refused(old: bytes, new: bytes, why: str) -> None:
    with pytest.raises(MalformedNoemieError):
        parse_noemie(_corrupt(old, new))


def test_truncated_file_says_where() -> None:
    raw = build_noemie(_file())
    with pytest.raises(MalformedNoemieError) as info:
        parse_noemie(raw[: len(raw) // 2])
    assert "NOEMIE" in str(info.value)


def test_empty_and_foreign_files_are_refused() -> None:
    for raw in (b"", b"%PDF-1.4 hello", b"000" + b" " * 125):
        with pytest.raises(MalformedNoemieError):
            parse_noemie(raw)


def test_builder_refuses_what_cannot_be_written() -> None:
    bad = NoemieInvoice("id with space", LOT, date(2026, 1, 1), InvoiceOutcome.PAID)
    payment = NoemiePayment("V", date(2026, 1, 1), (bad,))
    noemie = NoemieFile("E", "R", 1, date(2026, 1, 1), payments=(payment,))
    with pytest.raises(MalformedNoemieError):
        build_noemie(noemie)


@settings(max_examples=300)
@given(st.binary(max_size=600))
def test_random_bytes_raise_only_the_typed_error(data: bytes) -> None:
    with contextlib.suppress(MalformedNoemieError):
        parse_noemie(data)


@settings(max_examples=200)
@given(st.integers(min_value=0, max_value=2000), st.binary(min_size=1, max_size=3))
def test_mutated_valid_files_raise_only_the_typed_error(pos: int, junk: bytes) -> None:
    raw = bytearray(build_noemie(_file()))
    pos %= len(raw)
    raw[pos : pos + len(junk)] = junk
    with contextlib.suppress(MalformedNoemieError):
        parse_noemie(bytes(raw))


_UPPER = st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ -'", min_size=1, max_size=15).map(str.strip)
_AMOUNT = st.integers(min_value=0, max_value=9_999_999).map(lambda c: Decimal(c) / 100)
_DAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2099, 12, 31))


@st.composite
def _invoice(draw: st.DrawFn, outcome: InvoiceOutcome) -> NoemieInvoice:
    rejected = outcome is InvoiceOutcome.REJECTED
    acts = draw(
        st.lists(
            st.builds(
                NoemieAct,
                line=st.integers(1, 99),
                care_date=_DAY,
                code=st.sampled_from(["G", "GS", "SDE", "AMI", "C"]),
                quantity=st.integers(1, 99),
                coefficient=st.integers(1, 99999).map(lambda c: Decimal(c) / 100),
                amount=st.integers(-9_999_999, 99_999_999).map(lambda c: Decimal(c) / 100),
            ),
            max_size=3,
        )
    )
    paid_amo = Decimal("0.00") if rejected else draw(_AMOUNT)
    paid_amc = Decimal("0.00") if rejected else draw(_AMOUNT)
    state = PartState.REJECTED if rejected else PartState.PAID
    return NoemieInvoice(
        fse_id=str(draw(st.uuids())),
        lot_id=str(draw(st.uuids())),
        care_date=draw(_DAY),
        outcome=outcome,
        paid_amo=paid_amo,
        paid_amc=paid_amc,
        amo=draw(st.none() | st.just(NoemiePart(draw(_AMOUNT), state, paid_amo))),
        amc=draw(
            st.none() | st.just(NoemiePart(draw(_AMOUNT), state, paid_amc, "12345678", "ADH 42"))
        ),
        motif_code=draw(st.sampled_from(["R01", "R02", "R05"])) if rejected else None,
        motif_label=draw(_UPPER) if rejected else "",
        patient=draw(
            st.none()
            | st.builds(
                NoemiePatient,
                birth_ddmmyy=st.dates().map(lambda d: d.strftime("%d%m%y")),
                rank=st.integers(1, 9),
                last_name=_UPPER,
                first_name=_UPPER,
            )
        ),
        acts=tuple(acts),
    )


@settings(max_examples=60)
@given(
    st.lists(_invoice(InvoiceOutcome.PAID), min_size=1, max_size=5),
    st.lists(_invoice(InvoiceOutcome.REJECTED), max_size=5),
    st.integers(0, 9_999_999_999),
)
def test_any_well_formed_file_reads_back_identically(
    paid: list[NoemieInvoice], rejected: list[NoemieInvoice], number: int
) -> None:
    noemie = NoemieFile(
        emitter="AMSIMUL01",
        receiver="123456789",
        file_number=number,
        created_on=date(2026, 11, 22),
        payments=(NoemiePayment("VIR1", date(2026, 11, 22), tuple(paid)),),
        rejects=(NoemieRejects(date(2026, 11, 22), tuple(rejected)),) if rejected else (),
    )
    assert parse_noemie(build_noemie(noemie)) == noemie


def _gestion_unique() -> NoemieFile:
    """One FSE of 30 €: AMO 21 € and AMC 9 €, both paid by the caisse (gestion unique)."""
    inv = NoemieInvoice(
        FSE_A,
        LOT,
        date(2026, 11, 20),
        InvoiceOutcome.PAID,
        Decimal("21.00"),
        Decimal("9.00"),
        acts=(NoemieAct(1, date(2026, 11, 20), "G", 1, Decimal("1.00"), Decimal("21.00")),),
        amo=NoemiePart(Decimal("21.00"), PartState.PAID, Decimal("21.00")),
        amc=NoemiePart(Decimal("9.00"), PartState.PAID, Decimal("9.00"), "88776655", "ADH0042"),
    )
    return NoemieFile(
        "AMSIMUL01",
        "123456789",
        7,
        date(2026, 11, 22),
        payments=(NoemiePayment("VIR7", date(2026, 11, 22), (inv,)),),
    )


def test_parts_and_acts_sit_where_the_public_noemie_ps_layout_puts_them() -> None:
    """198 / 199 / 210 as in sesamviewer's data/noemie-ps.xml (1-based there, 0-based here)."""
    body = build_noemie(_gestion_unique()).decode("latin-1").split("\r\n")
    amo = next(line for line in body if line.startswith("198"))
    amc = next(line for line in body if line.startswith("199"))
    act = next(line for line in body if line.startswith("210"))
    # 198: demandé 6-13, état 14, payé 15-22, signe 23, « @ » 24.
    assert (amo[5:13], amo[13], amo[14:22], amo[22], amo[23:]) == (
        "00002100",
        "P",
        "00002100",
        "P",
        "@",
    )
    # 199: the same, then n° AMC destinataire 24-33, n° d'adhérent 34-48, « @ » 49.
    assert (amc[5:13], amc[13], amc[14:22], amc[22]) == ("00000900", "P", "00000900", "P")
    assert amc[23:33] == "0088776655" and amc[33:48].rstrip() == "ADH0042" and amc[48:] == "@"
    # 210: montant 53-60, signe 61, nature 62-64, quantité 67-69, coefficient 70-74, « @ » 118.
    assert act[52:60] == "00002100" and act[60] == "P" and act[61:64] == "G  "
    assert act[66:69] == "001" and act[69:74] == "00100" and act[117:] == "@"
    back = parse_noemie(build_noemie(_gestion_unique())).payments[0].invoices[0]
    assert back.amc == NoemiePart(
        Decimal("9.00"), PartState.PAID, Decimal("9.00"), "88776655", "ADH0042"
    )


def test_a_part_that_contradicts_its_invoice_is_refused() -> None:
    raw = build_noemie(_gestion_unique())
    bad = raw.replace(b"19903000009", b"19903000009", 1).replace(
        b"00000900P00000900P", b"00000900P00000800P", 1
    )
    assert bad != raw
    with pytest.raises(MalformedNoemieError, match="part AMC"):
        parse_noemie(bad)


def test_an_act_code_longer_than_the_nature_field_is_not_written() -> None:
    noemie = _gestion_unique()
    inv = noemie.payments[0].invoices[0]
    act = NoemieAct(1, date(2026, 11, 20), "HBLD426", 1, Decimal("1.00"), Decimal("21.00"))
    wide = NoemieInvoice(inv.fse_id, inv.lot_id, inv.care_date, inv.outcome, acts=(act,))
    with pytest.raises(MalformedNoemieError, match="nature de prestation"):
        build_noemie(
            NoemieFile(
                "E",
                "R",
                1,
                date(2026, 1, 1),
                payments=(NoemiePayment("V", date(2026, 1, 1), (wide,)),),
            )
        )
