"""The data directory found without platformdirs (issue #27) is the one platformdirs gives:
an update must never open an empty store beside the practitioner's."""

from __future__ import annotations

from pathlib import Path

import platformdirs
import pytest

from client.config import APP_NAME, DATA_DIR_ENV, data_dir, user_data_dir


@pytest.mark.parametrize(
    ("xdg", "home"),
    [
        (None, "/home/dr-martin"),
        (None, "/home/dr-martin/"),
        ("/srv/cabinet/donnees", "/home/dr-martin"),
        ("/srv/cabinet/donnees/", "/home/dr-martin"),
        ("", "/home/dr-martin"),
        ("relatif/donnees", "/home/dr-martin"),  # not absolute: ignored by the XDG rule
    ],
)
def test_same_directory_as_platformdirs(
    monkeypatch: pytest.MonkeyPatch, xdg: str | None, home: str
) -> None:
    monkeypatch.setenv("HOME", home)
    if xdg is None:
        monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    else:
        monkeypatch.setenv("XDG_DATA_HOME", xdg)
    for app in (APP_NAME, "sesam-testbed"):
        assert user_data_dir(app) == Path(platformdirs.user_data_dir(app))


def test_data_dir_default_is_under_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    found = data_dir()
    assert found == tmp_path / APP_NAME
    assert found.is_dir() and (found.stat().st_mode & 0o777) == 0o700  # health data
