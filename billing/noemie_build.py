"""Writing a NOEMIE return file (the simulated caisse sends them; tests build them): the
fixed header and trailer, one entity per invoice, patient and act, the closing totals."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal

from billing.noemie_format import (
    CENT,
    MAX_LABEL,
    RECORD,
    REFERENCE,
    TERMINATOR,
    InvoiceOutcome,
    MalformedNoemieError,
    NoemieFile,
    NoemieInvoice,
    NoemiePart,
)

#: Numeric fields of ``210`` this project does not carry, written as zeros: code gestion (2),
#: justification (1, blank), mode de traitement (2), discipline (3), date de prescription (6),
#: then after the dates: prix unitaire (8), base (8), taux (3).
_ACT_HEAD = "00" + " " + "00" + "000" + "000000"
_ACT_RATES = "0" * 8 + "0" * 8 + "000"
#: After the coefficient: dénombrement (3), dépense (8), qualificatif (2, blank), taux and
#: montant Alsace-Moselle (3 + 8), taux, montant and base mutuelle (3 + 8 + 8).
_ACT_TAIL = "000" + "0" * 8 + "  " + "000" + "0" * 8 + "000" + "0" * 8 + "0" * 8


def _text(value: str, width: int) -> str:
    """Uppercase ASCII, no terminator, left-aligned, truncated to ``width``."""
    ascii_only = unicodedata.normalize("NFKD", value).encode("ascii", "ignore").decode()
    clean = ascii_only.replace(TERMINATOR, " ").replace("\r", " ").replace("\n", " ").upper()
    return clean[:width].ljust(width)


def _ident(value: str, width: int) -> str:
    if not re.fullmatch(r"[A-Za-z0-9._-]+", value) or len(value) > width:
        raise MalformedNoemieError(f"identifiant {value!r} impossible à écrire")
    return value.ljust(width)


def _cents(amount: Decimal, width: int) -> str:
    cents = int((amount.quantize(CENT) * 100).to_integral_value())
    if cents < 0 or len(str(cents)) > width:
        raise MalformedNoemieError(f"montant {amount} hors limites")
    return str(cents).zfill(width)


def _num(value: int, width: int) -> str:
    if value < 0 or len(str(value)) > width:
        raise MalformedNoemieError(f"nombre {value} hors limites")
    return str(value).zfill(width)


def _signed(amount: Decimal) -> str:
    """Paid amount on 8 then its sign (``P`` positive, ``N`` negative), as 198/199/210."""
    return _cents(abs(amount), 8) + ("N" if amount < 0 else "P")


def _part(kind: str, part: NoemiePart) -> str:
    text = kind + "03" + _cents(part.requested, 8) + part.state.value + _signed(part.paid)
    if kind == "198":
        return text
    if part.amc_number and not part.amc_number.isdigit():
        raise MalformedNoemieError(f"numéro AMC {part.amc_number!r} non numérique")
    return text + part.amc_number.zfill(10)[-10:] + _text(part.member_id, 15)


def _invoice_entities(inv: NoemieInvoice) -> list[str]:
    motif = inv.motif_code or ""
    out = [
        "11002"
        + _ident(inv.fse_id, 36)
        + _ident(inv.lot_id, 36)
        + inv.care_date.strftime("%Y%m%d")
        + inv.outcome.value
        + _cents(inv.paid_amo, 9)
        + _cents(inv.paid_amc, 9)
        + motif.ljust(3)
        + _text(inv.motif_label, MAX_LABEL).rstrip()
    ]
    if inv.amo is not None:
        out.append(_part("198", inv.amo))
    if inv.amc is not None:
        out.append(_part("199", inv.amc))
    if inv.patient is not None:
        p = inv.patient
        out.append(
            "12003"
            + p.birth_ddmmyy
            + _num(p.rank, 1)
            + _text(p.last_name, 25)
            + _text(p.first_name, 15)
        )
    for act in inv.acts:
        if not 1 <= len(act.code) <= 3:
            raise MalformedNoemieError(f"nature de prestation {act.code!r} : 1 à 3 caractères")
        day = act.care_date.strftime("%d%m%y")
        out.append(
            "21003"
            + _num(act.line, 2)
            + _ACT_HEAD
            + day  # date des soins (début)
            + day  # date de fin de soins
            + _ACT_RATES
            + _signed(act.amount)
            + _text(act.code, 3)
            + "  "  # code complémentaire à la nature d'acte
            + _num(act.quantity, 3)
            + _cents(act.coefficient, 5)
            + _ACT_TAIL
        )
    return out


def _closing(invoices: tuple[NoemieInvoice, ...]) -> str:
    amo = sum((i.paid_amo for i in invoices), Decimal("0.00"))
    amc = sum((i.paid_amc for i in invoices), Decimal("0.00"))
    return "99002" + _num(len(invoices), 6) + _cents(amo, 12) + _cents(amc, 12)


def build_noemie(noemie: NoemieFile) -> bytes:
    """The file bytes (ISO-8859-1, one entity per line for readability).

    :raises MalformedNoemieError: if a value does not fit its field.
    """
    header = (
        "00000NOE"
        + REFERENCE
        + _text(noemie.emitter, 9)
        + _text(noemie.receiver, 9)
        + _num(noemie.file_number, 10)
        + noemie.created_on.strftime("%Y%m%d")
    ).ljust(RECORD)
    entities: list[str] = []
    for pay in noemie.payments:
        if any(i.outcome is not InvoiceOutcome.PAID for i in pay.invoices):
            raise MalformedNoemieError("un virement ne contient que des factures payées")
        entities.append(
            "10001"
            + _text(pay.reference, 20)
            + pay.paid_on.strftime("%Y%m%d")
            + _cents(pay.total, 12)
        )
        for inv in pay.invoices:
            entities.extend(_invoice_entities(inv))
        entities.append(_closing(pay.invoices))
    for rej in noemie.rejects:
        if any(i.outcome is not InvoiceOutcome.REJECTED or not i.motif_code for i in rej.invoices):
            raise MalformedNoemieError("un groupe de rejets ne contient que des rejets motivés")
        entities.append("20001" + rej.processed_on.strftime("%Y%m%d"))
        for inv in rej.invoices:
            entities.extend(_invoice_entities(inv))
        entities.append(_closing(rej.invoices))
    paid = [i for p in noemie.payments for i in p.invoices]
    rejected = sum(len(r.invoices) for r in noemie.rejects)
    trailer = (
        "99900"
        + _num(noemie.file_number, 10)
        + _num(len(entities), 8)
        + _cents(sum((i.paid_amo for i in paid), Decimal("0.00")), 12)
        + _cents(sum((i.paid_amc for i in paid), Decimal("0.00")), 12)
        + _num(rejected, 8)
    ).ljust(RECORD)
    lines = [header, *(e + TERMINATOR for e in entities), trailer]
    return ("\r\n".join(lines) + "\r\n").encode("latin-1")
