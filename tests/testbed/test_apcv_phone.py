"""The patient's phone, simulated: ``sesam-testbed apcv show`` prints a fresh code of the
ApCV twin of a Vitale profile and writes its QR code (read back by zxing-cpp), or plays the
NFC path; a parent's application carries his children; a lent one names the trusted person."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import zxingcpp
from PIL import Image

from testbed.__main__ import main
from testbed.apcv.keys import apcv_key
from testbed.apcv.token import LIFETIME, Transport, decode
from testbed.apcv.twins import TwinError, twin, vitale_profiles


def test_every_vitale_profile_has_its_apcv_twin() -> None:
    for name in vitale_profiles():
        app = twin(name)
        assert app.beneficiaires[0] == app.holder
        assert app.holder.qualite != "06"  # a child has no application of his own
    famille = twin("vitale-famille")
    assert [b.prenom for b in famille.beneficiaires] == ["PIERRE", "LUCAS", "EMMA", "LÉA"]
    mother = twin("vitale-famille", holder=2)  # the conjointe's own application
    assert [b.prenom for b in mother.beneficiaires] == ["SOPHIE", "LUCAS", "EMMA", "LÉA"]
    with pytest.raises(TwinError, match="adulte"):
        twin("vitale-famille", holder=3)  # LUCAS is a child


def test_show_prints_the_code_and_writes_a_readable_qr_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = tmp_path / "telephone.png"
    assert main(["apcv", "show", "vitale-famille", "--png", str(png), "--pret", "MARTIN"]) == 0
    text = capsys.readouterr().out.splitlines()[0]
    assert text.startswith("APCV1.")
    read = zxingcpp.read_barcodes(Image.open(png))
    assert [r.text for r in read] == [text]
    token = decode(text, apcv_key().certificate.public_key())  # type: ignore[arg-type]
    assert token.transport is Transport.QR and token.trusted_third_party == "MARTIN"
    assert token.expires_at - token.issued_at == LIFETIME <= timedelta(minutes=5)
    assert token.expires_at > datetime.now(UTC)
    assert len(token.beneficiaires) == 4


def test_the_nfc_path_gives_the_same_kind_of_code_without_an_image(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["apcv", "show", "vitale-ald", "--nfc"]) == 0
    text = capsys.readouterr().out.strip()
    token = decode(text, apcv_key().certificate.public_key())  # type: ignore[arg-type]
    assert token.transport is Transport.NFC
    assert list(tmp_path.iterdir()) == []
    assert main(["apcv", "show", "vitale-inconnue"]) == 1
    assert "profil Vitale inconnu" in capsys.readouterr().out
