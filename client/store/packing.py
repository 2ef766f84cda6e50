"""How the store keeps its bulkiest values compressed: the FSE documents, the signed lots and
the audit journal's records (issue #27: 10 KB per FSE; a document is 1.4 KB of JSON).

A packed value is a BLOB that starts with a two-byte tag:

- ``Z\\x02``: a zstd frame made with a trained dictionary, named in the frame by its
  ``dict_id`` (1 430-byte document → ~100 bytes). The dictionaries are data
  (``dictionaries.json``, with their source) and rows of the store's
  ``packing_dictionaries`` table: a value stays readable as long as its dictionary is in
  either. A better dictionary is a new ``dict_id``, never an edit of an old one;
- ``Z\\x03``: a signed lot without the FSE documents it holds nor its signer's certificate
  (``pack_lot``): its bytes cut where each was, the places and keys noted (the FSE's row id,
  the certificate's SHA-256), and the SHA-256 of the whole, which ``unpack_lot`` checks after
  putting the store's pieces back (a document is not stored twice);
- a received file (NOEMIE) is a ``Z\\x02`` frame without dictionary (``dict_id`` 0);
- ``Z\\x01``: an FSE document as written before (raw deflate, preset dictionary
  ``DOCUMENT_DICTIONARY_V1``); ``Z\\x00``: raw deflate without dictionary (signed lots).

Values written before (a document as TEXT, a lot as its DER, which starts with ``0x30``) are
read as they are: a store is converted in place (``client.migrations``). The bytes the journal
and the books hash are the unpacked ones, so a packed value changed outside the software is
detected as before.
"""

from __future__ import annotations

import base64
import hashlib
import json
import struct
import threading
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from pathlib import Path
from typing import NamedTuple

import zstandard

from client.store.dictionaries import stored

