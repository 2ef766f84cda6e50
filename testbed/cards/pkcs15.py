"""The files of the emulated CPx's IAS-ECC / PKCS#15 structure, in DER.

Shapes as OpenSC 0.23 reads them (``ef-atr.c``, ``dir.c``, ``pkcs15.c``, ``pkcs15-prkey.c``,
``pkcs15-cert.c``, ``pkcs15-pin.c``) and as PKCS#15 v1.1 defines them; what a real CPS3
holds beyond the public traces (file ids of the directory files, labels of the
certificates) is the project's choice, listed in docs/cards/README.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from cardio import layout, tlv

# PKCS#11 mechanism numbers used in TokenInfo's supportedAlgorithms.
CKM_RSA_PKCS = 0x0001
CKM_SHA1_RSA_PKCS = 0x0006
CKM_SHA256_RSA_PKCS = 0x0040
CKM_SHA_1 = 0x0220
CKM_SHA256 = 0x0250
# supportedOperations bits (PKCS#15 AlgorithmInfo)
OP_COMPUTE_SIGNATURE = 1
OP_DECIPHER = 5
OP_HASH = 6


def _seq(*parts: bytes) -> bytes:
    return tlv.encode(0x30, b"".join(parts))


def _int(value: int) -> bytes:
    raw = value.to_bytes(max(1, (value.bit_length() + 8) // 8), "big")
    return tlv.encode(0x02, raw)


def _octets(value: bytes) -> bytes:
    return tlv.encode(0x04, value)


def _utf8(value: str) -> bytes:
    return tlv.encode(0x0C, value.encode("utf-8"))


def _bits(*numbers: int) -> bytes:
    """A DER BIT STRING with the named bits set (bit 0 is the first byte's MSB)."""
    if not numbers:
        return tlv.encode(0x03, b"\x00")
    size = max(numbers) // 8 + 1
    raw = bytearray(size)
    for n in numbers:
        raw[n // 8] |= 0x80 >> (n % 8)
    unused = 7 - max(numbers) % 8
    return tlv.encode(0x03, bytes([unused]) + bytes(raw))


def _path(path: bytes) -> bytes:
    return _seq(_octets(path))


def app_path(file_id: bytes) -> bytes:
    """The absolute path of a file of the CPX IAS application."""
    return layout.CPS_MF + layout.CPS_DF_APP + file_id


def ef_atr() -> bytes:
    """EF.ATR (3F00/2F01): the CPx quirk (a leading 80, OpenSC ef-atr.c) then the
    interindustry data: pre-issuing data, IAS-ECC I/O buffer sizes (E0), the AID."""
    sizes = b"".join(tlv.encode(0x02, n.to_bytes(2, "big")) for n in (0xFF, 0xFF, 0x100, 0x100))
    return (
        b"\x80"
        + tlv.encode(0x43, b"\x15")  # card service data
        + tlv.encode(0x46, bytes.fromhex("0C 20 01 02"))  # pre-issuing: IC, type, OS, IAS-ECC v
        + tlv.encode(0x47, bytes.fromhex("94 01 80"))  # card capabilities
        + tlv.encode(0xE0, sizes)
        + tlv.encode(0x4F, layout.CPS_AID)
    )


def ef_dir() -> bytes:
    """EF.DIR (3F00/2F00): the application template 61 of "CPX IAS" (dir.c). The
    contactless "CPX IAS CL" is not listed: the emulated card has no contactless side."""
    return tlv.encode(
        0x61,
        tlv.encode(0x4F, layout.CPS_AID)
        + tlv.encode(0x50, layout.CPS_APP_LABEL)
        + tlv.encode(0x51, layout.CPS_MF + layout.CPS_DF_APP),
    )


def ef_sn(serial: str) -> bytes:
    """EF.SN.ICC (3F00/D003): 5A and the card number in BCD, F-padded (trace of #2275:
    ``5A 0A 80 25 00 00 01 99 21 38 45 0F``: issuer 80 250 00001, then the serial)."""
    digits = "8025000001" + "".join(c for c in serial if c.isdigit())
    if len(digits) % 2:
        digits += "F"
    return tlv.encode(0x5A, bytes.fromhex(digits[:20].ljust(20, "F")))


def odf(with_keys: bool) -> bytes:
    """ODF: where the PrKDF (A0), CDF (A4) and AODF (A8) are."""
    entries = b""
    if with_keys:
        entries += tlv.encode(0xA0, _path(app_path(layout.CPS_FILE_PRKDF)))
        entries += tlv.encode(0xA4, _path(app_path(layout.CPS_FILE_CDF)))
    return entries + tlv.encode(0xA8, _path(app_path(layout.CPS_FILE_AODF)))


def _algorithm(reference: int, mechanism: int, operation: int, algo_ref: int) -> bytes:
    return _seq(
        _int(reference), _int(mechanism), tlv.encode(0x05, b""), _bits(operation), _int(algo_ref)
    )


def _bcd(digits: str) -> bytes:
    """The serial as OpenSC shows TokenInfo's serialNumber (hex of the octets): BCD."""
    clean = "".join(c for c in digits if c.isdigit())
    return bytes.fromhex(clean + "F" * (len(clean) % 2))


def token_info(serial: str, label: str) -> bytes:
    """TokenInfo: version, serial, manufacturer, label, flags (read-only, login required)
    and the algorithms with the IAS-ECC algorithm references MSE SET carries."""
    algorithms = (
        _algorithm(1, CKM_RSA_PKCS, OP_COMPUTE_SIGNATURE, layout.ALGO_RSA_PKCS),
        _algorithm(2, CKM_SHA256_RSA_PKCS, OP_COMPUTE_SIGNATURE, layout.ALGO_RSA_PKCS_SHA256),
        _algorithm(3, CKM_SHA256, OP_HASH, layout.ALGO_SHA256),
        _algorithm(4, CKM_SHA1_RSA_PKCS, OP_COMPUTE_SIGNATURE, 0x12),
        _algorithm(5, CKM_SHA_1, OP_HASH, 0x10),
        _algorithm(6, CKM_RSA_PKCS, OP_DECIPHER, 0x0A),
    )
    return _seq(
        _int(0),
        _octets(_bcd(serial)),
        _utf8("ASIP-SANTE"),
        tlv.encode(0x80, label.encode("utf-8")),
        _bits(0, 1),  # readOnly, loginRequired
        tlv.encode(0xA2, b"".join(algorithms)),
    )


def aodf() -> bytes:
    """AODF: the PIN (auth id 01, reference 01, 4 to 8 ASCII digits padded with FF)."""
    flags = _bits(4, 5)  # initialized, needs-padding
    attributes = _seq(
        flags,
        tlv.encode(0x0A, b"\x01"),  # pinType ascii-numeric
        _int(layout.CPS_PIN_LENGTH),  # minLength
        _int(layout.CPS_PIN_BLOCK_LENGTH),  # storedLength
        _int(layout.CPS_PIN_BLOCK_LENGTH),  # maxLength
        tlv.encode(0x80, bytes([layout.CPS_PIN_REFERENCE])),  # pinReference [0]
        _octets(bytes([layout.CPS_PIN_PADDING])),  # padChar
    )
    return _seq(
        _seq(_utf8("Code porteur"), _bits()),
        _seq(_octets(b"\x01")),
        tlv.encode(0xA1, attributes),
    )


@dataclass(frozen=True, slots=True)
class KeyEntry:
    """One private key of the card, for the PrKDF and CDF."""

    label: str
    key_id: bytes
    reference: int
    usage: tuple[int, ...]  # KeyUsageFlags bit numbers
    modulus_bits: int
    cert_label: str
    cert_file: bytes


#: KeyUsageFlags: decrypt(1), sign(2), nonRepudiation(9).
SIG_USAGE = (9,)
AUT_USAGE = (1, 2)


def prkdf(keys: tuple[KeyEntry, ...]) -> bytes:
    """PrKDF: one privateRSAKey per key (private, auth id 01, native, never extractable)."""
    out = b""
    for key in keys:
        common = _seq(_utf8(key.label), _bits(0), _octets(b"\x01"))  # private, authId 01
        key_attributes = _seq(
            _octets(key.key_id),
            _bits(*key.usage),
            tlv.encode(0x01, b"\xff"),  # native
            _bits(0, 2, 3, 4),  # sensitive, alwaysSensitive, neverExtractable, local
            _int(key.reference),
        )
        rsa_attributes = _seq(_path(layout.CPS_MF + layout.CPS_DF_APP), _int(key.modulus_bits))
        out += _seq(common, key_attributes, tlv.encode(0xA1, rsa_attributes))
    return out


def cdf(keys: tuple[KeyEntry, ...]) -> bytes:
    """CDF: one x509Certificate per key, same id as its key."""
    return b"".join(
        _seq(
            _seq(_utf8(key.cert_label)),
            _seq(_octets(key.key_id)),
            tlv.encode(0xA1, _seq(_path(app_path(key.cert_file)))),
        )
        for key in keys
    )
