"""From the store to the printable documents: the adapter between ``billing.fse`` /
``client.store`` and ``billing.documents``.

What the FSE does not carry is printed as the FSE knows it: the responsible physician of a
salaried practitioner is identified by the structure number; a remplaçant by his number
(his name is not in the FSE). The patient's names come from the store's patient table, the
assuré's too (the row of qualité 00 under the same NIR, when the cabinet has recorded it);
act labels and the specialty in words from the referential; the letterhead from the
settings (``letterhead_of``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal

from billing.documents import (
    ActLine,
    Bordereau,
    CareSheet,
    Duplicata,
    Executant,
    ExecutantRole,
    Letterhead,
    LotLine,
    Patient,
    Practitioner,
    Receipt,
    Structure,
    format_nir,
    render_bordereau,
    render_duplicata,
    render_feuille_de_soins,
    render_receipt,
)
from billing.errors import BillingError
from billing.fse import Fse, FseAct, SecuringMode
from billing.lot_states import LotState
from billing.referential import Referential
from client.desk import PaymentMeans
from client.labels import LOT_STATE_LABELS
from client.settings import Settings
from client.store import AmbiguousError, FseRow, Store

logger = logging.getLogger(__name__)


def _birth(text: str) -> str:
    # AAAAMMJJ, possibly a lunar date (day or month above 31/12): printed as is, reordered.
    if len(text) == 8 and text.isdigit():
        return f"{text[6:8]}/{text[4:6]}/{text[0:4]}"
    return text


def _coefficient(quantity: int, coefficient: Decimal) -> str:
    parts = []
    if coefficient not in (Decimal(0), Decimal(1)):
        parts.append(f"coef. {coefficient.normalize():f}".replace(".", ","))
    if quantity != 1:
        parts.append(f"x{quantity}")
    return " ".join(parts)


@dataclass(frozen=True, slots=True)
class Paper:
    """What the documents print besides the FSE: the cabinet's letterhead (settings) and
    the referential (act labels, specialty in words, local tariffs included)."""

    letterhead: Letterhead | None
    referential: Referential


def paper_of(settings: Settings | None, referential: Referential) -> Paper:
    """The Paper of this cabinet."""
    return Paper(letterhead_of(settings), referential)


def cabinet_paper() -> Paper:
    """The Paper of the command line: ``settings.json`` and the local tariffs of the data
    directory. Unreadable settings print without a letterhead (logged) rather than fail
    after an FSE was stored."""
    from client.settings import SettingsError, load_settings
    from client.tariffs_local import referential_with_local

    try:
        settings: Settings | None = load_settings()
    except SettingsError:
        logger.warning("settings unreadable: documents printed without letterhead", exc_info=True)
        settings = None
    return paper_of(settings, referential_with_local())


def letterhead_of(settings: Settings | None) -> Letterhead | None:
    """The cabinet's letterhead from the settings; None when none of its fields is set."""
    if settings is None:
        return None
    head = Letterhead(settings.cabinet_name, settings.cabinet_address, settings.cabinet_phone)
    return head if head.lines() else None


def specialty_words(code: str, referential: Referential | None) -> str:
    """« Médecine générale » for "01"; an unlisted code as « spécialité 99 »."""
    if not code:
        return ""
    label = referential.specialty_labels.get(code, "") if referential is not None else ""
    return label or f"spécialité {code}"


def practitioner_of(
    fse: Fse, referential: Referential | None = None, letterhead: Letterhead | None = None
) -> Practitioner:
    """The billing practitioner as printed (address: the cabinet's, from the letterhead)."""
    p = fse.body.practitioner
    lines = letterhead.adresse.splitlines() if letterhead else []
    return Practitioner(
        nom=p.last_name,
        prenom=p.first_name,
        numero_am=p.practitioner_id,
        rpps=p.national_id,
        specialite=specialty_words(p.specialty, referential),
        adresse=", ".join(line.strip() for line in lines if line.strip()),
    )


def _act_label(act: FseAct, specialty: str, referential: Referential | None) -> str:
    coefficient = _coefficient(act.quantity, act.coefficient)
    label = ""
    if referential is not None:
        try:
            label = referential.lookup(act.code, act.date, specialty=specialty or None).label
        except BillingError:  # a code removed since: printed without its words
            logger.debug("no label for code %s", act.code)
    return " ".join(part for part in (label, coefficient) if part)