#: The dictionary of ``Z\\x01`` values. Every stored document needs it byte for byte: never
#: change it; a better one gets a new tag (``Z\\x02``) and this one stays readable.
DOCUMENT_DICTIONARY_V1 = (
    b'{"body":{"acts":[{"amo":"21.00","amo_rate":"70","base":"30.00","code":"G","coefficient":'
    b'"1","date":"2026-01-01","fee":"30.00","overrun":"0.00","overrun_kind":"","quantity":1},{'
    b'"amo":"21.00","amo_rate":"70","base":"30.00","code":"G","coefficient":"1","date":"2026-0'
    b'1-01","fee":"30.00","overrun":"0.00","overrun_kind":"","quantity":1}],"amounts":{"amc":"'
    b'0.00","amo":"19.00","participation_forfaitaire":"2.00","patient_remainder":"11.00","tota'
    b'l_fees":"30.00"},"beneficiary":{"adri_reference":"","assure_nir":"1000000000000","assure'
    b'_nir_key":"00","beneficiary_nir":"1000000000000","beneficiary_nir_key":"00","birth_date"'
    b':"19000101","identification":"vitale","qualite":"00","rang":"1"},"care_date":"2026-01-01'
    b'","coverage":{"care_pathway":"in"},"created_at":"2026-01-01T00:00:00Z","fse_id":"0000000'
    b'0-0000-0000-0000-000000000000","mentions":{"acte_gratuit":false,"de":false,"ed":false},"'
    b'number":1,"organism":{"caisse":"751","centre":"7511","code_gestion":"10","regime":"01"},'
    b'"practitioner":{"billing_key":"0","billing_number":"00000000","convention_code":"1","fir'
    b'st_name":"","ik_zone":"01","last_name":"","national_id":"000000000000","practice_mode":"'
    b'0","price_zone":"30","replacement":null,"sector":"1","situation":1,"specialty":"01","str'
    b'ucture":"00000000000000"},"referential_version":"2026.12-semences-2","securing":{"degrad'
    b'e_reason":"panne","mode":"degrade","vitale_serial":""},"tiers_payant":{"amc":true,"amo":'
    b'true}},"digest":"0000000000000000000000000000000000000000000000000000000000000000","form'
    b'at":"SESAM-FSE","version":1,"vitale_certification":""}{"body":{"acts":[{"amo":"21.00","a'
    b'mo_rate":"70","base":"30.00","code":"G","coefficient":"1","date":"2026-01-01","fee":"30.'
    b'00","overrun":"0.00","overrun_kind":"","quantity":1}],"amounts":{"amc":"0.00","amo":"19.'
    b'00","participation_forfaitaire":"2.00","patient_remainder":"11.00","total_fees":"30.00"}'
    b',"beneficiary":{"adri_reference":"","assure_nir":"1000000000000","assure_nir_key":"00","'
    b'beneficiary_nir":"1000000000000","beneficiary_nir_key":"00","birth_date":"19000101","ide'
    b'ntification":"sans_vitale","qualite":"02","rang":"1"},"care_date":"2026-01-01","coverage'
    b'":{"care_pathway":"in"},"created_at":"2026-01-01T00:00:00Z","fse_id":"00000000-0000-0000'
    b'-0000-000000000000","mentions":{"acte_gratuit":false,"de":false,"ed":false},"number":1,"'
    b'organism":{"caisse":"751","centre":"7511","code_gestion":"10","regime":"01"},"practition'
    b'er":{"billing_key":"0","billing_number":"00000000","convention_code":"1","first_name":""'
    b',"ik_zone":"01","last_name":"","national_id":"000000000000","practice_mode":"0","price_z'
    b'one":"30","replacement":null,"sector":"1","situation":1,"specialty":"01","structure":"00'
    b'000000000000"},"referential_version":"2026.12-semences-2","securing":{"degrade_reason":"'
    b'","mode":"sans_vitale","vitale_serial":""},"tiers_payant":{"amc":true,"amo":true}},"dige'
    b'st":"0000000000000000000000000000000000000000000000000000000000000000","format":"SESAM-F'
    b'SE","version":1,"vitale_certification":""}{"body":{"acts":[{"amo":"21.00","amo_rate":"70'
    b'","base":"30.00","code":"G","coefficient":"1","date":"2026-01-01","fee":"30.00","overrun'
    b'":"0.00","overrun_kind":"","quantity":1}],"amounts":{"amc":"0.00","amo":"21.00","partici'
    b'pation_forfaitaire":"0.00","patient_remainder":"9.00","total_fees":"30.00"},"beneficiary'
    b'":{"adri_reference":"","assure_nir":"1000000000000","assure_nir_key":"00","beneficiary_n'
    b'ir":"1000000000000","beneficiary_nir_key":"00","birth_date":"19000101","identification":'
    b'"vitale","qualite":"06","rang":"1"},"care_date":"2026-01-01","coverage":{"care_pathway":'
    b'"in"},"created_at":"2026-01-01T00:00:00Z","fse_id":"00000000-0000-0000-0000-000000000000'
    b'","mentions":{"acte_gratuit":false,"de":false,"ed":false},"number":1,"organism":{"caisse'
    b'":"751","centre":"7511","code_gestion":"10","regime":"01"},"practitioner":{"billing_key"'
    b':"0","billing_number":"00000000","convention_code":"1","first_name":"","ik_zone":"01","l'
    b'ast_name":"","national_id":"000000000000","practice_mode":"0","price_zone":"30","replace'
    b'ment":null,"sector":"1","situation":1,"specialty":"01","structure":"00000000000000"},"re'
    b'ferential_version":"2026.12-semences-2","securing":{"degrade_reason":"","mode":"vitale",'
    b'"vitale_serial":"0000000000000000"},"tiers_payant":{"amc":true,"amo":true}},"digest":"00'
    b'00000000000000000000000000000000000000000000000000000000000000","format":"SESAM-FSE","ve'
    b'rsion":1,"vitale_certification":"0000000000000000"}'
)

_LOT = b"Z\x03"
_ZSTD = b"Z\x02"
_DOCUMENT = b"Z\x01"
_PLAIN = b"Z\x00"
#: zstd level per kind: a document is packed once (19: ~60 µs, a few bytes less); journal
#: records are written ~100 at a time when an ARL comes (9: ~3 µs each, 19 would take 26).
_LEVELS = {"document": 19, "journal": 9}
#: A journal row of this many bytes or more (a lot's FSE moving together: ~32 KB for 50) is
#: packed at level 1: 35–45 µs instead of 0.2–0.4 ms in an ARL's recording, ~5 % larger
#: (2 030 B against 1 937 for a lot of 50: ~2 B per FSE; issue #27).
_FAST_JOURNAL_BYTES = 8192


