"""The duplicata of an FSE that failed twice (convention 002 L4297-4303): motif, FSE and lot
numbers, where it goes, and the "assuré n'a pas pu signer" case."""

from __future__ import annotations

import subprocess
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.documents import (
    PATIENT_COULD_NOT_SIGN,
    ActLine,
    CareSheet,
    Duplicata,
    DuplicataDestination,
    DuplicataError,
    Patient,
    Practitioner,
    render_duplicata,
)

DAY = date(2026, 11, 10)


def sheet(tp_amo: bool = False, tp_amc: bool = False, lot: str = "45") -> CareSheet:
    return CareSheet(
        practitioner=Practitioner("Martin", "Élodie", "751234567"),
        patient=Patient("Lefèvre", "Zoé", "2850675123456 42", "12/06/1985", "01 751 7511"),
        acts=(ActLine(DAY, "G", Decimal("30.00")),),
        date_emission=DAY,
        numero_fse="123",
        numero_lot=lot,
        montant_recu=Decimal("30.00"),
        tiers_payant_amo=tp_amo,
        tiers_payant_amc=tp_amc,
    )


def text_of(pdf: bytes, tmp: Path) -> str:
    path = tmp / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    check = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def test_duplicata_mentions_motif_and_fse_and_lot_numbers(tmp_path: Path) -> None:
    text = text_of(
        render_duplicata(Duplicata(sheet(), "Échec répété de la télétransmission")), tmp_path
    )
    assert "DUPLICATA" in text
    assert "Motif de délivrance Échec répété de la télétransmission" in text
    assert "Duplicata de la FSE n° 123 - lot n° 45" in text
    assert "N° de FSE 123" in text and "N° de lot 45" in text
    assert "G" in text and "30,00 EUR" in text  # the sheet itself is reproduced


def test_without_tiers_payant_it_goes_to_the_patient_signed_by_the_doctor(tmp_path: Path) -> None:
    duplicata = Duplicata(sheet(), "Échec de transmission")
    assert duplicata.destination is DuplicataDestination.ASSURE
    text = text_of(render_duplicata(duplicata), tmp_path)
    assert "remis à l'assuré" in text
    assert "Signature du médecin" in text
    assert "Signature de l'assuré(e)" not in text.split("Destination du duplicata")[1]


@pytest.mark.parametrize(("amo", "amc"), [(True, False), (False, True), (True, True)])
def test_with_tiers_payant_it_goes_to_the_caisse_signed_by_both(
    tmp_path: Path, amo: bool, amc: bool
) -> None:
    duplicata = Duplicata(sheet(amo, amc), "Échec de transmission")
    assert duplicata.destination is DuplicataDestination.CAISSE  # total or partial DAF
    text = text_of(render_duplicata(duplicata), tmp_path)
    assert "adressé par le médecin à la caisse d'affiliation de l'assuré (01 751 7511)" in text
    tail = text.split("Destination du duplicata")[1]
    assert "Signature du médecin" in tail and "Signature de l'assuré(e)" in tail
    assert PATIENT_COULD_NOT_SIGN not in text


def test_patient_who_could_not_sign_is_stated_instead_of_his_signature(tmp_path: Path) -> None:
    text = text_of(
        render_duplicata(Duplicata(sheet(tp_amo=True), "Échec", patient_could_not_sign=True)),
        tmp_path,
    )
    tail = text.split("Destination du duplicata")[1]
    assert "L'assuré n'a pas pu signer la feuille de soins." in tail
    assert "Signature de l'assuré(e)" not in tail


def test_could_not_sign_makes_no_sense_without_tiers_payant() -> None:
    with pytest.raises(DuplicataError, match="caisse"):
        render_duplicata(Duplicata(sheet(), "Échec", patient_could_not_sign=True))


def test_a_duplicata_needs_a_motif_and_a_lot() -> None:
    with pytest.raises(DuplicataError, match="motif"):
        render_duplicata(Duplicata(sheet(), "   "))
    with pytest.raises(DuplicataError, match="numéros de FSE et de lot"):
        render_duplicata(Duplicata(sheet(lot=""), "Échec"))