def assure_names(store: Store, assure_nir: str, assure_nir_key: str) -> tuple[str, str]:
    """(last name, first name) of the assuré as the cabinet recorded him (his own row of
    qualité 00), ("", "") when he was never recorded (health data: never log it)."""
    return store.people.assure_names(assure_nir, assure_nir_key)


def care_sheet(
    row: FseRow,
    patient: dict[str, object] | None,
    lot_number: int | None,
    *,
    assure: tuple[str, str] = ("", ""),
    referential: Referential | None = None,
    letterhead: Letterhead | None = None,
) -> CareSheet:
    """The CareSheet of one stored FSE; ``assure`` is the assuré's (last, first) name when
    the patient is someone else (a child, a spouse)."""
    fse = row.fse()
    body = fse.body
    situation = body.practitioner
    b = body.beneficiary
    own_nir = b.beneficiary_nir or b.assure_nir
    own_key = b.beneficiary_nir_key if b.beneficiary_nir else b.assure_nir_key
    is_assure = b.qualite == "00"
    names = patient or {}
    person = Patient(
        nom=str(names.get("last_name", "") or ""),
        prenom=str(names.get("first_name", "") or ""),
        nir=format_nir(own_nir, own_key),
        date_naissance=_birth(b.birth_date),
        organisme=f"{body.organism.regime} {body.organism.caisse} {body.organism.centre}",
        assure_nir="" if is_assure else format_nir(b.assure_nir, b.assure_nir_key),
        assure_nom="" if is_assure else assure[0],
        assure_prenom="" if is_assure else assure[1],
    )
    structure = None
    if situation.structure:
        structure = Structure(nom="Structure", numero=situation.structure)
    executant = None
    if situation.replacement is not None:
        executant = Executant(
            Practitioner(
                nom="",
                prenom="",
                numero_am=situation.replacement.number,
                rpps=situation.replacement.national_id,
            ),
            ExecutantRole.REMPLACANT,
        )
    mentions = body.mentions
    # "DE" goes on the act that carries the dépassement; an FSE-level DE mention without a
    # marked line goes on the principal act (the first with a dépassement, else the first).
    marked = any(a.overrun_kind == "DE" for a in body.acts)
    principal = next((i for i, a in enumerate(body.acts) if a.overrun > 0), 0)
    acts = tuple(
        ActLine(
            date=a.date,
            code=a.code,
            montant=a.fee,
            depassement_exigence=a.overrun_kind == "DE"
            or (mentions.de and not marked and i == principal),
            gratuit=mentions.acte_gratuit,
            libelle=_act_label(a, situation.specialty, referential),
        )
        for i, a in enumerate(body.acts)
    )
    entente_directe = mentions.ed or any(a.overrun_kind == "ED" for a in body.acts)
    amounts = body.amounts
    tp = body.tiers_payant
    if tp.amo and tp.amc:
        received = amounts.patient_remainder
    elif tp.amo:
        received = amounts.total_fees - amounts.amo
    elif tp.amc:
        received = amounts.total_fees - amounts.amc
    else:
        received = amounts.total_fees
    return CareSheet(
        practitioner=practitioner_of(fse, referential, letterhead),
        patient=person,
        acts=acts,
        date_emission=body.care_date,
        numero_fse=str(body.number),
        numero_lot=str(lot_number) if lot_number is not None else "",
        structure=structure,
        executant=executant,
        montant_recu=max(received, Decimal("0.00")),
        entente_directe=entente_directe,
        tiers_payant_amo=tp.amo,
        tiers_payant_amc=tp.amc,
        degrade=body.mode is SecuringMode.DEGRADE,
        apcv=body.mode is SecuringMode.APCV,
        teleconsultation=body.teleconsultation,
        letterhead=letterhead,
        part_amo=amounts.amo,
        part_amc=amounts.amc,
    )


def load_care_sheet(
    store: Store,
    number: int,
    practitioner_id: str | None = None,
    *,
    paper: Paper | None = None,
) -> CareSheet:
    """The CareSheet of FSE n° ``number``; without ``paper``, no letterhead and the packaged
    referential.

    :raises client.store.NotFoundError: no such FSE.
    :raises client.store.AmbiguousError: several practitioners have this number.
    """
    row = store.fse_by_number(number, practitioner_id)
    lot_number = store.lot_by_id(row.lot_id).number if row.lot_id else None
    b = row.fse().body.beneficiary
    return care_sheet(
        row,
        store.patient(row.patient_id),
        lot_number,
        assure=assure_names(store, b.assure_nir, b.assure_nir_key),
        referential=paper.referential if paper else Referential.load_default(),
        letterhead=paper.letterhead if paper else None,
    )