#: What to do when a stored dictionary is damaged: the values packed with it are unreadable.
_RESTORE = (
    " : la base a été abîmée sur le disque ; restaurez la dernière sauvegarde saine "
    "(sesam restore FICHIER), la base actuelle sera gardée de côté"
)


class PackedValueError(ValueError):
    """A stored value is neither packed as this module packs nor a value of before."""


class DictionaryKind(StrEnum):
    """What a dictionary is trained on (the values it packs)."""

    DOCUMENT = "document"  # FSE documents, and the signed lots that hold them
    JOURNAL = "journal"  # the audit journal's records (``pack_record``)


@dataclass(frozen=True, slots=True)
class Dictionary:
    """A zstd dictionary as the store keeps it (a row of ``packing_dictionaries``)."""

    dict_id: int
    kind: DictionaryKind
    data: bytes
    source: str


def _shipped() -> list[Dictionary]:
    # Beside this module (package data), read without importlib.resources (~3 ms to import).
    text = (Path(__file__).parent / "dictionaries.json").read_text("utf-8")
    return [
        Dictionary(
            dict_id=int(d["dict_id"]),
            kind=DictionaryKind(d["kind"]),
            data=base64.b64decode(d["zstd"]),
            source=str(d["source"]),
        )
        for d in json.loads(text)["dictionaries"]
    ]


#: The dictionaries this version ships, in the order they were added.
SHIPPED: tuple[Dictionary, ...] = tuple(_shipped())
#: Every dictionary known to this process (shipped, or read from a store), by ``dict_id``.
_KNOWN: dict[int, zstandard.ZstdCompressionDict] = {}
#: The dictionary new values of each kind are packed with: the last shipped of the kind.
_CURRENT: dict[DictionaryKind, int] = {}


def register(dictionary: Dictionary) -> None:
    """Make a dictionary known (one read from a store's ``packing_dictionaries``).

    :raises PackedValueError: its bytes do not carry its ``dict_id``.
    """
    loaded = zstandard.ZstdCompressionDict(dictionary.data)
    if loaded.dict_id() != dictionary.dict_id:
        raise PackedValueError(
            f"dictionnaire de compression n° {dictionary.dict_id} altéré{_RESTORE}"
        )
    _KNOWN.setdefault(dictionary.dict_id, loaded)


def _known(dict_id: int) -> zstandard.ZstdCompressionDict | None:
    """The dictionary ``dict_id``: shipped, or kept by a store this process opened (loaded
    on first use: ``client.store.dictionaries``)."""
    known = _KNOWN.get(dict_id)
    if known is None:
        kept = stored(dict_id)
        if kept is not None:
            try:
                kind = DictionaryKind(kept.kind)
            except ValueError:
                raise PackedValueError(
                    f"dictionnaire de compression n° {dict_id} d'un type inconnu "
                    f"({kept.kind}){_RESTORE}"
                ) from None
            register(Dictionary(dict_id, kind, kept.data, kept.source))
            known = _KNOWN[dict_id]
    return known


for _shipped_dictionary in SHIPPED:
    register(_shipped_dictionary)
    _CURRENT[_shipped_dictionary.kind] = _shipped_dictionary.dict_id

#: Each thread's compressors (python-zstandard's instances are not for two threads at once;
#: the desk's database thread, the sender and the housekeeping thread all pack values).
_COMPRESSORS = threading.local()


def _compressor(kind: DictionaryKind, fast: bool = False) -> zstandard.ZstdCompressor:
    """The thread's compressor for ``kind`` (``fast``: level 1, same dictionary)."""
    kept: dict[tuple[DictionaryKind, bool], zstandard.ZstdCompressor] | None = getattr(
        _COMPRESSORS, "kept", None
    )
    if kept is None:
        kept = _COMPRESSORS.kept = {}
    compressor = kept.get((kind, fast))
    if compressor is None:
        compressor = kept[kind, fast] = zstandard.ZstdCompressor(
            level=1 if fast else _LEVELS[kind.value],
            dict_data=_KNOWN[_CURRENT[kind]],
            write_checksum=False,
            write_content_size=True,
            write_dict_id=True,
        )
    return compressor


