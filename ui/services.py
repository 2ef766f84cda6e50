"""What the desk's widgets need around the use cases of :mod:`client.usecases`: typed
requests from what the widgets hold, French text from the results (the FSE secured, the
returns fetched), the act search, the favourites and the prepared invoices. No rule, no
amount computed here; the pages call the use cases themselves.

Every function that touches a card, the disk or the network is called from a worker
(TaskRunner / database thread), never from the GUI thread.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict, cast

from billing.errors import BillingError
from billing.pricing import PricedInvoice
from billing.referential_types import TariffRow
from cardio.vitale import Beneficiary, VitaleCard
from client import desk, desk_records
from client.context import AppContext, LocalPatient
from client.context import search_patients as find_patients
from client.desk import Invoice, InvoicePatient
from client.desk_records import DraftBook
from client.errors import ClientError
from client.fse_service import CpsSource
from client.store import Store
from client.usecases import rights, scope, securing
from client.usecases.payments import ReturnsFetched
from ui.fmt import euros
from ui.session import Practitioner

logger = logging.getLogger(__name__)

#: Codes offered as favourites when the settings give none (general practice).
DEFAULT_FAVOURITES = ("G", "GS", "VG", "MEG", "COD", "APC")


@dataclass(frozen=True, slots=True)
class SecureOutcome:
    """What the user is told once an FSE is secured."""

    summary: str
    fse_id: int | None = None
    documents: list[Path] = field(default_factory=list)
    patient_name: str = ""
    to_collect: Decimal | None = None
    payment: str = ""
    amc_notice: str = ""  # the complémentaire's answer to the engagement, if any


def make_devis(ctx: AppContext, request: Invoice, practitioner: Practitioner) -> str:
    """Keep the invoice as a devis and write its PDF (``client.usecases.devis``); the
    sentence to show. Off the GUI thread."""
    from client.usecases.devis import devis_from_invoice

    made = devis_from_invoice(ctx, request, cps_of(practitioner))
    d = made.devis
    return (
        f"Devis {d.id} enregistré pour {d.patient_name} : {euros(d.total_fees)} dont AMO "
        f"{euros(d.amo)}, AMC {euros(d.amc)}, reste {euros(d.patient_remainder)} — {made.pdf}"
    )


# --- referential -----------------------------------------------------------------------
def favourite_codes(ctx: AppContext) -> tuple[str, ...]:
    """The favourites: « G », or a combination « G+MEG » added in one click; the ones saved
    in the store (edited on screen), else the settings', else the defaults."""
    db = getattr(ctx, "db", None)
    saved = desk_records.saved_favourites(db) if db is not None else None
    if saved is not None:
        return saved
    return configured_favourites(ctx)


def configured_favourites(ctx: AppContext) -> tuple[str, ...]:
    """The favourites without reading the store: the settings', else the defaults."""
    codes = getattr(getattr(ctx, "settings", None), "favourites", None)
    return tuple(codes) if codes else DEFAULT_FAVOURITES


def favourite_parts(favourite: str) -> tuple[str, ...]:
    """The codes of one favourite: « VG + MD + IK » → (VG, MD, IK)."""
    return tuple(p.strip().upper() for p in favourite.split("+") if p.strip())


def save_favourites(ctx: AppContext, text: str) -> tuple[str, ...]:
    """Keep the favourites typed as « G, G+MEG, VG+MD+IK »; returns them as kept."""
    favourites = tuple(
        "+".join(favourite_parts(part)) for part in text.split(",") if favourite_parts(part)
    )
    desk_records.keep_favourites(ctx.db, favourites)
    return favourites


def search_acts(ctx: AppContext, text: str, day: dt.date) -> list[TariffRow]:
    """The referential's rows for what is typed (none while it is not loaded yet)."""
    referential = ctx.referential
    if referential is None:
        return []
    try:
        return list(referential.search(text, day))[:30]
    except Exception:  # a search typo must never break typing: log it, offer nothing
        logger.exception("act search failed")
        return []


def lookup_act(ctx: AppContext, code: str, day: dt.date) -> TariffRow | None:
    """The row that prices ``code`` at ``day``; None when unknown or not loaded yet."""
    referential = ctx.referential
    if referential is None:
        return None
    try:
        return referential.lookup(code, day)
    except BillingError:  # unknown code: the pricing shows the rule error next to the act
        return None


def act_code(entry: TariffRow) -> str:
    return entry.code


def act_label(entry: TariffRow) -> str:
    return entry.label or ""


def default_coefficient(entry: TariffRow | None) -> Decimal:
    """1, or the first coefficient the referential allows for this code."""
    coefficients = entry.coefficients if entry is not None else ()
    return Decimal(coefficients[0]) if coefficients else Decimal(1)


# --- pricing ---------------------------------------------------------------------------
#: The use cases, here for the invoice panel's callers.
price = securing.price
codes_billed_on = securing.codes_billed_on


def priced_errors(priced: PricedInvoice) -> list[tuple[int | None, str]]:
    """(act index or None, French message) for every rule error."""
    return [
        (error.act_index, desk.readable_rule_message(error.message or str(error)))
        for error in priced.errors
    ]


def priced_valid(priced: PricedInvoice) -> bool:
    return priced.valid


# --- FSE -------------------------------------------------------------------------------

#: How the summary names the way the FSE was secured (``FseRow.mode``).
MODE_WORDS = {
    "vitale": "sécurisée Vitale",
    "sans_vitale": "SESAM sans Vitale",
    "degrade": "dégradé : faites signer la feuille de soins puis numérisez-la",
    "apcv": "sécurisée ApCV (application carte Vitale, garantie de paiement)",
}


