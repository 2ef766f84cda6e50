"""Codes that may not be billed together in one invoice (digest §7.5)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from billing.rules.codes import ErrorCode, ResolvedAct, RuleError

if TYPE_CHECKING:
    from billing.referential import Referential

#: The examen bucco-dentaire family: at most one CCAM act in the same session.
_EBD = frozenset({"BDC", "BR2", "BR4", "BRP"})


def check_cumul(acts: tuple[ResolvedAct, ...], referential: Referential) -> list[RuleError]:
    """Non-cumulable pairs from ``incompatibilities.csv`` and the one-CCAM-act EBD rule."""
    errors: list[RuleError] = []
    first_of: dict[str, ResolvedAct] = {}
    for resolved in acts:
        if resolved.row is not None:
            first_of.setdefault(resolved.row.code, resolved)
    for pair in referential.incompatibilities:
        a, b = first_of.get(pair.code_a), first_of.get(pair.code_b)
        if a is None or b is None:
            continue
        later = a if a.index > b.index else b
        errors.append(
            later.error(
                ErrorCode.NOT_CUMULABLE,
                f"{pair.code_a} et {pair.code_b} ne se facturent pas ensemble : "
                f"{pair.reason} [{pair.source}].",
            )
        )
    errors += _needs(acts)
    if _EBD & first_of.keys():
        technical = [r for r in acts if r.row is not None and r.row.is_technical]
        if sum(r.act.quantity for r in technical) > 1:
            errors.append(
                technical[-1].error(
                    ErrorCode.NOT_CUMULABLE,
                    "Un seul acte CCAM peut être réalisé au cours de la séance de l'examen "
                    "bucco-dentaire de prévention [002 L1875, L1965].",
                )
            )
    return errors


def _needs(acts: tuple[ResolvedAct, ...]) -> list[RuleError]:
    """A majoration of a visit (MDM, IK, IKM, IKP) needs the visit on the same invoice."""
    codes = {r.row.code for r in acts if r.row is not None} | {
        r.act.code.strip().upper() for r in acts
    }
    errors = []
    for resolved in acts:
        row = resolved.row
        if row is None or not row.needs or codes.intersection(row.needs):
            continue
        errors.append(
            resolved.error(
                ErrorCode.NOT_CUMULABLE,
                f"{row.code} majore une visite : il se facture avec une visite "
                f"({', '.join(row.needs)}), pas avec une consultation au cabinet "
                f"({row.source} ; visites [002 L3244-3247, L3330-3342]).",
            )
        )
    return errors