def _files_compressor() -> zstandard.ZstdCompressor:
    """Received files: level 19 once per file (a NOEMIE file of 50 FSE, ~20 KB: a few ms)."""
    files: zstandard.ZstdCompressor | None = getattr(_COMPRESSORS, "files", None)
    if files is None:
        files = _COMPRESSORS.files = zstandard.ZstdCompressor(level=19, write_checksum=False)
    return files


def _zstd(data: bytes, kind: DictionaryKind) -> bytes:
    return _ZSTD + _compressor(kind).compress(data)


def _unzstd(frame: bytes) -> bytes:
    try:
        params = zstandard.get_frame_parameters(frame)
    except zstandard.ZstdError as exc:
        raise PackedValueError(f"valeur compressée illisible : {exc}") from exc
    dictionary = _known(params.dict_id) if params.dict_id != 0 else None
    if dictionary is None and params.dict_id != 0:  # 0: packed without a dictionary
        raise PackedValueError(
            f"valeur compressée avec un dictionnaire inconnu (n° {params.dict_id}) : "
            "ouvrez la base avec la version du logiciel qui l'a écrite"
        )
    try:
        return _decompressor(params.dict_id, dictionary).decompress(frame)
    except zstandard.ZstdError as exc:
        raise PackedValueError(f"valeur compressée illisible : {exc}") from exc


#: Each thread's decompressors, one per dictionary: making one costs 6× the decompression
#: of a document (a lot read back: 50 of them); an instance is not for two threads at once.
_DECOMPRESSORS = threading.local()


def _decompressor(
    dict_id: int, dictionary: zstandard.ZstdCompressionDict | None
) -> zstandard.ZstdDecompressor:
    kept: dict[int, zstandard.ZstdDecompressor] | None = getattr(_DECOMPRESSORS, "kept", None)
    if kept is None:
        kept = _DECOMPRESSORS.kept = {}
    decompressor = kept.get(dict_id)
    if decompressor is None:
        decompressor = kept[dict_id] = zstandard.ZstdDecompressor(dict_data=dictionary)
    return decompressor


def _deflate(data: bytes, zdict: bytes | None) -> bytes:
    if zdict is None:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9)
    else:
        packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, zdict)
    return packer.compress(data) + packer.flush()


def _inflate(data: bytes, zdict: bytes | None) -> bytes:
    unpacker = zlib.decompressobj(-15) if zdict is None else zlib.decompressobj(-15, zdict)
    try:
        out = unpacker.decompress(data) + unpacker.flush()
    except zlib.error as exc:
        raise PackedValueError(f"valeur compressée illisible : {exc}") from exc
    if not unpacker.eof or unpacker.unused_data:
        raise PackedValueError("valeur compressée tronquée ou suivie de données")
    return out


def _unpack(data: bytes) -> bytes | None:
    """The bytes of a packed value; None when it does not start with a known tag."""
    tag = data[:2]
    if tag == _ZSTD:
        return _unzstd(data[2:])
    if tag == _DOCUMENT:
        return _inflate(data[2:], DOCUMENT_DICTIONARY_V1)
    if tag == _PLAIN:
        return _inflate(data[2:], None)
    return None


def is_current(stored: str | bytes | None) -> bool:
    """Whether a stored value is already packed the way this version packs (zstd)."""
    return isinstance(stored, bytes) and stored[:2] == _ZSTD


def pack_document(canonical: str) -> bytes:
    """An FSE document as the store keeps it."""
    return _zstd(canonical.encode("utf-8"), DictionaryKind.DOCUMENT)


def unpack_document(stored: str | bytes) -> str:
    """The FSE document (its canonical JSON) of a stored value, packed or of before.

    :raises PackedValueError: the value is damaged.
    """
    if isinstance(stored, str):
        return stored
    raw = _unpack(bytes(stored))
    if raw is None:
        raise PackedValueError("document FSE stocké sous une forme inconnue")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackedValueError("document FSE illisible") from exc


def pack_file(data: bytes) -> bytes:
    """A received file (a NOEMIE return: fixed-width records, padded with spaces) as the
    store keeps it: zstd without dictionary (a file is long enough on its own, ~6×)."""
    return _ZSTD + _files_compressor().compress(data)


