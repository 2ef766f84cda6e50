"""What a patient and a caisse read on paper (issue #20): the cabinet's letterhead, who paid
for whom, the act labels, how and how much was paid, the part remboursable, the assuré's
name and NIR as on the carte, the specialty in words. Read back with ``pdftotext``."""

from __future__ import annotations

import subprocess
import uuid
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from billing.documents import (
    ActLine,
    CareSheet,
    Duplicata,
    Letterhead,
    Patient,
    Practitioner,
    Receipt,
    civility,
    format_nir,
    render_duplicata,
    render_feuille_de_soins,
    render_receipt,
)

DAY = date.today() - timedelta(days=1)
CABINET = Letterhead(
    "Cabinet médical des Tilleuls", "12 rue des Lilas\n57000 Metz", "03 87 00 00 00"
)
DOCTOR = Practitioner(
    "Martin",
    "Élodie",
    "571234567",
    specialite="Médecine générale",
    adresse="12 rue des Lilas, 57000 Metz",
)
CHILD = Patient(
    "Durand",
    "Emma",
    format_nir("2210557123456", "42"),
    "03/05/2021",
    organisme="01 571 5711",
    assure_nom="Durand",
    assure_prenom="Paul",
    assure_nir=format_nir("1850557123456", "17"),
)


def words(pdf: bytes, tmp: Path) -> str:
    path = tmp / f"{uuid.uuid4().hex}.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def child_sheet(**changes: object) -> CareSheet:
    values: dict[str, object] = {
        "practitioner": DOCTOR,
        "patient": CHILD,
        "acts": (
            ActLine(DAY, "G", Decimal("30.00"), libelle="Consultation de référence du médecin"),
            ActLine(DAY, "MEG", Decimal("5.00"), libelle="Majoration enfant de moins de 6 ans"),
        ),
        "date_emission": DAY,
        "numero_fse": "42",
        "numero_lot": "7",
        "montant_recu": Decimal("35.00"),
        "letterhead": CABINET,
        "part_amo": Decimal("24.50"),
    }
    values.update(changes)
    return CareSheet(**values)  # type: ignore[arg-type]


def test_nir_is_printed_in_groups_and_sex_gives_the_civility() -> None:
    assert format_nir("1850557123456", "17") == "1 85 05 57 123 456 17"
    assert civility("1 85 05") == "M." and civility("2 21 05") == "Mme" and civility("") == ""


def test_receipt_of_a_child_names_the_parent_who_paid_and_how(tmp_path: Path) -> None:
    text = words(render_receipt(Receipt(child_sheet(), "42", mode_paiement="chèque")), tmp_path)
    assert text.startswith("Cabinet médical des Tilleuls 12 rue des Lilas 57000 Metz")
    assert "Tél. 03 87 00 00 00" in text
    assert "reconnais avoir reçu de M. DURAND Paul pour DURAND Emma la somme de 35,00 EUR" in text
    assert "reçu de DURAND Emma" not in text
    assert "Consultation de référence du médecin" in text and "Majoration enfant" in text
    assert "Réglé par le patient : 35,00 EUR - mode de règlement : chèque" in text
    assert "dont part remboursable par l'Assurance Maladie : 24,50 EUR" in text
    assert "Assuré(e) DURAND Paul" in text


def test_receipt_without_a_recorded_payment_says_it_is_to_collect(tmp_path: Path) -> None:
    text = words(render_receipt(Receipt(child_sheet(), "42")), tmp_path)
    assert "À régler par le patient : 35,00 EUR - mode de règlement : à encaisser" in text
    assert "reconnais avoir reçu" not in text  # nothing was received yet
    assert "Payeur : M. DURAND Paul pour DURAND Emma." in text


def test_receipt_under_tiers_payant_shows_the_part_patient_only(tmp_path: Path) -> None:
    sheet = child_sheet(
        tiers_payant_amo=True,
        tiers_payant_amc=True,
        montant_recu=Decimal("0.00"),
        part_amc=Decimal("10.50"),
    )
    text = words(render_receipt(Receipt(sheet, "42")), tmp_path)
    assert "dont part remboursable par la complémentaire santé : 10,50 EUR" in text
    assert "Rien n'est à régler par le patient." in text
    assert "la part obligatoire (24,50 EUR) et la part complémentaire (10,50 EUR)" in text
    assert "à encaisser" not in text


def test_feuille_de_soins_names_the_assure_specialty_and_address(tmp_path: Path) -> None:
    text = words(render_feuille_de_soins(child_sheet()), tmp_path)
    assert text.startswith("Cabinet médical des Tilleuls")
    assert "Spécialité Médecine générale" in text
    assert "Adresse 12 rue des Lilas, 57000 Metz" in text
    assert "DURAND Emma" in text and "2 21 05 57 123 456 42" in text
    assert "Nom et prénom DURAND Paul" in text and "1 85 05 57 123 456 17" in text
    assert "(ASSURÉ)" not in text.upper().replace("ASSURÉ(E)", "")


def test_duplicata_carries_the_letterhead_and_the_assure(tmp_path: Path) -> None:
    pdf = render_duplicata(Duplicata(child_sheet(), "deux rejets de transmission"))
    text = words(pdf, tmp_path)
    assert text.startswith("Cabinet médical des Tilleuls")
    assert "DUPLICATA" in text and "Nom et prénom DURAND Paul" in text
    assert "Spécialité Médecine générale" in text
