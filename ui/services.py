"""The UI's thin adapter over the lower layers: build their inputs from what the widgets hold,
and read their results for display. No rule, no amount computed here.

Every function that touches a card, the disk or the network is called from a worker
(TaskRunner / database thread), never from the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import logging
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from client import desk
from client.desk import Invoice
from client.errors import ClientError
from ui.fmt import euros

logger = logging.getLogger(__name__)

#: Codes offered as favourites when the settings give none (general practice).
DEFAULT_FAVOURITES = ("G", "GS", "VG", "MEG", "COD", "APC")


class UnavailableError(ClientError):
    """A part of the application is not installed (French message for the user)."""


def _api(module: str, name: str) -> Any:
    try:
        return getattr(importlib.import_module(module), name)
    except (ImportError, AttributeError) as exc:
        raise UnavailableError(
            "Cette fonction n'est pas encore disponible dans cette version "
            f"({module}.{name} manquant)."
        ) from exc


@dataclass(frozen=True, slots=True)
class SecureOutcome:
    """What the user is told once an FSE is secured."""

    summary: str
    fse_id: Any = None
    documents: list[Any] = field(default_factory=list)
    patient_name: str = ""
    to_collect: Decimal | None = None
    payment: str = ""


# --- referential -----------------------------------------------------------------------
#: The desk's favourites, one per button, kept in the data directory (edited on screen).
FAVOURITES_NAME = "favourites.json"


def favourite_codes(ctx: Any) -> tuple[str, ...]:
    """The favourites: « G », or a combination « G+MEG » added in one click."""
    data_dir = getattr(ctx, "data_dir", None)
    if data_dir is not None:
        path = Path(data_dir) / FAVOURITES_NAME
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            saved = None
        except (OSError, ValueError):
            logger.warning("favourites file unreadable: defaults used")
            saved = None
        if isinstance(saved, list) and all(isinstance(f, str) for f in saved):
            return tuple(saved)
    codes = getattr(getattr(ctx, "settings", None), "favourites", None)
    return tuple(codes) if codes else DEFAULT_FAVOURITES


def favourite_parts(favourite: str) -> tuple[str, ...]:
    """The codes of one favourite: « VG + MD + IK » → (VG, MD, IK)."""
    return tuple(p.strip().upper() for p in favourite.split("+") if p.strip())


def save_favourites(ctx: Any, text: str) -> tuple[str, ...]:
    """Keep the favourites typed as « G, G+MEG, VG+MD+IK »; returns them as kept."""
    favourites = tuple(
        "+".join(favourite_parts(part)) for part in text.split(",") if favourite_parts(part)
    )
    folder = Path(ctx.data_dir)
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / FAVOURITES_NAME
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(list(favourites), ensure_ascii=False), encoding="utf-8")
    tmp.replace(path)
    return favourites


def search_acts(ctx: Any, text: str, day: dt.date) -> list[Any]:
    referential = getattr(ctx, "referential", None)
    if referential is None:
        return []
    try:
        return list(referential.search(text, day))[:30]
    except Exception:  # a search typo must never break typing: log it, offer nothing
        logger.exception("act search failed")
        return []


def lookup_act(ctx: Any, code: str, day: dt.date) -> Any:
    referential = getattr(ctx, "referential", None)
    if referential is None:
        return None
    from billing.errors import BillingError

    try:
        return referential.lookup(code, day)
    except BillingError:  # unknown code: the pricing shows the rule error next to the act
        return None


def act_code(entry: Any) -> str:
    return str(getattr(entry, "code", entry))


def act_label(entry: Any) -> str:
    return str(getattr(entry, "label", "") or "")


def default_coefficient(entry: Any) -> Decimal:
    """1, or the first coefficient the referential allows for this code."""
    coefficients = tuple(getattr(entry, "coefficients", ()) or ())
    return Decimal(coefficients[0]) if coefficients else Decimal(1)


# --- pricing ---------------------------------------------------------------------------
def pricing_object(request: Invoice) -> dict[str, Any]:
    """The ``sesam price`` JSON object for what the screen holds (``billing.price_io``)."""
    return desk.pricing_object(request)


def patient_key(request: Invoice) -> str | None:
    """The store's key of the patient (assuré NIR+key, birth date, rang), when known."""
    return request.patient.store_key()