def unpack_file(stored: bytes) -> bytes:
    """The bytes of a stored file, packed or as stored before (a NOEMIE file starts with
    its header's digits, never with a tag).

    :raises PackedValueError: the value is damaged.
    """
    data = bytes(stored)
    return _unzstd(data[2:]) if data[:2] == _ZSTD else data


def pack_der(der: bytes) -> bytes:
    """A signed lot (DER) as the store keeps it (it holds FSE documents: their dictionary)."""
    return _zstd(der, DictionaryKind.DOCUMENT)


def unpack_der(stored: bytes) -> bytes:
    """The DER of a stored signed lot, packed or of before.

    :raises PackedValueError: the value is damaged.
    """
    data = bytes(stored)
    if data[:2] == _LOT:
        raise PackedValueError("lot signé sans ses FSE : lisez-le avec unpack_lot")
    raw = _unpack(data)
    return data if raw is None else raw  # DER as stored before (0x30 …): the caller checks


#: Separate the fields of a journal record, and the records of consecutive entries kept in
#: one row (never in them: the payload is canonical JSON, which escapes control characters;
#: the others are timestamps, kinds and UUIDs).
_FIELD = "\x1f"
_ENTRY = "\x1e"
_FIELD_BYTE = _FIELD.encode("ascii")
_ENTRY_BYTE = _ENTRY.encode("ascii")

#: A journal entry's fields but its place and hash: (at, kind, fse_id, lot_id, payload).
Record = tuple[str, str, str, str, str]


def pack_records(records: Sequence[Record]) -> bytes:
    """The fields of consecutive audit journal entries (all but their places and hashes),
    packed together: the entries of a lot's FSE moving at once share most of their bytes.

    :raises PackedValueError: a field holds a separator (nothing the software writes).
    """
    data = _ENTRY.join(_FIELD.join(record) for record in records).encode("utf-8")
    # Each record has 5 fields: any other count of separators is one inside a field.
    # Counted in the UTF-8 bytes (a separator is one byte there, never part of another
    # character): twice as fast as in the text, ~0.05 ms of a lot's ARL (issue #27).
    if records and (
        data.count(_FIELD_BYTE) != 4 * len(records) or data.count(_ENTRY_BYTE) != len(records) - 1
    ):
        raise PackedValueError("champ du journal d'audit contenant un séparateur")
    if len(data) >= _FAST_JOURNAL_BYTES:
        return _ZSTD + _compressor(DictionaryKind.JOURNAL, fast=True).compress(data)
    return _zstd(data, DictionaryKind.JOURNAL)


def pack_record(at: str, kind: str, fse_id: str, lot_id: str, payload: str) -> bytes:
    """One audit journal entry's fields, packed (``pack_records``)."""
    return pack_records([(at, kind, fse_id, lot_id, payload)])


def unpack_records(stored: bytes | str) -> list[Record]:
    """The records of a packed journal row, in order.

    :raises PackedValueError: the row is damaged.
    """
    raw = _unpack(stored.encode("utf-8") if isinstance(stored, str) else bytes(stored))
    if raw is None:
        raise PackedValueError("entrée du journal stockée sous une forme inconnue")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackedValueError("entrée du journal illisible") from exc
    records = []
    for part in text.split(_ENTRY):
        fields = part.split(_FIELD)
        if len(fields) != 5:
            raise PackedValueError("entrée du journal incomplète")
        records.append((fields[0], fields[1], fields[2], fields[3], fields[4]))
    return records


def repacked(stored: bytes, change: Callable[[bytes], bytes]) -> bytes:
    """A packed value whose bytes went through ``change``, packed again the same way (the
    benchmarks' generator renames keys inside them)."""
    raw = _unpack(stored)
    if raw is None:
        return change(stored)
    if stored[:2] == _ZSTD:
        dict_id = zstandard.get_frame_parameters(stored[2:]).dict_id
        compressor = zstandard.ZstdCompressor(
            level=_LEVELS["journal"], dict_data=_known(dict_id), write_dict_id=True
        )
        return _ZSTD + compressor.compress(change(raw))
    zdict = DOCUMENT_DICTIONARY_V1 if stored[:2] == _DOCUMENT else None
    return stored[:2] + _deflate(change(raw), zdict)


