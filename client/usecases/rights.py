"""The rights of a patient asked to ADRi (SESAM sans Vitale, or rights older than the card),
seen like a bénéficiaire of a carte Vitale so that the desk shows and bills either alike."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from cardio.vitale_values import AmcContract, AmcGestion, parse_tp_services
from client.adri import Rights, query_rights
from client.store import Store
from client.usecases.common import Services


@dataclass(frozen=True, slots=True)
class AdriCoverage:
    """One open coverage (ALD, MAT, ATMP, C2S), like ``cardio.vitale.Coverage``."""

    kind: str
    code: str = ""
    end: dt.date | None = None


@dataclass(frozen=True, slots=True)
class AdriRightsAt:
    """ADRi's answer seen like ``cardio.vitale.RightsAt`` (for the rights panel)."""

    amo: bool
    coverages: tuple[AdriCoverage, ...]
    amc: AmcContract | None


@dataclass(frozen=True, slots=True)
class AdriPatient:
    """A patient identified by ADRi: looks like a bénéficiaire."""

    rights: Rights

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
        return AdriRightsAt(
            bool(self.rights.amo_open),
            tuple(AdriCoverage(str(c)) for c in self.rights.coverages),
            adri_amc(self.rights.amc),
        )

    def identity(self) -> dict[str, Any]:
        """The ``identity`` object of an FSE sans Vitale (``client.adri.Rights``)."""
        return self.rights.identity_input()


def adri_amc(doc: dict[str, Any] | None) -> AmcContract | None:
    """ADRi's ``amc`` object (``docs/formats/amc-card.md``) as the card's contract; an
    answer that cannot be read as one is no complémentaire (the patient pays, nothing
    is guessed)."""
    if not doc:
        return None
    try:
        start = dt.date.fromisoformat(str(doc.get("debut", "")))
        end_raw = str(doc.get("fin") or "")
        return AmcContract(
            organism=str(doc.get("organisme", "")),
            member_number=str(doc.get("adherent", "")),
            start=start,
            end=dt.date.fromisoformat(end_raw) if end_raw else None,
            contract_type=str(doc.get("contrat", "")),
            tiers_payant=doc.get("tiers_payant") is True,
            gestion=AmcGestion(str(doc.get("gestion") or AmcGestion.SEPAREE.value)),
            tp_services=parse_tp_services(str(doc.get("soins_tiers_payant") or "")),
        )
    except ValueError:
        return None


def ask_rights(
    ctx: Services,
    nir: str,
    birth_date: str,
    rank: str,
    day: dt.date,
    store: Store | None = None,
) -> Rights:
    """Ask ADRi through the context's transport (network: a worker thread); the call is
    logged in ``store`` when one is given (``sesam rights``)."""
    return query_rights(
        ctx.transport,
        nir,
        birth_date,
        rank,
        day,
        store=store,
        now=ctx.utc_clock() if store is not None else None,
    )


def query_adri(ctx: Services, nir: str, birth_date: str, rank: str, day: dt.date) -> AdriPatient:
    """The desk's ADRi query: the answer seen like a bénéficiaire."""
    return AdriPatient(ask_rights(ctx, nir, birth_date, rank, day))
