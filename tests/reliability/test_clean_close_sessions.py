"""The clean-close mark with two applications on one store (a cabinet's second window, a
``sesam`` command): the next start skips reading every page only when every session since
the last full check ended normally (issue #27, ``client.clean_close``).

* A window that closes while another still runs leaves no mark; the other, killed, leaves
  none either: the next start reads every page.
* The last window to close, after the other closed normally, leaves the mark.
* A window killed while another runs: the one closing last leaves no mark; the start after
  reads every page, and the one after that start (closed normally) need not.
* A ``sesam`` command still holding the store when the window closes: no mark.

Real processes (killed with SIGKILL), real SQLite files, the application's context.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from reliability_support import Clock

from client import clean_close
from client.context import build_context

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.sqlite_only  # the SQLite file's own pages

_WINDOW = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from client.context import build_context

    ctx = build_context(data_dir=Path(sys.argv[1]), use_pcsc=False)
    ctx.db.call(lambda store: store.path)  # the store opened, as the pages do
    print("clean" if ctx.last_close_clean else "checked", flush=True)
    if sys.stdin.readline().strip() == "close":
        ctx.close()
        print("closed", flush=True)
    """
)

_COMMAND = textwrap.dedent(
    """
    import sys, time
    from client.store import open_store

    store = open_store(sys.argv[1])
    print("open", flush=True)
    time.sleep(120)
    """
)


class Other:
    """Another program on the store, a real process."""

    def __init__(self, script: str, arg: Path) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, "-c", script, str(arg)],
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        self.first_line = self.proc.stdout.readline().strip()

    def close(self) -> None:
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("close\n")
        self.proc.stdin.flush()
        assert self.proc.stdout.readline().strip() == "closed"
        assert self.proc.wait(30) == 0

    def kill(self) -> None:
        os.kill(self.proc.pid, signal.SIGKILL)
        assert self.proc.wait(30) == -signal.SIGKILL

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)


def window_session(data: Path) -> bool:
    """A window opened then closed normally; whether its start skipped the whole check."""
    ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
    try:
        ctx.db.call(lambda store: store.path)
        return ctx.last_close_clean
    finally:
        ctx.close()


def test_the_first_window_to_close_leaves_no_mark_and_the_other_killed_is_seen(
    data: Path,
) -> None:
    db = data / "sesam.db"
    window_session(data)  # a first normal close: the mark
    assert clean_close.mark_path(db).exists()
    other = Other(_WINDOW, data)
    try:
        assert other.first_line == "clean"
        assert not window_session(data)  # the mark was the other's: this start checked
        assert not clean_close.mark_path(db).exists()  # the other still runs
        other.kill()
    finally:
        other.stop()
    assert not clean_close.mark_path(db).exists()
    assert not window_session(data)  # the kill is seen: every page read
    assert window_session(data)  # and closed normally since: not read again


def test_the_last_window_to_close_leaves_the_mark(data: Path) -> None:
    db = data / "sesam.db"
    other = Other(_WINDOW, data)
    try:
        assert other.first_line == "checked"  # never closed by the application before
        window_session(data)
        assert not clean_close.mark_path(db).exists()
        other.close()  # the last one
    finally:
        other.stop()
    assert clean_close.mark_path(db).exists()
    assert window_session(data)


def test_a_window_killed_while_another_runs_is_seen_at_the_next_start(data: Path) -> None:
    db = data / "sesam.db"
    window_session(data)
    ctx = build_context(data_dir=data, use_pcsc=False, clock=Clock())
    try:
        ctx.db.call(lambda store: store.path)
        assert ctx.last_close_clean
        other = Other(_WINDOW, data)
        try:
            assert other.first_line == "checked"
            other.kill()
        finally:
            other.stop()
    finally:
        ctx.close()  # the last one, but one was cut short meanwhile
    assert not clean_close.mark_path(db).exists()
    assert not window_session(data)  # every page read
    assert window_session(data)  # the killed window counted once, not at every start


def test_a_sesam_command_still_holding_the_store_means_no_mark(data: Path) -> None:
    db = data / "sesam.db"
    window_session(data)
    command = Other(_COMMAND, db)
    try:
        assert command.first_line == "open"
        window_session(data)
        assert not clean_close.mark_path(db).exists()  # the command may yet be killed
        command.kill()
    finally:
        command.stop()
    assert not window_session(data)
    assert window_session(data)
