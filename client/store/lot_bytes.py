"""A signed lot's bytes as the store keeps them: without the FSE documents it holds, which
stay in their FSE rows only, nor its signer's certificate, kept once in
``lot_certificates`` (issue #27: « no document stored twice »); put back on reading and
checked against the hash of the bytes signed (``client.store.packing.pack_lot``)."""

from __future__ import annotations

import struct
from collections.abc import Iterable, Sequence
from typing import Any, Protocol

from asn1crypto import cms

from client.store.packing import (
    LotPiece,
    PackedValueError,
    PieceKey,
    certificate_key,
    document_key,
    is_lot,
    pack_lot,
    read_lot,
    unpack_der,
    unpack_document,
    unpack_lot,
)

#: Pieces read per query when a lot is put back together (SQLite's parameter limit).
_CHUNK = 500


class Queryable(Protocol):
    """The store's database as the repositories and the migrations see it."""

    def query(self, sql: str, params: Sequence[Any] = ...) -> Iterable[dict[str, Any]]: ...

    def execute(self, sql: str, parameters: Sequence[Any] = ...) -> Any: ...


def _certificates(der: bytes) -> list[bytes]:
    """The certificates a CMS SignedData carries (none when it does not parse)."""
    try:
        signed = cms.ContentInfo.load(der)["content"]
        return [c.dump() for c in (signed["certificates"] or [])]
    except (ValueError, TypeError, KeyError):
        return []


def packed_lot(db: Queryable, lot_id: str, der: bytes) -> bytes:
    """The value to store for the signed lot ``der`` whose FSE are those of ``lot_id``; its
    certificate goes to ``lot_certificates`` (once: every lot of a CPS carries it)."""
    pieces: list[tuple[PieceKey, bytes]] = []
    for row in db.query("SELECT id, canonical FROM fse WHERE lot_id = ?", [lot_id]):
        try:
            document = unpack_document(row["canonical"]).encode("utf-8")
        except PackedValueError:
            continue  # a damaged document stays inside the lot's bytes
        pieces.append((document_key(int(row["id"])), document))
    for certificate in _certificates(der):
        key = certificate_key(certificate)
        db.execute(
            "INSERT INTO lot_certificates (sha256, certificate) VALUES (?, ?) "
            "ON CONFLICT (sha256) DO NOTHING",
            [key[1], certificate],
        )
        pieces.append((key, certificate))
    return pack_lot(der, pieces)


def _fetch(db: Queryable, sql: str, keys: list[Any]) -> Iterable[tuple[Any, ...]]:
    # Plain reads, as tuples: neither a savepoint per query nor a dict per row (a lot is
    # read back before every sending: finding 54).
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        yield from db.execute(sql.format(marks=", ".join("?" * len(chunk))), chunk).fetchall()


def stored_lot_der(db: Queryable, stored: bytes) -> bytes:
    """The signed lot's DER from its stored value, whatever its form.

    :raises PackedValueError: damaged, or one of its pieces changed or removed.
    """
    if not is_lot(stored):
        return unpack_der(stored)
    lot = read_lot(stored)
    wanted = lot.references
    fse_ids = [struct.unpack(">Q", key)[0] for kind, key in wanted if kind is LotPiece.DOCUMENT]
    hashes = [key for kind, key in wanted if kind is LotPiece.CERTIFICATE]
    pieces: dict[PieceKey, bytes] = {}
    for fse_id, canonical in _fetch(
        db, "SELECT id, canonical FROM fse WHERE id IN ({marks})", fse_ids
    ):
        try:
            document = unpack_document(canonical).encode("utf-8")
        except PackedValueError:
            continue  # missing below: the lot reads as damaged
        pieces[document_key(int(fse_id))] = document
    sql = "SELECT sha256, certificate FROM lot_certificates WHERE sha256 IN ({marks})"
    for sha256, certificate in _fetch(db, sql, hashes):
        pieces[(LotPiece.CERTIFICATE, bytes(sha256))] = bytes(certificate)
    return unpack_lot(lot, pieces)
