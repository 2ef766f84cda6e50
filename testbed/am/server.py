"""The simulated Assurance Maladie's HTTPS server: mutual TLS on loopback.

Routes (``docs/formats/api.md``): ``POST /v1/lots`` (a signed lot, ``Idempotency-Key`` = lot
id) answers the ARL; ``GET /v1/arls/<lot>`` and ``GET /v1/arls?after=N`` give ARL again;
``GET /v1/noemie?after=N`` and ``GET /v1/noemie/<n>`` give the NOEMIE returns;
``POST /v1/adri`` answers rights; ``GET /v1/ping``. A second, plain-HTTP loopback server
takes control requests (faults, ledger summary) for tests and demos. The HTTP handling is in
:mod:`testbed.am.handlers`; this module is the Assurance Maladie behind it.
"""

from __future__ import annotations

import hashlib
import logging
import ssl
import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Self

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding

from billing.arl import Arl, ArlStatus, build_arl
from billing.noemie import build_noemie
from testbed.am.adri import Directory
from testbed.am.checks import LotVerdict, check_lot, revocation_list, with_detail
from testbed.am.faults import FaultKind, Faults
from testbed.am.handlers import (
    MAX_LOT_SIZE,
    AmHandler,
    ControlHandler,
    ControlServer,
    TlsServer,
)
from testbed.am.ledger import Ledger
from testbed.am.noemie_gen import ReturnPolicy, generate
from testbed.apcv.keys import apcv_certificate
from testbed.pki import PkiPaths, ca_certificate, ensure_pki, vitale_mother_key
from testbed.state import testbed_dir

logger = logging.getLogger(__name__)

__all__ = ["MAX_LOT_SIZE", "AmServer", "Clock", "default_ledger_path"]

Clock = Callable[[], datetime]


def _utcnow() -> datetime:
    return datetime.now(UTC)


def default_ledger_path() -> Path:
    """The ledger file in the testbed directory."""
    return testbed_dir() / "am" / "ledger.sqlite"


