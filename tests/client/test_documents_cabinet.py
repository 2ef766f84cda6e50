"""The documents of a stored FSE as the cabinet prints them (issue #20): a child's care is
paid by the assuré read on the same carte Vitale, whose name is on the receipt and the
feuille de soins; the letterhead comes from ``settings.json``; ``sesam print`` writes text
PDFs (``pdftotext`` reads them)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

from billing.referential import Referential
from client import documents
from client.settings import Settings, load_settings
from client.store import open_store
from tests.client.am_support import FakeClock, create_fse, open_cabinet

ROOT = Path(__file__).resolve().parents[2]
CABINET = {
    "cabinet_name": "Cabinet médical des Tilleuls",
    "cabinet_address": "12 rue des Lilas\n57000 Metz",
    "cabinet_phone": "03 87 00 00 00",
}


def words(pdf: bytes, tmp: Path) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True)
    return " ".join(out.stdout.split())


def family_store(path: Path) -> tuple[int, int]:
    """FSE n° of DURAND LUCAS (a child, billed first: the assuré never billed) and of the
    assuré DURAND PIERRE, from the vitale-famille card (tiers payant AMO + AMC)."""
    store = open_store(path)
    try:
        rows = create_fse(store, open_cabinet(), 3, FakeClock())
        return rows[2].number, rows[0].number
    finally:
        store.close()


def test_child_receipt_and_sheet_name_the_assure_and_the_cabinet(tmp_path: Path) -> None:
    child, _ = family_store(tmp_path / "sesam.db")
    paper = documents.paper_of(Settings(**CABINET), Referential.load_default())  # type: ignore[arg-type]
    store = open_store(tmp_path / "sesam.db")
    try:
        row = store.fse_by_number(child)
        sheet = words(documents.feuille_de_soins_pdf(store, child, paper=paper), tmp_path)
        receipt = words(
            documents.receipt_pdf(store, child, paper=paper, mode_paiement="espèces"), tmp_path
        )
    finally:
        store.close()
    assert sheet.startswith("Cabinet médical des Tilleuls 12 rue des Lilas 57000 Metz")
    assert "Nom et prénom DURAND LUCAS" in sheet
    assert "Assuré(e) (si la personne recevant les soins n'est pas l'assuré(e))" in sheet
    assert "Nom et prénom DURAND PIERRE" in sheet and "(ASSURÉ)" not in sheet.upper()
    assert "Spécialité Médecine générale" in sheet and "spécialité 01" not in sheet
    assert "Adresse 12 rue des Lilas, 57000 Metz" in sheet
    assert "Consultation de référence du médecin généraliste" in sheet
    # Tiers payant AMO (+ AMC, none here): the patient paid the part patient only.
    remainder = f"{row.total_fees - row.amo - row.amc:.2f}".replace(".", ",")
    amo = f"{row.amo:.2f}".replace(".", ",")
    assert f"Réglé par le patient : {remainder} EUR - mode de règlement : espèces" in receipt
    assert f"dont part remboursable par l'Assurance Maladie : {amo} EUR" in receipt
    assert f"Tiers payant : la part obligatoire ({amo} EUR) n'a pas été payée" in receipt
    assert "complémentaire" not in receipt  # no AMC part on this card
    assert "Assuré(e) DURAND PIERRE" in receipt


def test_receipt_of_a_child_paid_at_the_desk_names_the_parent(tmp_path: Path) -> None:
    child, _ = family_store(tmp_path / "sesam.db")
    store = open_store(tmp_path / "sesam.db")
    try:
        row = store.fse_by_number(child)
        with store.write():
            store.record_settlement(row.id, "cheque", Decimal("7.50"), FakeClock()())
        receipt = words(documents.receipt_pdf(store, child), tmp_path)
    finally:
        store.close()
    assert "reconnais avoir reçu de M. DURAND PIERRE pour DURAND LUCAS la somme de 7,50 EUR" in (
        receipt
    )
    assert "mode de règlement : chèque" in receipt


def test_sesam_print_writes_text_pdfs_with_the_letterhead(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    child, assure = family_store(data / "sesam.db")
    (data / "settings.json").write_text(json.dumps(CABINET), encoding="utf-8")
    assert load_settings(data / "settings.json").cabinet_phone == "03 87 00 00 00"
    env = {**os.environ, "SESAM_DATA_DIR": str(data)}
    for kind, number in (("fs", child), ("receipt", assure)):
        out = tmp_path / f"{kind}.pdf"
        done = subprocess.run(
            [sys.executable, "-m", "client.cli", "print", kind, str(number), "--out", str(out)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            env=env,
            timeout=60,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        text = words(out.read_bytes(), tmp_path)
        assert text.startswith("Cabinet médical des Tilleuls 12 rue des Lilas 57000 Metz")
        assert "Tél. 03 87 00 00 00" in text
    assert "Payeur : M. DURAND PIERRE." in text  # the assuré's own receipt, nothing recorded


def test_settings_keep_the_letterhead(tmp_path: Path) -> None:
    from client.settings import save_settings

    path = save_settings(replace(Settings(), **CABINET), tmp_path / "settings.json")  # type: ignore[arg-type]
    again = load_settings(path)
    assert (again.cabinet_name, again.cabinet_address) == (
        CABINET["cabinet_name"],
        CABINET["cabinet_address"],
    )
    assert documents.letterhead_of(Settings()) is None  # nothing set: no empty header