def price(ctx: Any, request: Invoice) -> Any:
    """Price with the acts history of the patient (run on the database thread: it reads it)."""

    def work(store: Any) -> Any:
        from billing.price_io import parse_request
        from billing.pricing import price as billing_price

        obj = pricing_object(request)
        key = patient_key(request)
        if key is not None:
            since = request.care_date - dt.timedelta(days=3 * 366)
            obj["history"] = [
                {"date": h.act_date.isoformat(), "code": h.code, "quantity": h.quantity}
                for h in store.history(key, since, request.care_date)
            ]
        return billing_price(parse_request(obj), ctx.ensure_referential())

    return ctx.db.submit(work).result()


def codes_billed_on(ctx: Any, request: Invoice) -> set[str]:
    """Codes already on a secured FSE of this patient on the date of care (db thread)."""
    key = patient_key(request)
    if key is None:
        return set()
    day = request.care_date

    def work(store: Any) -> set[str]:
        return {h.code.upper() for h in store.history(key, day, day)}

    return set(ctx.db.submit(work).result())


def priced_errors(priced: Any) -> list[tuple[int | None, str]]:
    """(act index or None, French message) for every rule error."""
    result = []
    for error in getattr(priced, "errors", ()) or ():
        index = getattr(error, "act_index", getattr(error, "index", None))
        message = getattr(error, "message", None) or str(error)
        message = desk.readable_rule_message(str(message))
        result.append((index if isinstance(index, int) else None, message))
    return result


def priced_valid(priced: Any) -> bool:
    valid = getattr(priced, "valid", None)
    return bool(valid() if callable(valid) else valid)


# --- FSE -------------------------------------------------------------------------------
class CardThreadCertifier:
    """The carte Vitale as ``billing.signing.VitaleCertifier``, used from the database
    thread: each call runs on the card thread, and checks that the same card is still in."""

    def __init__(self, ctx: Any, reader: str, serial: bytes) -> None:
        self._ctx = ctx
        self._reader = reader
        self._serial = serial

    @property
    def serial(self) -> bytes:
        return self._serial

    def certify(self, digest32: bytes) -> bytes:
        def work() -> bytes:
            from cardio.errors import CardRemovedError
            from cardio.vitale import VitaleReader

            with self._ctx.connect(self._reader) as connection:
                reader = VitaleReader(connection)
                if reader.serial != self._serial:
                    raise CardRemovedError("another carte Vitale is in the reader")
                return bytes(reader.certify(digest32))

        return bytes(self._ctx.card_thread.call(work))


class CardThreadSigner:
    """The CPS session as ``billing.signing.Signer``; each call runs on the card thread."""

    def __init__(self, ctx: Any, session: Any) -> None:
        self._ctx = ctx
        self._session = session

    def certificate_der(self) -> bytes:
        return bytes(self._ctx.card_thread.call(self._session.certificate_der))

    def sign_digest(self, digest32: bytes) -> bytes:
        return bytes(self._ctx.card_thread.call(self._session.sign_digest, digest32))


def cps_source(practitioner: Any) -> Any:
    from client.fse_service import CpsSource

    return CpsSource(practitioner.identity, tuple(practitioner.situations))


def fse_input(request: Invoice) -> Any:
    """The ``FseService.create`` request for what the screen holds (typed, no JSON)."""
    return desk.fse_request(request)


