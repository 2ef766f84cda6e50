"""Use cases of FSE and lots: create and secure an FSE, cancel it, close lots, export them.

The cards come in already opened and read (``CpsSource``, ``VitaleSource``): the command
line and the UI read them on their card thread and hand the values here, with the card
objects as ``billing.signing`` ports (``VitaleCertifier`` for the Vitale, ``Signer`` for
the CPS). Store writes are short transactions on the caller's thread (one ``Store`` per
thread).

Input of ``create`` (``parse_fse_input``): the JSON of ``sesam price`` plus optional keys,
documented in ``docs/formats/fse.md`` ("Entrée de sesam fse create"); it is parsed in
:mod:`client.fse_input` and the cards are checked in :mod:`client.fse_cards` (both
re-exported here: callers import from ``client.fse_service``).
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from billing.cms import CmsError, check_own_signature
from billing.fse import (
    Amounts,
    Fse,
    FseAct,
    FseBody,
    Mentions,
    PractitionerSituation,
    Rectifies,
    SecuringMode,
    decide_mode,
    secure,
)
from billing.lot import DEFAULT_RULES, LotRules, lot_content, sign_lot
from billing.lot_states import LotState
from billing.pricing import PricedInvoice, price
from billing.referential import Referential
from billing.request import HistoryEntry, PricingRequest
from billing.signing import ApcvSigner, Signer, sha256
from client import amc_pricing
from client.fse_cards import (
    BeneficiaryNotOnCardError,
    CpsSource,
    VitaleCardChangedError,
    VitaleSource,
    assure_from_vitale,
    check_same_card,
    patient_from_vitale,
    pick_beneficiary,
    practitioner_situation,
)
from client.fse_input import (
    FSE_KEYS,
    FseInput,
    FseInputError,
    FseServiceError,
    PatientIdentity,
    PricingDraft,
    parse_fse_input,
)
from client.offline_journal import FseKeptOfflineError, OfflineJournal
from client.output_files import check_output, write_output
from client.store import FseRow, LotRow, OutboxStatus, Store
from client.store.cabinet import DraftAlreadyBilledError
from client.store.errors import DatabaseUnavailableError

if TYPE_CHECKING:  # the engagement loads the network stack: only when it is used
    from cardio.vitale_values import AmcContract
    from client.amc.engagement import GateInput, GateResult, OnlineEngagement
    from client.amc.transport import EngagementQuery

logger = logging.getLogger(__name__)

__all__ = [
    "FSE_KEYS",
    "HISTORY_WINDOW",
    "BeneficiaryNotOnCardError",
    "ClosedLot",
    "CpsSource",
    "FseInput",
    "FseInputError",
    "FseService",
    "FseServiceError",
    "PatientIdentity",
    "PricingDraft",
    "PricingRejectedError",
    "VitaleCardChangedError",
    "VitaleSource",
    "assure_from_vitale",
    "check_same_card",
    "parse_fse_input",
    "patient_from_vitale",
    "practitioner_situation",
]

#: How far back the acts history given to the billing rules goes.
HISTORY_WINDOW = timedelta(days=3 * 366)


class PricingRejectedError(FseServiceError):
    """The billing rules reject the invoice: nothing is secured nor stored."""

    def __init__(self, messages: Sequence[str]) -> None:
        super().__init__(
            "La facture est refusée par les règles de facturation ; rien n'a été enregistré :\n"
            + "\n".join(f"- {m}" for m in messages)
        )
        self.messages = tuple(messages)


def _utc_now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True, slots=True)
class ClosedLot:
    """A lot closed and signed by ``close_lots``."""

    lot: LotRow
    content_sha256: str


class FseService:
    """FSE and lot use cases over one ``Store`` (same thread)."""

    def __init__(
        self,
        store: Store,
        referential: Referential | None = None,
        *,
        clock: Callable[[], datetime] = _utc_now,
        rules: LotRules = DEFAULT_RULES,
        before_certify: Callable[[], None] | None = None,
        amc_gate: OnlineEngagement | None = None,
    ) -> None:
        self.store = store
        #: Asked before securing in tiers payant AMC (``client.amc.engagement``); what it
        #: answered for the last FSE created is ``last_amc`` (the screen says its notice).
        self.amc_gate = amc_gate
        self.last_amc: GateResult | None = None
        #: Called just before the carte Vitale is checked and certifies (tests, UI progress).
        self.before_certify = before_certify
        self._referential = referential
        self.clock = clock
        self.rules = rules

    @property
    def referential(self) -> Referential:
        if self._referential is None:
            self._referential = Referential.load_default()
        return self._referential

    # --- create ----------------------------------------------------------------------------
    def pricing_request(
        self,
        request: FseInput,
        practitioner: PractitionerSituation,
        patient: PatientIdentity,
        vitale: VitaleSource | None,
        replaced: FseRow | None = None,
    ) -> PricingRequest:
        """The pricing request, completed from the cards and the store where it is silent
        (the history leaves out ``replaced``: a rectificative bills the same care again)."""
        draft = request.pricing
        care = draft.date_of_care
        coverages: frozenset[str] = frozenset()
        if vitale is not None:
            card_person = vitale.card.beneficiaries[
                pick_beneficiary(vitale.card, request.beneficiary)
            ]
            coverages = frozenset(c.kind for c in card_person.rights_at(care).coverages)
        history: tuple[HistoryEntry, ...] = ()
        if draft.history is None:
            history = tuple(
                HistoryEntry(date=h.act_date, code=h.code.strip().upper(), quantity=h.quantity)
                for h in self.store.history(
                    patient.beneficiary.patient_key, care - HISTORY_WINDOW, care
                )
                if replaced is None
                or (h.fse_number, h.practitioner_id) != (replaced.number, replaced.practitioner_id)
            )
        return draft.complete(
            specialty=practitioner.specialty,
            sector=practitioner.sector,
            birth_date=patient.beneficiary.birth_date,
            coverages=coverages,
            history=history,
        )

    def create(
        self,
        request: FseInput,
        cps: CpsSource,
        vitale: VitaleSource | None,
        *,
        rectifies: FseRow | None = None,
        apcv: ApcvSigner | None = None,
        draft_id: str | None = None,
    ) -> FseRow:
        """Price, secure and store one FSE; returns it as stored (state ``secured``).

        With ``draft_id`` (the prepared invoice it bills, issue #26), the draft is taken
        in the FSE's transaction: billed on another post meanwhile, nothing is stored
        (``DraftAlreadyBilledError``; checked before the number too, so usually no gap).

        The mode follows what is there (``billing.fse.decide_mode``): never a silent
        dégradé. The number is handed out (one transaction), the Vitale certifies (no
        transaction open), then the FSE, its acts, its events, its open lot and that lot's
        outbox row are written in one transaction.
        :raises FseServiceError: cards, situation or bénéficiaire do not fit the request.
        :raises PricingRejectedError: the billing rules reject the invoice.

        With ``rectifies`` (``client.rectify``), the FSE is the rectificative of that
        rejected one: its document names it, its acts are priced without the original's
        in the history, and the original becomes ``rectified`` in the same transaction.

        With ``apcv`` (an ApCV session, ``client.apcv``), the FSE is secured « ApCV »: the
        patient is the request's identity and the service signs the digest in place of the
        card; a refusal of the service stores nothing (the number is marked unused).
        """
        done = self._price_for(request, cps, vitale, rectifies=rectifies, apcv=apcv)
        practitioner, mode, patient = done.practitioner, done.mode, done.patient
        pricing, priced, request = done.pricing, done.priced, done.request
        self.last_amc = None
        if self._asks_amc(done):
            request = self._engage_amc(request, practitioner, done.contract, priced)
        certifier = vitale.certifier if mode is SecuringMode.VITALE and vitale else None
        now = self.clock()
        store = self.store
        self.replay_kept()
        # The number is handed out in a transaction of its own, and the card works outside
        # any: the sender and the other windows write meanwhile, whatever the card's speed.
        # An FSE that fails from here on leaves its number unused (numbers may be skipped,
        # never reused: the high-water mark is on disk before the number is used).
        with store.write():
            if draft_id and not store.cabinet.draft_waiting(draft_id):
                raise DraftAlreadyBilledError()
            store.upsert_practitioner(practitioner, now)
            number = store.next_fse_number(practitioner.practitioner_id)
            # Held by this post until stored: a post killed meanwhile leaves the reason.
            store.cabinet.reserve_fse_number(practitioner, number, now)
        fse: Fse | None = None
        try:
            body = _body(
                number=number,
                now=now,
                practitioner=practitioner,
                patient=patient,
                mode=mode,
                request=request,
                pricing=pricing,
                priced=priced,
                vitale_serial=vitale.card.serial.hex() if certifier and vitale else "",
                apcv_session=apcv.session_id if apcv and mode is SecuringMode.APCV else "",
                rectifies=None
                if rectifies is None
                else Rectifies(fse_id=rectifies.fse_uuid, number=rectifies.number),
                amc_engagement=self.last_amc.engagement if self.last_amc else "",
            )
            if certifier is not None and vitale is not None:
                if self.before_certify is not None:
                    self.before_certify()
                # The card certifying must be the one read: a card swapped in the meantime
                # would secure this patient's FSE with another patient's card.
                check_same_card(vitale, patient)
            fse = secure(body, certifier, apcv if mode is SecuringMode.APCV else None)
            with store.write():
                row = store.insert_fse(
                    fse,
                    patient_names=(patient.last_name, patient.first_name),
                    now=now,
                    rules=self.rules,
                )
                assure = assure_from_vitale(vitale) if vitale is not None else None
                if (
                    assure is not None
                    and assure.beneficiary != patient.beneficiary
                    and assure.beneficiary.assure_nir == patient.beneficiary.assure_nir
                ):
                    # A child's care is paid by the assuré (same card): his name for the paper.
                    store.upsert_person(
                        assure.beneficiary, assure.last_name, assure.first_name, now
                    )
                if rectifies is not None:
                    # Checked again here: another window may have rectified it meanwhile.
                    store.record_rectification(rectifies.id, row.id, now)
                if self.last_amc is not None and self.last_amc.engagement_id is not None:
                    store.amc_lots.link_engagement(self.last_amc.engagement_id, row.fse_uuid)
                store.cabinet.release_fse_number(practitioner.practitioner_id, number)
                if draft_id:
                    store.cabinet.take_draft(draft_id)
        except DatabaseUnavailableError as exc:
            if fse is None:
                raise
            # Secured by the cards, the server gone: kept on this post, stored when it
            # answers (client.offline_journal); the number stays held, not abandoned.
            OfflineJournal.beside(store).keep(
                fse, (patient.last_name, patient.first_name), now, draft_id or ""
            )
            raise FseKeptOfflineError(number, exc.detail) from exc
        except Exception as exc:
            # Nothing was stored under this number: say so, or the gap would be reported
            # as a lost FSE (client.alerts). Best effort: the store may be what failed.
            try:
                store.cabinet.abandon_fse_number(
                    practitioner.practitioner_id, number, self.clock(), type(exc).__name__
                )
            except Exception:
                logger.warning("FSE n° %d: could not record it unused", number, exc_info=True)
            raise
        logger.info("FSE n° %d secured (%s), lot %s", row.number, mode.value, row.lot_id)
        return row

    def _price_for(
        self,
        request: FseInput,
        cps: CpsSource,
        vitale: VitaleSource | None,
        *,
        rectifies: FseRow | None,
        apcv: ApcvSigner | None,
    ) -> _Priced:
        """The mode, the patient and the invoice priced with its AMC part (nothing stored)."""
        practitioner = practitioner_situation(cps, request.situation)
        if rectifies is not None and practitioner.practitioner_id != rectifies.practitioner_id:
            raise FseServiceError(
                f"La FSE n° {rectifies.number} a été facturée par un autre praticien (ou une "
                "autre situation) : sa rectificative doit l'être avec la même carte CPS."
            )
        mode = decide_mode(
            request.mode,
            vitale_present=vitale is not None,
            patient_given=request.identity is not None,
            degrade_reason=request.degrade_reason,
            apcv_present=apcv is not None,
        )
        if mode is SecuringMode.APCV and request.identity is None:
            raise FseServiceError("L'identité du patient présenté par l'ApCV manque.")
        if mode is SecuringMode.VITALE:
            assert vitale is not None  # decide_mode checked it  # noqa: S101
            _check_card_valid(vitale, request.pricing.date_of_care)
            patient = patient_from_vitale(vitale, request.beneficiary)
        elif request.identity is not None:
            patient = request.identity
        elif vitale is not None:  # dégradé chosen while the card is readable
            patient = patient_from_vitale(vitale, request.beneficiary)
        else:
            raise FseServiceError("L'identité du patient manque.")
        pricing = self.pricing_request(
            request,
            practitioner,
            patient,
            vitale if mode is not SecuringMode.SANS_VITALE else None,
            replaced=rectifies,
        )
        contract = amc_pricing.card_contract(
            vitale if mode is not SecuringMode.SANS_VITALE else None, request
        )
        pricing, amc = amc_pricing.with_amc(
            self.store.amc_conventions, self.referential, pricing, contract, patient
        )
        priced = price(pricing, self.referential)
        if not priced.valid:
            raise PricingRejectedError([e.message for e in priced.errors])
        request = amc_pricing.with_tiers_payant(request, pricing, priced, amc)
        return _Priced(practitioner, mode, patient, pricing, contract, priced, request)

    def _asks_amc(self, done: _Priced) -> bool:
        return (
            self.amc_gate is not None
            and done.request.tiers_payant.amc
            and not done.pricing.patient.c2s
        )

    def amc_query(
        self,
        request: FseInput,
        cps: CpsSource,
        vitale: VitaleSource | None,
        *,
        apcv: ApcvSigner | None = None,
    ) -> EngagementQuery | None:
        """What the AMC gate will ask the AMC for this FSE (None: nothing to ask, or no
        convention to ask under); nothing is stored. The desk asks it before securing, off
        its database thread (``client.amc.ahead``), and ``create`` then finds the answer."""
        done = self._price_for(request, cps, vitale, rectifies=None, apcv=apcv)
        if not self._asks_amc(done):
            return None
        assert self.amc_gate is not None  # noqa: S101 - _asks_amc checked it
        return self.amc_gate.query_for(
            _gate_input(done.practitioner, done.contract, request, done.priced)
        )

    def replay_kept(self) -> None:
        """Store the FSE this post kept while the server did not answer (if any): the
        server answers again when it reaches here."""
        journal = OfflineJournal.beside(self.store)
        if not journal.path.exists():
            return
        try:
            done = journal.replay(self.store, self.rules, self.clock())
        except Exception:
            # Kept for the next time; this FSE must not wait on an older one.
            logger.warning("kept FSE not replayed", exc_info=True)
            return
        if done.stored:
            logger.info("%d FSE kept on this post now stored", done.stored)

    def _engage_amc(
        self,
        request: FseInput,
        practitioner: PractitionerSituation,
        contract: AmcContract | None,
        priced: PricedInvoice,
    ) -> FseInput:
        """The AMC's online engagement; without it the FSE loses its tiers payant AMC."""
        assert self.amc_gate is not None  # noqa: S101 - checked by the caller
        result = self.amc_gate.decide(
            _gate_input(practitioner, contract, request, priced), self.clock()
        )
        self.last_amc = result
        return result.applied_to(request)

    # --- cancel ------------------------------------------------------------------------------
    def cancel(self, number: int, reason: str, practitioner_id: str | None = None) -> FseRow:
        """Cancel an FSE not sent yet (see ``Store.cancel_fse``)."""
        row = self.store.fse_by_number(number, practitioner_id)
        return self.store.cancel_fse(row.id, self.clock(), reason or "annulée", self.rules)

    # --- lots --------------------------------------------------------------------------------
    def lots_to_close(
        self, all_lots: bool, practitioner_ids: set[str] | None = None
    ) -> list[LotRow]:
        """Open lots that the closing rule says are due (or all non-empty ones)."""
        now = self.clock()
        return [
            lot
            for lot in self.store.lots(state=LotState.OPEN)
            if lot.fse_count > 0
            and (practitioner_ids is None or lot.practitioner_id in practitioner_ids)
            and (all_lots or self.rules.is_due(lot.fse_count, lot.oldest_fse_at, now))
        ]

    def close_lots(self, signer: Signer, cps: CpsSource, all_lots: bool) -> list[ClosedLot]:
        """Sign and close the due open lots (all with ``all_lots``) of the CPS's practitioner.

        Each lot: in one transaction its FSE are read, its content built and signed by the
        CPS, the DER stored, its FSE moved to ``in_lot`` and its outbox row made PENDING.
        """
        allowed = {s.billing_number + s.billing_key for s in cps.situations if s.may_sign_lot}
        if not allowed or not cps.identity.may_sign:
            raise FseServiceError(
                "Cette carte n'est pas habilitée à signer des lots : utilisez la carte CPS du "
                "praticien."
            )
        closed: list[ClosedLot] = []
        for lot in self.lots_to_close(all_lots, allowed):
            done = self._close_one(lot.id, signer)
            if done is not None:
                closed.append(done)
        return closed

    def _close_one(self, lot_id: str, signer: Signer) -> ClosedLot | None:
        """Close one lot; None when another process (the app, a second command) closed or
        voided it since the list of lots to close was read."""
        store = self.store
        now = self.clock()
        with store.write():
            lot = store.lot_by_id(lot_id)
            if lot.state is not LotState.OPEN:
                logger.info("lot n° %d already %s elsewhere", lot.number, lot.state.value)
                return None
            fses = [row.fse() for row in store.fse_list(lot_id=lot_id)]
            # The journal head goes into the signed lot: the caisse keeps an anchor of the
            # journal that a cut tail here cannot match (sesam audit verify).
            head = store.journal_head()
            content = lot_content(
                lot_id=lot.id,
                number=lot.number,
                created_at=lot.created_at,
                closed_at=now,
                fses=fses,
                journal=head,
            )
            der = sign_lot(content, signer, now)
            try:
                check_own_signature(der)
            except CmsError as exc:
                raise FseServiceError(
                    f"La signature du lot n° {lot.number} par la carte CPS n'est pas valable "
                    f"({exc.reason}) : le lot reste ouvert. Vérifiez la carte CPS (certificat "
                    "expiré ?) et contactez l'ANS si besoin."
                ) from exc
            digest = sha256(content).hex()
            row = store.close_lot(
                lot_id, now=now, content_sha256=digest, signed_der=der, journal_head=head
            )
        logger.info("lot n° %d closed: %d FSE", row.number, row.fse_count)
        return ClosedLot(lot=row, content_sha256=digest)

    def export_lot(
        self, number: int, out: Path, practitioner_id: str | None = None, *, force: bool = False
    ) -> LotRow:
        """Write the signed lot (CMS DER) to ``out`` (0600: it carries NIRs; never over the
        store, a backup or an existing file unless ``force``).

        :raises FseServiceError: the lot is still open (not signed yet).
        :raises OutputPathError: ``out`` is refused.
        """
        check_output(out, force=force, data_dirs=(self.store.path.parent,))
        lot = self.store.lot_by_number(number, practitioner_id)
        der = self.store.lot_der(lot.id)
        if der is None:
            raise FseServiceError(
                f"Le lot n° {number} est encore ouvert : fermez-le (sesam lot close) avant "
                "de l'exporter."
            )
        write_output(out, der, force=force, data_dirs=(self.store.path.parent,))
        return lot

    def outbox_status(self, lot: LotRow) -> OutboxStatus | None:
        """The outbox status of a lot (None when it has no row, e.g. voided)."""
        row = self.store.outbox_get(lot.id)
        return row.status if row else None


@dataclass(frozen=True, slots=True)
class _Priced:
    """An FSE request priced, before anything is stored or asked of the AMC."""

    practitioner: PractitionerSituation
    mode: SecuringMode
    patient: PatientIdentity
    pricing: PricingRequest
    contract: AmcContract | None
    priced: PricedInvoice
    request: FseInput


def _gate_input(
    practitioner: PractitionerSituation,
    contract: AmcContract | None,
    request: FseInput,
    priced: PricedInvoice,
) -> GateInput:
    from client.amc.engagement import GateInput

    return GateInput(
        practitioner=practitioner,
        contract=contract,
        care_date=request.pricing.date_of_care,
        codes=tuple(line.code for line in priced.lines),
        amc_amount=priced.amc,
    )


def _check_card_valid(vitale: VitaleSource, care: date) -> None:
    """An expired carte Vitale cannot secure: the user must choose another mode."""
    if not vitale.card.is_valid_at(care):
        raise FseServiceError(
            "La carte Vitale n'est pas valable à la date des soins : elle ne peut pas "
            "sécuriser la FSE. Choisissez le mode SESAM sans Vitale (identité du patient) "
            "ou le mode dégradé, avec son motif."
        )


def _body(
    *,
    number: int,
    now: datetime,
    practitioner: PractitionerSituation,
    patient: PatientIdentity,
    mode: SecuringMode,
    request: FseInput,
    pricing: PricingRequest,
    priced: PricedInvoice,
    vitale_serial: str,
    rectifies: Rectifies | None = None,
    apcv_session: str = "",
    amc_engagement: str = "",
) -> FseBody:
    overrun_kinds = {line.overrun_kind.value for line in priced.lines if line.overrun_kind}
    coverage = {
        key: "1"
        for key, flag in (
            ("ald", pricing.patient.ald),
            ("c2s", pricing.patient.c2s),
            ("maternity", pricing.patient.maternity),
            ("at_mp", pricing.patient.at_mp),
        )
        if flag
    }
    coverage["care_pathway"] = pricing.patient.care_pathway.value
    if amc_engagement:  # the AMC's agreement number (client.amc.engagement)
        coverage["amc_engagement"] = amc_engagement
    return FseBody(
        fse_id=str(uuid.uuid4()),
        number=number,
        created_at=now,
        care_date=pricing.date_of_care,
        practitioner=practitioner,
        beneficiary=patient.beneficiary,
        organism=patient.organism,
        mode=mode,
        acts=tuple(
            FseAct(
                date=pricing.date_of_care,
                code=line.code,
                quantity=line.quantity,
                coefficient=line.coefficient,
                fee=line.amount,
                base=line.reimbursement_base,
                amo_rate=line.amo_rate,
                amo=line.amo_amount,
                overrun_kind=line.overrun_kind.value if line.overrun_kind else "",
                overrun=line.overrun_amount,
            )
            for line in priced.lines
        ),
        amounts=Amounts(
            total_fees=priced.total_fees,
            amo=priced.amo,
            participation_forfaitaire=priced.participation_forfaitaire,
            amc=priced.amc,
            patient_remainder=priced.patient_remainder,
        ),
        tiers_payant=request.tiers_payant,
        mentions=Mentions(
            de="DE" in overrun_kinds, ed="ED" in overrun_kinds, acte_gratuit=request.acte_gratuit
        ),
        vitale_serial=vitale_serial,
        degrade_reason=request.degrade_reason if mode is SecuringMode.DEGRADE else "",
        referential_version=priced.referential_version,
        coverage=coverage,
        rectifies=rectifies,
        apcv_session=apcv_session,
        teleconsultation=pricing.teleconsultation,
    )
