"""Starting the machine's pcscd when it is not running, at niceness 0 whatever the caller's.

The test runs and some measurements run niced (``nice -n 19``); a pcscd they start would
inherit that niceness and every later card figure would measure a niced daemon. Used by the
test fixtures and the benchmarks; a running pcscd is never restarted nor killed.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
from pathlib import Path

logger = logging.getLogger(__name__)


def pcscd_pids() -> list[int]:
    """The running pcscd processes (empty when none)."""
    found = subprocess.run(
        ["pgrep", "-x", "pcscd"],
        capture_output=True,
        text=True,
        check=False,
    )
    return [int(pid) for pid in found.stdout.split()]


def niceness(pid: int) -> int | None:
    """A process's niceness from /proc (None when it is gone)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) may hold spaces: the fields after it follow its ")".
    fields = stat.rsplit(")", 1)[1].split()
    return int(fields[16])  # field 19 of stat(5), the third after ")" being field 3


def pcscd_niceness() -> int | None:
    """The highest niceness among the running pcscd processes (None when none runs)."""
    values = [n for n in (niceness(pid) for pid in pcscd_pids()) if n is not None]
    return max(values) if values else None


def start_pcscd() -> bool:
    """Start pcscd when it is not running, at niceness 0: `nice` lowers the caller's niceness
    back for the daemon (root may; otherwise `nice` says so and runs it anyway, niced).
    False when pcscd is not installed."""
    if pcscd_pids():
        return True
    binary = shutil.which("pcscd") or "/usr/sbin/pcscd"
    if not Path(binary).exists():
        return False
    subprocess.run(at_niceness_zero([binary]), check=False)  # the daemon forks and returns
    return True


def at_niceness_zero(command: list[str]) -> list[str]:
    """``command`` run at niceness 0 from this process whatever its niceness."""
    current = os.getpriority(os.PRIO_PROCESS, 0)
    return command if current == 0 else ["nice", "-n", str(-current), *command]


def niced_warning() -> str | None:
    """A warning to print with card figures when pcscd runs niced, None when it does not."""
    value = pcscd_niceness()
    if value is None or value <= 0:
        return None
    return (
        f"pcscd runs at niceness {value}: card figures measure a niced daemon "
        "(restart pcscd at niceness 0 as root)"
    )
