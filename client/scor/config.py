"""SCOR settings, kept in ``scor.json`` in the data directory; every key is optional.

Keys: ``retry_working_days`` (5: days to keep trying before the paper duplicata),
``retention_days`` (90: how long scans are kept after transmission), ``scanner_device``
(the SANE device the user chose, e.g. "genesys:libusb:001:004"), ``holiday_subdivision``
(None for metropolitan France, "57" for Alsace-Moselle...), ``encoding`` ("bitonal" or
"grey"), ``min_dpi`` (200).
"""

from __future__ import annotations

import json
import logging
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from billing.scor_rules import ScorSettings
from client.bounded_read import InputFileError, read_text_bounded
from client.config import data_dir
from client.scor.errors import ScorError

if TYPE_CHECKING:
    from client.scor.normalize import NormalizeOptions

logger = logging.getLogger(__name__)

SCOR_SETTINGS_NAME = "scor.json"


class ScorConfigError(ScorError):
    """``scor.json`` is unreadable or holds a bad value."""

    def __init__(self, path: Path, reason: str) -> None:
        super().__init__(f"Réglages SCOR illisibles ({path}) : {reason}. Corrigez ou supprimez-le.")
        self.path = path
        self.reason = reason


@dataclass(frozen=True, slots=True)
class ScorConfig:
    """Everything configurable in SCOR."""

    retry_working_days: int = 5
    retention_days: int = 90
    scanner_device: str | None = None
    holiday_subdivision: str | None = None
    encoding: str = "bitonal"
    min_dpi: int = 200
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def settings(self) -> ScorSettings:
        return ScorSettings(self.retry_working_days, self.retention_days)

    @property
    def normalize_options(self) -> NormalizeOptions:
        from client.scor.normalize import NormalizeOptions  # fpdf, Pillow: only when used

        if self.encoding == "grey":
            return NormalizeOptions(min_dpi=self.min_dpi, encoding="grey")
        return NormalizeOptions(min_dpi=self.min_dpi, encoding="bitonal")


def scor_settings_path() -> Path:
    """``<data dir>/scor.json``."""
    return data_dir() / SCOR_SETTINGS_NAME


def load_scor_config(path: Path | None = None) -> ScorConfig:
    """Read ``scor.json`` (defaults when it does not exist).

    :raises ScorConfigError: unreadable JSON or a bad value.
    """
    path = path or scor_settings_path()
    if not path.exists():
        return ScorConfig()
    try:
        raw = json.loads(read_text_bounded(path, 1_000_000))
    except InputFileError as exc:
        raise ScorConfigError(path, exc.reason) from exc
    except (ValueError, RecursionError) as exc:
        raise ScorConfigError(path, "JSON invalide") from exc
    if not isinstance(raw, dict):
        raise ScorConfigError(path, "un objet JSON est attendu")
    known = {"retry_working_days", "retention_days", "min_dpi"}
    values: dict[str, Any] = {}
    for key in known:
        if key in raw:
            value = raw[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ScorConfigError(path, f"{key} doit être un entier positif")
            values[key] = value
    for key in ("scanner_device", "holiday_subdivision"):
        if raw.get(key) is not None:
            if not isinstance(raw[key], str):
                raise ScorConfigError(path, f"{key} doit être un texte")
            values[key] = raw[key]
    if "encoding" in raw:
        if raw["encoding"] not in ("bitonal", "grey"):
            raise ScorConfigError(path, "encoding vaut « bitonal » ou « grey »")
        values["encoding"] = raw["encoding"]
    return ScorConfig(**values)


def save_scor_config(config: ScorConfig, path: Path | None = None) -> Path:
    """Write ``scor.json`` (mode 0600)."""
    path = path or scor_settings_path()
    data = {k: v for k, v in asdict(config).items() if k != "extra"}
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        json.dump(data, out, indent=2, ensure_ascii=False)
    tmp.replace(path)
    return path
