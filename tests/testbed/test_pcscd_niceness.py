"""pcscd started by a niced test run or measurement runs at niceness 0 (finding 45's note:
every card figure after a `nice -n 19` test run measured a niced daemon)."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from testbed.cards.pcscd import niced_warning, niceness, pcscd_niceness

_PRINT_NICENESS = [sys.executable, "-c", "import os; print(os.nice(0))"]


def _from_niced_caller(increment: int) -> int:
    """The niceness of a child started through at_niceness_zero by a caller niced by
    ``increment`` (a throwaway process: this test's own niceness is left alone)."""
    script = (
        "import os, subprocess, sys\n"
        f"os.nice({increment})\n"
        "from testbed.cards.pcscd import at_niceness_zero\n"
        f"sys.exit(subprocess.run(at_niceness_zero({_PRINT_NICENESS!r})).returncode)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True
    )
    return int(done.stdout.split()[-1])


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may lower a niceness")
def test_daemon_started_from_niced_run_is_not_niced() -> None:
    assert _from_niced_caller(19 - os.nice(0)) == 0


def test_niceness_read_from_proc_is_the_process_own() -> None:
    assert niceness(os.getpid()) == os.nice(0)


def test_warning_only_when_running_pcscd_is_niced(pcscd: None) -> None:
    value = pcscd_niceness()
    assert value is not None
    warning = niced_warning()
    if value > 0:
        assert warning is not None and f"niceness {value}" in warning
    else:
        assert warning is None