class AmServer:
    """The simulated Assurance Maladie: start it, use ``url``, stop it."""

    def __init__(
        self,
        *,
        ledger_path: Path | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        control_port: int | None = 0,
        pki_base: Path | None = None,
        noemie_delay: float = 0.0,
        faults: Faults | None = None,
        clock: Clock = _utcnow,
        policy: ReturnPolicy | None = None,
        directory: Directory | None = None,
        tls_cert: Path | None = None,
        tls_key: Path | None = None,
        client_ca: Path | None = None,
    ) -> None:
        """``tls_cert``/``tls_key``: present another certificate than the testbed's server
        one (negative tests: a server the client must not trust); ``client_ca``: the CA
        file client certificates must chain to (default: the testbed CA)."""
        self.pki: PkiPaths = ensure_pki(pki_base)
        self.ca_der = ca_certificate(pki_base).public_bytes(Encoding.DER)
        self.crl = revocation_list(pki_base)
        self.mother_key = vitale_mother_key(pki_base)
        apcv_public = apcv_certificate(pki_base).public_key()
        assert isinstance(apcv_public, ec.EllipticCurvePublicKey)  # noqa: S101 - keys.py makes it
        self.apcv_key = apcv_public
        self.ledger = Ledger(ledger_path or default_ledger_path())
        self.faults = faults or Faults()
        self.clock = clock
        self.noemie_delay = timedelta(seconds=noemie_delay)
        self.policy = policy or ReturnPolicy()
        self.directory = directory or Directory()
        self.organisms = self.directory.organisms()
        self.stopping = threading.Event()
        self.connections = 0  # accepted, for the keep-alive tests
        self._reception = threading.Lock()
        self.ssl_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        self.ssl_context.load_cert_chain(
            tls_cert or self.pki.server_cert, tls_key or self.pki.server_key
        )
        self.ssl_context.load_verify_locations(cafile=client_ca or self.pki.ca_cert)
        self.ssl_context.verify_mode = ssl.CERT_REQUIRED
        self._httpd = TlsServer((host, port), AmHandler, bind_and_activate=True)
        self._httpd.am = self
        self._control: ControlServer | None = None
        if control_port is not None:
            self._control = ControlServer((host, control_port), ControlHandler)
            self._control.am = self
        self._threads: list[threading.Thread] = []
        self._serving = False  # serve_forever runs on the caller's thread

    # ----------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def control_url(self) -> str | None:
        if self._control is None:
            return None
        return f"http://127.0.0.1:{self._control.server_address[1]}"

    def start(self) -> Self:
        """Serve on background threads."""
        for srv in (self._httpd, self._control):
            if srv is None:
                continue
            thread = threading.Thread(target=srv.serve_forever, name="am-server", daemon=True)
            thread.start()
            self._threads.append(thread)
        logger.info("simulated Assurance Maladie on %s", self.url)
        return self

    def serve_forever(self) -> None:
        """Serve on the calling thread (the control server, if any, on its own)."""
        if self._control is not None:
            thread = threading.Thread(target=self._control.serve_forever, daemon=True)
            thread.start()
            self._threads.append(thread)
        self._serving = True
        self._httpd.serve_forever()

    def stop(self) -> None:
        """Stop serving and close the ledger; at any moment (even never started)."""
        self.stopping.set()
        for srv in (self._httpd, self._control):
            if srv is not None:
                # shutdown() waits for serve_forever: it would wait for ever on a server
                # whose loop never ran.
                if self._threads or self._serving:
                    srv.shutdown()
                srv.server_close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.ledger.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------- actions

    def log(self, method: str, path: str, lot_id: str | None, status: int) -> None:
        self.ledger.log_request(
            self.clock(), method, path, lot_id, status, ",".join(self.faults.snapshot())
        )

    def receive_lot(self, key: str, der: bytes) -> tuple[int, bytes | None, bool]:
        """(HTTP status, ARL bytes or None when lost, replay) for one lot reception."""
        sha = hashlib.sha256(der).hexdigest()
        with self._reception:
            replayed = self._replay(key, sha)
        if replayed is not None:
            return replayed
        # The checks (most of the time) run outside the lock: lots from several clients
        # are checked side by side; only the ledger is written one lot at a time.
        verdict = check_lot(
            der,
            key,
            ca_der=self.ca_der,
            mother_key=self.mother_key,
            organisms=self.organisms,
            crl=self.crl,
            apcv_key=self.apcv_key,
        )
        with self._reception:
            replayed = self._replay(key, sha)  # the same lot, sent twice at once
            if replayed is not None:
                return replayed
            if verdict.positive:
                self._check_against_ledger(key, verdict)
            arl = Arl(
                arl_id="ARL-" + hashlib.sha256(key.encode()).hexdigest()[:24],
                lot_id=key,
                status=ArlStatus.POSITIVE if verdict.positive else ArlStatus.NEGATIVE,
                received_at=self.clock().replace(microsecond=0),
                fse_count=verdict.fse_count,
                motifs=tuple(verdict.motifs),
            )
            arl_bytes = build_arl(arl)
            lost = self.faults.take(FaultKind.LOSE_ARL)
            twice = self.faults.is_active(FaultKind.ARL_TWICE)
            self.ledger.record_lot(
                lot_id=key,
                content_sha256=sha,
                at=self.clock(),
                arl=arl_bytes,
                positive=verdict.positive,
                fse=verdict.fse,
                lost=lost,
                publish=0 if lost else (2 if twice else 1),
                billing_number=verdict.billing_number,
                lot_number=verdict.lot_number,
            )
            logger.info(
                "lot %s: ARL %s (%d FSE, %d motifs)%s",
                key,
                arl.status.value,
                verdict.fse_count,
                len(verdict.motifs),
                " lost" if lost else "",
            )
            return (202, None, False) if lost else (200, arl_bytes, False)

    def _check_against_ledger(self, key: str, verdict: LotVerdict) -> None:
        """What a caisse refuses knowing its past: a lot number this practitioner already
        used (A11), an FSE already accepted in another lot (A12). Under ``_reception``."""
        if verdict.lot_number is not None and verdict.billing_number:
            used = self.ledger.lot_number_used(verdict.billing_number, verdict.lot_number, key)
            if used is not None:
                verdict.motifs.append(
                    with_detail("A11", f"lot n° {verdict.lot_number} déjà reçu ({used})")
                )
        for fse_id, lot_id in self.ledger.already_accepted([f for f, _ in verdict.fse]).items():
            verdict.motifs.append(with_detail("A12", f"acceptée dans le lot {lot_id}", fse_id))
        for fse_id, doc in verdict.fse:
            session = doc["body"]["securing"].get("apcv_session")
            used = self.ledger.apcv_session_used(session, fse_id) if session else None
            if used is not None:  # the same ApCV signature replayed on another FSE
                verdict.motifs.append(with_detail("A14", f"dans le lot {used}", fse_id))

    def _replay(self, key: str, sha: str) -> tuple[int, bytes | None, bool] | None:
        """The answer to a lot already received under ``key`` (None when it is new)."""
        stored = self.ledger.find_lot(key)
        if stored is None:
            return None
        if stored.content_sha256 != sha:
            return 409, None, False
        self.ledger.note_reception(key)
        if stored.arl_lost:
            if self.faults.take(FaultKind.LOSE_ARL):
                return 202, None, True
            twice = self.faults.is_active(FaultKind.ARL_TWICE)
            self.ledger.deliver_arl(key, publish=2 if twice else 1)
        return 200, stored.arl, True

    def produce_returns(self) -> int:
        """Generate the NOEMIE files of FSE accepted long enough ago; how many files."""
        with self._reception:
            now = self.clock()
            due = self.ledger.fse_due(now - self.noemie_delay)
            if not due:
                return 0
            files = generate(
                due,
                first_number=self.ledger.next_noemie_number(),
                today=now.date(),
                directory=self.directory,
                policy=self.policy,
            )
            for noemie, fse_ids in files:
                name = f"RSP{noemie.file_number:08d}.{noemie.receiver}"
                self.ledger.store_noemie(name, build_noemie(noemie), fse_ids, now)
            return len(files)