def secure_fse(
    ctx: Any,
    request: Invoice,
    practitioner: Any,
    draft_id: Any,
    *,
    print_receipt: bool,
) -> SecureOutcome:
    """Create and secure the FSE (the Vitale certifies on the card thread), write it with its
    lot and outbox row in one transaction, then print what was asked. Off the GUI thread."""
    from client.fse_service import FseService, VitaleSource

    choice = request.patient
    vitale = None
    if choice.card is not None and choice.source in (
        desk.PatientSource.VITALE,
        desk.PatientSource.DEGRADED,
    ):
        certifier = CardThreadCertifier(ctx, choice.reader or "", bytes(choice.card.serial))
        vitale = VitaleSource(choice.card, certifier)
    fse_request = fse_input(request)
    referential = ctx.ensure_referential()
    degraded = choice.source == desk.PatientSource.DEGRADED
    payment = desk.PaymentMode.DIRECT
    if fse_request.tiers_payant.amo:
        payment = (
            desk.PaymentMode.TIERS_PAYANT_AMO_AMC
            if fse_request.tiers_payant.amc
            else desk.PaymentMode.TIERS_PAYANT_AMO
        )
    means = request.means.label if request.means is not None else ""

    def work(store: Any) -> SecureOutcome:
        from client import documents

        service = FseService(store, referential, clock=_utc(ctx))
        row = service.create(fse_request, cps_source(practitioner), vitale)
        collect = desk.to_collect(payment, row)
        # « Réglé par » and the amount collected: a receipt reprinted later says them too.
        if request.means is not None and collect > 0:
            store.record_settlement(row.id, request.means.value, collect, _utc(ctx)())
        printed = []
        paper = documents.paper_of(ctx.settings, referential)
        if degraded:
            printed.append(
                _write_pdf(
                    ctx,
                    f"feuille-de-soins-{row.number}.pdf",
                    documents.feuille_de_soins_pdf(
                        store, row.number, row.practitioner_id, paper=paper
                    ),
                )
            )
        if print_receipt:
            printed.append(
                _write_pdf(
                    ctx,
                    f"recu-{row.number}.pdf",
                    documents.receipt_pdf(
                        store, row.number, row.practitioner_id, mode_paiement=means, paper=paper
                    ),
                )
            )
        if draft_id:
            ctx.drafts.delete(draft_id)
        mode = {
            "vitale": "sécurisée Vitale",
            "sans_vitale": "SESAM sans Vitale",
            "degrade": "dégradé : faites signer la feuille de soins puis numérisez-la",
        }
        summary = (
            f"FSE n° {row.number} {mode.get(row.mode, row.mode)} — {choice.name}, "
            f"{euros(row.total_fees)}, {payment.label} ; en file d'envoi."
        )
        return SecureOutcome(summary, row.number, printed, choice.name, collect, payment.label)

    return ctx.db.submit(work).result()


def _utc(ctx: Any) -> Any:
    def now() -> dt.datetime:
        return ctx.clock().astimezone(dt.UTC)

    return now


def _write_pdf(ctx: Any, name: str, data: bytes) -> Any:
    import os

    folder = Path(ctx.data_dir) / "documents"
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    path = folder / name
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    return path


def save_draft(ctx: Any, request: Invoice, draft_id: Any) -> Any:
    """Reception: keep the prepared invoice for the practitioner (database thread)."""
    choice = request.patient
    person = choice.beneficiary
    draft = {
        "created_at": ctx.clock().isoformat(),
        "patient_name": choice.name,
        "source": choice.source,
        "identity": _identity_of(choice),
        "acts": [
            {
                "code": a.code,
                "quantity": a.quantity,
                "coefficient": str(a.coefficient),
                "ald": a.ald,
            }
            for a in request.acts
        ],
        "overrun": {"kind": request.overrun_kind, "amount": str(request.overrun_amount)},
        "care_pathway": request.care_pathway,
        "care_date": request.care_date.isoformat(),
        "payment": request.payment.value,
        "birth_date": getattr(person, "birth_date_raw", ""),
    }
    return ctx.db.submit(lambda _store: ctx.drafts.save(draft, draft_id)).result()


def delete_draft(ctx: Any, draft_id: Any) -> None:
    """Forget a prepared or parked invoice (database thread)."""
    ctx.db.submit(lambda _store: ctx.drafts.delete(draft_id)).result()


