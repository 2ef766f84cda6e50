"""Reading a NOEMIE return file: outside data, so the parser is strict and raises
:class:`~billing.noemie_format.MalformedNoemieError` with the entity number on anything
unexpected."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from billing.noemie_format import (
    CENT,
    MAX_LABEL,
    MAX_SIZE,
    RECORD,
    REFERENCE,
    TERMINATOR,
    InvoiceOutcome,
    MalformedNoemieError,
    NoemieAct,
    NoemieFile,
    NoemieInvoice,
    NoemiePart,
    NoemiePatient,
    NoemiePayment,
    NoemieRejects,
    PartState,
)


@dataclass(slots=True)
class _Totals:
    count: int = 0
    amo: Decimal = field(default_factory=lambda: Decimal("0.00"))
    amc: Decimal = field(default_factory=lambda: Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class _Entity:
    number: int
    kind: str
    level: str
    text: str


def _split(text: str) -> list[_Entity]:
    entities: list[_Entity] = []
    pos = 0
    n = len(text)
    while pos < n:
        while pos < n and text[pos] in "\r\n":
            pos += 1
        if pos >= n:
            break
        number = len(entities) + 1
        kind = text[pos : pos + 3]
        if kind in ("000", "999"):
            record = text[pos : pos + RECORD]
            if len(record) != RECORD or TERMINATOR in record or "\n" in record:
                raise MalformedNoemieError("enregistrement fixe de 128 caractères attendu", number)
            pos += RECORD
        else:
            end = text.find(TERMINATOR, pos)
            if end < 0:
                raise MalformedNoemieError("entité non terminée par @", number)
            record = text[pos:end]
            if "\n" in record or "\r" in record:
                raise MalformedNoemieError("fin de ligne au milieu d'une entité", number)
            pos = end + 1
        if len(record) < 5:
            raise MalformedNoemieError("entité trop courte", number)
        entities.append(_Entity(number, record[:3], record[3:5], record))
    return entities


class _Reader:
    """Fixed-position field reader over one entity."""

    def __init__(self, entity: _Entity) -> None:
        self.entity = entity

    def fail(self, reason: str) -> MalformedNoemieError:
        return MalformedNoemieError(f"entité {self.entity.kind} : {reason}", self.entity.number)

    def raw(self, start: int, width: int, what: str) -> str:
        value = self.entity.text[start : start + width]
        if len(value) != width:
            raise self.fail(f"{what} tronqué")
        return value

    def digits(self, start: int, width: int, what: str) -> int:
        value = self.raw(start, width, what)
        if not value.isascii() or not value.isdigit():
            raise self.fail(f"{what} non numérique")
        return int(value)

    def amount(self, start: int, width: int, what: str) -> Decimal:
        return (Decimal(self.digits(start, width, what)) / 100).quantize(CENT)

    def ymd(self, start: int, what: str) -> date:
        value = self.raw(start, 8, what)
        try:
            if not value.isdigit():
                raise ValueError(value)
            return date(int(value[:4]), int(value[4:6]), int(value[6:]))
        except ValueError:
            raise self.fail(f"{what} invalide") from None

    def dmy(self, start: int, what: str) -> date:
        value = self.raw(start, 6, what)
        try:
            if not value.isdigit():
                raise ValueError(value)
            return date(2000 + int(value[4:]), int(value[2:4]), int(value[:2]))
        except ValueError:
            raise self.fail(f"{what} invalide") from None

    def ident(self, start: int, width: int, what: str) -> str:
        value = self.raw(start, width, what).rstrip()
        if not re.fullmatch(r"[A-Za-z0-9._-]+", value):
            raise self.fail(f"{what} invalide")
        return value

    def text(self, start: int, width: int, what: str) -> str:
        return self.raw(start, width, what).strip()

    def length(self, expected: int) -> None:
        if len(self.entity.text) != expected:
            raise self.fail(f"longueur {len(self.entity.text)} au lieu de {expected}")


def _invoice(r: _Reader) -> NoemieInvoice:
    text = r.entity.text
    if not 107 <= len(text) <= 107 + MAX_LABEL:
        raise r.fail("longueur invalide")
    try:
        outcome = InvoiceOutcome(r.raw(85, 1, "statut"))
    except ValueError:
        raise r.fail("statut inconnu") from None
    motif = r.raw(104, 3, "motif").strip()
    if motif and not re.fullmatch(r"[A-Z][0-9]{2}", motif):
        raise r.fail("code motif invalide")
    label = text[107:].strip()
    if outcome is InvoiceOutcome.REJECTED and not motif:
        raise r.fail("rejet sans motif")
    if outcome is InvoiceOutcome.PAID and motif and not motif.startswith("S"):
        raise r.fail("paiement avec un motif de rejet")
    if label and not motif:
        raise r.fail("libellé de motif sans code")
    return NoemieInvoice(
        fse_id=r.ident(5, 36, "identifiant FSE"),
        lot_id=r.ident(41, 36, "identifiant lot"),
        care_date=r.ymd(77, "date des soins"),
        outcome=outcome,
        paid_amo=r.amount(86, 9, "montant AMO"),
        paid_amc=r.amount(95, 9, "montant AMC"),
        motif_code=motif or None,
        motif_label=label,
    )


def _patient(r: _Reader) -> NoemiePatient:
    r.length(52)
    birth = r.raw(5, 6, "date de naissance")
    if not (birth.isascii() and birth.isdigit()):
        raise r.fail("date de naissance non numérique")
    return NoemiePatient(
        birth_ddmmyy=birth,
        rank=r.digits(11, 1, "rang"),
        last_name=r.text(12, 25, "nom"),
        first_name=r.text(37, 15, "prénom"),
    )


def _signed(r: _Reader, start: int, what: str) -> Decimal:
    """An amount on 8 followed by its sign ``P`` / ``N`` (198, 199, 210)."""
    amount = r.amount(start, 8, what)
    sign = r.raw(start + 8, 1, f"signe du {what}")
    if sign not in ("P", "N"):
        raise r.fail(f"signe du {what} invalide (P ou N attendu)")
    return -amount if sign == "N" else amount


def _part(r: _Reader) -> NoemiePart:
    """Entity 198 (part AMO, 23 characters) or 199 (part AMC, 48 characters)."""
    amc = r.entity.kind == "199"
    r.length(48 if amc else 23)
    try:
        state = PartState(r.raw(13, 1, "état de paiement de la part"))
    except ValueError:
        raise r.fail("état de paiement de la part inconnu") from None
    requested = r.amount(5, 8, "montant demandé")
    paid = _signed(r, 14, "montant payé")
    if not amc:
        return NoemiePart(requested, state, paid)
    number = r.raw(23, 10, "numéro AMC")
    if not (number.isascii() and number.isdigit()):
        raise r.fail("numéro AMC non numérique")
    return NoemiePart(
        requested, state, paid, number.lstrip("0"), r.text(33, 15, "numéro d'adhérent AMC")
    )


def _act(r: _Reader) -> NoemieAct:
    """Entity 210, public layout: line 5 on 2, care date 21, amount 52 on 8 and its sign at
    60, nature de prestation 61 on 3, quantity 66 on 3, coefficient 69 on 5."""
    r.length(117)
    amount = _signed(r, 52, "montant remboursé")
    code = r.text(61, 3, "nature de prestation")
    if not code:
        raise r.fail("nature de prestation vide")
    return NoemieAct(
        line=r.digits(5, 2, "numéro de ligne"),
        care_date=r.dmy(21, "date des soins"),
        code=code,
        quantity=r.digits(66, 3, "quantité"),
        coefficient=r.amount(69, 5, "coefficient"),
        amount=amount,
    )


def _check_part(r: _Reader, part: NoemiePart | None, paid: Decimal, which: str) -> None:
    """A part the payer details says what its invoice says it paid."""
    if part is not None and part.paid != paid:
        raise r.fail(f"part {which} payée ({part.paid}) différente de la facture ({paid})")


def parse_noemie(data: bytes) -> NoemieFile:
    """Read a NOEMIE file.

    :raises MalformedNoemieError: on anything that is not a well-formed, consistent file.
    """
    if len(data) > MAX_SIZE:
        raise MalformedNoemieError("fichier trop volumineux")
    if not data:
        raise MalformedNoemieError("fichier vide")
    text = data.decode("latin-1")
    entities = _split(text)
    if not entities or entities[0].kind != "000":
        raise MalformedNoemieError("le fichier ne commence pas par l'en-tête 000", 1)
    if entities[-1].kind != "999":
        raise MalformedNoemieError(
            "le fichier ne finit pas par l'enregistrement 999", len(entities)
        )
    head = _Reader(entities[0])
    if head.raw(3, 5, "en-tête") != "00NOE":
        raise head.fail("application inconnue")
    if head.raw(8, 3, "référence") != REFERENCE:
        raise head.fail("référence NOEMIE non prise en charge")
    emitter = head.text(11, 9, "émetteur")
    receiver = head.text(20, 9, "destinataire")
    file_number = head.digits(29, 10, "numéro de fichier")
    created_on = head.ymd(39, "date de création")
    if head.raw(47, RECORD - 47, "fin d'en-tête").strip():
        raise head.fail("zone réservée non vide")

    payments: list[NoemiePayment] = []
    rejects: list[NoemieRejects] = []
    body = entities[1:-1]
    i = 0
    while i < len(body):
        opener = _Reader(body[i])
        if body[i].level != "01" or body[i].kind not in ("100", "200"):
            raise opener.fail("début de groupe (100 ou 200) attendu")
        declared: Decimal | None = None
        if body[i].kind == "100":
            opener.length(45)
            reference = opener.text(5, 20, "référence du virement")
            if not reference:
                raise opener.fail("référence du virement vide")
            group_date = opener.ymd(25, "date du virement")
            declared = opener.amount(33, 12, "montant du virement")
        else:
            opener.length(13)
            reference = ""
            group_date = opener.ymd(5, "date de traitement")
        i += 1
        invoices: list[NoemieInvoice] = []
        while i < len(body) and body[i].kind != "990":
            ent = body[i]
            r = _Reader(ent)
            if ent.kind != "110" or ent.level != "02":
                raise r.fail("facture (110) attendue")
            inv = _invoice(r)
            i += 1
            patient: NoemiePatient | None = None
            acts: list[NoemieAct] = []
            parts: dict[str, NoemiePart] = {}
            # Order: 110, its parts 198 then 199 (each at most once), the patient, the acts.
            while i < len(body) and body[i].kind in ("198", "199", "120", "210"):
                sub = _Reader(body[i])
                kind = body[i].kind
                if body[i].level != "03":
                    raise sub.fail("niveau 03 attendu")
                if kind in ("198", "199"):
                    if kind in parts or patient is not None or acts or "199" in parts:
                        raise sub.fail("part en double ou mal placée")
                    parts[kind] = _part(sub)
                    _check_part(
                        sub,
                        parts[kind],
                        inv.paid_amo if kind == "198" else inv.paid_amc,
                        "AMO" if kind == "198" else "AMC",
                    )
                elif kind == "120":
                    if patient is not None or acts:
                        raise sub.fail("patient en double ou après les actes")
                    patient = _patient(sub)
                else:
                    acts.append(_act(sub))
                i += 1
            invoices.append(
                NoemieInvoice(
                    fse_id=inv.fse_id,
                    lot_id=inv.lot_id,
                    care_date=inv.care_date,
                    outcome=inv.outcome,
                    paid_amo=inv.paid_amo,
                    paid_amc=inv.paid_amc,
                    motif_code=inv.motif_code,
                    motif_label=inv.motif_label,
                    patient=patient,
                    acts=tuple(acts),
                    amo=parts.get("198"),
                    amc=parts.get("199"),
                )
            )
        if i >= len(body):
            raise MalformedNoemieError("groupe non fermé par une entité 990", body[-1].number)
        closing = _Reader(body[i])
        if body[i].level != "02":
            raise closing.fail("niveau 02 attendu")
        closing.length(35)
        totals = _Totals(
            count=closing.digits(5, 6, "nombre de factures"),
            amo=closing.amount(11, 12, "total AMO"),
            amc=closing.amount(23, 12, "total AMC"),
        )
        i += 1
        seen = _Totals()
        for inv in invoices:
            seen.count += 1
            seen.amo += inv.paid_amo
            seen.amc += inv.paid_amc
        if seen != totals:
            raise closing.fail("les totaux ne correspondent pas aux factures du groupe")
        group = tuple(invoices)
        if declared is not None:
            if any(inv.outcome is not InvoiceOutcome.PAID for inv in group):
                raise closing.fail("un virement ne contient que des factures payées")
            payment = NoemiePayment(reference=reference, paid_on=group_date, invoices=group)
            if payment.total != declared:
                raise opener.fail("le montant du virement ne correspond pas aux factures")
            payments.append(payment)
        else:
            if any(inv.outcome is not InvoiceOutcome.REJECTED for inv in group):
                raise closing.fail("un groupe de rejets ne contient que des rejets")
            rejects.append(NoemieRejects(processed_on=group_date, invoices=group))

    tail = _Reader(entities[-1])
    if tail.raw(3, 2, "niveau") != "00":
        raise tail.fail("niveau 00 attendu")
    if tail.digits(5, 10, "numéro de fichier") != file_number:
        raise tail.fail("numéro de fichier différent de l'en-tête")
    if tail.digits(15, 8, "nombre d'entités") != len(body):
        raise tail.fail("nombre d'entités incohérent")
    paid = [inv for p in payments for inv in p.invoices]
    if tail.amount(23, 12, "total AMO") != sum((x.paid_amo for x in paid), Decimal("0.00")):
        raise tail.fail("total AMO incohérent")
    if tail.amount(35, 12, "total AMC") != sum((x.paid_amc for x in paid), Decimal("0.00")):
        raise tail.fail("total AMC incohérent")
    if tail.digits(47, 8, "nombre de rejets") != sum(len(r.invoices) for r in rejects):
        raise tail.fail("nombre de rejets incohérent")
    if tail.raw(55, RECORD - 55, "fin").strip():
        raise tail.fail("zone réservée non vide")
    return NoemieFile(
        emitter=emitter,
        receiver=receiver,
        file_number=file_number,
        created_on=created_on,
        payments=tuple(payments),
        rejects=tuple(rejects),
    )
