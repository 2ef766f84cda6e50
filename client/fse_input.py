"""The input of ``sesam fse create`` (``parse_fse_input``): the JSON of ``sesam price``
plus optional keys, documented in ``docs/formats/fse.md`` ("Entrée de sesam fse create"),
read into the typed :class:`FseInput` the desk builds directly, and the errors of the FSE
use cases (:mod:`client.fse_service` re-exports them)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

from billing import price_io
from billing.fse import (
    Beneficiary,
    Organism,
    PatientIdentification,
    SecuringMode,
    TiersPayant,
)
from billing.request import (
    Act,
    CarePathway,
    HistoryEntry,
    Overrun,
    Patient,
    Practitioner,
    PricingRequest,
    Sector,
)
from cardio.vitale_values import AmcContract, AmcGestion, parse_tp_services
from client.errors import ClientError

#: Keys of the ``sesam fse create`` input that ``sesam price`` does not know.
FSE_KEYS = frozenset(
    {
        "beneficiary",
        "mode",
        "degrade_reason",
        "situation",
        "tiers_payant",
        "acte_gratuit",
        "identity",
        "cancel_reason",
    }
)


class FseInputError(ClientError):
    """The ``sesam fse create`` input is malformed (exit code 2); ``field`` names the key."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"Champ « {field} » : {message}")
        self.field = field
        self.message = message


class FseServiceError(ClientError):
    """A use case cannot go on; the French message says what to do."""


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """A patient identified without the carte Vitale (sans Vitale, dégradé)."""

    beneficiary: Beneficiary
    organism: Organism
    last_name: str
    first_name: str
    #: The complémentaire ADRi (or the ApCV session) returned: billed on like the card's.
    amc: AmcContract | None = None


@dataclass(frozen=True, slots=True)
class PricingDraft:
    """The pricing request as the desk (or the JSON) gives it; ``None`` where the cards
    fill in (CPS situation, carte Vitale birth date and rights) or the store (history):
    :meth:`complete` makes the :class:`PricingRequest` of it."""

    date_of_care: date
    acts: tuple[Act, ...]
    specialty: str | None = None
    sector: Sector | None = None
    optam: bool = False
    is_treating_doctor: bool = False
    zone: str = "metropole"
    birth_date: date | None = None
    ald: bool | None = None
    c2s: bool | None = None
    maternity: bool | None = None
    at_mp: bool | None = None
    care_pathway: CarePathway = CarePathway.IN
    overrun: Overrun | None = None
    history: tuple[HistoryEntry, ...] | None = None
    teleconsultation: bool = False  # priced by the téléconsultation rules

    def complete(
        self,
        *,
        specialty: str | None = None,
        sector: str | None = None,
        birth_date: str = "",
        coverages: frozenset[str] = frozenset(),
        history: tuple[HistoryEntry, ...] = (),
    ) -> PricingRequest:
        """The request, with the CPS situation's ``specialty`` and ``sector``, the card's
        ``birth_date`` (AAAAMMJJ), the coverage kinds of the Vitale rights at the date of
        care (``ALD``, ``MAT``, ``ATMP``, ``C2S``) and the store's ``history`` where the
        draft is silent; checked as ``sesam price`` checks them (a value neither the draft
        nor the cards give is reported missing).

        :raises billing.price_io.InputError: a filled-in value is not valid.
        """
        # The CPS's values go through the checks of ``sesam price``, as if typed in.
        practitioner = Practitioner(
            specialty=price_io.specialty_of(specialty)
            if self.specialty is None
            else self.specialty,
            sector=price_io.sector_of(sector) if self.sector is None else self.sector,
            optam=self.optam,
            is_treating_doctor=self.is_treating_doctor,
            zone=self.zone,
        )

        on = self.date_of_care
        born = self.birth_date
        if born is None:
            given = (
                f"{birth_date[:4]}-{birth_date[4:6]}-{birth_date[6:]}"
                if len(birth_date) == 8
                else None
            )
            born = price_io.check_birth(price_io.read_date(given, "patient.birth_date"), on)

        def covered(given: bool | None, kind: str) -> bool:
            return kind in coverages if given is None else given

        patient = Patient(
            birth_date=born,
            ald=covered(self.ald, "ALD"),
            c2s=covered(self.c2s, "C2S"),
            maternity=covered(self.maternity, "MAT"),
            at_mp=covered(self.at_mp, "ATMP"),
            care_pathway=self.care_pathway,
        )
        return PricingRequest(
            on,
            practitioner,
            patient,
            self.acts,
            self.overrun,
            history if self.history is None else self.history,
            teleconsultation=self.teleconsultation,
        )