def cps_of(practitioner: Practitioner) -> CpsSource:
    """The practitioner's CPS as the FSE service reads it."""
    return securing.cps_source(practitioner.identity, tuple(practitioner.situations))


def secure_fse(
    ctx: AppContext,
    request: Invoice,
    practitioner: Practitioner,
    draft_id: str | None,
    *,
    print_receipt: bool,
    on_progress: Callable[[str], None] | None = None,
) -> SecureOutcome:
    """Secure the FSE (``client.usecases.securing``) and say it; off the GUI thread
    (``on_progress`` is told what it waits for, on that thread)."""
    secured = securing.secure_fse(
        ctx,
        securing.SecureRequest(
            request, cps_of(practitioner), draft_id or None, print_receipt, on_progress
        ),
    )
    row = secured.fse
    summary = (
        f"FSE n° {row.number} {MODE_WORDS.get(row.mode, row.mode)} — {secured.patient_name}, "
        f"{euros(row.total_fees)}, {secured.payment.label} ; en file d'envoi."
    )
    return SecureOutcome(
        summary,
        row.number,
        secured.documents,
        secured.patient_name,
        secured.to_collect,
        secured.payment.label,
        secured.amc_notice,
    )


class DraftAct(TypedDict):
    code: str
    quantity: int
    coefficient: str  # a Decimal's text
    ald: bool


class DraftOverrun(TypedDict):
    kind: str
    amount: str  # a Decimal's text


class Draft(TypedDict, total=False):
    """An invoice prepared at the reception: the JSON document ``save_draft`` writes in
    the ``DraftBook`` (``id`` added by the book) and the panels read back."""

    id: str
    created_at: str
    patient_name: str
    source: str
    identity: dict[str, Any]  # JSON identity, read by matching_beneficiary/patient_from_identity
    acts: list[DraftAct]
    overrun: DraftOverrun
    care_pathway: str
    care_date: str
    payment: str
    birth_date: str


def prepared_by(holder: Practitioner | None) -> scope.PreparedBy | None:
    """The card in the reader that prepares an invoice (a receptionist's CPE, or a CPS)
    and the practitioner its situation bills for (a CPE's: her employer)."""
    situation = holder.situation if holder is not None else None
    if holder is None or situation is None:
        return None
    return scope.PreparedBy(
        holder.identity.national_id,
        holder.display_name,
        situation.billing_number + situation.billing_key,
    )


def save_draft(
    ctx: AppContext, request: Invoice, draft_id: str | None, by: scope.PreparedBy | None = None
) -> str:
    """Reception: keep the prepared invoice for the practitioner (database thread);
    with the card in the reader (``by``: :func:`prepared_by`), addressed to its
    practitioner, who finds it on whichever post his CPS is in (issue #26)."""
    choice = request.patient
    person = choice.beneficiary
    draft: Draft = {
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
    if by is not None:
        return scope.keep_draft(ctx, dict(draft), draft_id, by)
    book = _book(ctx)
    return ctx.db.submit(lambda _store: book.save(dict(draft), draft_id)).result()


def delete_draft(ctx: AppContext, draft_id: str) -> None:
    """Forget a prepared or parked invoice (database thread)."""
    book = _book(ctx)
    ctx.db.submit(lambda _store: book.delete(draft_id)).result()


def _identity_of(choice: InvoicePatient) -> dict[str, Any]:
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


def list_drafts(ctx: AppContext) -> list[Draft]:
    book = _book(ctx)
    # The book gives back, as JSON, the documents save_draft wrote.
    return cast("list[Draft]", ctx.db.submit(lambda _store: book.list()).result())


def _book(ctx: AppContext) -> DraftBook:
    if ctx.drafts is None:  # build_context always gives one
        raise DraftsUnavailableError()
    return ctx.drafts


class DraftsUnavailableError(ClientError):
    """The context was built without its draft book (never the desk's)."""

    def __init__(self) -> None:
        super().__init__("Les factures préparées ne sont pas disponibles dans ce contexte.")


def patient_from_identity(identity: Mapping[str, Any]) -> LocalPatient:
    """A prepared invoice's patient, as a local patient (SESAM sans Vitale when no card)."""
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


def matching_beneficiary(
    card: VitaleCard | None, identity: Mapping[str, Any]
) -> Beneficiary | None:
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


def search_patients(store: Store, text: str) -> list[LocalPatient]:
    return find_patients(store, text)


# --- ADRi (``client.usecases.rights``), here for the invoice panel's callers -------------
AdriPatient = rights.AdriPatient
query_adri = rights.query_adri


def adri_refresh(ctx: AppContext, choice: InvoicePatient, day: dt.date) -> AdriPatient:
    """ADRi for the chosen patient: assuré NIR, birth date and rang taken from his card."""
    person = choice.beneficiary
    assure = getattr(choice.card, "assure", None)
    if assure is not None:
        nir = f"{assure.nir}{assure.nir_key}"
    else:
        nir = str(getattr(person, "nir", "")) + str(getattr(person, "nir_key", ""))
    raw = str(getattr(person, "birth_date_raw", ""))
    return query_adri(ctx, nir, raw, str(getattr(person, "rang", None) or 1), day)


# --- returns ---------------------------------------------------------------------------


def returns_text(fetched: ReturnsFetched) -> str:
    """What one fetch of the returns brought, in French."""
    parts = [f"{fetched.arls.applied} ARL", f"{len(fetched.reports)} fichier(s) de retours NOEMIE"]
    return "Retours relevés : " + ", ".join(parts) + "."
