"""Certificates at the simulated Assurance Maladie and on the workstation.

The concentrator refuses (negative ARL with a motif) a lot signed by a CPS whose certificate
does not chain to its CA (issued by ``other_ca``), is expired (``cps-expiree-cert``) or is
revoked (``cps-revoquee``, in the testbed CA's CRL). The client refuses a server whose TLS
certificate does not chain to its pinned CA (typed ``AuthenticationError``, French message,
nothing marked sent, the lot kept); the server refuses a workstation certificate not issued
by the testbed CA (mutual TLS). Real HTTPS on loopback; cards in-process (emulated).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from reliability_support import Clock, cards, create_fses, fse_input

from billing.arl import Arl
from billing.cms import CmsError, build_signed_data, check_own_signature
from billing.fse_states import FseState
from billing.lot import lot_content
from billing.lot_states import LotState
from billing.signing import SoftwareSigner
from client.errors import ClientError
from client.fse_service import FseService
from client.messages import describe
from client.sender import Sender, SendProgress, SendStep
from client.settings import Settings
from client.store import OutboxStatus, Store, open_store
from client.transport import AuthenticationError, HttpsTransport, TransportError
from testbed import pki
from testbed.am.checks import CrlError, revocation_list
from testbed.am.server import AmServer


@pytest.fixture
def am(tmp_path: Path) -> Iterator[AmServer]:
    server = AmServer(ledger_path=tmp_path / "ledger.sqlite", control_port=None).start()
    yield server
    server.stop()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = open_store(tmp_path / "sesam.db")
    yield s
    s.close()


def _settings(url: str, **overrides: object) -> Settings:
    paths = pki.ensure_pki()
    values: dict[str, object] = {
        "server_url": url,
        "client_cert": paths.client_cert,
        "client_key": paths.client_key,
        "ca_cert": paths.ca_cert,
        "connect_timeout": 2.0,
        "read_timeout": 5.0,
        "backoff_base": 1.0,
        "backoff_cap": 8.0,
    }
    values.update(overrides)
    return Settings(**values)  # type: ignore[arg-type]


def _issue(
    ca_key: rsa.RSAPrivateKey,
    ca: x509.Certificate,
    cn: str,
    usage: str,
    *,
    subject: x509.Name | None = None,
) -> tuple[rsa.RSAPrivateKey, x509.Certificate]:
    """A leaf certificate issued by ``ca`` (the unrelated CA in these tests)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = dt.datetime.now(dt.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject or x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)]))
        .issuer_name(ca.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
    )
    if usage == "server":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        ).add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
    elif usage == "client":
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return key, builder.sign(ca_key, hashes.SHA256())


def _write_pem(
    directory: Path, name: str, key: rsa.RSAPrivateKey, cert: x509.Certificate
) -> tuple[Path, Path]:
    cert_path, key_path = directory / f"{name}.cert.pem", directory / f"{name}.key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def _lot_signed_by(
    store: Store, signer: SoftwareSigner, biller: str = "cps-generaliste"
) -> tuple[str, bytes]:
    """Two real FSE (family card) of ``biller`` in a lot built outside the store, signed by
    ``signer`` (the concentrator wants the signer to be the FSE's practitioner: A10)."""
    if biller == "cps-generaliste":
        rows = create_fses(store, 2)
    else:
        c = cards(biller)
        service = FseService(store, clock=Clock())
        rows = [service.create(fse_input(i), c.cps, c.vitale) for i in range(2)]
    lot_id = str(uuid.uuid4())
    now = dt.datetime.now(dt.UTC)
    content = lot_content(
        lot_id=lot_id, number=1, created_at=now, closed_at=now, fses=[r.fse() for r in rows]
    )
    return lot_id, build_signed_data(content, signer, now)


def _refused(am: AmServer, lot_id: str, der: bytes) -> Arl:
    answer = HttpsTransport(_settings(am.url)).send_lot(lot_id, der)
    assert answer.arl is not None
    assert not answer.arl.positive
    # Refused lots are counted as received but none of their FSE is accepted for payment.
    assert am.ledger.summary()["fse_acceptees"] == 0
    assert am.ledger.lot_states() == {lot_id: False}
    return answer.arl


