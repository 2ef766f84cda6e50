"""``sesam cps unblock`` end to end through pcscd and the emulated blocked CPS."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from testbed.cards.profiles import CpsProfile, load_profile
from testbed.cards.server import CardServer

pytestmark = pytest.mark.pcsc

ROOT = Path(__file__).resolve().parents[2]


def sesam(*args: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "client.cli", "-v", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
        check=False,
    )


def test_blocked_cps_is_unblocked_with_its_puk_then_signs_with_the_new_pin(
    card_server: CardServer, tmp_path: Path
) -> None:
    profile = load_profile("cps-bloquee")
    assert isinstance(profile, CpsProfile)
    puk = profile.puk
    card_server.insert(0, "cps-bloquee", fresh=True)
    document = tmp_path / "doc"
    document.write_bytes(b"x")
    blocked = sesam("cps", "sign", "--pin-stdin", str(document), stdin="1234\n")
    assert blocked.returncode != 0 and "bloquée" in blocked.stderr

    wrong = sesam("cps", "unblock", "--stdin", stdin="87654321\n4321\n")
    assert wrong.returncode != 0
    assert "PUK) incorrect. Il reste 9 essais" in wrong.stderr

    done = sesam("cps", "unblock", "--stdin", stdin=f"{puk}\n4321\n")
    assert done.returncode == 0, done.stderr
    assert "débloquée" in done.stdout
    # Neither code reaches the log, even with -v.
    assert puk not in done.stderr + done.stdout and "4321" not in done.stderr

    out = ("--out", str(tmp_path / "doc.sig"), "--force")
    signed = sesam("cps", "sign", "--pin-stdin", str(document), *out, stdin="4321\n")
    assert signed.returncode == 0, signed.stderr
    assert len((tmp_path / "doc.sig").read_bytes()) == 256
    old = sesam("cps", "sign", "--pin-stdin", str(document), *out, stdin="1234\n")
    assert "Code porteur incorrect" in old.stderr


def test_a_malformed_puk_is_refused_before_the_card(card_server: CardServer) -> None:
    card = card_server.insert(0, "cps-bloquee", fresh=True)
    result = sesam("cps", "unblock", "--stdin", stdin="1234\n4321\n")
    assert result.returncode == 2
    assert "PUK) doit comporter exactement 8 chiffres" in result.stderr
    assert card.puk_tries_left == 10