def parse_pricing_draft(obj: object) -> PricingDraft:
    """Read the ``sesam price`` keys of a ``sesam fse create`` input: a key left out is
    filled in from the cards or the store (:meth:`PricingDraft.complete`).

    :raises billing.price_io.InputError: a given key is malformed.
    """
    root = price_io.read_object(obj, "(racine)")
    on = price_io.read_date(root.get("date_of_care"), "date_of_care")
    situation = price_io.read_object(root.get("practitioner") or {}, "practitioner")
    person = price_io.read_object(root.get("patient") or {}, "patient")
    specialty = price_io.read_specialty(situation) if "specialty" in situation else None
    sector = price_io.read_sector(situation) if "sector" in situation else None
    zone = price_io.read_zone(situation)
    optam = price_io.read_flag(situation, "optam", "practitioner.optam")
    treating = price_io.read_flag(
        situation, "is_treating_doctor", "practitioner.is_treating_doctor"
    )
    born = None
    if "birth_date" in person:
        born = price_io.check_birth(
            price_io.read_date(person["birth_date"], "patient.birth_date"), on
        )
    pathway = price_io.read_care_pathway(person)

    def flag(name: str) -> bool | None:  # left out: the carte Vitale's rights say it
        return price_io.read_flag(person, name, f"patient.{name}") if name in person else None

    ald, c2s, maternity, at_mp = flag("ald"), flag("c2s"), flag("maternity"), flag("at_mp")
    acts = price_io.read_acts(root)
    overrun = price_io.read_overrun(root)
    history = price_io.read_history(root) if "history" in root else None
    return PricingDraft(
        date_of_care=on,
        acts=acts,
        specialty=specialty,
        sector=sector,
        optam=optam,
        is_treating_doctor=treating,
        zone=zone,
        birth_date=born,
        ald=ald,
        c2s=c2s,
        maternity=maternity,
        at_mp=at_mp,
        care_pathway=pathway,
        overrun=overrun,
        history=history,
        teleconsultation=price_io.read_teleconsultation(root),
    )


@dataclass(frozen=True, slots=True)
class FseInput:
    """What ``sesam fse create`` was asked to do."""

    pricing: PricingDraft
    beneficiary: int | Mapping[str, str] | None
    mode: SecuringMode | None
    degrade_reason: str
    situation: int | None
    tiers_payant: TiersPayant
    acte_gratuit: bool
    identity: PatientIdentity | None


def _text(obj: Mapping[str, Any], key: str, field: str, *, default: str | None = None) -> str:
    value = obj.get(key, default)
    if not isinstance(value, str):
        raise FseInputError(field, "texte attendu")
    return value.strip()


def _flag(obj: Mapping[str, Any], key: str, field: str) -> bool:
    value = obj.get(key, False)
    if not isinstance(value, bool):
        raise FseInputError(field, "booléen attendu (true ou false)")
    return value


def parse_identity(raw: object) -> PatientIdentity:
    """Read the ``identity`` key of a ``sesam fse create`` input.

    :raises FseInputError: it is malformed.
    """
    if not isinstance(raw, dict):
        raise FseInputError("identity", "objet attendu")
    nir = _text(raw, "nir", "identity.nir", default="").upper()
    if len(nir) != 15 or not nir[13:].isdigit():
        raise FseInputError("identity.nir", "NIR de l'assuré sur 15 caractères (13 + clé) attendu")
    beneficiary_nir = _text(raw, "beneficiary_nir", "identity.beneficiary_nir", default="").upper()
    if beneficiary_nir and len(beneficiary_nir) != 15:
        raise FseInputError("identity.beneficiary_nir", "NIR sur 15 caractères attendu")
    birth = _text(raw, "birth_date", "identity.birth_date", default="").replace("-", "")
    if len(birth) != 8 or not birth.isdigit():
        raise FseInputError("identity.birth_date", "date AAAA-MM-JJ ou AAAAMMJJ attendue")
    source = _text(raw, "identification", "identity.identification", default="nir")
    if source not in ("nir", "adri", "apcv"):
        raise FseInputError("identity.identification", 'valeur attendue : "nir", "adri" ou "apcv"')
    organism_raw = raw.get("organism")
    if not isinstance(organism_raw, dict):
        raise FseInputError("identity.organism", "objet {regime, caisse, centre} attendu")
    organism = Organism(
        regime=_text(organism_raw, "regime", "identity.organism.regime", default=""),
        caisse=_text(organism_raw, "caisse", "identity.organism.caisse", default=""),
        centre=_text(organism_raw, "centre", "identity.organism.centre", default=""),
        code_gestion=_text(
            organism_raw, "code_gestion", "identity.organism.code_gestion", default=""
        ),
    )
    for name, size in (("regime", 2), ("caisse", 3), ("centre", 4)):
        value = getattr(organism, name)
        if len(value) != size or not value.isdigit():
            raise FseInputError(f"identity.organism.{name}", f"{size} chiffres attendus")
    return PatientIdentity(
        beneficiary=Beneficiary(
            assure_nir=nir[:13],
            assure_nir_key=nir[13:],
            beneficiary_nir=beneficiary_nir[:13],
            beneficiary_nir_key=beneficiary_nir[13:],
            birth_date=birth,
            rang=_text(raw, "rang", "identity.rang", default="1"),
            qualite=_text(raw, "qualite", "identity.qualite", default="00"),
            identification=PatientIdentification(source),
            adri_reference=_text(raw, "adri_reference", "identity.adri_reference", default=""),
        ),
        organism=organism,
        last_name=_text(raw, "last_name", "identity.last_name", default=""),
        first_name=_text(raw, "first_name", "identity.first_name", default=""),
        amc=amc_contract(raw.get("amc"), "identity.amc"),
    )