def test_the_control_lot_is_accepted(am: AmServer, store: Store) -> None:
    """The same construction with the genuine card key passes: the refusals below are due
    to the certificate alone."""
    signer = SoftwareSigner(
        pki.card_private_key("cps-generaliste"),
        pki.card_certificate("cps-generaliste").public_bytes(serialization.Encoding.DER),
    )
    lot_id, der = _lot_signed_by(store, signer)
    answer = HttpsTransport(_settings(am.url)).send_lot(lot_id, der)
    assert answer.arl is not None and answer.arl.positive


def test_lot_signed_by_a_certificate_of_another_ca_is_refused(am: AmServer, store: Store) -> None:
    genuine = pki.card_certificate("cps-generaliste")
    key, cert = _issue(
        pki.other_ca_private_key(),
        pki.other_ca_certificate(),
        "faux",
        "signature",
        subject=genuine.subject,  # same holder, same name: only the issuer differs
    )
    signer = SoftwareSigner(key, cert.public_bytes(serialization.Encoding.DER))
    lot_id, der = _lot_signed_by(store, signer)
    arl = _refused(am, lot_id, der)
    assert [m.code for m in arl.motifs] == ["A02"]
    assert "autorité" in arl.motifs[0].label


def test_lot_signed_with_an_expired_certificate_is_refused(am: AmServer, store: Store) -> None:
    cert = pki.card_certificate("cps-expiree-cert")
    assert cert.not_valid_after_utc < dt.datetime.now(dt.UTC)
    signer = SoftwareSigner(
        pki.card_private_key("cps-expiree-cert"), cert.public_bytes(serialization.Encoding.DER)
    )
    lot_id, der = _lot_signed_by(store, signer)
    # The workstation would not store it (its own check refuses an expired certificate):
    # the lot is built by hand here to test the concentrator.
    with pytest.raises(CmsError, match="validité"):
        check_own_signature(der)
    arl = _refused(am, lot_id, der)
    assert [m.code for m in arl.motifs] == ["A02"]
    assert "validité" in arl.motifs[0].label


def test_lot_signed_by_the_revoked_card_is_refused_end_to_end(am: AmServer, store: Store) -> None:
    """The revoked CPS signs its lot like any card (the workstation has no CRL); the
    concentrator checks its CRL: ARL négatif A09, the lot and its FSE are refused on the
    client and the user reads why."""
    revoked = cards(cps_profile="cps-revoquee")
    clock = Clock()
    service = FseService(store, clock=clock)
    service.create(fse_input(0), revoked.cps, revoked.vitale)
    service.create(fse_input(1), revoked.cps, revoked.vitale)
    (closed,) = service.close_lots(revoked.session, revoked.cps, all_lots=True)
    settings = _settings(am.url)
    shown: list[SendProgress] = []
    report = Sender(
        store, HttpsTransport(settings), settings=settings, clock=clock, on_progress=shown.append
    ).run()
    assert report.refused == 1 and report.acknowledged == 0
    assert store.lot_by_id(closed.lot.id).state is LotState.REFUSED
    assert {f.state for f in store.fse_list()} == {FseState.REFUSED}
    refused = [p.message for p in shown if p.step is SendStep.REFUSED]
    assert refused and "A09 Certificat du signataire révoqué" in refused[0]
    (arl_doc,) = store.db.query("SELECT motifs FROM arl")
    assert "A09" in arl_doc["motifs"]
    assert am.ledger.lot_states() == {closed.lot.id: False}
    assert am.ledger.summary()["fse_acceptees"] == 0


def test_revocation_is_checked_on_the_serial_not_on_the_name(am: AmServer, store: Store) -> None:
    """A certificate re-issued by the CA to the same holder, with a new serial, is accepted:
    the CRL names a certificate, not a person."""
    old = pki.card_certificate("cps-revoquee")
    key, cert = _issue(
        pki.ca_private_key(), pki.ca_certificate(), "", "signature", subject=old.subject
    )
    signer = SoftwareSigner(key, cert.public_bytes(serialization.Encoding.DER))
    lot_id, der = _lot_signed_by(store, signer, biller="cps-revoquee")
    answer = HttpsTransport(_settings(am.url)).send_lot(lot_id, der)
    assert answer.arl is not None and answer.arl.positive, answer.arl