def _identity_of(choice: Any) -> dict[str, Any]:
    person = choice.beneficiary
    identity = getattr(person, "identity", None)
    if callable(identity):
        result: dict[str, Any] = identity()
        return result
    card = choice.card
    assure = card.assure
    return {
        "nir": assure.nir + assure.nir_key,
        "beneficiary_nir": person.nir + person.nir_key,
        "birth_date": person.birth_date_raw,
        "rang": str(person.rang or 1),
        "qualite": person.qualite or "00",
        "identification": "nir",
        "organism": {"regime": assure.regime, "caisse": assure.caisse, "centre": assure.centre},
        "last_name": person.nom_usage or person.nom,
        "first_name": person.prenom,
    }


def list_drafts(ctx: Any) -> list[dict[str, Any]]:
    return list(ctx.db.submit(lambda _store: ctx.drafts.list()).result())


def patient_from_identity(identity: dict[str, Any]) -> Any:
    """A prepared invoice's patient, as a local patient (SESAM sans Vitale when no card)."""
    from client.context import LocalPatient

    nir = str(identity.get("nir", ""))
    beneficiary = str(identity.get("beneficiary_nir", "") or "")
    organism = identity.get("organism") or {}
    return LocalPatient(
        id="",
        nom=str(identity.get("last_name", "")),
        prenom=str(identity.get("first_name", "")),
        birth_date_raw=str(identity.get("birth_date", "")),
        nir=nir[:13],
        nir_key=nir[13:],
        beneficiary_nir=beneficiary[:13],
        beneficiary_nir_key=beneficiary[13:],
        rang=str(identity.get("rang", "1")),
        qualite=str(identity.get("qualite", "00")),
        regime=str(organism.get("regime", "")),
        caisse=str(organism.get("caisse", "")),
        centre=str(organism.get("centre", "")),
    )


def matching_beneficiary(card: Any, identity: dict[str, Any]) -> Any:
    """The draft's patient on the inserted carte Vitale (the person), if he is on it."""
    if card is None:
        return None
    nir = str(identity.get("nir", ""))
    if f"{card.assure.nir}{card.assure.nir_key}" != nir:
        return None
    for person in card.beneficiaries:
        if person.birth_date_raw == identity.get("birth_date") and str(person.rang or 1) == str(
            identity.get("rang", "1")
        ):
            return person
    return None


def search_patients(store: Any, text: str) -> list[Any]:
    from client.context import search_patients as find

    return find(store, text)


@dataclass(frozen=True, slots=True)
class AdriRightsAt:
    """ADRi's answer seen like ``cardio.vitale.RightsAt`` (for the rights panel)."""

    amo: bool
    coverages: tuple[Any, ...]
    amc: Any


@dataclass(frozen=True, slots=True)
class AdriCoverage:
    kind: str
    code: str = ""
    end: Any = None


@dataclass(frozen=True, slots=True)
class AdriPatient:
    """A patient identified by ADRi (SESAM sans Vitale): looks like a bénéficiaire."""

    rights: Any  # client.adri.Rights

    @property
    def nom(self) -> str:
        return str(self.rights.last_name)

    @property
    def prenom(self) -> str:
        return str(self.rights.first_name)

    @property
    def birth_date_raw(self) -> str:
        return str(self.rights.birth_date)

    @property
    def birth_date(self) -> dt.date | None:
        raw = self.birth_date_raw
        try:
            return dt.date(int(raw[:4]), int(raw[4:6]), int(raw[6:8]))
        except ValueError:
            return None

    @property
    def nir(self) -> str:
        return str(self.rights.beneficiary_nir or self.rights.assure_nir)

    @property
    def qualite(self) -> str:
        return str(self.rights.qualite)

    @property
    def rang(self) -> str:
        return str(self.rights.rank)

    def rights_at(self, _day: dt.date) -> AdriRightsAt:
        amc = self.rights.amc
        amc_view = (
            _AdriAmc(str(amc.get("organism", "")), bool(amc.get("tiers_payant"))) if amc else None
        )
        return AdriRightsAt(
            bool(self.rights.amo_open),
            tuple(AdriCoverage(str(c)) for c in self.rights.coverages),
            amc_view,
        )

    def identity(self) -> dict[str, Any]:
        result: dict[str, Any] = self.rights.identity_input()
        return result


