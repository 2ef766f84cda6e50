"""The cabinet's local tariff file: amounts the seeds do not give, or newer than the software.

The file is ``tarifs-locaux.csv`` in the data directory, UTF-8, ``;``-separated, with a header
line. Columns (only ``code`` and ``montant`` are required)::

    code;libelle;montant;debut;fin;specialites;zone;note
    MCS;Majoration de coordination spécialiste;5,00;2025-01-01;;;;avenant publié

``montant`` accepts a decimal comma or point; ``debut``/``fin`` are AAAA-MM-JJ or empty (open);
``specialites`` lists CNAM codes or groups separated by ``|`` (empty: the packaged conditions
of the code apply). A local row wins over the packaged row of the same code at the same date;
the UI shows such amounts as « tarif local ».
"""

from __future__ import annotations

import logging
from pathlib import Path

from billing.referential import (
    LOCAL_COLUMNS,
    Referential,
    ReferentialDataError,
    TariffRow,
    parse_local_rows,
)
from client.bounded_read import InputFileError, read_text_bounded
from client.config import data_dir

logger = logging.getLogger(__name__)

LOCAL_TARIFF_FILE = "tarifs-locaux.csv"
#: Far beyond a cabinet's few dozen rows; what is larger is not a tariff file.
MAX_LOCAL_TARIFF_SIZE = 5_000_000


def local_tariff_path(directory: Path | None = None) -> Path:
    """Where the local tariff file lives (it may not exist)."""
    return (directory or data_dir()) / LOCAL_TARIFF_FILE


def load_local_tariffs(directory: Path | None = None) -> tuple[TariffRow, ...]:
    """The local rows, or none when the file is absent.

    :raises ReferentialDataError: the file is unreadable; the message names the line.
    """
    path = local_tariff_path(directory)
    if not path.exists():
        return ()
    try:
        text = read_text_bounded(path, MAX_LOCAL_TARIFF_SIZE, "utf-8-sig")
    except InputFileError as exc:
        reason = "le fichier n'est pas encodé en UTF-8" if "encodé" in exc.reason else exc.reason
        raise ReferentialDataError(path.name, 0, reason) from exc
    rows = parse_local_rows(text, path.name)
    logger.info("Local tariffs: %d rows from %s", len(rows), path)
    return rows


def referential_with_local(
    directory: Path | None = None, base: Referential | None = None
) -> Referential:
    """The packaged referential (or ``base``) merged with the cabinet's local rows."""
    referential = base or Referential.load_default()
    rows = load_local_tariffs(directory)
    return referential.with_local(rows) if rows else referential


def write_template(directory: Path | None = None) -> Path:
    """Create an empty local tariff file with its header; never overwrites an existing one."""
    path = local_tariff_path(directory)
    if not path.exists():
        path.write_text(";".join(LOCAL_COLUMNS) + "\n", encoding="utf-8")
        path.chmod(0o600)
    return path