def test_a_crl_not_signed_by_the_ca_is_not_trusted(tmp_path: Path) -> None:
    """A forged CRL (empty, signed by another CA) must not un-revoke the card."""
    paths = pki.ensure_pki()
    base = tmp_path / "copy"
    copy = pki.PkiPaths.under(base)
    copy.root.mkdir(parents=True)
    copy.cards.mkdir()
    for src in paths.root.rglob("*"):
        if src.is_file() and not src.name.startswith("."):
            dest = copy.root / src.relative_to(paths.root)
            dest.write_bytes(src.read_bytes())
    assert revocation_list(base).get_revoked_certificate_by_serial_number(
        pki.card_certificate("cps-revoquee").serial_number
    )
    other = pki.other_ca_certificate()
    now = dt.datetime.now(dt.UTC)
    forged = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(pki.ca_certificate().subject)  # claims to be the testbed CA's
        .last_update(now)
        .next_update(now + dt.timedelta(days=1))
        .sign(pki.other_ca_private_key(), hashes.SHA256())
    )
    assert other.subject != forged.issuer
    copy.crl.write_bytes(forged.public_bytes(serialization.Encoding.PEM))
    with pytest.raises(CrlError):
        revocation_list(base)


def test_client_refuses_a_server_certificate_from_another_ca(tmp_path: Path, store: Store) -> None:
    key, cert = _issue(
        pki.other_ca_private_key(), pki.other_ca_certificate(), "localhost", "server"
    )
    cert_path, key_path = _write_pem(tmp_path, "impostor", key, cert)
    impostor = AmServer(
        ledger_path=tmp_path / "impostor.sqlite",
        control_port=None,
        tls_cert=cert_path,
        tls_key=key_path,
    ).start()
    try:
        create_fses(store, 2)
        c = cards()
        (closed,) = FseService(store).close_lots(c.session, c.cps, all_lots=True)
        settings = _settings(impostor.url)
        transport = HttpsTransport(settings)
        with pytest.raises(AuthenticationError) as caught:
            transport.send_lot(closed.lot.id, store.lot_der(closed.lot.id) or b"")
        message = describe(caught.value) or ""
        assert "certificat du serveur n'est pas celui attendu" in message

        shown: list[SendProgress] = []
        report = Sender(
            store, transport, settings=settings, clock=Clock(), on_progress=shown.append
        ).run(until_empty=True)
        assert not report.complete and report.acknowledged == 0
        # Nothing was handed over: the lot is kept, closed and signed, for the user to
        # send again once the certificates are put right.
        row = store.outbox_get(closed.lot.id)
        assert row is not None and row.status is OutboxStatus.FAILED  # for the user
        assert row.last_error is not None and "Connexion sécurisée refusée" in row.last_error
        assert store.lot_by_id(closed.lot.id).state is LotState.CLOSED
        assert {f.state for f in store.fse_list()} == {FseState.IN_LOT}
        assert (
            store.db.execute(
                "SELECT count(*) FROM transmissions WHERE received_at IS NOT NULL"
            ).fetchone()[0]
            == 0
        )
        assert any("Connexion sécurisée refusée" in p.message for p in shown)
        assert impostor.ledger.summary()["lots"] == 0  # the lot never left the workstation
    finally:
        impostor.stop()
    # Settings put right (the genuine concentrator), ``sesam queue retry``: the kept lot goes.
    genuine = AmServer(ledger_path=tmp_path / "genuine.sqlite", control_port=None).start()
    try:
        clock = Clock()
        store.outbox_retry(closed.lot.id, clock())
        settings = _settings(genuine.url)
        report = Sender(store, HttpsTransport(settings), settings=settings, clock=clock).run()
        assert report.complete and report.acknowledged == 1
        assert genuine.ledger.lot_states() == {closed.lot.id: True}
    finally:
        genuine.stop()


def test_server_refuses_a_workstation_certificate_from_another_ca(
    tmp_path: Path, am: AmServer
) -> None:
    key, cert = _issue(pki.other_ca_private_key(), pki.other_ca_certificate(), "poste", "client")
    cert_path, key_path = _write_pem(tmp_path, "poste", key, cert)
    transport = HttpsTransport(_settings(am.url, client_cert=cert_path, client_key=key_path))
    with pytest.raises(TransportError) as caught:
        transport.send_lot("lot-inconnu-1", b"0")
    assert isinstance(caught.value, ClientError)
    assert isinstance(caught.value, AuthenticationError), repr(caught.value)
    assert "certificat" in (describe(caught.value) or "")
    assert am.ledger.summary()["receptions"] == 0