@dataclass(frozen=True, slots=True)
class _AdriAmc:
    organism: str
    tiers_payant: bool


def query_adri(ctx: Any, nir: str, birth_date: str, rank: str, day: dt.date) -> AdriPatient:
    """Ask ADRi (network: worker thread) and log the call in the store."""
    from client.adri import query_rights
    from client.transport import HttpsTransport

    rights = query_rights(HttpsTransport(ctx.settings), nir, birth_date, rank, day)
    return AdriPatient(rights)


def adri_refresh(ctx: Any, choice: Any, day: dt.date) -> AdriPatient:
    """ADRi for the chosen patient: assuré NIR, birth date and rang taken from his card."""
    person = choice.beneficiary
    card = getattr(choice, "card", None)
    assure = getattr(card, "assure", None)
    if assure is not None:
        nir = f"{assure.nir}{assure.nir_key}"
    else:
        nir = str(getattr(person, "nir", "")) + str(getattr(person, "nir_key", ""))
    raw = str(getattr(person, "birth_date_raw", ""))
    return query_adri(ctx, nir, raw, str(getattr(person, "rang", None) or 1), day)


# --- queue and returns -----------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class QueueView:
    """What the queue page shows, read in one go on the database thread: the counts and the
    first page of each list (newest FSE and lots first; the next pages: :func:`fse_page`,
    :func:`lot_page`, :func:`unmatched_page`, read as the lists scroll)."""

    fse: list[Any]  # client.returns.FseReconciliation, the first page
    summary: Any  # client.returns.ReconcileSummary, of the whole list
    lots: list[tuple[Any, Any]]  # (client.store.LotRow, OutboxRow | None), the first page
    lot_count: int
    unmatched: list[dict[str, Any]]  # the first page
    unmatched_count: int
    drafts: list[dict[str, Any]]
    last_contact: str | None


def read_queue(
    store: Any, first_page: int = 200, drafts: list[dict[str, Any]] | None = None
) -> QueueView:
    """The queue page's content (database thread): counts from SQL and the triggers' tables,
    one page of each list; never every row of a list."""
    from client import returns

    return QueueView(
        fse=returns.reconcile_page(store, first_page),
        summary=returns.reconcile_summary(store),
        lots=store.lots_page(first_page),
        lot_count=store.lot_count(),
        unmatched=returns.unmatched_page(store, first_page),
        unmatched_count=returns.unmatched_count(store),
        drafts=list(drafts or []),
        last_contact=returns.last_contact(store),
    )


def load_queue(ctx: Any, first_page: int = 200) -> QueueView:
    def work(store: Any) -> QueueView:
        return read_queue(store, first_page, ctx.drafts.list())

    return ctx.db.submit(work).result()


def fse_page(ctx: Any, offset: int, limit: int) -> list[Any]:
    """A page of the queue's FSE list, newest first (as the list scrolls)."""
    from client import returns

    return list(ctx.db.submit(lambda store: returns.reconcile_page(store, limit, offset)).result())


def lot_page(ctx: Any, offset: int, limit: int) -> list[tuple[Any, Any]]:
    """A page of the queue's lots, newest first, each with its outbox row (as it scrolls)."""
    return list(ctx.db.submit(lambda store: store.lots_page(limit, offset)).result())


def unmatched_page(ctx: Any, offset: int, limit: int) -> list[dict[str, Any]]:
    """A page of the unmatched payments, oldest first (as the list scrolls)."""
    from client import returns

    return list(ctx.db.submit(lambda store: returns.unmatched_page(store, limit, offset)).result())


