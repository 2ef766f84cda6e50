"""The store's and the signing's C extensions lose no reference to True, False or None
(issue #27, ``bool_dealloc``; docs/upstream-faults.md): zstandard through the store's
packing, cryptography as the lots and certificates use it (the failing verification too),
psycopg with bool parameters and results, its error and rollback paths."""

from __future__ import annotations

import contextlib
import gc
import sys
from collections.abc import Callable

import psycopg
import pytest
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from client.store import packing

CALLS = 300


def _counts() -> tuple[int, int, int]:
    gc.collect()
    return sys.getrefcount(True), sys.getrefcount(False), sys.getrefcount(None)


def lost(call: Callable[[], object], calls: int = CALLS) -> tuple[int, int, int]:
    """References to (True, False, None) lost over ``calls`` calls (0: none lost)."""
    call()
    before = _counts()
    for _ in range(calls):
        call()
    after = _counts()
    return tuple(max(0, b - a) for a, b in zip(after, before, strict=True))  # type: ignore[return-value]


def test_zstandard_packing_loses_no_singleton() -> None:
    document = '{"actes":[{"code":"G","montant":"30.00"}],"nir":"1800175123456"}'
    packed = packing.pack_document(document)
    blob = packing.pack_file(b"%PDF-1.7 " * 200)
    losses = {
        "pack/unpack_document (trained dictionary)": lost(
            lambda: packing.unpack_document(packing.pack_document(document))
        ),
        "is_current": lost(lambda: packing.is_current(packed)),
        "pack/unpack_file": lost(lambda: packing.unpack_file(blob)),
        "corrupt frame (error path)": lost(lambda: _refused(packed[:-3] + b"xyz")),
    }
    assert {name: loss for name, loss in losses.items() if any(loss)} == {}


def _refused(stored: bytes) -> None:
    with contextlib.suppress(ValueError):  # PackedValueError included
        packing.unpack_document(stored)


def test_cryptography_signing_paths_lose_no_singleton() -> None:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    public = key.public_key()
    content = b"lot FSE " * 64
    pss = padding.PKCS1v15()
    signature = key.sign(content, pss, hashes.SHA256())
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def bad_verification() -> None:
        with pytest.raises(InvalidSignature):
            public.verify(signature, content + b"!", pss, hashes.SHA256())

    losses = {
        "sign": lost(lambda: key.sign(content, pss, hashes.SHA256()), calls=50),
        "verify": lost(lambda: public.verify(signature, content, pss, hashes.SHA256())),
        "verify, bad signature": lost(bad_verification),
        "load public key": lost(lambda: serialization.load_pem_public_key(pem)),
        "x509 parse error": lost(lambda: _bad_certificate()),
        "hash": lost(lambda: _digest(content)),
    }
    assert {name: loss for name, loss in losses.items() if any(loss)} == {}


def _bad_certificate() -> None:
    with contextlib.suppress(ValueError):
        x509.load_der_x509_certificate(b"\x30\x03\x02\x01\x00")


def _digest(content: bytes) -> bytes:
    digest = hashes.Hash(hashes.SHA256())
    digest.update(content)
    return digest.finalize()


def test_psycopg_bool_paths_lose_no_singleton(postgres_server: str) -> None:
    with psycopg.connect(f"{postgres_server}/postgres", autocommit=True) as connection:
        connection.execute("CREATE TEMPORARY TABLE drapeaux (id INTEGER, actif BOOLEAN)")
        connection.execute("INSERT INTO drapeaux VALUES (1, true), (2, false), (3, NULL)")

        def query() -> None:
            connection.execute(
                "SELECT id, actif, actif = %s FROM drapeaux WHERE actif IS DISTINCT FROM %s",
                (True, False),
            ).fetchall()

        def failed_statement() -> None:
            with pytest.raises(psycopg.errors.DivisionByZero), connection.transaction():
                connection.execute("SELECT 1 / 0")

        def properties() -> None:
            _ = (connection.autocommit, connection.closed, connection.broken)
            connection.read_only = False
            connection.read_only = None

        losses = {
            "bool parameters and results": lost(query),
            "error and rollback": lost(failed_statement, calls=100),
            "connection flags": lost(properties),
        }
    assert {name: loss for name, loss in losses.items() if any(loss)} == {}
