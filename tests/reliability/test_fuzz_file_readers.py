"""Every reader of a file from outside, fed mutated files through its real file path:
NOEMIE (``sesam returns import``), ARL, settings, local tariffs, backups (the check before a
restore), SCOR images and settings, numbering. Each reads or refuses with its package's
typed error (a French sentence), never another exception, never a hang, and memory stays
bounded; non-regular files (``/dev/zero``, a FIFO, a directory) and oversized files are
refused before any read.

The mutations are drawn from a fixed seed (the same inputs every CI run, like the
hypothesis profile ``fuzz-ci``): a few hundred inputs per reader in CI; with ``--long`` (or
``SESAM_FUZZ=long``) at least 100 000 per reader.
"""

from __future__ import annotations

import io
import json
import os
import random
import resource
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fuzz_support import fuzz_profile
from PIL import Image, ImageDraw
from reliability_support import create_fses
from test_fuzz_billing_formats import ARL_SEEDS, NOEMIE_SEED

from billing.arl import parse_arl
from billing.errors import BillingError
from client.backup import backup, check_backup
from client.errors import ClientError
from client.returns import import_noemie_file
from client.scor.config import load_scor_config
from client.scor.normalize import NormalizeOptions, normalize_file
from client.settings import Settings, load_settings
from client.store import Store, open_store
from client.store.numbering import Numbering
from client.tariffs_local import LOCAL_TARIFF_FILE, load_local_tariffs

LONG = fuzz_profile() == "fuzz-long"
#: Inputs per reader: CI-sized, or the long run's 100 000.
COUNT = 100_000 if LONG else 300
#: Slow readers (an image decoded, a database checked) get fewer in CI.
SLOW_COUNT = 100_000 if LONG else 60
NOW = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
#: Memory a reader may gain over a whole run (a leak or an unbounded read shows far above).
MAX_GROWTH_KB = 300_000


def mutate(rng: random.Random, seed: bytes) -> bytes:
    """``seed`` damaged as transmission and storage damage files (see fuzz_support)."""
    data = bytearray(seed)
    for _ in range(rng.randint(1, 4)):
        op = rng.choice(("truncate", "flip", "set", "delete", "insert", "duplicate", "shift"))
        size = len(data)
        pos = rng.randint(0, max(0, size - 1))
        if op == "truncate":
            del data[rng.randint(0, size) :]
        elif op == "flip" and size:
            data[pos] ^= 1 << rng.randint(0, 7)
        elif op == "set" and size:
            data[pos] = rng.choice((0x00, 0xFF, 0x7F, 0x80, 0x30, 0x39, 0xB2, 0x40, 0x22))
        elif op == "delete" and size:
            del data[pos : pos + rng.randint(1, 16)]
        elif op == "insert":
            data[pos:pos] = rng.randbytes(rng.randint(1, 16))
        elif op == "duplicate" and size:
            data[pos:pos] = data[pos : pos + rng.randint(1, 64)]
        elif op == "shift" and size:
            if rng.random() < 0.5:
                data[pos:pos] = b" "
            else:
                del data[pos]
    return bytes(data)


def inputs(seeds: list[bytes], count: int, salt: int) -> Iterator[bytes]:
    """``count`` inputs: mostly mutated seeds, some random bytes, the seeds themselves."""
    rng = random.Random(0x5E5A + salt)  # noqa: S311 - the same inputs every run
    yield from seeds
    for i in range(count - len(seeds)):
        if i % 20 == 19:
            yield rng.randbytes(rng.randint(0, 300))
        else:
            yield mutate(rng, rng.choice(seeds))


def max_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def run_reader(
    name: str,
    fuzz_count: Callable[[str], None],
    seeds: list[bytes],
    count: int,
    salt: int,
    read: Callable[[bytes], object],
    allowed: tuple[type[BaseException], ...],
    max_seconds_each: float = 5.0,
) -> int:
    """Feed ``read`` every input; returns how many were read without error."""
    before = max_rss_kb()
    accepted = 0
    for data in inputs(seeds, count, salt):
        fuzz_count(name)
        start = time.monotonic()
        try:
            read(data)
            accepted += 1
        except allowed as exc:
            assert str(exc).strip(), name  # a sentence for the user, never empty
        took = time.monotonic() - start
        assert took < max_seconds_each, (name, took, data[:80])
    assert max_rss_kb() - before < MAX_GROWTH_KB, name
    return accepted


# ------------------------------------------------------------------------ seeds


