"""What the use cases share: :class:`Services`, what they need of either front end's
context; the documents folder; the cards seen from the database thread (each card call
runs on the card thread)."""

from __future__ import annotations

import os
from datetime import datetime
from pathlib import Path
from typing import Protocol

from billing.referential import Referential
from billing.signing import Signer
from cardio.errors import CardRemovedError
from cardio.vitale import VitaleReader
from client.context import AppContext
from client.settings import Settings
from client.transport import Transport


class Services(Protocol):
    """What a use case needs of its context, satisfied by the desk's
    ``client.context.AppContext`` and by a command's ``client.cli.context.CommandContext``.

    No store here: the use case takes the store as an argument, so that the desk runs it
    on its database thread (``ctx.db.submit``) and a command on its own connection.
    """

    @property
    def settings(self) -> Settings: ...

    @property
    def transport(self) -> Transport: ...

    @property
    def data_dir(self) -> Path: ...

    def utc_clock(self) -> datetime:
        """Now, in UTC (what the FSE, the lots and the returns record)."""
        ...

    def ensure_referential(self) -> Referential:
        """The tariff referential with the local tariffs, loaded once."""
        ...


def write_document(ctx: Services, name: str, data: bytes) -> Path:
    """Write a PDF to the documents folder, readable by the user only."""
    folder = Path(ctx.data_dir) / "documents"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


class CardThreadCertifier:
    """The carte Vitale as ``billing.signing.VitaleCertifier``, used from the database
    thread: each call runs on the card thread, and checks that the same card is still in."""

    def __init__(self, ctx: AppContext, reader: str, serial: bytes) -> None:
        self._ctx = ctx
        self._reader = reader
        self._serial = serial

    @property
    def serial(self) -> bytes:
        return self._serial

    def certify(self, digest32: bytes) -> bytes:
        def work() -> bytes:
            with self._ctx.connect(self._reader) as connection:
                reader = VitaleReader(connection)
                if reader.serial != self._serial:
                    raise CardRemovedError("another carte Vitale is in the reader")
                return bytes(reader.certify(digest32))

        return bytes(self._ctx.card_thread.call(work))


class CardThreadSigner:
    """The CPS session as ``billing.signing.Signer``; each call runs on the card thread."""

    def __init__(self, ctx: AppContext, session: Signer) -> None:
        self._ctx = ctx
        self._session = session

    def certificate_der(self) -> bytes:
        return bytes(self._ctx.card_thread.call(self._session.certificate_der))

    def sign_digest(self, digest32: bytes) -> bytes:
        return bytes(self._ctx.card_thread.call(self._session.sign_digest, digest32))
