"""Train the store's zstd dictionaries (``client/store/dictionaries.json``) on samples made by
the product, every identifier in them drawn at random per sample.

A dictionary is shipped in every store: it must hold structure (keys, constant values,
frequent shapes), never an identifier nor personal data (issue #27 follow-up: the first ones,
trained on one store's values as they were, carried its UUIDs, digests and a patient's NIR).

    .venv/bin/python scripts/train_dictionaries.py [--seed N] [--check]

Steps: a store is made by the product as the ``store_scale`` benchmark makes its template
(FSE priced, certified, put in lots, signed, sent to the simulated Assurance Maladie,
acknowledged and paid back through NOEMIE); its FSE documents and audit journal rows are
read back; each is copied several times with every UUID, digest, serial, number of 5 digits
or more, date, timestamp and profile name replaced by a random value of the same shape; a
dictionary is trained per kind and the file's entries are replaced. ``--check`` only checks
the shipped dictionaries (exit status 1 when one holds an identifier).
"""

from __future__ import annotations

import argparse
import base64
import json
import random
import re
import shutil
import sqlite3
import string
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import zstandard

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DICTIONARIES = ROOT / "client" / "store" / "dictionaries.json"
PROFILES = ROOT / "testbed" / "cards" / "profiles"
#: "SESA" + a number: the ids of the shipped dictionaries (a new dictionary, a new id).
DICT_IDS = {"document": 0x5E5A0003, "journal": 0x5E5A0004}
DICT_SIZE = 8192
TRAIN_LEVEL = 19
#: How many randomized copies of each value of the store are trained on.
COPIES = {"document": 8, "journal": 3}
#: The levels ``client.store.packing`` packs each kind with (ratios measured with them).
LEVELS = {"document": 19, "journal": 9}
BLOCK = 50  # FSE made by the product (5 bénéficiaires × 10), as the benchmark's template
LOT_SIZE = 10

#: What must never be in a dictionary (``tests/client/test_packing_dictionaries.py``).
FORBIDDEN = {
    "UUID": re.compile(rb"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}"),
    "hex-64": re.compile(rb"[0-9a-fA-F]{64}"),
    "NIR": re.compile(rb"[0-9]{13}"),
}


def profile_words() -> set[str]:
    """Names, NIRs and serials of the testbed's card profiles (people and cabinets)."""
    words: set[str] = set()

    def walk(value: object, key: str = "") -> None:
        if isinstance(value, dict):
            for k, v in value.items():
                walk(v, k)
        elif isinstance(value, list):
            for v in value:
                walk(v, key)
        elif isinstance(value, str) and value and key in _PROFILE_KEYS:
            words.add(value)

    for path in sorted(PROFILES.glob("*.json")):
        walk(json.loads(path.read_text("utf-8")))
    return words


_PROFILE_KEYS = {"nom", "prenom", "nom_usage", "nir", "serial", "national_id", "structure_name"}


def forbidden_in(data: bytes, words: set[str]) -> list[str]:
    """What a dictionary holds that it must not (empty: nothing)."""
    found = [
        f"{what}: {m.group().decode('latin-1')}"
        for what, rx in FORBIDDEN.items()
        for m in rx.finditer(data)
    ]
    found += [f"profil : {w}" for w in sorted(words) if len(w) >= 4 and w.encode() in data]
    return found


# --- samples made by the product ---------------------------------------------------------


