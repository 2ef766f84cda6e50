"""Bad input reaching the application: scanned or imported PJ files, the concentrator's
HTTPS answers, ADRi answers, the cabinet's local tariff file. Each is read or refused with
the typed error of its package, never another exception, never a hang."""

from __future__ import annotations

import datetime as dt
import io
import socket
import ssl
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from fuzz_support import fuzz_settings, json_values, must_parse_or_raise, mutated, mutated_json
from hypothesis import example, given
from hypothesis import strategies as st
from PIL import Image, ImageDraw

from billing.errors import BillingError
from client.adri import _parse as parse_adri
from client.errors import ClientError
from client.scor.errors import ScorError
from client.scor.normalize import NormalizeOptions, normalize_bytes
from client.settings import Settings
from client.tariffs_local import LOCAL_TARIFF_FILE, load_local_tariffs, referential_with_local
from client.transport import HttpsTransport

# --- SCOR normalisation -----------------------------------------------------------------------


def _page(width: int = 300, height: int = 420) -> Image.Image:
    """A small "scanned sheet": white paper, a frame and a few lines of dark strokes."""
    image = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(image)
    draw.rectangle((10, 10, width - 10, height - 10), outline=20, width=2)
    for y in range(40, height - 40, 24):
        draw.line((30, y, width - 30 - (y % 70), y), fill=30, width=2)
    return image