def close_lots(ctx: Any, practitioner: Any) -> int:
    """Sign and close every non-empty open lot with the practitioner's CPS; how many."""
    from client.fse_service import FseService

    signer = CardThreadSigner(ctx, practitioner.session)
    cps = cps_source(practitioner)

    def work(store: Any) -> int:
        service = FseService(store, ctx.ensure_referential(), clock=_utc(ctx))
        closed = len(service.close_lots(signer, cps, all_lots=True))
        # PJ lots (SCOR) leave after their invoice lot: built once that one is signed.
        return closed + len(_pj_service(ctx, store).build_lots(signer))

    return int(ctx.db.submit(work).result())


def gap_alerts(ctx: Any) -> list[Any]:
    """FSE numbers handed out but absent, signed lots absent or not queued (db thread)."""
    from client.alerts import gap_alerts as gaps

    return list(ctx.db.submit(lambda store: gaps(store, _utc(ctx)())).result())


def make_sender(ctx: Any, on_progress: Any, on_done: Any) -> Any:
    """A sender thread with its own store connection and HTTPS transport."""
    from client.sender import SenderThread
    from client.store import open_store
    from client.transport import HttpsTransport

    db_path = ctx.store_path
    return SenderThread(
        lambda: open_store(db_path),
        lambda: HttpsTransport(ctx.settings),
        settings=ctx.settings,
        clock=_utc(ctx),
        on_progress=on_progress,
        on_done=on_done,
    )


def fetch_returns(ctx: Any) -> str:
    """ARL and NOEMIE returns, on a worker thread with its own store connection (network)."""
    from client import returns
    from client.store import open_store
    from client.transport import HttpsTransport

    store = open_store(ctx.store_path)
    try:
        transport = HttpsTransport(ctx.settings)
        now = _utc(ctx)()
        arls = returns.fetch_arls(store, transport, now)
        reports = returns.fetch_noemie(store, transport, now)
    finally:
        store.close()
    applied = getattr(arls, "applied", None)
    parts = []
    if applied is not None:
        parts.append(f"{applied} ARL")
    parts.append(f"{len(reports)} fichier(s) de retours NOEMIE")
    return "Retours relevés : " + ", ".join(parts) + "."


def cancel_by_uuid(ctx: Any, fse_uuid: str) -> Any:
    from client.fse_service import FseService

    def work(store: Any) -> Any:
        row = store.fse_by_uuid(fse_uuid)
        service = FseService(store, ctx.ensure_referential(), clock=_utc(ctx))
        return service.cancel(row.number, "annulée par l'utilisateur", row.practitioner_id)

    return ctx.db.submit(work).result()


def duplicata_by_uuid(ctx: Any, fse_uuid: str, motif: str) -> Any:
    def work(store: Any) -> Any:
        from client import documents

        row = store.fse_by_uuid(fse_uuid)
        data = documents.duplicata_pdf(
            store,
            row.number,
            motif,
            now=_utc(ctx)(),
            practitioner_id=row.practitioner_id,
            paper=documents.paper_of(ctx.settings, ctx.ensure_referential()),
        )
        return _write_pdf(ctx, f"duplicata-{row.number}.pdf", data)

    return ctx.db.submit(work).result()


def feuille_de_soins_by_uuid(ctx: Any, fse_uuid: str) -> Path:
    """The feuille de soins of a chosen FSE, written to the documents folder (database
    thread); the same PDF as ``sesam print fs N``."""

    def work(store: Any) -> Path:
        from client import documents

        row = store.fse_by_uuid(fse_uuid)
        data = documents.feuille_de_soins_pdf(
            store,
            row.number,
            row.practitioner_id,
            paper=documents.paper_of(ctx.settings, ctx.ensure_referential()),
        )
        return Path(_write_pdf(ctx, f"feuille-de-soins-{row.number}.pdf", data))

    result: Path = ctx.db.submit(work).result()
    return result


