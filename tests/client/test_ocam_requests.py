"""The OCAM's information requests (issue #23, seed 000): the administrative file of a
billed act goes to the OCAM; the medical file only with the patient's recorded consent and
only to an identified health professional (name, health profession, RPPS with its key);
every sending is logged (what, to whom, when, by whom); the patient gets a copy of his
documents. A refusal writes nothing and logs nothing. Real store, FSE made from the
emulated cards, the ``sesam`` command in-process, the PDFs read back as text."""

from __future__ import annotations

import json
import subprocess
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from am_support import FakeClock, create_fse

from billing.ocam import OcamDossier, OcamProfession
from billing.rpps import rpps_valid, with_luhn_key
from client.cli import main
from client.ocam import (
    Consultant,
    OcamError,
    OcamRefusedError,
    check_consultant,
    export_file,
    fse_subject,
    patient_copy,
    record_consent,
    sending_log,
)
from client.output_files import OutputPathError
from client.store import FseRow, Store, open_store

RPPS = with_luhn_key("1000123456")
OCAM = "Mutuelle des Tilleuls"


@pytest.fixture
def data_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "data"
    path.mkdir(mode=0o700)
    monkeypatch.setenv("SESAM_DATA_DIR", str(path))
    return path


@pytest.fixture
def store_path(data_dir: Path) -> Path:
    return data_dir / "sesam.db"


def _fse(store: Store, cabinet, clock: FakeClock) -> FseRow:  # type: ignore[no-untyped-def]
    (row,) = create_fse(store, cabinet, 1, clock)
    return row


def _text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True)
    return " ".join(done.stdout.split())


def _consultant() -> Consultant:
    return check_consultant("Dr Anne Martin", RPPS, OcamProfession.DENTISTE.value)


def test_rpps_key_is_checked() -> None:
    assert rpps_valid(RPPS)
    wrong = RPPS[:-1] + str((int(RPPS[-1]) + 1) % 10)
    assert not rpps_valid(wrong) and not rpps_valid(RPPS[:-1]) and not rpps_valid("1000123456A")