def product_values(workdir: Path) -> tuple[list[bytes], list[bytes]]:
    """The FSE documents and the audit journal rows (unpacked) of a store the product made."""
    from benchmarks.pipeline import (
        am_server,
        client_settings,
        close_lots,
        create_fses,
        open_cabinet,
        send_all,
    )
    from client.returns import fetch_noemie
    from client.store import open_store
    from client.store.packing import unpack_document, unpack_records
    from client.transport import HttpsTransport

    db = workdir / "sesam.db"
    store = open_store(db)
    am = am_server(workdir / "ledger.sqlite")
    try:
        cabinet = open_cabinet()
        create_fses(store, cabinet, BLOCK, lot_size=LOT_SIZE)
        close_lots(store, cabinet)
        settings = client_settings(am.url)
        send_all(store, settings)
        am.produce_returns()
        fetch_noemie(store, HttpsTransport(settings), datetime.now(UTC))
    finally:
        am.stop()
        store.close()
    conn = sqlite3.connect(db)
    try:
        documents = [
            unpack_document(c).encode() for (c,) in conn.execute("SELECT canonical FROM fse")
        ]
        journal = [
            "\x1e".join("\x1f".join(r) for r in unpack_records(rec)).encode()
            for (rec,) in conn.execute("SELECT record FROM audit_journal ORDER BY seq")
        ]
    finally:
        conn.close()
    return documents, journal


# --- identifiers drawn at random ---------------------------------------------------------

_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
_TIMESTAMP = r"[0-9]{4}-[0-9]{2}-[0-9]{2}[T ][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?"
_DATE = r"[0-9]{4}-[0-9]{2}-[0-9]{2}"
_HEX = r"(?<![0-9A-Za-z])[0-9a-fA-F]{16,}(?![0-9A-Za-z])"
_DIGITS = r"(?<![0-9])[0-9]{5,}(?![0-9])"


def randomizer(words: set[str], rng: random.Random) -> Callable[[bytes], bytes]:
    """A function giving a copy of a value with its identifiers drawn at random (the same
    identifier twice in a value: the same random one twice)."""
    names = sorted((w for w in words if not w.isdigit()), key=len, reverse=True)
    name_rx = "|".join(re.escape(n) for n in names)
    pattern = re.compile(
        f"(?P<uuid>{_UUID})|(?P<ts>{_TIMESTAMP})|(?P<date>{_DATE})|(?P<hex>{_HEX})"
        f"|(?P<digits>{_DIGITS})"
        + (f"|(?P<name>(?<![A-Za-z])(?:{name_rx})(?![A-Za-z]))" if names else "")
    )
    start = date.today() - timedelta(days=6 * 365)

    def a_day() -> date:
        return start + timedelta(days=rng.randrange(8 * 365))

    def fresh(kind: str, text: str) -> str:
        if kind == "uuid":
            return str(uuid.UUID(int=rng.getrandbits(128), version=4))
        if kind == "ts":
            moment = datetime.combine(a_day(), datetime.min.time()) + timedelta(
                seconds=rng.randrange(86400), microseconds=rng.randrange(1_000_000)
            )
            out = moment.isoformat(sep=text[10])
            return out[: len(text)] if "." in text else out[:19]
        if kind == "date":
            return a_day().isoformat()
        if kind == "hex":
            alphabet = string.digits if text.isdigit() else "0123456789abcdef"
            if text.isupper():
                alphabet = alphabet.upper()
            return "".join(rng.choice(alphabet) for _ in text)
        if kind == "digits":
            return "".join(rng.choice(string.digits) for _ in text)
        return "".join(rng.choice(string.ascii_uppercase) for _ in range(rng.randint(3, 12)))

    def copy(value: bytes) -> bytes:
        seen: dict[str, str] = {}

        def sub(m: re.Match[str]) -> str:
            text = m.group()
            if text not in seen:
                seen[text] = fresh(str(m.lastgroup), text)
            return seen[text]

        return pattern.sub(sub, value.decode("utf-8")).encode("utf-8")

    return copy


def copies(values: list[bytes], count: int, copy: Callable[[bytes], bytes]) -> Iterator[bytes]:
    for _ in range(count):
        for value in values:
            yield copy(value)


# --- training ----------------------------------------------------------------------------


#: Identifier-like runs: UUIDs and their pieces, long hex (digests, serials), long numbers.
_SCRUB = re.compile(rb"[0-9a-fA-F]{4,}(?:-[0-9a-fA-F]{4,})+|[0-9a-fA-F]{12,}|[0-9]{5,}")


