"""The emulated cards judged by the public stacks, through the real pcscd and vpcd:
OpenSC's tools (IAS-ECC CPx driver, PKCS#15, PKCS#11 module) on the CPS, cardpeek's
``vitale_2.lua`` on the Vitale, and this project's PKCS#11 backend over OpenSC.
Commands and expected results: ``docs/cards/conformance.md``."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from cardio import layout
from cardio.cps import SHA256_DIGEST_INFO_PREFIX
from cardio.errors import PinBlockedError, PinError
from cardio.pkcs11_card import Pkcs11CpsCard
from testbed import pki
from testbed.cards.pcsc_watch import VPCD_READERS
from testbed.cards.server import CardServer

pytestmark = pytest.mark.pcsc

OPENSC_PKCS11 = "/usr/lib/x86_64-linux-gnu/opensc-pkcs11.so"
CARDPEEK_SCRIPTS = Path("/usr/share/cardpeek")
#: cardpeek asks once whether its scripts are outdated; this value in ~/.cardpeek/version
#: is "answered, never ask again" (main.c, install_dot_file).
CARDPEEK_VERSION_STAMP = "1422823341"


def run(*command: str, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a tool; its exit status must be 0. Returns stdout and stderr together."""
    if shutil.which(command[0]) is None:
        pytest.fail(f"{command[0]} is missing: apt-get install (scripts/setup.sh lists it)")
    result = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=60, check=False
    )
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"{' '.join(command)} -> {result.returncode}\n{output}"
    return output


@pytest.fixture
def cards(card_server: CardServer) -> CardServer:
    """The CPS in reader 0, the Vitale in reader 1, as in the conformance commands."""
    card_server.insert(0, "cps-generaliste", fresh=True)
    card_server.insert(1, "vitale-famille", fresh=True)
    return card_server


def test_opensc_recognises_the_cps_as_an_ias_ecc_card(cards: CardServer) -> None:
    atr = run("opensc-tool", "-a", "-r", "0")
    assert "3b:ac:00:40:2a:00:12:25:00:64:80:00:03:10:00:90:00" in atr
    assert "IAS-ECC" in run("opensc-tool", "-n", "-r", "0")
    # the first APDU of OpenSC on a CPx: EF.ATR by path, with its FCP (T=0: 61XX)
    trace = run("opensc-tool", "-r", "0", "-s", "00 A4 09 04 04 3F 00 2F 01")
    assert re.search(r"SW1=0x61|Received \(SW1=0x90, SW2=0x00\)", trace), trace


def test_pkcs15_lists_the_pin_both_keys_and_both_certificates(cards: CardServer) -> None:
    dump = run("pkcs15-tool", "-D", "--reader", "0")
    assert "PIN [" in dump and re.search(r"Reference\s*: 1 \(0x01\)", dump)
    assert re.search(r"max_len:8, stored_len:8", dump) and "Pad char       : 0xFF" in dump
    assert "Private RSA Key [CPS_PRIV_SIG]" in dump and "Key ref        : 129 (0x81)" in dump
    assert "Private RSA Key [CPS_PRIV_AUT]" in dump and "Key ref        : 130 (0x82)" in dump
    assert "nonRepudiation" in dump
    assert dump.count("X.509 Certificate [") == 2
    certificates = run("pkcs15-tool", "-c", "--reader", "0")
    assert certificates.count("X.509 Certificate [") == 2


def test_pkcs11_token_login_and_signature_verified_by_openssl(
    cards: CardServer, tmp_path: Path
) -> None:
    slots = run("pkcs11-tool", "--module", OPENSC_PKCS11, "-L")
    assert "Virtual PCD 00 00" in slots and "CKR_GENERAL_ERROR" not in slots
    assert "token label        : CPS Claire RENAUD" in slots
    objects = run("pkcs11-tool", "--module", OPENSC_PKCS11, "--slot-index", "0", "-O")
    assert "CPS_SIG_CERT" in objects and "CPS_AUT_CERT" in objects
    data = b"FSE 0001 " * 30
    (tmp_path / "data.bin").write_bytes(data)
    info = SHA256_DIGEST_INFO_PREFIX + hashlib.sha256(data).digest()
    (tmp_path / "digestinfo.bin").write_bytes(info)
    run(
        "pkcs11-tool", "--module", OPENSC_PKCS11, "--slot-index", "0", "--login",
        "--pin", "1234", "--sign", "-m", "RSA-PKCS", "--id", layout.CPS_KEY_AUT_ID.hex(),
        "-i", "digestinfo.bin", "-o", "sig.bin", cwd=tmp_path,
    )  # fmt: skip
    public = pki.card_auth_certificate("cps-generaliste").public_key()
    pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    (tmp_path / "pub.pem").write_bytes(pem)
    verified = run(
        "openssl", "dgst", "-sha256", "-verify", "pub.pem", "-signature", "sig.bin", "data.bin",
        cwd=tmp_path,
    )  # fmt: skip
    assert "Verified OK" in verified