def amc_contract(doc: object, field: str = "amc") -> AmcContract | None:
    """ADRi's ``amc`` object (``docs/formats/amc.md``: organisme, adherent, contrat,
    tiers_payant, gestion, soins_tiers_payant, debut, fin) as the card's contract; None
    when absent. :raises FseInputError: present but not readable as one."""
    if doc is None:
        return None
    if not isinstance(doc, dict):
        raise FseInputError(field, "objet de la complémentaire attendu (ou absent)")
    organism = _text(doc, "organisme", f"{field}.organisme", default="")
    if len(organism) != 8 or not organism.isdigit():
        raise FseInputError(f"{field}.organisme", "n° AMC sur 8 chiffres attendu")
    try:
        start = date.fromisoformat(_text(doc, "debut", f"{field}.debut", default=""))
        end_raw = _text(doc, "fin", f"{field}.fin", default="")
        end = date.fromisoformat(end_raw) if end_raw else None
    except ValueError:
        raise FseInputError(f"{field}.debut", "dates AAAA-MM-JJ attendues") from None
    try:
        gestion = AmcGestion(_text(doc, "gestion", f"{field}.gestion", default="S") or "S")
        services = parse_tp_services(
            _text(doc, "soins_tiers_payant", f"{field}.soins_tiers_payant", default="")
        )
    except ValueError:
        raise FseInputError(field, "gestion (U, S) ou soins (CON, TEC, DEN…) inconnus") from None
    return AmcContract(
        organism=organism,
        member_number=_text(doc, "adherent", f"{field}.adherent", default=""),
        start=start,
        end=end,
        contract_type=_text(doc, "contrat", f"{field}.contrat", default=""),
        tiers_payant=_flag(doc, "tiers_payant", f"{field}.tiers_payant"),
        gestion=gestion,
        tp_services=services,
    )


def parse_fse_input(obj: object) -> FseInput:
    """Read the ``sesam fse create`` input (see ``docs/formats/fse.md``).

    :raises FseInputError: one of the keys is malformed (the pricing keys as
        ``billing.price_io`` checks them).
    """
    if not isinstance(obj, dict):
        raise FseInputError("(racine)", "objet JSON attendu")
    selector = obj.get("beneficiary")
    if selector is not None and not (
        (isinstance(selector, int) and not isinstance(selector, bool))
        or (isinstance(selector, dict) and all(isinstance(v, str) for v in selector.values()))
    ):
        raise FseInputError(
            "beneficiary", 'index (0, 1, ...) ou objet {"rang", "birth_date", "prenom"}'
        )
    mode_raw = obj.get("mode")
    try:
        mode = None if mode_raw is None else SecuringMode(mode_raw)
    except ValueError:
        raise FseInputError(
            "mode", 'valeur attendue : "vitale", "sans_vitale" ou "degrade"'
        ) from None
    situation = obj.get("situation")
    if situation is not None and (not isinstance(situation, int) or isinstance(situation, bool)):
        raise FseInputError("situation", "numéro de situation (entier) attendu")
    tp_raw = obj.get("tiers_payant", {})
    if not isinstance(tp_raw, dict):
        raise FseInputError("tiers_payant", 'objet {"amo": bool, "amc": bool} attendu')
    identity_raw = obj.get("identity")
    degrade_reason = _text(obj, "degrade_reason", "degrade_reason", default="")
    tiers_payant = TiersPayant(
        amo=_flag(tp_raw, "amo", "tiers_payant.amo"),
        amc=_flag(tp_raw, "amc", "tiers_payant.amc"),
    )
    acte_gratuit = _flag(obj, "acte_gratuit", "acte_gratuit")
    identity = None if identity_raw is None else parse_identity(identity_raw)
    try:  # after the FSE keys: the order in which a faulty input is reported
        pricing = parse_pricing_draft(obj)
    except price_io.InputError as exc:
        raise FseInputError(exc.field, exc.message) from None
    return FseInput(
        pricing=pricing,
        beneficiary=selector,
        mode=mode,
        degrade_reason=degrade_reason,
        situation=situation,
        tiers_payant=tiers_payant,
        acte_gratuit=acte_gratuit,
        identity=identity,
    )
