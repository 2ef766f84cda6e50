"""The zstd dictionaries every store carries (``client/store/dictionaries.json``, made by
``scripts/train_dictionaries.py``) hold the documents' structure, never an identifier nor a
patient's data (issue #27 follow-up), and still pack an FSE document small."""

from __future__ import annotations

import json
import re
from datetime import date, timedelta
from pathlib import Path

import pytest
import zstandard
from fse_cards_support import cards, fse_input
from store_attacker import attacker

from client.fse_service import FseService
from client.store import open_store
from client.store.packing import SHIPPED, Dictionary, DictionaryKind, pack_document

ROOT = Path(__file__).resolve().parents[2]
PROFILES = ROOT / "testbed" / "cards" / "profiles"
#: Shapes of identifiers: a UUID (even its first groups), a SHA-256 in hex, a NIR without
#: its key, a PIN of the tests as a token of its own.
IDENTIFIERS = {
    "UUID": re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"),
    "SHA-256": re.compile(rb"[0-9a-fA-F]{64}"),
    "NIR": re.compile(rb"[0-9]{13}"),
    "PIN": re.compile(rb"(?<![0-9A-Fa-f])(?:1234|4826|4862)(?![0-9A-Fa-f])"),
}
#: What a card profile says of a person or a cabinet.
PERSONAL_KEYS = {"nom", "prenom", "nom_usage", "nir", "serial", "national_id", "structure_name"}


def profile_values() -> set[str]:
    """The names, NIRs and serials of every testbed card profile."""
    found: set[str] = set()

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and key in PERSONAL_KEYS and len(value) >= 4:
            found.add(value)
            if key == "nir":
                found.add(value[:13])  # the NIR as an FSE writes it, without its key

    for path in sorted(PROFILES.glob("*.json")):
        walk(json.loads(path.read_text("utf-8")))
    return found


@pytest.mark.parametrize("dictionary", SHIPPED, ids=lambda d: d.kind.value)
def test_a_shipped_dictionary_holds_no_identifier_and_no_personal_data(
    dictionary: Dictionary,
) -> None:
    found = [
        f"{what}: {m.group()!r}"
        for what, shape in IDENTIFIERS.items()
        for m in shape.finditer(dictionary.data)
    ]
    values = profile_values()
    assert {"DURAND", "LEROY", "RENAUD", "1800575112045"} <= values  # the profiles were read
    found += [v for v in sorted(values) if v.encode("utf-8") in dictionary.data]
    assert found == []
    assert "scripts/train_dictionaries.py" in dictionary.source  # how to make it again


def test_each_kind_has_its_dictionary_with_its_own_id() -> None:
    kinds = {d.kind for d in SHIPPED}
    assert kinds == set(DictionaryKind)
    for d in SHIPPED:
        assert zstandard.ZstdCompressionDict(d.data).dict_id() == d.dict_id


def test_an_fse_document_is_still_packed_small_and_read_back_from_the_store(
    tmp_path: Path,
) -> None:
    store = open_store(tmp_path / "sesam.db")
    try:
        c = cards()
        care = (date.today() - timedelta(days=1)).isoformat()
        row = FseService(store).create(fse_input(1, day=care), c.cps, c.vitale)
        canonical = row.fse().canonical()
    finally:
        store.close()
    packed = pack_document(canonical.decode("utf-8"))
    # A 1.4 KB document packs to ~200 bytes: well under a quarter of its size.
    assert len(packed) * 4 < len(canonical)
    with attacker(tmp_path / "sesam.db") as conn:  # the bytes as the database keeps them
        stored = conn.execute("SELECT canonical FROM fse WHERE number = ?", [row.number]).fetchone()
    document = next(d for d in SHIPPED if d.kind is DictionaryKind.DOCUMENT)
    assert zstandard.get_frame_parameters(stored[0][2:]).dict_id == document.dict_id
    assert len(stored[0]) * 4 < len(canonical)