def train(kind: str, samples: list[bytes | bytearray | memoryview]) -> bytes:
    """A dictionary trained on the samples, its identifier-like runs blanked.

    The trainer keeps whole segments of samples: the random identifiers between two keys
    come with them (useless: each was drawn once). They are overwritten with ``x`` of the
    same length, which keeps the offsets the entropy tables were computed for (cutting them
    out costs ~7 % on documents)."""
    trained = zstandard.train_dictionary(
        DICT_SIZE, samples, dict_id=DICT_IDS[kind], level=TRAIN_LEVEL, threads=1
    )
    return _SCRUB.sub(lambda m: b"x" * len(m.group()), trained.as_bytes())


def round_trips(dictionary: bytes, dict_id: int, samples: list[bytes], level: int) -> bool:
    """Whether the dictionary loads with its id and packs and unpacks every sample."""
    loaded = zstandard.ZstdCompressionDict(dictionary)
    packer = zstandard.ZstdCompressor(level=level, dict_data=loaded)
    unpacker = zstandard.ZstdDecompressor(dict_data=loaded)
    return loaded.dict_id() == dict_id and all(
        unpacker.decompress(packer.compress(s)) == s for s in samples
    )


def ratio(dictionary: bytes, samples: list[bytes], level: int) -> float:
    packer = zstandard.ZstdCompressor(
        level=level, dict_data=zstandard.ZstdCompressionDict(dictionary), write_checksum=False
    )
    return sum(len(s) for s in samples) / sum(len(packer.compress(s)) for s in samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=27, help="graine du tirage (défaut 27)")
    parser.add_argument("--check", action="store_true", help="vérifier seulement")
    args = parser.parse_args()
    words = profile_words()
    shipped = json.loads(DICTIONARIES.read_text("utf-8"))
    if args.check:
        bad = [
            f"{d['kind']} {d['dict_id']}: {f}"
            for d in shipped["dictionaries"]
            for f in forbidden_in(base64.b64decode(d["zstd"]), words)
        ]
        print("\n".join(bad) or "aucun identifiant dans les dictionnaires")
        return 1 if bad else 0

    workdir = Path(tempfile.mkdtemp(prefix="sesam-dict-"))
    try:
        documents, journal = product_values(workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    rng = random.Random(args.seed)  # noqa: S311 - reproducible shapes, not secrets
    copy = randomizer(words, rng)
    values = {"document": documents, "journal": journal}
    entries, failed = [], False
    for kind, made in values.items():
        samples = list(copies(made, COPIES[kind], copy))
        data = train(kind, list(samples))
        held_out = list(copies(made, 1, copy))
        level = LEVELS[kind]
        before = [base64.b64decode(d["zstd"]) for d in shipped["dictionaries"] if d["kind"] == kind]
        print(
            f"{kind}: {len(made)} values × {COPIES[kind]} copies; ratio on fresh copies "
            f"{ratio(data, held_out, level):.2f}"
            + "".join(f" (shipped before: {ratio(b, held_out, level):.2f})" for b in before)
        )
        bad = forbidden_in(data, words)
        if not round_trips(data, DICT_IDS[kind], held_out, level):
            bad.append("ne restitue pas les valeurs")
        for found in bad:
            print(f"  {kind}: {found}", file=sys.stderr)
        failed = failed or bool(bad)
        entries.append(
            {
                "dict_id": DICT_IDS[kind],
                "kind": kind,
                "source": (
                    f"scripts/train_dictionaries.py --seed {args.seed}: "
                    f"zstandard.train_dictionary({DICT_SIZE}, level={TRAIN_LEVEL}) on "
                    f"{len(made)} {'FSE documents' if kind == 'document' else 'audit journal rows'}"
                    f" of a store made by the product × {COPIES[kind]} copies, every "
                    "identifier drawn at random per copy, identifier-like runs blanked"
                ),
                "zstd": base64.b64encode(data).decode("ascii"),
            }
        )
    if failed:
        print("dictionnaires non écrits : ils contiennent des identifiants", file=sys.stderr)
        return 1
    shipped["dictionaries"] = entries
    DICTIONARIES.write_text(json.dumps(shipped, indent=1, ensure_ascii=False), "utf-8")
    print(f"written: {DICTIONARIES.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
