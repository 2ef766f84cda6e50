"""Usage errors and help of ``sesam`` are in French, like the rest of what it says."""

from __future__ import annotations

import pytest

from client.cli import main


def test_a_missing_argument_is_told_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["print", "receipt", "1"])
    assert exited.value.code == 2
    err = capsys.readouterr().err
    assert "sesam print receipt : erreur : arguments obligatoires manquants : --out" in err
    assert err.startswith("utilisation : sesam print receipt")
    assert "required" not in err and "usage:" not in err


def test_a_wrong_choice_and_the_help_are_in_french(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["fse", "list", "--etat", "payee"])
    assert "choix invalide : 'payee' (choisir parmi" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exited:
        main(["print", "--help"])
    assert exited.value.code == 0
    out = capsys.readouterr().out
    assert "afficher cette aide et quitter" in out and "arguments:" in out
