"""Card files and APDU scripts for the unit tests, built with the shared TLV codec."""

from __future__ import annotations

from fakes import Step, step

from cardio import layout, tlv


def beneficiary(
    nom: str, prenom: str, naissance: str, nir15: str, rang: str = "1", qualite: str = "00"
) -> tuple[bytes, bytes, bytes]:
    identity = tlv.encode(
        layout.TAG_BENEFICIAIRE,
        tlv.encode(layout.TAG_NOM, nom)
        + tlv.encode(layout.TAG_PRENOM, prenom)
        + tlv.encode(layout.TAG_NAISSANCE, naissance),
    )
    nir = tlv.encode(
        layout.TAG_BENEFICIAIRE,
        tlv.encode(layout.TAG_NIR, nir15)
        + tlv.encode(layout.TAG_RANG, rang)
        + tlv.encode(layout.TAG_QUALITE, qualite),
    )
    rights = tlv.encode(
        layout.TAG_RIGHTS,
        tlv.encode(
            layout.TAG_AMO_PERIOD, tlv.encode(0x80, "20250101") + tlv.encode(0x81, "20271231")
        )
        + tlv.encode(
            layout.TAG_COVERAGE,
            tlv.encode(0x80, "20250101")
            + tlv.encode(0x81, "20261231")
            + tlv.encode(0x82, "ALD")
            + tlv.encode(0x83, "12"),
        ),
    )
    return identity, nir, rights


# NIRs with valid keys (key = 97 - NIR mod 97).
FATHER = ("MARTIN", "PAUL", "19800315", "1800375123456" + "74")
MOTHER = ("MARTIN", "JULIE", "19820704", "2820775123456" + "42")
CHILD = ("MARTIN", "LEA", "20150230", "2150275123456" + "83")  # lunar birth date


def fix_key(nir13: str) -> str:
    from cardio.vitale import nir_key

    return nir13 + nir_key(nir13)


PEOPLE = [(n, p, d, fix_key(nir[:13])) for n, p, d, nir in (FATHER, MOTHER, CHILD)]


def card_file(serial: bytes = bytes.fromhex("0102030405060708")) -> bytes:
    assure13 = PEOPLE[0][3][:13]
    return tlv.encode(
        layout.TAG_CARD,
        tlv.encode(0x80, "20240101")
        + tlv.encode(0x81, "20290101")
        + tlv.encode(0x82, serial)
        + tlv.encode(0x83, "3"),
    ) + tlv.encode(
        layout.TAG_ASSURE,
        tlv.encode(0x80, assure13)
        + tlv.encode(0x81, PEOPLE[0][3][13:])
        + tlv.encode(0x82, "01")
        + tlv.encode(0x83, "751")
        + tlv.encode(0x84, "0001")
        + tlv.encode(0x85, "10"),
    )


def family_files(count: int = 3) -> tuple[bytes, bytes, bytes, bytes]:
    parts = [beneficiary(*p) for p in PEOPLE[:count]]
    return (
        b"".join(p[0] for p in parts),
        card_file(),
        b"".join(p[1] for p in parts),
        b"".join(p[2] for p in parts),
    )


def read_steps(sfi: int, content: bytes) -> list[Step]:
    """What a T=0 card does for a chunked read by SFI: 6CXX for each short tail."""
    steps: list[Step] = []
    offset = 0
    while True:
        p1p2 = f"{0x80 | sfi:02X}00" if offset == 0 else f"{offset >> 8:02X}{offset & 0xFF:02X}"
        chunk = content[offset : offset + 256]
        if not chunk:
            steps.append(step(f"00B0{p1p2}00", b"", 0x6B00))
            break
        if len(chunk) < 256:
            steps.append(step(f"00B0{p1p2}00", b"", 0x6C00 | len(chunk)))
            steps.append(step(f"00B0{p1p2}{len(chunk):02X}", chunk))
            break
        steps.append(step(f"00B0{p1p2}00", chunk))
        offset += 256
    return steps


FCI = tlv.encode(0x6F, tlv.encode(0x84, layout.VITALE_AID))
SELECT_MF = step("00A40000023F00")
SELECT_VITALE = "00A404000BD250000002564954414C45"


def vitale_script(identity: bytes, card: bytes, nir: bytes, rights: bytes) -> list[Step]:
    return [
        SELECT_MF,
        *read_steps(2, identity),
        step(SELECT_VITALE, b"", 0x6100 | len(FCI)),
        step(f"00C00000{len(FCI):02X}", FCI),
        *read_steps(1, card),
        *read_steps(2, nir),
        *read_steps(3, rights),
    ]