SETTINGS_SEED = json.dumps(
    Settings(client_cert=Path("/tmp/c.pem"), client_key=Path("/tmp/k.pem")).to_json()
).encode()
TARIFF_SEED = (
    "code;libelle;montant;debut;fin;specialites;zone;note\n"
    "MCS;Majoration de coordination spécialiste;5,00;2025-01-01;;;;avenant\n"
    "G;Consultation;30.00;2026-01-01;2026-12-31;01|22;;\n"
).encode()
NUMBERING_SEED = json.dumps(
    {"version": 1, "practitioners": {"123456789": {"fse": 12, "lot": 3, "closing": 3}}}
).encode()
SCOR_CONFIG_SEED = json.dumps(
    {"retry_working_days": 3, "retention_days": 90, "min_dpi": 200}
).encode()


def _page_png() -> bytes:
    image = Image.new("L", (200, 280), 250)
    draw = ImageDraw.Draw(image)
    for y in range(30, 250, 20):
        draw.line((20, y, 180 - (y % 50), y), fill=30, width=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", dpi=(200, 200))
    return buffer.getvalue()


# ---------------------------------------------------------------------- readers


@pytest.fixture(scope="module")
def work(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("fuzz-readers")


@pytest.fixture(scope="module")
def store(work: Path) -> Iterator[Store]:
    opened = open_store(work / "data" / "sesam.db")
    yield opened
    opened.close()


def test_noemie_files_imported_from_disk(fuzz_count, work: Path, store: Store) -> None:  # type: ignore[no-untyped-def]
    path = work / "retour.noemie"

    def read(data: bytes) -> object:
        path.write_bytes(data)
        return import_noemie_file(store, path, NOW)

    run_reader(
        "client.returns.import_noemie_file", fuzz_count, [NOEMIE_SEED], COUNT, 1, read,
        (ClientError, BillingError),
    )  # fmt: skip


def test_arl_documents(fuzz_count) -> None:  # type: ignore[no-untyped-def]
    run_reader("billing.arl.parse_arl (file reader)", fuzz_count, ARL_SEEDS, COUNT, 2, parse_arl,
               (BillingError,))  # fmt: skip


def test_settings_files(fuzz_count, work: Path) -> None:  # type: ignore[no-untyped-def]
    path = work / "settings.json"

    def read(data: bytes) -> object:
        path.write_bytes(data)
        return load_settings(path)

    accepted = run_reader("client.settings.load_settings", fuzz_count, [SETTINGS_SEED], COUNT,
                          3, read, (ClientError,))  # fmt: skip
    assert accepted >= 1


def test_local_tariff_files(fuzz_count, work: Path) -> None:  # type: ignore[no-untyped-def]
    folder = work / "tarifs"
    folder.mkdir(exist_ok=True)

    def read(data: bytes) -> object:
        (folder / LOCAL_TARIFF_FILE).write_bytes(data)
        return load_local_tariffs(folder)

    run_reader("client.tariffs_local.load_local_tariffs (file)", fuzz_count, [TARIFF_SEED], COUNT,
               4, read, (ClientError, BillingError))  # fmt: skip


def test_numbering_files(fuzz_count, work: Path) -> None:  # type: ignore[no-untyped-def]
    path = work / "numbering.json"

    def read(data: bytes) -> object:
        path.write_bytes(data)
        marks = Numbering(path).read()
        # What is accepted has the expected shape: never silently another one.
        assert all(
            set(v) == {"fse", "lot", "closing"}
            and all(type(n) is int and n >= 0 for n in v.values())
            for v in marks.values()
        )
        return marks

    run_reader("client.store.numbering.Numbering.read", fuzz_count, [NUMBERING_SEED], COUNT, 5,
               read, (ClientError,))  # fmt: skip


def test_scor_settings_files(fuzz_count, work: Path) -> None:  # type: ignore[no-untyped-def]
    path = work / "scor.json"

    def read(data: bytes) -> object:
        path.write_bytes(data)
        return load_scor_config(path)

    run_reader("client.scor.config.load_scor_config", fuzz_count, [SCOR_CONFIG_SEED], COUNT, 6,
               read, (ClientError,))  # fmt: skip


def test_scor_images_from_disk(fuzz_count, work: Path) -> None:  # type: ignore[no-untyped-def]
    path = work / "scan.png"
    options = NormalizeOptions(min_dpi=150, max_dpi=200)

    def read(data: bytes) -> object:
        path.write_bytes(data)
        return normalize_file(path, options, created=NOW)

    run_reader("client.scor.normalize.normalize_file", fuzz_count, [_page_png()], SLOW_COUNT, 7,
               read, (ClientError,), max_seconds_each=30)  # fmt: skip


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_backups_checked_before_restore(fuzz_count, work: Path, store: Store) -> None:  # type: ignore[no-untyped-def]
    create_fses(store, 3)
    seed = backup(store, work / "seed.db").read_bytes()
    path = work / "candidate.db"

    def read(data: bytes) -> object:
        path.write_bytes(data)
        check_backup(path)
        return None

    run_reader("client.backup.check_backup", fuzz_count, [seed], SLOW_COUNT, 8, read,
               (ClientError,), max_seconds_each=30)  # fmt: skip


# ------------------------------------------------------------ non-regular files


def _special(kind: str, where: Path, limit_name: str) -> Path:
    if kind == "zero":
        return Path("/dev/zero")
    if kind == "fifo":
        fifo = where / f"tube-{limit_name}"
        if not fifo.exists():
            os.mkfifo(fifo)
        return fifo
    if kind == "directory":
        folder = where / f"dossier-{limit_name}"
        folder.mkdir(exist_ok=True)
        return folder
    huge = where / f"enorme-{limit_name}"
    with huge.open("wb") as f:
        f.truncate(2 * 10**9)  # sparse: 2 GB announced, nothing on disk
    return huge


READERS: dict[str, Callable[[Path, Store], object]] = {
    "noemie": lambda p, s: import_noemie_file(s, p, NOW),
    "settings": lambda p, s: load_settings(p),
    "numbering": lambda p, s: Numbering(p).read(),
    "scor-config": lambda p, s: load_scor_config(p),
    "scor-image": lambda p, s: normalize_file(p),
    "backup": lambda p, s: check_backup(p),
}


@pytest.mark.parametrize("kind", ["zero", "fifo", "directory", "huge"])
@pytest.mark.parametrize("reader", sorted(READERS))
def test_non_regular_and_huge_files_are_refused_at_once(
    work: Path, store: Store, reader: str, kind: str
) -> None:
    path = _special(kind, work, reader)
    before = max_rss_kb()
    start = time.monotonic()
    with pytest.raises((ClientError, BillingError)) as info:
        READERS[reader](path, store)
    assert time.monotonic() - start < 5  # a FIFO without writer does not block
    assert max_rss_kb() - before < 50_000  # /dev/zero is not read
    text = str(info.value)
    assert any(w in text for w in ("refusé", "fichier ordinaire", "trop grand", "dossier")), text


@pytest.mark.parametrize("kind", ["zero", "fifo", "huge"])
def test_local_tariffs_refuse_special_files(work: Path, kind: str) -> None:
    folder = work / f"tarifs-{kind}"
    folder.mkdir(exist_ok=True)
    target = folder / LOCAL_TARIFF_FILE
    if not target.exists() and not target.is_symlink():
        source = _special(kind, work, f"tarifs-{kind}")
        target.symlink_to(source)
    start = time.monotonic()
    with pytest.raises(BillingError):
        load_local_tariffs(folder)
    assert time.monotonic() - start < 5


def test_special_file_errors_are_told_in_french(work: Path, store: Store) -> None:
    with pytest.raises(ClientError) as info:
        load_settings(Path("/dev/zero"))
    assert "n'est pas un fichier ordinaire" in str(info.value)
    with pytest.raises(ClientError) as info:
        import_noemie_file(store, Path("/dev/zero"), NOW)
    assert "NOEMIE" in str(info.value) and "fichier ordinaire" in str(info.value)


@pytest.mark.sqlite_only  # SQLite backups of the file (the server: pg_dump)
def test_a_backup_whose_text_is_not_utf8_is_refused(work: Path, store: Store) -> None:
    """Found by the long run (input 3 340 of ``check_backup``): damaged bytes in a name
    made ``integrity_check``'s report undecodable (UnicodeDecodeError, not a refusal)."""
    import sqlite3

    copy = backup(store, work / "non-utf8.db")
    conn = sqlite3.connect(copy)
    conn.execute(
        "UPDATE _sqlite_migrations SET name = CAST(X'6D3030318041' AS TEXT) WHERE rowid = 1"
    )
    conn.commit()
    conn.close()
    with pytest.raises(ClientError) as info:
        check_backup(copy)
    assert "rien n'a été modifié" in str(info.value)
