"""The printed documents: valid PDF (qpdf --check) whose text (pdftotext) carries what the
convention requires on the feuille de soins, the quittance and the bordereau."""

from __future__ import annotations

import re
import subprocess
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from billing.documents import (
    ActLine,
    Bordereau,
    CareSheet,
    Executant,
    ExecutantRole,
    LotLine,
    Patient,
    Practitioner,
    Receipt,
    Structure,
    format_amount,
    render_bordereau,
    render_feuille_de_soins,
    render_receipt,
)

DOCTOR = Practitioner(
    "Martin", "Élodie", "751234567", rpps="10001234567", specialite="Médecine générale"
)
SALARIED = Practitioner("Durand", "Cécile", "751999999", rpps="10009999999")
PATIENT = Patient("Lefèvre", "Zoé", "2850675123456 42", "12/06/1985", organisme="01 751 7511")
DAY = date(2026, 11, 10)


def text_of(pdf: bytes, tmp: Path) -> str:
    path = tmp / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    check = subprocess.run(
        ["qpdf", "--check", str(path)], capture_output=True, text=True, check=False
    )
    assert check.returncode == 0, check.stdout + check.stderr
    assert "No syntax or stream encoding errors found" in check.stdout
    done = subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    )
    return done.stdout


def sheet(**changes: object) -> CareSheet:
    values: dict[str, object] = {
        "practitioner": DOCTOR,
        "patient": PATIENT,
        "acts": (
            ActLine(DAY, "G", Decimal("30.00"), libelle="Consultation"),
            ActLine(DAY, "MEG", Decimal("5.00")),
        ),
        "date_emission": DAY,
        "numero_fse": "123",
        "numero_lot": "45",
        "montant_recu": Decimal("35.00"),
    }
    values.update(changes)
    return CareSheet(**values)  # type: ignore[arg-type]


def test_feuille_de_soins_carries_identification_acts_and_signature_boxes(tmp_path: Path) -> None:
    text = text_of(render_feuille_de_soins(sheet()), tmp_path)
    assert "FEUILLE DE SOINS" in text
    assert "Dr Élodie Martin" in text  # accents survive the core fonts
    assert "751234567" in text and "RPPS 10001234567" in text
    assert "LEFÈVRE Zoé" in text and "2850675123456 42" in text and "12/06/1985" in text
    assert "01 751 7511" in text
    assert re.search(r"10/11/2026\s+G\s+Consultation\s+30,00 EUR", text)
    assert re.search(r"10/11/2026\s+MEG\s+5,00 EUR", text)
    assert "Montant total des honoraires : 35,00 EUR" in text
    assert "Montant des honoraires perçus : 35,00 EUR" in text
    assert "Signature du médecin" in text and "Signature de l'assuré(e)" in text
    assert "Exécution de l'acte" in text
    # No mention that does not apply.
    assert " DE" not in text.replace("DE SOINS", "") and " ED" not in text
    assert "acte gratuit" not in text
    assert "dégradé" not in text


def test_mentions_de_ed_and_acte_gratuit_appear_where_they_apply(tmp_path: Path) -> None:
    acts = (
        ActLine(DAY, "APC", Decimal("80.00"), depassement_exigence=True),
        ActLine(DAY, "G", Decimal("30.00"), gratuit=True),
    )
    text = text_of(
        render_feuille_de_soins(
            sheet(acts=acts, montant_recu=Decimal("80.00"), entente_directe=True)
        ),
        tmp_path,
    )
    assert re.search(r"APC\s+80,00 EUR DE", text)  # DE next to the act's amount
    assert re.search(r"G\s+acte gratuit", text)  # free act: no amount, the mention
    assert "Montant des honoraires perçus : 80,00 EUR ED" in text  # ED after the amount received
    assert "Montant total des honoraires : 80,00 EUR" in text  # a free act counts zero


def test_salaried_practitioner_prints_structure_then_executant(tmp_path: Path) -> None:
    text = text_of(
        render_feuille_de_soins(
            sheet(
                structure=Structure("Centre de santé Les Tilleuls", "759876543"),
                executant=Executant(SALARIED, ExecutantRole.SALARIE),
            )
        ),
        tmp_path,
    )
    structure = text.index("Centre de santé Les Tilleuls - n° 759876543")
    responsible = text.index("Médecin responsable")
    executant = text.index("Exécutant (salarié)")
    assert structure < responsible < executant  # structure field, then the executant
    assert "Dr Cécile Durand - n° 751999999 - RPPS 10009999999" in text
    assert "(médecin responsable)" in text  # he signs the payment attestation