def test_medical_file_is_refused_without_consent(store, cabinet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    row = _fse(store, cabinet, clock)
    subject = fse_subject(store, row.number)
    out = tmp_path / "medical.pdf"
    with pytest.raises(OcamRefusedError, match="aucun consentement du patient"):
        export_file(
            store,
            subject,
            OcamDossier.MEDICAL,
            ocam=OCAM,
            out=out,
            clock=clock,
            consultant=_consultant(),
        )
    # A consent given for another OCAM does not count either.
    record_consent(
        store,
        subject,
        ocam="Autre mutuelle",
        purpose="contrôle de cotation",
        given_by="le patient",
        given_on=clock().date(),
        clock=clock,
        by="accueil",
    )
    with pytest.raises(OcamRefusedError):
        export_file(
            store,
            subject,
            OcamDossier.MEDICAL,
            ocam=OCAM,
            out=out,
            clock=clock,
            consultant=_consultant(),
        )
    assert not out.exists() and sending_log(store, row.patient_id) == []


@pytest.mark.parametrize(
    ("name", "rpps", "profession", "why"),
    [
        ("Service des prestations", RPPS, "gestionnaire", "n'est pas un professionnel de santé"),
        (
            "Dr Anne Martin",
            RPPS[:-1] + str((int(RPPS[-1]) + 1) % 10),
            "chirurgien-dentiste",
            "RPPS",
        ),
        ("Dr Anne Martin", "", "chirurgien-dentiste", "RPPS"),
        ("", RPPS, "chirurgien-dentiste", "pas identifié"),
    ],
)
def test_medical_file_goes_only_to_an_identified_health_professional(
    name: str, rpps: str, profession: str, why: str
) -> None:
    with pytest.raises(OcamRefusedError, match=why):
        check_consultant(name, rpps, profession)


def test_consent_then_files_then_a_complete_log(store, cabinet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    row = _fse(store, cabinet, clock)
    subject = fse_subject(store, row.number)
    # The administrative file needs no consent: identity, invoice, parts; not the acts.
    admin = export_file(
        store,
        subject,
        OcamDossier.ADMINISTRATIF,
        ocam=OCAM,
        out=tmp_path / "admin.pdf",
        clock=clock,
        by="secretariat",
    )
    text = _text(admin.path)
    assert OCAM in text and f"FSE n° {row.number}" in text and "Part Assurance Maladie" in text
    assert "Consultation" not in text  # the acts are medical data

    with pytest.raises(OcamError, match="futur"):
        record_consent(
            store,
            subject,
            ocam=OCAM,
            purpose="x",
            given_by="le patient",
            given_on=clock().date() + timedelta(days=1),
            clock=clock,
        )
    consent = record_consent(
        store,
        subject,
        ocam=OCAM,
        purpose="vérification de la réalité des soins",
        given_by="le patient lui-même",
        given_on=clock().date(),
        clock=clock,
        by="accueil",
    )
    clock.advance(60)
    medical = export_file(
        store,
        subject,
        OcamDossier.MEDICAL,
        ocam=OCAM.upper(),  # the same organisme, however it is typed
        out=tmp_path / "medical.pdf",
        clock=clock,
        consultant=_consultant(),
        by="dr",
    )
    text = _text(medical.path)
    assert "Dr Anne Martin" in text and RPPS in text and "Consultation" in text
    assert "vérification de la réalité des soins" in text

    clock.advance(60)
    copy = patient_copy(store, row.patient_id, out=tmp_path / "copie.pdf", clock=clock, by="dr")
    text = _text(copy.path)
    assert "COPIE DE VOS DOCUMENTS" in text and "Consultation" in text
    assert "Transmissions à des organismes complémentaires" in text and RPPS in text

    log = sending_log(store, row.patient_id)
    assert [line.text for line in log] == [
        f"dossier administratif à {OCAM}, par secretariat",
        f"dossier médical à Dr Anne Martin (RPPS {RPPS}) pour {OCAM.upper()}, par dr",
        f"copie des documents du patient à {dict(subject.administrative)['Patient']}, par dr",
    ]
    assert [line.file_name for line in log] == ["admin.pdf", "medical.pdf", "copie.pdf"]
    assert all(len(line.sha256) == 64 for line in log)
    assert store.ocam.log_of_patient(row.patient_id)[1].consent_id == consent.id


def test_a_file_that_cannot_be_written_is_not_logged(store, cabinet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    clock = FakeClock()
    row = _fse(store, cabinet, clock)
    subject = fse_subject(store, row.number)
    with pytest.raises(OutputPathError):
        export_file(
            store,
            subject,
            OcamDossier.ADMINISTRATIF,
            ocam=OCAM,
            out=tmp_path / "absent" / "admin.pdf",
            clock=clock,
        )
    assert sending_log(store, row.patient_id) == []


def _run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def test_sesam_ocam_commands(data_dir, cabinet, tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    store = open_store(data_dir / "sesam.db")
    try:
        row = _fse(store, cabinet, FakeClock(datetime.now(UTC)))
    finally:
        store.close()
    n = str(row.number)
    medical = [
        *("ocam", "export", "--fse", n, "--ocam", OCAM, "--dossier", "medical"),
        *("--consultant", "Dr Anne Martin", "--rpps", RPPS, "--out", str(tmp_path / "m.pdf")),
    ]
    code, _out, err = _run(capsys, *medical)
    assert (
        code != 0 and "aucun consentement du patient" in err and not (tmp_path / "m.pdf").exists()
    )
    code, _out, err = _run(capsys, *medical[:-2], "--profession", "assureur", "--out", "x.pdf")
    assert code != 0 and "n'est pas un professionnel de santé" in err

    today = date.today().isoformat()
    code, out, err = _run(
        capsys,
        *("ocam", "consent", "--fse", n, "--ocam", OCAM, "--objet", "contrôle des soins"),
        *("--par", "le patient", "--le", today),
    )
    assert code == 0, err
    assert "Consentement n° 1 enregistré" in out
    code, out, err = _run(capsys, *medical)
    assert code == 0, err
    assert (tmp_path / "m.pdf").exists()
    code, out, err = _run(capsys, "ocam", "copy", "--fse", n, "--out", str(tmp_path / "c.pdf"))
    assert code == 0, err
    code, out, err = _run(capsys, "ocam", "log", "--fse", n, "--json")
    assert code == 0, err
    log = json.loads(out)
    assert [entry["fichier"] for entry in log] == ["m.pdf", "c.pdf"]
    assert "Dr Anne Martin" in log[0]["envoi_a"] and RPPS in log[0]["envoi_a"]


def test_a_devis_is_verified_like_a_billed_act(store, cabinet, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from billing.referential import Referential
    from client.devis import create_devis
    from client.ocam import devis_subject

    clock = FakeClock()
    row = _fse(store, cabinet, clock)
    raw = {
        "date_of_care": clock().date().isoformat(),
        "practitioner": {},
        "patient": {},
        "acts": [{"code": "G"}],
        "beneficiary": 0,
        "tiers_payant": {"amo": True, "amc": True},
    }
    devis = create_devis(
        store, Referential.load_default(), raw, cabinet.cps, cabinet.vitale, clock()
    )
    assert devis.patient_id == row.patient_id
    subject = devis_subject(store, devis.id)
    with pytest.raises(OcamRefusedError, match="aucun consentement"):
        export_file(
            store,
            subject,
            OcamDossier.MEDICAL,
            ocam=OCAM,
            out=tmp_path / "d.pdf",
            clock=clock,
            consultant=_consultant(),
        )
    admin = export_file(
        store, subject, OcamDossier.ADMINISTRATIF, ocam=OCAM, out=tmp_path / "d.pdf", clock=clock
    )
    text = _text(admin.path)
    assert (
        f"Devis n° {devis.id}" in text and "Reste à charge" in text and "Consultation" not in text
    )
    copy = patient_copy(store, row.patient_id, out=tmp_path / "copie.pdf", clock=clock)
    text = _text(copy.path)
    assert f"FSE n° {row.number}" in text and f"Devis n° {devis.id}" in text
