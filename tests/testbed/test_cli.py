"""``python -m testbed`` commands that need no reader."""

from __future__ import annotations

from pathlib import Path

import pytest
from cryptography import x509

from testbed.__main__ import main
from testbed.cards.profiles import profile_names


def test_profiles_lists_every_profile_with_its_description(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["cards", "profiles"]) == 0
    out = capsys.readouterr().out
    for name in profile_names():
        assert name in out
    assert "jumelles" in out  # descriptions are there for the person choosing a card


def test_pki_ca_path_prints_the_ca_certificate(
    capsys: pytest.CaptureFixture[str], testbed_dir: Path
) -> None:
    assert main(["pki", "ca-path"]) == 0
    path = Path(capsys.readouterr().out.strip())
    assert path.is_relative_to(testbed_dir)
    cert = x509.load_pem_x509_certificate(path.read_bytes())
    assert "AC Testbed Santé" in cert.subject.rfc4514_string()


def test_commands_without_a_daemon_fail_with_a_hint(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["cards", "status"]) == 1
    assert "cards serve" in capsys.readouterr().err


def test_bad_usage_exits_2() -> None:
    with pytest.raises(SystemExit) as caught:
        main(["cards", "serve", "--insert", "zero=cps-generaliste"])
    assert caught.value.code == 2
