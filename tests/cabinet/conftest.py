"""A PostgreSQL cluster of the cabinet's fault tests' own: they stop and start its server
(``pg_ctl``), which the run's shared server must never be."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from cabinet_support import Cluster, as_server_user


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        pytest.fail("PostgreSQL manque : lancer scripts/setup.sh (paquet postgresql)")
    bin_dir = bins[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="sesam-pgfault."))
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
    options = f"'-p {port} -k {folder} -c listen_addresses=127.0.0.1'"
    ctl = [str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(folder / "log"), "-w"]
    made = Cluster(f"postgresql://sesam@127.0.0.1:{port}/postgres", ctl, options)
    made.start()
    try:
        yield made
    finally:
        subprocess.run(as_server_user([*ctl, "-m", "immediate", "stop"]), check=False)
        shutil.rmtree(folder, ignore_errors=True)