def test_project_pkcs11_backend_through_opensc(cards: CardServer) -> None:
    with Pkcs11CpsCard(
        OPENSC_PKCS11, slot=VPCD_READERS[0], key_label=layout.CPS_KEY_AUT_LABEL
    ) as card:
        assert card.read_identity().nom == "RENAUD"
        signing = x509.load_der_x509_certificate(card.certificate_der())
        assert signing == pki.card_certificate("cps-generaliste")  # non-repudiation first
        with pytest.raises(PinError) as wrong:
            card.verify_pin("0000")
        assert not isinstance(wrong.value, PinBlockedError)
        card.verify_pin("1234")
        signature = card.sign(b"lot 42")  # the token refuses SHA256-RSA-PKCS: DigestInfo
    key = pki.card_auth_certificate("cps-generaliste").public_key()
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(signature, b"lot 42", padding.PKCS1v15(), hashes.SHA256())


def test_project_pkcs11_backend_says_blocked_on_a_blocked_card(card_server: CardServer) -> None:
    card_server.insert(0, "cps-bloquee", fresh=True)
    with Pkcs11CpsCard(OPENSC_PKCS11, slot=VPCD_READERS[0]) as card:
        assert card.pin_tries_left() == 0
        with pytest.raises(PinBlockedError):
            card.verify_pin("1234")


def test_cardpeek_vitale_2_script_shows_the_beneficiaries(
    cards: CardServer, tmp_path: Path
) -> None:
    home = tmp_path / "home"
    (home / ".cardpeek").mkdir(parents=True)
    (home / ".cardpeek" / "version").write_text(CARDPEEK_VERSION_STAMP)
    (home / ".cardpeek" / "scripts").symlink_to(CARDPEEK_SCRIPTS)
    saved = tmp_path / "vitale.xml"
    script = (
        f"package.path='{CARDPEEK_SCRIPTS}/?.lua;'..package.path; require('lib.apdu'); "
        f"card.CLA=0; dofile('{CARDPEEK_SCRIPTS}/vitale_2.lua'); ui.save_view('{saved}')"
    )
    env = {**os.environ, "HOME": str(home)}
    log = _cardpeek(["cardpeek", "-c", "-r", f"pcsc://{VPCD_READERS[1]}", "-e", script], env)
    assert re.search(r"send: 00A4020002200100\s*\[\w+\]\s*\n.*Recv: 9000", log), log[:3000]
    view = saved.read_text(encoding="utf-8")
    labels = re.findall(r'<attr name="label">([^<]*)</attr>', view)
    for wanted in (
        "Bénéficiaire",
        "Nom",
        "Prénom",
        "Date de naissance",
        "Nationalité",
        "Numéro de sécurité sociale",
        "Carte vitale",
        "Date de début de validité",
        "POINTERS",
    ):
        assert wanted in labels, wanted
    assert labels.count("Bénéficiaire") == 2 * 5  # identities (MF) and NIRs (VITALE)
    assert "DURAND" in view


def _cardpeek(command: list[str], env: dict[str, str]) -> str:
    """Run cardpeek in console mode until its script is done: after it, the console
    prompts again and again on the exhausted stdin (gigabytes a minute), so the output is
    read only up to the second prompt, then the process is killed."""
    if shutil.which("cardpeek") is None:
        pytest.fail("cardpeek is missing: apt-get install cardpeek (scripts/setup.sh lists it)")
    process = subprocess.Popen(
        ["timeout", "60", *command],
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, env=env,
    )  # fmt: skip
    assert process.stdout is not None
    out = b""
    try:
        while len(out) < 1_000_000 and b"cardpeek> cardpeek> " not in out:
            chunk = process.stdout.read1(65536)
            if not chunk:
                break
            out += chunk
    finally:
        process.kill()
        process.wait()
    return out.decode("utf-8", "replace")
