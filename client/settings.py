"""Settings of télétransmission: the concentrator, its certificates, the deadlines.

Kept in ``settings.json`` in the data directory (``client.config.data_dir()``); every key is
optional. When the certificate paths are not set, they default to the files of the testbed's
PKI (the demo): the testbed directory is found by the testbed's own rule (environment
variable ``SESAM_TESTBED_DIR``, else the user data directory ``sesam-testbed``), as a
*default value* only; the product never imports the testbed. A real installation sets
``server_url``, ``client_cert``, ``client_key`` and ``ca_cert``.
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path
from typing import Any

from client.bounded_read import InputFileError, read_text_bounded
from client.config import data_dir, user_data_dir
from client.errors import ClientError

logger = logging.getLogger(__name__)

SETTINGS_NAME = "settings.json"
TESTBED_DIR_ENV = "SESAM_TESTBED_DIR"
DEFAULT_SERVER_URL = "https://127.0.0.1:8443"
DEFAULT_APCV_URL = "https://127.0.0.1:8445"  # the testbed's simulated ApCV service
DEFAULT_AMC_URL = "https://127.0.0.1:8453"  # the testbed's simulated AMC
MAX_SETTINGS_SIZE = 1_000_000  # a settings file is a few hundred bytes


class SettingsError(ClientError):
    """``settings.json`` is unreadable or holds a bad value."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Réglages illisibles ({path}) : {reason}.")
        self.path = path
        self.reason = reason


def testbed_pki_dir() -> Path:
    """Where the testbed keeps its PKI (default certificate paths of the demo)."""
    override = os.environ.get(TESTBED_DIR_ENV)
    base = Path(override) if override else user_data_dir("sesam-testbed")
    return base / "pki"


@dataclass(frozen=True, slots=True)
class Settings:
    """Télétransmission settings; see ``docs/transmission.md`` for each one."""

    server_url: str = DEFAULT_SERVER_URL
    apcv_url: str = DEFAULT_APCV_URL  # the ApCV service: same certificates as the server
    client_cert: Path | None = None  # PEM certificate of this workstation
    client_key: Path | None = None  # its PEM private key
    ca_cert: Path | None = None  # the only CA trusted for the server (pinned)
    connect_timeout: float = 5.0
    read_timeout: float = 20.0  # longest silence of the server within an answer
    answer_deadline: float = 60.0  # whole request: connect, send, the complete answer
    backoff_base: float = 5.0  # seconds, first retry delay
    backoff_cap: float = 900.0  # seconds, longest retry delay
    stale_claim_minutes: float = 10.0  # a claim older than this is taken back
    claim_lease_seconds: float = 20.0  # a claim its sender stopped renewing is taken back
    arl_alert_days: int = 2  # lot sent, no ARL after this many days
    guarantee_working_days: int = 5  # garantie de traitement, FSE sécurisée Vitale
    indemnity_working_days: int = 7  # indemnité de retard de paiement
    transmission_deadline_working_days: int = 3  # from the date of care (configurable)
    transmission_warning_working_days: int = 1  # warn this close to the deadline
    holiday_subdivision: str | None = None  # e.g. "57" for Alsace-Moselle
    # Letterhead of the receipts, feuilles de soins and duplicata (empty: none printed).
    cabinet_name: str = ""
    cabinet_address: str = ""  # several lines, as printed
    cabinet_phone: str = ""
    # The AMC platform (engagements, DRE): same client certificate and CA as the server.
    amc_url: str = DEFAULT_AMC_URL
    # The cabinet's PostgreSQL server (postgresql://user@host:port/base); empty: the SQLite
    # file of this workstation. SESAM_DATABASE_URL, when set, wins (client.store.opening).
    database_url: str = ""
    # The card (a CPS's or CPE's national id) this post looks as when none is in the reader
    # (issue #26: whose accounts it shows); SESAM_CARTE, when set, wins. Empty: none.
    carte: str = ""

    def resolved(self) -> Settings:
        """The settings with the certificate paths filled in from the testbed defaults."""
        pki = testbed_pki_dir()
        return replace(
            self,
            client_cert=self.client_cert or pki / "client.cert.pem",
            client_key=self.client_key or pki / "client.key.pem",
            ca_cert=self.ca_cert or pki / "ca.cert.pem",
        )

    def to_json(self) -> dict[str, Any]:
        """The settings as written in ``settings.json``."""
        doc = asdict(self)
        return {k: (str(v) if isinstance(v, Path) else v) for k, v in doc.items()}


_PATHS = {"client_cert", "client_key", "ca_cert"}
_TEXTS = {
    "server_url",
    "amc_url",
    "apcv_url",
    "holiday_subdivision",
    "cabinet_name",
    "cabinet_address",
    "cabinet_phone",
    "database_url",
    "carte",
}


def settings_path() -> Path:
    """``<data dir>/settings.json``."""
    return data_dir() / SETTINGS_NAME


def load_settings(path: Path | None = None) -> Settings:
    """Read the settings (defaults for what is missing), paths resolved.

    :raises SettingsError: the file exists but is unreadable or holds a bad value.
    """
    path = path or settings_path()
    if not path.exists():
        return Settings().resolved()
    try:
        doc = json.loads(read_text_bounded(path, MAX_SETTINGS_SIZE))
    except InputFileError as exc:
        raise SettingsError(path, exc.reason) from exc
    except (ValueError, RecursionError) as exc:  # RecursionError: nesting too deep
        raise SettingsError(path, f"JSON illisible ({exc})") from exc
    if not isinstance(doc, dict):
        raise SettingsError(path, "objet JSON attendu")
    known = {f.name: f for f in fields(Settings)}
    values: dict[str, Any] = {}
    for key, value in doc.items():
        if key not in known:
            logger.warning("settings: unknown key %s ignored", key)
            continue
        if key in _PATHS:
            values[key] = None if value in (None, "") else Path(str(value)).expanduser()
        elif key in _TEXTS:
            if value is not None and not isinstance(value, str):
                raise SettingsError(path, f"{key} doit être un texte")
            blank = key.startswith("cabinet_") or key in ("database_url", "carte")
            values[key] = "" if value is None and blank else value
        else:
            if not isinstance(value, int | float) or isinstance(value, bool) or value < 0:
                raise SettingsError(path, f"{key} doit être un nombre positif")
            values[key] = value
    return Settings(**values).resolved()


def save_settings(settings: Settings, path: Path | None = None) -> Path:
    """Write ``settings.json`` (mode 0600)."""
    path = path or settings_path()
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(settings.to_json(), out, indent=2, ensure_ascii=False)
    tmp.replace(path)
    return path
