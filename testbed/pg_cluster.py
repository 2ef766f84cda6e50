"""A throw-away PostgreSQL cluster (the cabinet's server, simulated): the test run's shared
server (``tests/conftest.py``), the cabinet's fault tests' own, which they stop and start, and
the benchmarks' (``benchmarks.cabinet.cluster``)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def as_server_user(command: list[str]) -> list[str]:
    # PostgreSQL refuses to run as root: as ``postgres`` then (Debian's package makes it).
    if os.geteuid() == 0:
        return ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(command)]
    return command


class PostgresMissingError(RuntimeError):
    """Debian's ``postgresql`` package is not installed."""


class ClusterCommandError(RuntimeError):
    """``initdb`` or ``pg_ctl`` failed: the message carries what the command printed."""


# Where Linux keeps POSIX named semaphores and shared memory (not a temporary file).
_POSIX_SHM = Path("/dev/shm")  # noqa: S108


def _open_faketime_to_server() -> None:
    # Under scripts/check-dates.sh the server shares the tests' moved clock: libfaketime is
    # preloaded in every server process and opens the ``faketime`` wrapper's semaphore and
    # memory, root's and 0600. Refused, it makes its own, named by its PID (O_EXCL), never
    # removes them, and exits when an earlier process's file has its PID (pid_max 32768):
    # initdb failed so in CI once. Opened to the server's user, nothing is made.
    shared = os.environ.get("FAKETIME_SHARED", "").split()
    if len(shared) == 2 and os.geteuid() == 0:
        semaphore, memory = (name.lstrip("/") for name in shared)
        for path in (_POSIX_SHM / f"sem.{semaphore}", _POSIX_SHM / memory):
            if path.exists():
                path.chmod(0o666)


def _run(command: list[str], *, check: bool = True) -> None:
    _open_faketime_to_server()
    done = subprocess.run(
        as_server_user(command),
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
    )
    if check and done.returncode != 0:
        raise ClusterCommandError(
            f"{' '.join(command)} : code {done.returncode}\n{done.stdout}{done.stderr}"
        )


@dataclass
class Cluster:
    """A throw-away cluster: its server's URL (``server``), the URL of its ``postgres``
    database (``url``), and its server stopped or started."""

    server: str
    ctl: list[str]
    options: str

    @property
    def url(self) -> str:
        return f"{self.server}/postgres"

    def stop(self) -> None:
        """The server stops at once (``immediate``: as a power cut of the server)."""
        _run([*self.ctl, "-m", "immediate", "stop"])

    def start(self) -> None:
        _run([*self.ctl, "-o", self.options, "start"])


@contextmanager
def throwaway_cluster(prefix: str, settings: str = "") -> Iterator[Cluster]:
    """A new cluster on a free loopback port, started; stopped and deleted after.
    ``settings``: more server options (``-c name=value``)."""
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        raise PostgresMissingError(
            "PostgreSQL manque : lancer scripts/setup.sh (paquet postgresql)"
        )
    bin_dir = bins[-1].parent
    # Outside pytest's 0700 temporary tree: the server's user must reach its folder.
    folder = Path(tempfile.mkdtemp(prefix=prefix))
    folder.chmod(0o755)
    if os.geteuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    data = folder / "data"
    initdb = [str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "sesam"]
    _run(initdb)
    options = f"'-p {port} -k {folder} -c listen_addresses=127.0.0.1 {settings}'"
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w"]
    cluster = Cluster(f"postgresql://sesam@127.0.0.1:{port}", ctl, options)
    cluster.start()
    try:
        yield cluster
    finally:
        _run([*ctl, "-m", "immediate", "stop"], check=False)
        shutil.rmtree(folder, ignore_errors=True)
