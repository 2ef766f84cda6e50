"""``carte-cps.json``: how the practitioner card is reached, read with French errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from client.practitioner_card import CardSettings, load_card_settings
from client.settings import SettingsError


def write(tmp_path: Path, doc: object) -> Path:
    path = tmp_path / "carte-cps.json"
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def test_no_file_means_the_direct_apdu_path(tmp_path: Path) -> None:
    assert load_card_settings(tmp_path / "absent.json") == CardSettings()
    assert CardSettings().backend == "apdu"


def test_pkcs11_with_situations(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        {
            "backend": "pkcs11",
            "pkcs11_module": "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
            "pkcs11_slot": "Virtual PCD 00 00",
            "situations": [
                {"number": "1", "mode": "0", "billing_number": "75123456", "billing_key": "8",
                 "specialty": "01", "secteur": "1", "optam": True},
            ],
        },
    )  # fmt: skip
    settings = load_card_settings(path)
    assert settings.backend == "pkcs11" and settings.pkcs11_slot == "Virtual PCD 00 00"
    (situation,) = settings.situations
    assert situation.billing_number == "75123456" and situation.optam
    assert situation.may_sign_fse and situation.may_sign_lot  # default: the card may sign


@pytest.mark.parametrize(
    ("doc", "reason"),
    [
        ({"backend": "carte"}, "backend doit valoir apdu ou pkcs11"),
        ({"backend": "pkcs11"}, "pkcs11_module manquant"),
        ({"pkcs11_slot": 3}, "pkcs11_slot doit être un texte"),
        ({"situations": {}}, "situations doit être une liste"),
        ({"situations": [{"number": "1"}]}, "situation 1 : mode manquant"),
        ([], "objet JSON attendu"),
    ],
)
def test_bad_values_are_named_in_french(tmp_path: Path, doc: object, reason: str) -> None:
    with pytest.raises(SettingsError) as error:
        load_card_settings(write(tmp_path, doc))
    assert reason in str(error.value)
