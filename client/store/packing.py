"""How the store keeps its two bulkiest values: the FSE documents and the signed lots,
compressed (issue #27: 10 KB per FSE; a document is 1.4 KB of JSON, a signed lot holds its 50
FSE documents a second time).

A packed value is a BLOB that starts with a two-byte tag:

- ``Z\\x01``: an FSE document (RFC 8785 JSON), raw deflate with the preset dictionary
  ``DOCUMENT_DICTIONARY_V1`` (1 430 → ~230 bytes: the keys and common values are in it);
- ``Z\\x00``: raw deflate without dictionary (signed lots: their 50 documents share the rest).

Values written before (a document as TEXT, a lot as its DER, which starts with ``0x30``) are
read as they are: a store is converted in place (``client.migrations``) but needs not be.
zlib is in the standard library; the bytes the journal and the books hash are the unpacked
ones, so a packed value changed outside the software is detected as before.
"""

from __future__ import annotations

import zlib

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

_DOCUMENT = b"Z\x01"
_PLAIN = b"Z\x00"


class PackedValueError(ValueError):
    """A stored value is neither packed as this module packs nor a value of before."""


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


def pack_document(canonical: str) -> bytes:
    """An FSE document as the store keeps it."""
    return _DOCUMENT + _deflate(canonical.encode("utf-8"), DOCUMENT_DICTIONARY_V1)


def unpack_document(stored: str | bytes) -> str:
    """The FSE document (its canonical JSON) of a stored value, packed or of before.

    :raises PackedValueError: the value is damaged.
    """
    if isinstance(stored, str):
        return stored
    data = bytes(stored)
    if data[:2] == _DOCUMENT:
        raw = _inflate(data[2:], DOCUMENT_DICTIONARY_V1)
    elif data[:2] == _PLAIN:
        raw = _inflate(data[2:], None)
    else:
        raise PackedValueError("document FSE stocké sous une forme inconnue")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise PackedValueError("document FSE illisible") from exc


def pack_der(der: bytes) -> bytes:
    """A signed lot (DER) as the store keeps it."""
    return _PLAIN + _deflate(der, None)


def unpack_der(stored: bytes) -> bytes:
    """The DER of a stored signed lot, packed or of before.

    :raises PackedValueError: the value is damaged.
    """
    data = bytes(stored)
    if data[:2] == _PLAIN:
        return _inflate(data[2:], None)
    if data[:2] == _DOCUMENT:
        return _inflate(data[2:], DOCUMENT_DICTIONARY_V1)
    return data  # DER as stored before (0x30 …), or whatever was put there: the caller checks