def test_replacing_practitioner_is_the_executant(tmp_path: Path) -> None:
    text = text_of(
        render_feuille_de_soins(sheet(executant=Executant(SALARIED, ExecutantRole.REMPLACANT))),
        tmp_path,
    )
    assert "Exécutant (remplaçant)" in text and "Dr Cécile Durand" in text


@pytest.mark.parametrize(
    ("amo", "amc", "marks"),
    [(False, False, ("[ ]", "[ ]")), (True, False, ("[X]", "[ ]")), (True, True, ("[X]", "[X]"))],
)
def test_tiers_payant_boxes(tmp_path: Path, amo: bool, amc: bool, marks: tuple[str, str]) -> None:
    text = text_of(
        render_feuille_de_soins(sheet(tiers_payant_amo=amo, tiers_payant_amc=amc)), tmp_path
    )
    assert f"{marks[0]} L'assuré n'a pas payé la part obligatoire" in text
    assert f"{marks[1]} L'assuré n'a pas payé la part complémentaire" in text


def test_degrade_sheet_says_it_is_for_the_patient_to_sign_and_scan(tmp_path: Path) -> None:
    text = " ".join(text_of(render_feuille_de_soins(sheet(degrade=True)), tmp_path).split())
    assert "SESAM « dégradé »" in text
    assert "à faire signer par le patient" in text
    assert "Référence de la facture : 123 - lot 45" in text


def test_feuille_de_soins_is_deterministic() -> None:
    assert render_feuille_de_soins(sheet()) == render_feuille_de_soins(sheet())


def test_many_acts_flow_onto_a_second_page(tmp_path: Path) -> None:
    acts = tuple(ActLine(DAY, f"AMI{i}", Decimal("3.15")) for i in range(60))
    path = tmp_path / "long.pdf"
    pdf = render_feuille_de_soins(sheet(acts=acts))
    text = text_of(pdf, tmp_path)
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, check=True)
    assert int(re.search(r"Pages:\s+(\d+)", info.stdout).group(1)) >= 2  # type: ignore[union-attr]
    assert "AMI59" in text and "Signature de l'assuré(e)" in text


def test_receipt_states_what_the_patient_paid(tmp_path: Path) -> None:
    pdf = render_receipt(
        Receipt(
            sheet(tiers_payant_amo=True, montant_recu=Decimal("12.50")),
            numero="Q-123",
            mode_paiement="chèque",
        )
    )
    text = " ".join(text_of(pdf, tmp_path).split())
    assert "QUITTANCE" in text and "Reçu n° Q-123" in text
    assert "reconnais avoir reçu de Mme LEFÈVRE Zoé la somme de 12,50 EUR (chèque)" in text
    assert "Total des honoraires : 35,00 EUR" in text
    assert "Tiers payant : la part obligatoire (22,50 EUR) n'a pas été payée par le patient" in text


def test_bordereau_lists_the_days_lots_with_totals(tmp_path: Path) -> None:
    bordereau = Bordereau(
        DOCTOR,
        DAY,
        (
            LotLine("12", "fse", "01-751-7511", 3, Decimal("105.00"), "ARL positif"),
            LotLine("13", "dégradé", "01-751-7511", 1, Decimal("35.00"), "envoyé"),
            LotLine("14", "pj", "01-751-7511", 1, Decimal(0), "en attente"),
        ),
    )
    text = text_of(render_bordereau(bordereau), tmp_path)
    assert "BORDEREAU DES LOTS" in text and "Journée du 10/11/2026" in text
    assert re.search(r"12\s+FSE\s+01-751-7511\s+3\s+105,00 EUR\s+ARL positif", text)
    assert re.search(r"13\s+FSE dégradées\s+01-751-7511\s+1\s+35,00 EUR", text)
    assert re.search(r"14\s+PJ SCOR", text)
    assert "3 lot(s), 4 facture(s), montant total 140,00 EUR" in text


def test_empty_bordereau_says_so(tmp_path: Path) -> None:
    text = text_of(render_bordereau(Bordereau(DOCTOR, DAY, ())), tmp_path)
    assert "Aucun lot pour cette journée." in text


@pytest.mark.parametrize(
    ("value", "printed"),
    [("0", "0,00 EUR"), ("25", "25,00 EUR"), ("1234.5", "1 234,50 EUR"), ("-3.10", "-3,10 EUR")],
)
def test_amounts_are_french(value: str, printed: str) -> None:
    assert format_amount(Decimal(value)) == printed
