"""Produce the NOEMIE returns of accepted FSE: payments (sometimes not what was billed) and
rejects with motif.

Which FSE is paid in full, partly paid or rejected is decided from a hash of its identifier,
so a replay always ends the same way and a large enough run shows every case.

Each invoice details its parts as the public NOEMIE PS layout does: ``198`` (AMO) and, when
an AMC part was billed, ``199``. In gestion unique the caisse pays the AMC part too (``199``
paid); in gestion séparée it leaves it « not processed » and the AMC pays it (DRE).
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum
from typing import Any

from billing.noemie import (
    MOTIFS,
    PAYMENT_MOTIFS,
    REJECT_MOTIFS,
    InvoiceOutcome,
    NoemieAct,
    NoemieFile,
    NoemieInvoice,
    NoemiePart,
    NoemiePatient,
    NoemiePayment,
    NoemieRejects,
    PartState,
)
from testbed.am.adri import Directory
from testbed.am.ledger import AcceptedFse

logger = logging.getLogger(__name__)

EMITTER = "AMSIMUL01"
_CENT = Decimal("0.01")
_MAX_COEFFICIENT = Decimal("999.99")
#: The 3-character « nature de prestation » written for a CCAM act (7 characters): the
#: project's referential has no CCAM regroupement yet, so this is a project value.
CCAM_NATURE = "CCA"


class Fate(StrEnum):
    """What the simulated caisse does with one FSE."""

    PAID = "paid"
    PARTLY_PAID = "partly_paid"
    REJECTED = "rejected"


@dataclass(frozen=True, slots=True)
class ReturnPolicy:
    """Shares of rejected and partly paid FSE, per thousand."""

    rejected_per_mille: int = 100
    partly_paid_per_mille: int = 150

    def fate(self, fse_id: str) -> tuple[Fate, str]:
        """The fate of an FSE and, for a reject or a partial payment, its motif code."""
        digest = hashlib.sha256(fse_id.encode()).digest()
        roll = int.from_bytes(digest[:4], "big") % 1000
        if roll < self.rejected_per_mille:
            codes = sorted(REJECT_MOTIFS)
            return Fate.REJECTED, codes[digest[4] % len(codes)]
        if roll < self.rejected_per_mille + self.partly_paid_per_mille:
            codes = sorted(PAYMENT_MOTIFS)
            return Fate.PARTLY_PAID, codes[digest[4] % len(codes)]
        return Fate.PAID, ""


def _cut(amount: Decimal) -> Decimal:
    """What a partial payment takes off: a tenth, at least one cent."""
    return max(_CENT, (amount / 10).quantize(_CENT))


def _patient(doc: dict[str, Any], directory: Directory) -> NoemiePatient:
    b = doc["body"]["beneficiary"]
    birth = str(b["birth_date"])
    person = directory.find(b["assure_nir"], birth, b["rang"])
    last, first = (
        ("", "") if person is None else (person.beneficiaire.nom, person.beneficiaire.prenom)
    )
    return NoemiePatient(
        birth_ddmmyy=birth[6:8] + birth[4:6] + birth[2:4],
        rank=int(b["rang"]),
        last_name=last,
        first_name=first,
    )


def _complementaire(body: dict[str, Any], directory: Directory) -> tuple[bool, str, str]:
    """(gestion séparée, n° AMC, n° d'adhérent) of the bénéficiaire's complémentaire as the
    caisse's records know it (the same directory ADRi answers from: the FSE document does
    not carry it); without one the caisse pays the AMC part (gestion unique)."""
    b = body["beneficiary"]
    person = directory.find(b["assure_nir"], str(b["birth_date"]), b["rang"])
    amc = person.beneficiaire.amc if person is not None else None
    if amc is None:
        return False, "", ""
    number = amc.organism if amc.organism.isdigit() else ""
    return amc.gestion == "S", number, amc.member


def _nature(code: str) -> str:
    return code if len(code) <= 3 else CCAM_NATURE


def _invoice(fse: AcceptedFse, policy: ReturnPolicy, directory: Directory) -> NoemieInvoice:
    body = fse.data["body"]
    amo = Decimal(body["amounts"]["amo"])
    amc = Decimal(body["amounts"]["amc"])
    separate, amc_number, member = _complementaire(body, directory)
    # The caisse pays the AMC part only in tiers payant AMC and gestion unique; in gestion
    # séparée the AMC pays it (DRE), without tiers payant the patient paid it.
    separate = separate or not body["tiers_payant"]["amc"]
    fate, code = policy.fate(fse.fse_id)
    paid_amo, paid_amc = amo, (Decimal("0.00") if separate else amc)
    if fate is Fate.PARTLY_PAID:
        if amo > 0:
            paid_amo = amo - _cut(amo)
        elif paid_amc > 0:
            paid_amc = amc - _cut(amc)
    acts = []
    delta = amo - paid_amo
    for line, act in enumerate(body["acts"], start=1):
        amount = Decimal(act["amo"])
        if delta and amount > 0:
            taken = min(delta, amount)
            amount -= taken
            delta -= taken
        coefficient = Decimal(act["coefficient"] or "1")
        acts.append(
            NoemieAct(
                line=line,
                care_date=date.fromisoformat(act["date"]),
                code=_nature(act["code"]),
                quantity=int(act["quantity"]),
                coefficient=min(coefficient, _MAX_COEFFICIENT),
                amount=amount if fate is not Fate.REJECTED else Decimal("0.00"),
            )
        )
    rejected = fate is Fate.REJECTED
    # A partial payment says why (a motif « signalement »): only when something was cut.
    cut = (paid_amo, paid_amc) != (amo, Decimal("0.00") if separate else amc)
    motif = code if rejected or cut else ""
    state = PartState.REJECTED if rejected else PartState.PAID
    zero = Decimal("0.00")
    amo_part = NoemiePart(amo, state, zero if rejected else paid_amo)
    amc_part = None
    if amc > 0:
        amc_state = PartState.NOT_PROCESSED if separate else state
        amc_paid = zero if rejected or separate else paid_amc
        amc_part = NoemiePart(amc, amc_state, amc_paid, amc_number, member)
    return NoemieInvoice(
        fse_id=fse.fse_id,
        lot_id=fse.lot_id,
        care_date=date.fromisoformat(body["care_date"]),
        outcome=InvoiceOutcome.REJECTED if rejected else InvoiceOutcome.PAID,
        paid_amo=Decimal("0.00") if rejected else paid_amo,
        paid_amc=Decimal("0.00") if rejected else paid_amc,
        motif_code=motif or None,
        motif_label=MOTIFS[motif] if motif else "",
        patient=_patient(fse.data, directory),
        acts=tuple(acts),
        amo=amo_part,
        amc=amc_part,
    )


def generate(
    due: Sequence[AcceptedFse],
    *,
    first_number: int,
    today: date,
    directory: Directory,
    policy: ReturnPolicy | None = None,
) -> list[tuple[NoemieFile, list[str]]]:
    """One NOEMIE file per practitioner with the returns of ``due``, and the FSE each holds."""
    policy = policy or ReturnPolicy()
    by_receiver: dict[str, list[AcceptedFse]] = defaultdict(list)
    for fse in due:
        p = fse.data["body"]["practitioner"]
        by_receiver[f"{p['billing_number']}{p['billing_key']}"].append(fse)
    files: list[tuple[NoemieFile, list[str]]] = []
    for offset, receiver in enumerate(sorted(by_receiver)):
        number = first_number + offset
        invoices = [_invoice(f, policy, directory) for f in by_receiver[receiver]]
        paid = tuple(i for i in invoices if i.outcome is InvoiceOutcome.PAID)
        rejected = tuple(i for i in invoices if i.outcome is InvoiceOutcome.REJECTED)
        noemie = NoemieFile(
            emitter=EMITTER,
            receiver=receiver,
            file_number=number,
            created_on=today,
            payments=(
                (NoemiePayment(f"VIR{today:%Y%m%d}{number:06d}", today, paid),) if paid else ()
            ),
            rejects=(NoemieRejects(today, rejected),) if rejected else (),
        )
        files.append((noemie, [f.fse_id for f in by_receiver[receiver]]))
    return files
