"""A PostgreSQL cluster of the cabinet's fault tests' own: they stop and start its server
(``pg_ctl``), which the run's shared server must never be."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from testbed.pg_cluster import Cluster, throwaway_cluster


@pytest.fixture
def cluster() -> Iterator[Cluster]:
    with throwaway_cluster("sesam-pgfault.") as made:
        yield made
