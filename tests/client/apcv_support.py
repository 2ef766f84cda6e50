"""Helpers for the ApCV tests: the simulated ApCV service in-process (real HTTPS with
client certificates; the Assurance Maladie is conftest.py's ``am``), settings pointing at
both, a context the use cases take, and codes of the ApCV twins (fresh, expired, or signed
by a foreign key)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from am_support import client_settings
from cryptography.hazmat.primitives.asymmetric import ec

from billing.referential import Referential
from client.settings import Settings
from client.transport import HttpsTransport
from testbed.am.server import AmServer
from testbed.apcv.cli import show_code
from testbed.apcv.server import ApcvServer
from testbed.apcv.token import encode, new_token
from testbed.apcv.twins import twin


@dataclass
class Services:
    """What a use case needs of a context (``client.usecases.common.Services``)."""

    settings: Settings
    data_dir: Path
    clock_shift: timedelta = timedelta(0)
    _transport: HttpsTransport | None = field(default=None, repr=False)

    @property
    def transport(self) -> HttpsTransport:
        if self._transport is None:
            self._transport = HttpsTransport(self.settings)
        return self._transport

    def utc_clock(self) -> datetime:
        return datetime.now(UTC) + self.clock_shift

    def ensure_referential(self) -> Referential:
        return Referential.load_default()


@pytest.fixture
def apcv() -> Iterator[ApcvServer]:
    server = ApcvServer().start()
    yield server
    server.stop()


@pytest.fixture
def ctx(am: AmServer, apcv: ApcvServer, tmp_path: Path) -> Services:
    return Services(client_settings(am.url, apcv_url=apcv.url), tmp_path)


def code(profile: str = "vitale-famille", **kwargs: object) -> str:
    """A fresh code of the profile's ApCV twin, as the phone shows it."""
    return show_code(profile, **kwargs)  # type: ignore[arg-type]


def expired_code(profile: str = "vitale-famille") -> str:
    """A code shown ten minutes ago (good for three)."""
    return show_code(profile, now=datetime.now(UTC) - timedelta(minutes=10))


def foreign_code(profile: str = "vitale-famille") -> str:
    """A code of the right form signed by a key that is not the service's."""
    holder, people = twin(profile).people()
    token = new_token(holder, people, datetime.now(UTC))
    return encode(token, ec.generate_private_key(ec.SECP256R1()))