#: A lot's header in ``Z\x03`` values: how many pieces were cut out; then per piece its
#: place in the cut bytes, its kind and its key (an FSE row id, a certificate's SHA-256).
_LOT_COUNT = struct.Struct(">I")
_LOT_REF = struct.Struct(">IB")
_KEY_SIZES = {0: 8, 1: 32}


class LotPiece(IntEnum):
    """What is cut out of a signed lot, kept once elsewhere in the store."""

    DOCUMENT = 0  # an FSE document (key: the FSE's row id, 8 bytes big-endian)
    CERTIFICATE = 1  # the signer's certificate (key: its SHA-256), the same in every lot


#: A piece of a lot: its kind and key.
PieceKey = tuple[LotPiece, bytes]


def document_key(fse_id: int) -> PieceKey:
    """The key of an FSE's document in a lot."""
    return LotPiece.DOCUMENT, struct.pack(">Q", fse_id)


def certificate_key(certificate: bytes) -> PieceKey:
    """The key of a certificate in a lot."""
    return LotPiece.CERTIFICATE, hashlib.sha256(certificate).digest()


def pack_lot(der: bytes, pieces: Iterable[tuple[PieceKey, bytes]]) -> bytes:
    """A signed lot as the store keeps it: without the pieces (FSE documents, certificate)
    found in it, which the store keeps once elsewhere."""
    found = []
    for key, data in pieces:
        at = der.find(data)
        if at >= 0 and data:
            found.append((at, len(data), key))
    found.sort()
    cut, refs, position = bytearray(), [], 0
    for at, length, (kind, piece) in found:
        if at < position:
            continue  # overlapping (never: a document holds its own FSE id): kept inline
        cut += der[position:at]
        refs.append(_LOT_REF.pack(len(cut), kind) + piece)
        position = at + length
    cut += der[position:]
    body = _LOT_COUNT.pack(len(refs)) + b"".join(refs) + bytes(cut)
    return _LOT + hashlib.sha256(der).digest() + _compressor(DictionaryKind.DOCUMENT).compress(body)


def is_lot(stored: bytes | None) -> bool:
    """Whether a stored signed lot needs its pieces to be read (``unpack_lot``)."""
    return isinstance(stored, bytes) and stored[:2] == _LOT


class PackedLot(NamedTuple):
    """A ``pack_lot`` value read (decompressed once): the SHA-256 of the whole, where each
    piece goes (offset in ``cut``, key), and the bytes around them."""

    digest: bytes
    places: list[tuple[int, PieceKey]]
    cut: bytes

    @property
    def references(self) -> list[PieceKey]:
        """The pieces it needs, in order."""
        return [key for _, key in self.places]


def read_lot(stored: bytes) -> PackedLot:
    """A ``pack_lot`` value, decompressed and its places read.

    :raises PackedValueError: the value is damaged.
    """
    data = bytes(stored)
    digest, body = data[2:34], _unzstd(data[34:])
    try:
        (count,) = _LOT_COUNT.unpack_from(body)
        refs, offset = [], _LOT_COUNT.size
        for _ in range(count):
            at, kind = _LOT_REF.unpack_from(body, offset)
            offset += _LOT_REF.size
            size = _KEY_SIZES[kind]
            refs.append((at, (LotPiece(kind), body[offset : offset + size])))
            offset += size
    except (struct.error, KeyError, ValueError) as exc:
        raise PackedValueError("lot signé stocké illisible") from exc
    return PackedLot(digest, refs, body[offset:])


def unpack_lot(lot: PackedLot, pieces: Mapping[PieceKey, bytes]) -> bytes:
    """The DER of a ``pack_lot`` value (:func:`read_lot`), its pieces (``references``) put
    back.

    :raises PackedValueError: a piece missing or changed (the hash differs).
    """
    digest, refs, cut = lot
    out, position = bytearray(), 0
    for at, key in refs:
        piece = pieces.get(key)
        if piece is None:
            raise PackedValueError("lot signé : une FSE ou le certificat qu'il contient a disparu")
        out += cut[position:at]
        out += piece
        position = at
    out += cut[position:]
    der = bytes(out)
    if hashlib.sha256(der).digest() != digest:
        raise PackedValueError("lot signé : une FSE qu'il contient a été modifiée")
    return der
