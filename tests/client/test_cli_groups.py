"""``sesam`` loads only the module of the command it runs: the table that says which module
registers which command must stay true, or a command would vanish from its own parser."""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys

from client.cli import GROUPS, build_parser, french


def test_each_module_registers_exactly_the_commands_the_table_gives_it() -> None:
    french.install()
    for module, commands in GROUPS.items():
        parser = argparse.ArgumentParser()
        sub = parser.add_subparsers(dest="command")
        importlib.import_module(module).register(sub)
        assert tuple(sub.choices) == commands, module


def test_a_known_command_gets_only_its_own_parser_and_help_lists_every_command() -> None:
    def commands(parser: argparse.ArgumentParser) -> set[str]:
        action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        return set(action.choices)

    assert commands(build_parser("alerts")) == {"alerts"}
    everything = {c for names in GROUPS.values() for c in names}
    assert commands(build_parser(None)) == everything
    assert commands(build_parser("no-such-command")) == everything


def test_a_listing_command_does_not_load_the_pdf_library() -> None:
    code = (
        "import sys; from client.cli import build_parser; build_parser('alerts'); "
        "print('fpdf' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
