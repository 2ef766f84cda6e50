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


class _Rows:
    """A store's ``packing_dictionaries`` as ``register_stored`` reads it."""

    def __init__(self, *rows: dict[str, object]) -> None:
        self.rows = rows

    def query(self, sql: str, params: object = ()) -> list[dict[str, object]]:
        assert "packing_dictionaries" in sql
        return list(self.rows)


def _retired_dictionary(dict_id: int) -> bytes:
    """A dictionary this version does not ship: one an older version packed values with."""
    samples = [
        json.dumps({"acte": f"C{i % 7}", "montant": f"{25 + i % 13}.00", "n": i}).encode()
        for i in range(400)
    ]
    return zstandard.train_dictionary(2048, samples, dict_id=dict_id).as_bytes()


def test_a_value_packed_with_a_retired_dictionary_reads_once_its_store_is_opened() -> None:
    """The store's table is read at opening without loading zstd (issue #27); a value that
    needs one of its dictionaries is still read, and one the table does not hold is named."""
    from client.store.dictionaries import register_stored
    from client.store.packing import PackedValueError, unpack_document

    data = _retired_dictionary(91_001)
    document = '{"acte":"C3","montant":"27.00","n":12}'
    frame = zstandard.ZstdCompressor(
        dict_data=zstandard.ZstdCompressionDict(data), write_dict_id=True
    ).compress(document.encode())
    packed = b"Z\x02" + frame
    with pytest.raises(PackedValueError, match="dictionnaire inconnu"):
        unpack_document(packed)
    row = {"dict_id": 91_001, "kind": "document", "dictionary": data, "source": "v0.9"}
    assert register_stored(_Rows(row)) == 1
    assert unpack_document(packed) == document


def test_a_stored_dictionary_altered_on_disk_is_refused_where_it_is_needed() -> None:
    from client.store.dictionaries import register_stored
    from client.store.packing import PackedValueError, unpack_document

    data = _retired_dictionary(91_002)
    packed = b"Z\x02" + zstandard.ZstdCompressor(
        dict_data=zstandard.ZstdCompressionDict(data), write_dict_id=True
    ).compress(b'{"acte":"C1"}')
    other = _retired_dictionary(91_003)  # the row's bytes are another dictionary's
    register_stored(
        _Rows({"dict_id": 91_002, "kind": "document", "dictionary": other, "source": "x"})
    )
    with pytest.raises(PackedValueError, match=r"altéré : .*restaurez .*sesam restore"):
        unpack_document(packed)