def _encoded(fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    _page().save(buffer, format=fmt, dpi=(200, 200), **params)
    return buffer.getvalue()


def _multipage_tiff() -> bytes:
    buffer = io.BytesIO()
    _page().save(buffer, format="TIFF", dpi=(200, 200), save_all=True, append_images=[_page()])
    return buffer.getvalue()


IMAGE_SEEDS = {
    "png": _encoded("PNG"),
    "jpeg": _encoded("JPEG", quality=60),
    "tiff": _encoded("TIFF"),
    "tiff2": _multipage_tiff(),
}
PDF_SEED = normalize_bytes(IMAGE_SEEDS["png"], "seed.png", created=dt.datetime(2026, 1, 1)).pdf
OPTIONS = NormalizeOptions(min_dpi=150, max_dpi=200)


def test_the_pj_seeds_normalise() -> None:
    for name, seed in [*IMAGE_SEEDS.items(), ("pdf", PDF_SEED)]:
        assert normalize_bytes(seed, name, OPTIONS).pages >= 1, name


@fuzz_settings(weight=0.5, deadline_s=20, long_weight=0.2)
@given(raw=st.one_of(st.sampled_from(sorted(IMAGE_SEEDS.values())).flatmap(mutated),
                     st.binary(max_size=200)))  # fmt: skip
@example(raw=IMAGE_SEEDS["png"][:100])
@example(raw=IMAGE_SEEDS["tiff2"][: len(IMAGE_SEEDS["tiff2"]) // 2])
@example(raw=b"\x89PNG\r\n\x1a\n")
def test_normalize_damaged_images(fuzz_count, raw: bytes) -> None:
    fuzz_count("client.scor.normalize.normalize_bytes (images)")
    must_parse_or_raise(lambda: normalize_bytes(raw, "scan", OPTIONS), ScorError)


@fuzz_settings(weight=0.1, deadline_s=30, long_weight=0.025)
@given(raw=mutated(PDF_SEED, max_ops=3))
@example(raw=PDF_SEED[: len(PDF_SEED) // 2])
@example(raw=b"%PDF-")
def test_normalize_damaged_pdfs(fuzz_count, raw: bytes) -> None:
    fuzz_count("client.scor.normalize.normalize_bytes (PDF)")
    must_parse_or_raise(lambda: normalize_bytes(raw, "import.pdf", OPTIONS), ScorError)


# --- the concentrator's answers, over real HTTPS on loopback -----------------------------------


class GarbageServer:
    """A TLS server on 127.0.0.1 that answers every request with ``self.answer`` as is."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.context.load_cert_chain(cert, key)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.answer = b""
        self.stopped = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self.stopped:
            try:
                raw, _ = self.listener.accept()
            except OSError:
                return
            try:
                with self.context.wrap_socket(raw, server_side=True) as conn:
                    conn.settimeout(5)
                    request = b""
                    while b"\r\n\r\n" not in request:
                        chunk = conn.recv(65536)
                        if not chunk:
                            break
                        request += chunk
                    head, _, body = request.partition(b"\r\n\r\n")
                    for line in head.split(b"\r\n"):
                        if line.lower().startswith(b"content-length:"):
                            wanted = int(line.split(b":")[1])
                            while len(body) < wanted:
                                body += conn.recv(65536)
                    conn.sendall(self.answer)
            except (OSError, ValueError):
                continue

    def stop(self) -> None:
        self.stopped = True
        self.listener.close()


@pytest.fixture(scope="module")
def fuzz_https(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[GarbageServer, HttpsTransport]]:
    """The garbage server and a transport pinned on its self-signed certificate."""
    directory = tmp_path_factory.mktemp("fuzz-https")
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.pem", directory / "server.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = GarbageServer(cert_path, key_path)
    settings = Settings(
        server_url=f"https://127.0.0.1:{server.port}",
        client_cert=cert_path,
        client_key=key_path,
        ca_cert=cert_path,
        connect_timeout=3.0,
        read_timeout=3.0,
    )
    yield server, HttpsTransport(settings)
    server.stop()


CALLS: dict[str, Callable[[HttpsTransport], object]] = {
    "send_lot": lambda t: t.send_lot("lot-0001", b"0\x80"),
    "arl": lambda t: t.arl("lot-0001"),
    "arl_feed": lambda t: t.arl_feed(0),
    "noemie_list": lambda t: t.noemie_list(0),
    "noemie_file": lambda t: t.noemie_file(1),
    "adri": lambda t: t.adri("1800575112045", "19800512", "1", dt.date(2026, 11, 20)),
    "ping": lambda t: t.ping(),
}

ARL_BODY = (
    b'{"arl_id":"ARL-1","format":"SESAM-ARL","lot_id":"lot-0001","motifs":[],"nb_fse":1,'
    b'"recu_le":"2026-11-20T10:00:00+00:00","statut":"positif","version":1}'
)
BODY_SEEDS = [
    ARL_BODY,
    b'{"arls":[{"seq":1,"arl":"' + ARL_BODY.replace(b'"', b'\\"') + b'"}],"dernier":1}',
    b'{"fichiers":[{"seq":1,"nom":"RSP0001","taille":1200}]}',
    b'{"heure":"2026-11-20T10:00:00+00:00"}',
    b'{"detail":"lot inconnu"}',
]
statuses = st.one_of(
    st.sampled_from((b"200", b"202", b"404", b"429", b"500", b"503", b"301", b"999", b"099",
                     b"20", b"abc", b"2000", b"")),
    st.integers(0, 1000).map(lambda n: str(n).encode()),
)  # fmt: skip
header_values = st.one_of(
    st.sampled_from((b"0", b"12", b"-1", b"\xb2", b"99999999999999999999", b"1e3", b"", b" 5",
                     b"chunked", b"gzip", b"\xff\xfe", b"1, 2")),
    st.binary(max_size=20).filter(lambda v: b"\r" not in v and b"\n" not in v),
)  # fmt: skip
header_names = st.sampled_from(
    (b"Content-Length", b"Retry-After", b"Transfer-Encoding", b"X-ARL-Replay", b"Content-Type")
)


@st.composite
def http_answers(draw: st.DrawFn) -> bytes:
    """A raw HTTP answer: plausible status line and headers, a body from the API or not."""
    body = draw(st.one_of(st.sampled_from(BODY_SEEDS).flatmap(mutated), st.binary(max_size=200),
                          st.sampled_from(BODY_SEEDS)))  # fmt: skip
    version = draw(st.sampled_from((b"HTTP/1.1", b"HTTP/1.0", b"HTTP/2", b"HTTP/9.9", b"ICY")))
    headers = draw(st.lists(st.tuples(header_names, header_values), max_size=4))
    if draw(st.booleans()):
        headers.append((b"Content-Length", str(len(body)).encode()))
    head = version + b" " + draw(statuses) + b" " + draw(st.sampled_from((b"OK", b"", b"\xe9")))
    lines = [head, *(name + b": " + value for name, value in headers)]
    answer = b"\r\n".join(lines) + b"\r\n\r\n" + body
    if draw(st.integers(0, 9)) == 0:
        answer = draw(mutated(answer))
    return answer


@fuzz_settings(weight=0.5, deadline_s=20, long_weight=0.07)
@given(answer=http_answers(), call=st.sampled_from(sorted(CALLS)))
@example(answer=b"HTTP/1.1 200 OK\r\nContent-Length: \xb2\r\n\r\n{}", call="ping")
@example(answer=b"HTTP/1.1 503 KO\r\nRetry-After: \xb2\r\nContent-Length: 2\r\n\r\n{}", call="ping")
@example(
    answer=b'HTTP/1.1 200 OK\r\n\r\n{"arls":[{"seq":Infinity,"arl":""}],"dernier":1}',
    call="arl_feed",
)
@example(
    answer=b'HTTP/1.1 200 OK\r\n\r\n{"fichiers":[{"seq":1,"nom":"x","taille":-Infinity}]}',
    call="noemie_list",
)
@example(answer=b"HTTP/1.1 500 KO\r\n\r\n" + b"[" * 100_000, call="arl")
@example(answer=b"HTTP/1.1 200 OK\r\n\r\n" + b"[" * 100_000, call="ping")
def test_transport_reads_any_answer(fuzz_count, fuzz_https, answer: bytes, call: str) -> None:
    fuzz_count("client.transport.HttpsTransport (server answers)")
    server, transport = fuzz_https
    server.answer = answer
    must_parse_or_raise(lambda: CALLS[call](transport), ClientError)


ADRI_SEED = {
    "reference": "ADRI-0001",
    "nom": "DURAND",
    "prenom": "PIERRE",
    "date_naissance": "19800512",
    "rang": "1",
    "qualite": "00",
    "nir_assure": "180057511204589",
    "nir_beneficiaire": "180057511204589",
    "organisme": {"regime": "01", "caisse": "751", "centre": "7511", "code_gestion": "10"},
    "droits_amo_ouverts": True,
    "couvertures": [{"nature": "ALD", "code": "1"}],
    "amc": None,
}


@fuzz_settings(long_weight=0.15)
@given(doc=st.one_of(mutated_json(ADRI_SEED), json_values))
@example(doc={**ADRI_SEED, "couvertures": 5})
@example(doc={**ADRI_SEED, "couvertures": True})
def test_adri_answer_parsing(fuzz_count, doc) -> None:
    """What ``HttpsTransport.adri`` hands over (any JSON object) is read by ``client.adri``."""
    fuzz_count("client.adri._parse (ADRi answer)")
    if isinstance(doc, dict):
        must_parse_or_raise(lambda: parse_adri(doc, dt.date(2026, 11, 20)), ClientError)


# --- the cabinet's local tariff file ----------------------------------------------------------

TARIFF_SEED = (
    "code;libelle;montant;debut;fin;specialites;zone;note\n"
    "MCS;Majoration de coordination spécialiste;5,00;2025-01-01;;;;avenant publié\n"
    "G;Consultation;30.00;2024-12-22;2030-12-31;01|GENERALISTE;metropole;\n"
).encode()


@fuzz_settings(long_weight=0.2)
@given(raw=st.one_of(mutated(TARIFF_SEED, max_ops=5), st.binary(max_size=200)))
@example(raw=b"\xef\xbb\xbf\xef\xbb\xbf")
@example(raw=b"code;montant\nG;1e30\n")
@example(raw=b"code;montant\nG;5\rX\n")
@example(raw=b'code;montant\nG;"' + b"9" * 200_000 + b'"\n')
def test_local_tariff_file(
    fuzz_count, tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    fuzz_count("client.tariffs_local.load_local_tariffs")
    directory = Path(tmp_path_factory.getbasetemp()) / "fuzz-tariffs"
    directory.mkdir(exist_ok=True)
    (directory / LOCAL_TARIFF_FILE).write_bytes(raw)
    # the billing error of the file's parser, or the client's own
    must_parse_or_raise(lambda: referential_with_local(directory), (BillingError, ClientError))
    must_parse_or_raise(lambda: load_local_tariffs(directory), (BillingError, ClientError))
