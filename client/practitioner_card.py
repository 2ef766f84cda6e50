"""Which way the practitioner card is reached, from the settings: the direct APDU path
(``cardio.cps.CpsSession`` over PC/SC, the default) or a PKCS#11 middleware
(``cardio.pkcs11_card.Pkcs11CpsCard``: OpenSC, the ANS Cryptolib CPS).

Kept in ``carte-cps.json`` in the data directory; every key is optional::

    {"backend": "pkcs11",
     "pkcs11_module": "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so",
     "pkcs11_slot": "Virtual PCD 00 00",
     "situations": [{"number": "1", "mode": "0", "billing_number": "75123456", ...}]}

``pkcs11_slot`` is a text of the slot description (the reader's name) or the token label;
empty, the reader where PC/SC found the CPS is used. ``situations`` stand in for a card
that gives none (a token through PKCS#11): the fields of ``cardio.cps.Situation``.
"""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

from cardio.backend import PractitionerCard
from cardio.connection import ReaderBackend
from cardio.cps import CpsIdentity, CpsSession, Situation
from client.bounded_read import InputFileError, read_text_bounded
from client.config import data_dir
from client.settings import SettingsError

if TYPE_CHECKING:
    from cardio.pkcs11_card import Pkcs11CpsCard

logger = logging.getLogger(__name__)

CARD_SETTINGS_NAME = "carte-cps.json"
BACKENDS = ("apdu", "pkcs11")
_MAX_SIZE = 100_000
_TEXT_FIELDS = {f.name for f in fields(Situation)} - {
    "replacement_number",
    "may_sign_fse",
    "may_sign_lot",
    "optam",
}


@dataclass(frozen=True, slots=True)
class CardSettings:
    """How to reach the practitioner card."""

    backend: str = "apdu"
    pkcs11_module: str | None = None
    pkcs11_slot: str | None = None
    key_label: str = "CPS_PRIV_SIG"
    situations: tuple[Situation, ...] = ()


def card_settings_path() -> Path:
    return data_dir() / CARD_SETTINGS_NAME


def _situation(path: Path, index: int, raw: object) -> Situation:
    if not isinstance(raw, dict):
        raise SettingsError(path, f"situation {index + 1} : objet JSON attendu")
    values: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = raw.get(name, "")
        if not isinstance(value, str):
            raise SettingsError(path, f"situation {index + 1} : {name} doit être un texte")
        values[name] = value
    for name in ("number", "mode", "billing_number", "billing_key", "specialty"):
        if not values[name]:
            raise SettingsError(path, f"situation {index + 1} : {name} manquant")
    replacement = raw.get("replacement_number")
    values["replacement_number"] = replacement if isinstance(replacement, str) else None
    for name in ("may_sign_fse", "may_sign_lot", "optam"):
        values[name] = bool(raw.get(name, name != "optam"))
    return Situation(**values)


def load_card_settings(path: Path | None = None) -> CardSettings:
    """Read ``carte-cps.json`` (defaults: the APDU path).

    :raises SettingsError: unreadable, or a bad value (in French).
    """
    path = path or card_settings_path()
    if not path.exists():
        return CardSettings()
    try:
        doc = json.loads(read_text_bounded(path, _MAX_SIZE))
    except InputFileError as exc:
        raise SettingsError(path, exc.reason) from exc
    except (ValueError, RecursionError) as exc:
        raise SettingsError(path, f"JSON illisible ({exc})") from exc
    if not isinstance(doc, dict):
        raise SettingsError(path, "objet JSON attendu")
    backend = doc.get("backend", "apdu")
    if backend not in BACKENDS:
        raise SettingsError(path, f"backend doit valoir {' ou '.join(BACKENDS)}")
    texts: dict[str, str | None] = {}
    for key in ("pkcs11_module", "pkcs11_slot", "key_label"):
        value = doc.get(key)
        if value is not None and not isinstance(value, str):
            raise SettingsError(path, f"{key} doit être un texte")
        texts[key] = value or None
    if backend == "pkcs11" and not texts["pkcs11_module"]:
        raise SettingsError(path, "pkcs11_module manquant (chemin de la bibliothèque PKCS#11)")
    raw_situations = doc.get("situations", [])
    if not isinstance(raw_situations, list):
        raise SettingsError(path, "situations doit être une liste")
    return CardSettings(
        backend=backend,
        pkcs11_module=texts["pkcs11_module"],
        pkcs11_slot=texts["pkcs11_slot"],
        key_label=texts["key_label"] or "CPS_PRIV_SIG",
        situations=tuple(_situation(path, i, s) for i, s in enumerate(raw_situations)),
    )


@contextlib.contextmanager
def open_practitioner_card(
    backend: ReaderBackend, reader: str | None, settings: CardSettings | None = None
) -> Iterator[PractitionerCard]:
    """The CPS in ``reader`` (found by PC/SC), reached the configured way. Card thread.

    ``reader`` may be None on the PKCS#11 path: a token in no PC/SC reader (SoftHSM2, a
    USB key) is found by the middleware, through ``pkcs11_slot`` or as the only token.
    """
    settings = settings or load_card_settings()
    if settings.backend == "apdu":
        if reader is None:
            raise ValueError("the APDU path needs the reader holding the CPS")
        with backend.connect(reader) as connection:
            yield CpsSession(connection)
        return
    card = pkcs11_card(settings, reader)
    try:
        yield card
    finally:
        card.close()


def pkcs11_card(settings: CardSettings, reader: str | None) -> Pkcs11CpsCard:
    """The CPS through the configured PKCS#11 module; situations from the settings."""
    from cardio.pkcs11_card import Pkcs11CpsCard  # loads python-pkcs11 only when chosen

    configured = settings.situations

    def situations(_identity: CpsIdentity) -> tuple[Situation, ...]:
        return configured

    if settings.pkcs11_module is None:
        raise ValueError("pkcs11_module is not set")
    return Pkcs11CpsCard(
        settings.pkcs11_module,
        slot=settings.pkcs11_slot or reader or None,
        situations=situations,
        key_label=settings.key_label,
    )


def configured_token(settings: CardSettings, *, rescan: bool = False) -> str | None:
    """Where the configured PKCS#11 token is (its slot's description), None when absent.
    Card thread. ``rescan``: see :func:`cardio.pkcs11_card.find_token` (only when no
    session of the module is open)."""
    from cardio.pkcs11_card import find_token

    if settings.backend != "pkcs11" or settings.pkcs11_module is None:
        raise ValueError("the PKCS#11 backend is not configured")
    return find_token(settings.pkcs11_module, settings.pkcs11_slot, rescan=rescan)
