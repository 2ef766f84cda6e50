"""How a bénéficiaire reads on the desk: his qualité, and his rights at the date of care
as French sentences (AMO, ALD, C2S, maternité, AT/MP, complémentaire)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from cardio import layout
from cardio.vitale_values import AmcContract, AmcService
from client.labels import AMC_GESTION_LABELS, AMC_SERVICE_LABELS
from ui.fmt import date_fr
from ui.translation import QT_TRANSLATE_NOOP

QUALITES = {
    "00": QT_TRANSLATE_NOOP("", "assuré"),
    "01": QT_TRANSLATE_NOOP("", "ascendant"),
    "02": QT_TRANSLATE_NOOP("", "conjoint"),
    "03": QT_TRANSLATE_NOOP("", "conjoint divorcé"),
    "04": QT_TRANSLATE_NOOP("", "concubin"),
    "05": QT_TRANSLATE_NOOP("", "conjoint séparé"),
    "06": QT_TRANSLATE_NOOP("", "enfant"),
    "07": QT_TRANSLATE_NOOP("", "bénéficiaire hors article 313"),
    "08": QT_TRANSLATE_NOOP("", "veuf"),
    "09": QT_TRANSLATE_NOOP("", "autre ayant droit"),
}


# The rights as the card (cardio.vitale.RightsAt) or ADRi (client.usecases.rights) give them.
class CoverageView(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def code(self) -> str: ...
    @property
    def end(self) -> dt.date | None: ...


class RightsView(Protocol):
    @property
    def amo(self) -> bool: ...
    @property
    def coverages(self) -> Sequence[CoverageView]: ...
    @property
    def amc(self) -> AmcContract | None: ...


@runtime_checkable
class WithRights(Protocol):
    """A bénéficiaire read from a Vitale, or ADRi's answer (a local patient has no rights)."""

    def rights_at(self, day: dt.date) -> RightsView: ...


def rights_lines(beneficiary: object, day: dt.date) -> list[tuple[str, str]]:
    """(role, sentence) lines for the rights at ``day``: role is 'ok', 'error' or 'hint'."""
    if not isinstance(beneficiary, WithRights):
        return [("hint", "Droits non lus : vérifiez-les par ADRi.")]
    rights = beneficiary.rights_at(day)
    lines: list[tuple[str, str]] = []
    if rights.amo:
        lines.append(("ok", f"Droits AMO ouverts au {date_fr(day)}."))
    else:
        lines.append(("error", f"Pas de droits AMO au {date_fr(day)} : actualisez par ADRi."))
    for coverage in rights.coverages:
        lines.append(("ok", coverage_text(coverage)))
    amc = rights.amc
    if amc is not None:
        lines.extend(("hint", line) for line in amc_lines(amc))
    else:
        lines.append(("hint", "Pas de complémentaire sur la carte."))
    return lines


def amc_lines(amc: AmcContract) -> list[str]:
    """The complémentaire in words: organism and contract, then its tiers payant."""
    until = f" jusqu'au {date_fr(amc.end)}" if amc.end else ""
    member = f", adhérent {amc.member_number}" if amc.member_number else ""
    contract = f", contrat {amc.contract_type}" if amc.contract_type else ""
    first = f"Complémentaire n° AMC {amc.organism}{contract}{member}{until}."
    if not amc.tiers_payant:
        return [first, "Sans tiers payant complémentaire : le patient avance la part AMC."]
    services = amc.tp_services or frozenset(AmcService)
    kinds = ", ".join(AMC_SERVICE_LABELS[s] for s in AmcService if s in services)
    gestion = AMC_GESTION_LABELS[amc.gestion]
    return [first, f"Tiers payant AMC en {gestion}, pour : {kinds}."]


def coverage_text(coverage: CoverageView) -> str:
    kind = coverage.kind
    code = coverage.code or ""
    end = coverage.end
    until = f" jusqu'au {date_fr(end)}" if end else ""
    if kind == layout.COVERAGE_ALD:
        return f"ALD (exonération du ticket modérateur){until} — code {code}."
    if kind == layout.COVERAGE_C2S:
        return f"C2S (complémentaire santé solidaire){until} : pas d'avance de frais."
    if kind == layout.COVERAGE_MATERNITY:
        return f"Maternité (prise en charge à 100 %){until}."
    if kind == layout.COVERAGE_AT_MP:
        return f"Accident du travail / maladie professionnelle{until}."
    return f"{kind} {code}{until}."


def is_public(person: object) -> bool:
    """A bénéficiaire of a Vitale's public zone: a name, no identity for an FSE yet."""
    return (
        hasattr(person, "nir_with_key")
        and not hasattr(person, "rights_at")
        and not callable(getattr(person, "identity", None))
    )
