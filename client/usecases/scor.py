"""SCOR: the scanned feuilles de soins of dégradé FSE, attached, accepted and sent in PJ
lots behind their invoice lots."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from billing.scor_rules import french_working_day
from client.scor.config import SCOR_SETTINGS_NAME, ScorConfig, load_scor_config
from client.scor.pj import PjRecord, PjService
from client.store import Store
from client.store.rows import FseRow

if TYPE_CHECKING:
    # The normaliser (Pillow, fpdf) and the card/sender context are imported where used:
    # ``sesam scor status`` and ``sesam lot list`` answer without them (issue #27).
    from billing.signing import Signer
    from client.context import AppContext
    from client.scor.normalize import NormalizedPj
    from client.usecases.common import Services


@dataclass(frozen=True, slots=True)
class ScorView:
    """Dégradé FSE waiting for their scanned feuille de soins, and every PJ with its state:
    the counts and the first page of each list (the next: :func:`scor_waiting_page`,
    :func:`scor_records_page`, read as the lists scroll)."""

    waiting: list[FseRow]  # dégradé without a live PJ, newest first
    waiting_count: int
    records: list[PjRecord]  # oldest first
    record_count: int


@dataclass(frozen=True, slots=True)
class ScannedPj:
    """A normalised PJ, not yet attached; the source image for the preview (when one)."""

    pj: NormalizedPj
    source: str
    preview: bytes | None


def scor_config(ctx: Services) -> ScorConfig:
    """The SCOR settings of the data directory."""
    return load_scor_config(Path(ctx.data_dir) / SCOR_SETTINGS_NAME)


def pj_service(ctx: Services, store: Store) -> PjService:
    """The PJ service over ``store`` (the desk's on its database thread; ``sesam scor``
    and ``sesam lot close`` on the command's store)."""
    config = scor_config(ctx)
    return PjService(
        store,
        Path(ctx.data_dir),
        settings=config.settings,
        clock=ctx.utc_clock,
        is_working_day=french_working_day(config.holiday_subdivision),
    )


def load_scor(ctx: AppContext, keep: FseRow | None = None, first_page: int = 200) -> ScorView:
    """The SCOR page's content; the « waiting » list's first page reaches down to ``keep``
    (the FSE chosen before a refresh) when it is still listed."""

    def work(store: Store) -> ScorView:
        service = pj_service(ctx, store)
        service.refresh()  # five working days rule, ARL PJ
        idle = service.IDLE
        count = store.fse_degrade_waiting_count(idle)
        upto = first_page
        if keep is not None:
            upto = max(upto, store.fse_degrade_waiting_count(idle, before=keep) + 1)
        return ScorView(
            waiting=store.fse_degrade_waiting(idle, min(upto, max(count, 1))),
            waiting_count=count,
            records=service.records_page(first_page),
            record_count=service.record_count(),
        )

    return ctx.db.submit(work).result()


def scor_waiting_page(ctx: AppContext, offset: int, limit: int) -> list[FseRow]:
    """A page of the dégradé FSE waiting for their feuille, newest first (as it scrolls)."""
    return ctx.db.submit(
        lambda store: store.fse_degrade_waiting(PjService.IDLE, limit, offset)
    ).result()


def scor_records_page(ctx: AppContext, offset: int, limit: int) -> list[PjRecord]:
    """A page of the PJ with their state, oldest first (as the list scrolls)."""
    return ctx.db.submit(lambda store: pj_service(ctx, store).records_page(limit, offset)).result()


def normalise_file(ctx: Services, path: Path) -> ScannedPj:
    """Read and normalise a file (disk, CPU: a worker thread)."""
    from client.scor.normalize import normalize_bytes

    data = path.read_bytes()
    pj = normalize_bytes(data, path.name, scor_config(ctx).normalize_options)
    preview = None if data[:4] == b"%PDF" else data
    return ScannedPj(pj, f"import:{path.name}", preview)


def scan(ctx: Services) -> ScannedPj:
    """One page from the scanner (SANE ``scanimage``; the ``test`` backend in the demo)."""
    from client.scor import scan as sane  # subprocess: not for the listings (issue #27)
    from client.scor.normalize import normalize_bytes

    config = scor_config(ctx)
    device = config.scanner_device or "test:0"
    image = sane.scan_page(device, sane.options_for(device))
    pj = normalize_bytes(image, f"numérisation {device}", config.normalize_options)
    return ScannedPj(pj, f"scan:{device}", image)


def attach_pj(
    ctx: AppContext, fse_number: int, practitioner_id: str, scanned: ScannedPj
) -> PjRecord:
    """The user looked at it: attach it to the FSE and accept it."""

    def work(store: Store) -> PjRecord:
        service = pj_service(ctx, store)
        record = service.attach(
            fse_number, scanned.pj, scanned.source, practitioner_id=practitioner_id
        )
        return service.accept(record.id)

    return ctx.db.submit(work).result()


def build_pj_lots(ctx: AppContext, session: Signer) -> int:
    """PJ lots signed with the CPS, queued behind their invoice lots; how many."""
    from client.usecases.common import CardThreadSigner

    signer = CardThreadSigner(ctx, session)
    return ctx.db.submit(lambda store: len(pj_service(ctx, store).build_lots(signer))).result()