def match_payment(ctx: Any, payment_id: int, fse_number: int, practitioner_id: Any) -> Any:
    """Match an unmatched payment by hand with FSE n° ``fse_number`` (database thread)."""

    def work(store: Any) -> Any:
        from client.returns import match_payment_by_hand

        return match_payment_by_hand(
            store, payment_id, fse_number, _utc(ctx), practitioner_id=practitioner_id
        )

    return ctx.db.submit(work).result()


def resend_lot(ctx: Any, lot_id: str) -> None:
    def work(store: Any) -> None:
        with store.write():
            store.outbox_retry(lot_id, _utc(ctx)())

    ctx.db.submit(work).result()


def rectify_draft(ctx: Any, fse_uuid: str) -> Any:
    """The rejected FSE as billed, for « Corriger et renvoyer » (refused in French when it
    cannot be rectified). Database thread."""
    from client.rectify import rectify_draft as draft

    return ctx.db.submit(lambda store: draft(store, fse_uuid)).result()


def rectify_fse(ctx: Any, request: Any, practitioner: Any) -> Any:
    """Sign and store the FSE rectificative (``client.rectify.rectify``) with the
    practitioner's CPS as read; it waits in an open lot like any FSE. Database thread."""
    from client.fse_service import FseService
    from client.rectify import rectify

    cps = cps_source(practitioner)

    def work(store: Any) -> Any:
        service = FseService(store, ctx.ensure_referential(), clock=_utc(ctx))
        return rectify(service, request, cps, None)

    return ctx.db.submit(work).result()


def euro_status_by_uuid(ctx: Any, fse_uuid: str) -> Any:
    """Each part of one FSE and where its money stands (``client.euro_status``, db thread)."""

    def work(store: Any) -> Any:
        from client.euro_status import euro_status

        return euro_status(store, store.fse_by_uuid(fse_uuid), ctx.settings, _utc(ctx)())

    return ctx.db.submit(work).result()


def close_remainder_by_uuid(ctx: Any, fse_uuid: str, motif: Any, comment: str) -> Any:
    """Close the unpaid remainder of one FSE with a reason (``client.remainders``, db thread);
    :raises NothingToCloseError: nothing to close, the reason in French."""

    def work(store: Any) -> Any:
        from client.remainders import close_remainder

        fse = store.fse_by_uuid(fse_uuid)
        return close_remainder(
            store,
            fse.number,
            motif,
            _utc(ctx),
            comment=comment,
            practitioner_id=fse.practitioner_id,
        )

    return ctx.db.submit(work).result()


# --- dashboard -------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class DashboardView:
    """Figures of the dashboard; money as Decimal, months as 'MM/AAAA'."""

    months: list[str]
    billed: list[Decimal]
    received: list[Decimal]
    waiting_amount: Decimal
    rejects: int
    vitale_rate: Decimal | None  # télétransmission rate, dégradé excluded
    fse_count: int
    days_since_transmission: int | None
    alerts: list[Any]
    rejects_by_month: list[Decimal]
    # Partly paid and rejected FSE whose remainder the user has not closed (any date).
    unpaid_amount: Decimal = Decimal("0.00")
    unpaid_count: int = 0


def load_dashboard(ctx: Any, months: int = 6) -> DashboardView:
    """Figures of ``client.dashboard`` over the last months, and the alerts (db thread)."""

    def work(store: Any) -> DashboardView:
        from client import alerts, dashboard

        now = _utc(ctx)()
        figures = dashboard.last_months(store, now, months)
        return DashboardView(
            months=[m.label for m in figures.months],
            billed=[m.billed for m in figures.months],
            received=[m.received for m in figures.months],
            waiting_amount=figures.waiting_amount,
            rejects=figures.rejects,
            vitale_rate=figures.teletransmission_rate,
            fse_count=figures.fse_count,
            days_since_transmission=figures.days_since_transmission,
            alerts=alerts.compute_alerts(store, ctx.settings, now),
            rejects_by_month=[Decimal(m.rejects) for m in figures.months],
            unpaid_amount=figures.unpaid_amount,
            unpaid_count=figures.unpaid_count,
        )

    return ctx.db.submit(work).result()