def feuille_de_soins_pdf(
    store: Store,
    number: int,
    practitioner_id: str | None = None,
    *,
    paper: Paper | None = None,
) -> bytes:
    """The printed feuille de soins of an FSE (dégradé: with its banner, for the patient)."""
    return render_feuille_de_soins(load_care_sheet(store, number, practitioner_id, paper=paper))


def receipt_pdf(
    store: Store,
    number: int,
    practitioner_id: str | None = None,
    *,
    mode_paiement: str = "",
    paper: Paper | None = None,
) -> bytes:
    """The patient's quittance for an FSE; its number is the FSE number. ``mode_paiement``
    says how the patient paid (espèces, chèque, carte bancaire) when the desk knows it."""
    sheet = load_care_sheet(store, number, practitioner_id, paper=paper)
    settled = store.settlement(store.fse_by_number(number, practitioner_id).id)
    if settled is not None:  # what the desk recorded: the means and the amount collected
        means, amount = settled
        sheet = replace(sheet, montant_recu=amount)
        mode_paiement = mode_paiement or PaymentMeans(means).label
    return render_receipt(
        Receipt(sheet=sheet, numero=f"{sheet.numero_fse}", mode_paiement=mode_paiement)
    )


def duplicata_pdf(
    store: Store,
    number: int,
    motif: str,
    *,
    now: datetime,
    patient_could_not_sign: bool = False,
    practitioner_id: str | None = None,
    paper: Paper | None = None,
) -> bytes:
    """The duplicata of a failed FSE; its issue is recorded as an FSE event.

    :raises billing.documents.DuplicataError: no motif, no lot yet, or "could not sign"
        without tiers payant.
    """
    row = store.fse_by_number(number, practitioner_id)
    sheet = load_care_sheet(store, number, practitioner_id, paper=paper)
    duplicata = Duplicata(sheet, motif, patient_could_not_sign)
    pdf = render_duplicata(duplicata)  # checks before anything is recorded
    store.record_duplicata(
        row.id,
        now,
        f"duplicata ({duplicata.destination.value}) : {motif}"
        + (" ; l'assuré n'a pas pu signer" if patient_could_not_sign else ""),
    )
    return pdf


def bordereau_pdf(store: Store, day: date, practitioner_id: str | None = None) -> bytes:
    """The bordereau of the lots created on ``day`` (local date of their creation)."""
    lines: dict[str, list[LotLine]] = {}
    practitioners: dict[str, Practitioner] = {}
    for lot in store.lots(practitioner_id=practitioner_id):
        if lot.created_at.astimezone().date() != day or lot.state is LotState.VOIDED:
            continue
        fses = store.fse_list(lot_id=lot.id)
        total = sum((f.total_fees for f in fses), Decimal("0.00"))
        kind = "pj" if lot.kind == "pj" else ("dégradé" if lot.mode == "degrade" else "fse")
        lines.setdefault(lot.practitioner_id, []).append(
            LotLine(
                numero=str(lot.number),
                kind=kind,
                destinataire=lot.organism,
                nb_factures=lot.fse_count,
                montant=total,
                statut=LOT_STATE_LABELS[lot.state],
            )
        )
        if fses and lot.practitioner_id not in practitioners:
            practitioners[lot.practitioner_id] = practitioner_of(fses[0].fse())
    if len(lines) > 1 and practitioner_id is None:
        raise AmbiguousError(f"Bordereau du {day:%d/%m/%Y}")
    pid = practitioner_id or (min(lines) if lines else "")
    doctor = practitioners.get(pid) or _practitioner_from_table(store, pid)
    return render_bordereau(Bordereau(doctor, day, tuple(lines.get(pid, []))))


def _practitioner_from_table(store: Store, practitioner_id: str) -> Practitioner:
    r = store.people.practitioner(practitioner_id)
    if r is None:
        return Practitioner(nom="", prenom="", numero_am=practitioner_id or "-")
    return Practitioner(nom=r.last_name, prenom=r.first_name, numero_am=r.id, rpps=r.national_id)
