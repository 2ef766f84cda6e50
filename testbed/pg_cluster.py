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
        subprocess.run(
            as_server_user([*self.ctl, "-m", "immediate", "stop"]), check=True, capture_output=True
        )

    def start(self) -> None:
        subprocess.run(
            as_server_user([*self.ctl, "-o", self.options, "start"]),
            check=True,
            capture_output=True,
        )


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
    subprocess.run(
        as_server_user([str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "sesam"]),
        check=True,
        capture_output=True,
    )
    options = f"'-p {port} -k {folder} -c listen_addresses=127.0.0.1 {settings}'"
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w"]
    cluster = Cluster(f"postgresql://sesam@127.0.0.1:{port}", ctl, options)
    cluster.start()
    try:
        yield cluster
    finally:
        stop = as_server_user([*ctl, "-m", "immediate", "stop"])
        subprocess.run(stop, check=False, capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