# --- SCOR ------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ScorView:
    """Dégradé FSE waiting for their scanned feuille de soins, and every PJ with its state:
    the counts and the first page of each list (the next: :func:`scor_waiting_page`,
    :func:`scor_records_page`, read as the lists scroll)."""

    waiting: list[Any]  # client.store.FseRow in dégradé without a live PJ, newest first
    waiting_count: int
    records: list[Any]  # client.scor.pj.PjRecord, oldest first
    record_count: int


@dataclass(frozen=True, slots=True)
class ScannedPj:
    """A normalised PJ, not yet attached; the source image for the preview (when one)."""

    pj: Any  # client.scor.normalize.NormalizedPj
    source: str
    preview: bytes | None


def _scor_config(ctx: Any) -> Any:
    from client.scor.config import SCOR_SETTINGS_NAME, load_scor_config

    return load_scor_config(Path(ctx.data_dir) / SCOR_SETTINGS_NAME)


def _pj_service(ctx: Any, store: Any) -> Any:
    from billing.scor_rules import french_working_day
    from client.scor.pj import PjService

    config = _scor_config(ctx)
    return PjService(
        store,
        Path(ctx.data_dir),
        settings=config.settings,
        clock=_utc(ctx),
        is_working_day=french_working_day(config.holiday_subdivision),
    )


def load_scor(ctx: Any, keep: Any = None, first_page: int = 200) -> ScorView:
    """The SCOR page's content (database thread); the « waiting » list's first page reaches
    down to ``keep`` (the FSE chosen before a refresh) when it is still listed."""

    def work(store: Any) -> ScorView:
        service = _pj_service(ctx, store)
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


def scor_waiting_page(ctx: Any, offset: int, limit: int) -> list[Any]:
    """A page of the dégradé FSE waiting for their feuille, newest first (as it scrolls)."""

    def work(store: Any) -> list[Any]:
        from client.scor.pj import PjService

        return list(store.fse_degrade_waiting(PjService.IDLE, limit, offset))

    return list(ctx.db.submit(work).result())


def scor_records_page(ctx: Any, offset: int, limit: int) -> list[Any]:
    """A page of the PJ with their state, oldest first (as the list scrolls)."""
    return list(
        ctx.db.submit(lambda store: _pj_service(ctx, store).records_page(limit, offset)).result()
    )


def normalise_file(ctx: Any, path: Path) -> ScannedPj:
    """Read and normalise a file (disk, CPU: worker thread)."""
    from client.scor.normalize import normalize_bytes

    data = path.read_bytes()
    pj = normalize_bytes(data, path.name, _scor_config(ctx).normalize_options)
    preview = None if data[:4] == b"%PDF" else data
    return ScannedPj(pj, f"import:{path.name}", preview)


def scan(ctx: Any) -> ScannedPj:
    """One page from the scanner (SANE ``scanimage``; the ``test`` backend in the demo)."""
    from client.scor import scan as sane
    from client.scor.normalize import normalize_bytes

    config = _scor_config(ctx)
    device = config.scanner_device or "test:0"
    image = sane.scan_page(device, sane.options_for(device))
    pj = normalize_bytes(image, f"numérisation {device}", config.normalize_options)
    return ScannedPj(pj, f"scan:{device}", image)


def attach_pj(ctx: Any, fse_number: int, practitioner_id: str, scanned: ScannedPj) -> Any:
    """The user looked at it: attach it to the FSE and accept it (database thread)."""

    def work(store: Any) -> Any:
        service = _pj_service(ctx, store)
        record = service.attach(
            fse_number, scanned.pj, scanned.source, practitioner_id=practitioner_id
        )
        return service.accept(record.id)

    return ctx.db.submit(work).result()


def build_pj_lots(ctx: Any, practitioner: Any) -> int:
    """PJ lots signed with the CPS, queued behind their invoice lots; how many."""
    signer = CardThreadSigner(ctx, practitioner.session)
    return int(
        ctx.db.submit(lambda store: len(_pj_service(ctx, store).build_lots(signer))).result()
    )
