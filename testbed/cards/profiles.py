"""Card profiles: JSON data files in ``profiles/`` describing one emulated card each.

``load_profile(name)`` validates a profile and raises ``ProfileError`` naming the field at
fault. Profiles are plain data; ``testbed.cards.vitale`` and ``testbed.cards.cps`` turn them
into card files.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cardio import layout
from cardio.vitale_values import parse_tp_services
from testbed import nir

_RELATIVE_DATE = re.compile(r"(?P<sign>[+-])(?P<years>[0-9]{1,2})y(?P<mmdd>[0-9]{4})?")

logger = logging.getLogger(__name__)

PROFILES_DIR = Path(__file__).with_name("profiles")

#: What the emulated damaged Vitale does with a file (``damage`` of a Vitale profile).
#: "absent": no such file (6A82), as the project's files are on a real Vitale 2.
DAMAGE_MODES = ("6F00", "truncated", "garbage", "absent")
#: The Vitale files a damage can apply to.
VITALE_FILES = ("identity", "card", "nir", "rights")
#: What a CPS profile says of its signing certificate.
CERTIFICATE_STATES = ("valid", "revoked", "expired", "none")


class ProfileError(ValueError):
    """A profile file is missing, unreadable or has a bad field."""

    def __init__(self, profile: str, field: str, problem: str) -> None:
        super().__init__(f"profile {profile!r}: field {field!r}: {problem}")
        self.profile = profile
        self.field = field
        self.problem = problem


@dataclass(frozen=True, slots=True)
class Period:
    """An AMO rights period, AAAAMMJJ dates."""

    start: str
    end: str


@dataclass(frozen=True, slots=True)
class Coverage:
    """A coverage period: ALD, maternité, AT/MP, C2S."""

    start: str
    end: str
    kind: str
    code: str


@dataclass(frozen=True, slots=True)
class Amc:
    """The complémentaire (AMC) contract of one bénéficiaire."""

    organism: str
    member: str
    start: str
    end: str
    contract: str
    tiers_payant: bool
    #: "U" gestion unique or "S" gestion séparée (card tag 86).
    gestion: str = "S"
    #: tiers payant services ("CON,TEC,DEN", card tag 87); "" = every service.
    tp_services: str = ""


@dataclass(frozen=True, slots=True)
class Beneficiaire:
    """One person on the carte Vitale with his rights."""

    nom: str
    prenom: str
    naissance: str
    nir: str  # 15 characters, key included
    rang: str
    qualite: str
    nom_usage: str | None
    amo: tuple[Period, ...]
    coverages: tuple[Coverage, ...]
    amc: Amc | None
    #: 65/90 on the card (cardpeek's "Nationalité"); the coding is not public: project value.
    nationalite: str = "FR"


@dataclass(frozen=True, slots=True)
class Assure:
    """The assuré (ouvrant droit) and the organism managing his rights."""

    nir: str  # 15 characters, key included
    regime: str
    caisse: str
    centre: str
    code_gestion: str


@dataclass(frozen=True, slots=True)
class VitaleProfile:
    """An emulated carte Vitale 2."""

    name: str
    description: str
    serial: bytes
    valid_from: str
    valid_to: str
    assure: Assure
    beneficiaires: tuple[Beneficiaire, ...]
    damage: dict[str, str]  # file name -> damage mode


@dataclass(frozen=True, slots=True)
class CpsHolder:
    """The holder of a CPx card (template A0)."""

    card_type: str
    id_type: str
    national_id: str
    id_key: str
    civilite: str
    nom: str
    prenom: str


@dataclass(frozen=True, slots=True)
class Situation:
    """One situation d'exercice of a CPx card (template A1)."""

    number: str
    mode: str
    status: str
    sector: str
    structure: str
    billing_number: str
    billing_key: str
    replacement_number: str | None
    convention_code: str
    specialty: str
    price_zone: str
    ik_zone: str
    may_sign_fse: bool
    may_sign_lot: bool
    structure_name: str
    optam: bool


@dataclass(frozen=True, slots=True)
class CpsProfile:
    """An emulated CPx card (CPS, CPE)."""

    name: str
    description: str
    serial: str
    holder: CpsHolder
    situations: tuple[Situation, ...]
    pin: str
    puk: str
    pin_tries_left: int
    certificate: str  # one of CERTIFICATE_STATES

    @property
    def has_signing_key(self) -> bool:
        return self.certificate != "none"


Profile = VitaleProfile | CpsProfile


class _Fields:
    """Reads typed fields from one JSON object, naming the field path in every error."""

    def __init__(self, profile: str, data: object, path: str) -> None:
        if not isinstance(data, dict):
            raise ProfileError(profile, path or "<root>", "must be a JSON object")
        self.profile = profile
        self.data: dict[str, Any] = data
        self.path = path

    def _name(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, problem: str) -> ProfileError:
        return ProfileError(self.profile, self._name(key), problem)

    def has(self, key: str) -> bool:
        return self.data.get(key) is not None

    def text(
        self, key: str, *, digits: int | None = None, choices: tuple[str, ...] | None = None
    ) -> str:
        if key not in self.data:
            raise self.error(key, "missing")
        value = self.data[key]
        if not isinstance(value, str) or not value:
            raise self.error(key, "must be a non-empty string")
        # isascii: "²" is a digit for str.isdigit() but not for int()
        if digits is not None and (
            len(value) != digits or not (value.isascii() and value.isdigit())
        ):
            raise self.error(key, f"must be {digits} digits, got {value!r}")
        if choices is not None and value not in choices:
            raise self.error(key, f"must be one of {', '.join(choices)}, got {value!r}")
        try:
            value.encode("latin-1")
        except UnicodeEncodeError:
            raise self.error(key, "must be encodable in Latin-1 (the card's charset)") from None
        return value

    def optional_text(self, key: str) -> str | None:
        return self.text(key) if self.has(key) else None

    def date(self, key: str) -> str:
        """A date AAAAMMJJ, or ``+Ny`` / ``+NyMMJJ``: 31 December (or MMJJ) of the year N
        years after today's (``-Ny``: before, for what has already ended). Cards in use end
        years from now; written as fixed dates, the suite would go red the day the calendar
        passed them."""
        raw = self.data.get(key)
        relative = _RELATIVE_DATE.fullmatch(raw) if isinstance(raw, str) else None
        if relative is not None:
            years = int(relative["years"])
            year = dt.date.today().year + (years if relative["sign"] == "+" else -years)
            value = f"{year:04d}{relative['mmdd'] or '1231'}"
        else:
            value = self.text(key, digits=8)
        try:
            dt.datetime.strptime(value, "%Y%m%d")
        except ValueError:
            raise self.error(key, f"not a date AAAAMMJJ: {value!r}") from None
        return value

    def flag(self, key: str) -> bool:
        value = self.data.get(key)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def integer(self, key: str, low: int, high: int) -> int:
        value = self.data.get(key)
        if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
            raise self.error(key, f"must be an integer from {low} to {high}")
        return value

    def nir15(self, key: str) -> str:
        value = self.text(key)
        if not nir.is_valid(value):
            raise self.error(key, "must be a 15-character NIR with its right key")
        return value

    def obj(self, key: str) -> _Fields:
        if key not in self.data:
            raise self.error(key, "missing")
        return _Fields(self.profile, self.data[key], self._name(key))

    def objects(self, key: str, *, min_count: int = 0, max_count: int = 99) -> list[_Fields]:
        value = self.data.get(key, [])
        if not isinstance(value, list):
            raise self.error(key, "must be a list")
        if not min_count <= len(value) <= max_count:
            raise self.error(key, f"must hold {min_count} to {max_count} entries")
        return [
            _Fields(self.profile, item, f"{self._name(key)}[{i}]") for i, item in enumerate(value)
        ]


def _period_pair(f: _Fields, start_key: str, end_key: str) -> tuple[str, str]:
    start, end = f.date(start_key), f.date(end_key)
    if end < start:
        raise f.error(end_key, f"ends ({end}) before it starts ({start})")
    return start, end


def _beneficiaire(f: _Fields) -> Beneficiaire:
    naissance = f.text("naissance", digits=8)  # lunar dates allowed: digits only
    rights = f.obj("rights")
    amo = tuple(
        Period(*_period_pair(p, "start", "end")) for p in rights.objects("amo", max_count=3)
    )
    coverages = []
    for c in rights.objects("coverages", max_count=7):
        start, end = _period_pair(c, "start", "end")
        kind = c.text(
            "kind",
            choices=(
                layout.COVERAGE_ALD,
                layout.COVERAGE_MATERNITY,
                layout.COVERAGE_AT_MP,
                layout.COVERAGE_C2S,
            ),
        )
        coverages.append(Coverage(start, end, kind, c.text("code")))
    amc = None
    if rights.has("amc"):
        a = rights.obj("amc")
        start, end = _period_pair(a, "start", "end")
        amc = Amc(
            organism=a.text("organism", digits=8),
            member=a.text("member"),
            start=start,
            end=end,
            contract=a.text("contract"),
            tiers_payant=a.flag("tiers_payant"),
            gestion=a.optional_text("gestion") or "S",
            tp_services=a.optional_text("tp_services") or "",
        )
        if amc.gestion not in ("U", "S"):
            raise a.error("gestion", 'must be "U" (unique) or "S" (séparée)')
        try:
            parse_tp_services(amc.tp_services)
        except ValueError:
            raise a.error("tp_services", "unknown service code") from None
    return Beneficiaire(
        nom=f.text("nom"),
        prenom=f.text("prenom"),
        naissance=naissance,
        nir=f.nir15("nir"),
        rang=f.text("rang", digits=1),
        qualite=f.text("qualite", digits=2),
        nom_usage=f.optional_text("nom_usage"),
        nationalite=f.optional_text("nationalite") or "FR",
        amo=amo,
        coverages=tuple(coverages),
        amc=amc,
    )


def _vitale(name: str, root: _Fields) -> VitaleProfile:
    serial_hex = root.text("serial")
    try:
        serial = bytes.fromhex(serial_hex)
    except ValueError:
        raise root.error("serial", "must be hexadecimal") from None
    if len(serial) != 8:
        raise root.error("serial", "must be 8 bytes (16 hex digits)")
    valid_from, valid_to = _period_pair(root, "valid_from", "valid_to")
    a = root.obj("assure")
    assure = Assure(
        nir=a.nir15("nir"),
        regime=a.text("regime", digits=2),
        caisse=a.text("caisse", digits=3),
        centre=a.text("centre", digits=4),
        code_gestion=a.text("code_gestion", digits=2),
    )
    beneficiaires = tuple(_beneficiaire(b) for b in root.objects("beneficiaires", min_count=1))
    damage: dict[str, str] = {}
    if root.has("damage"):
        d = root.obj("damage")
        for file_name in d.data:
            if file_name not in VITALE_FILES:
                raise d.error(file_name, f"unknown file, expected one of {', '.join(VITALE_FILES)}")
            damage[file_name] = d.text(file_name, choices=DAMAGE_MODES)
    return VitaleProfile(
        name=name,
        description=root.text("description"),
        serial=serial,
        valid_from=valid_from,
        valid_to=valid_to,
        assure=assure,
        beneficiaires=beneficiaires,
        damage=damage,
    )


def _situation(f: _Fields) -> Situation:
    billing_number = f.text("billing_number", digits=8)
    billing_key = f.text("billing_key", digits=1)
    if nir.luhn_key(billing_number) != billing_key:
        raise f.error("billing_key", f"wrong key, {nir.luhn_key(billing_number)} expected")
    replacement = f.optional_text("replacement_number")
    mode = f.text("mode", choices=("0", "1", "4", "7"))
    if replacement is not None:
        if len(replacement) != 9 or not (replacement.isascii() and replacement.isdigit()):
            raise f.error("replacement_number", "must be 8 digits and their key")
        if nir.luhn_key(replacement[:8]) != replacement[8]:
            raise f.error("replacement_number", "wrong key")
    if mode == "4" and replacement is None:
        raise f.error("replacement_number", "missing: mode 4 (remplaçant) needs it")
    return Situation(
        number=f.text("number", digits=1),
        mode=mode,
        status=f.text("status"),
        sector=f.text("sector", choices=("1", "1DP", "2")),
        structure=f.text("structure"),
        billing_number=billing_number,
        billing_key=billing_key,
        replacement_number=replacement,
        convention_code=f.text("convention_code"),
        specialty=f.text("specialty", digits=2),
        price_zone=f.text("price_zone", digits=2),
        ik_zone=f.text("ik_zone", digits=2),
        may_sign_fse=f.flag("may_sign_fse"),
        may_sign_lot=f.flag("may_sign_lot"),
        structure_name=f.text("structure_name"),
        optam=f.flag("optam"),
    )


def _cps(name: str, root: _Fields) -> CpsProfile:
    h = root.obj("holder")
    holder = CpsHolder(
        card_type=h.text("card_type", choices=tuple(layout.CPS_CARD_TYPES)),
        id_type=h.text("id_type", choices=("0", "8")),
        national_id=h.text("national_id"),
        id_key=h.text("id_key", digits=1),
        civilite=h.text("civilite", digits=2),
        nom=h.text("nom"),
        prenom=h.text("prenom"),
    )
    if not holder.national_id.isdigit():
        raise h.error("national_id", "must be digits")
    pin = root.text("pin", digits=layout.CPS_PIN_LENGTH)
    puk = root.text("puk", digits=layout.CPS_PUK_LENGTH)
    certificate = root.text("certificate", choices=CERTIFICATE_STATES)
    if holder.card_type == "2" and certificate != "none":
        raise root.error("certificate", "a CPE card has no signing key: use 'none'")
    return CpsProfile(
        name=name,
        description=root.text("description"),
        serial=root.text("serial", digits=10),
        holder=holder,
        situations=tuple(_situation(s) for s in root.objects("situations", min_count=1)),
        pin=pin,
        puk=puk,
        pin_tries_left=root.integer("pin_tries_left", 0, layout.CPS_PIN_MAX_TRIES),
        certificate=certificate,
    )


def parse_profile(name: str, data: object) -> Profile:
    """Validate the decoded JSON of profile ``name``."""
    root = _Fields(name, data, "")
    kind = root.text("kind", choices=("vitale", "cps"))
    return _vitale(name, root) if kind == "vitale" else _cps(name, root)


def profile_names() -> list[str]:
    """The names of the shipped profiles, sorted."""
    return sorted(p.stem for p in PROFILES_DIR.glob("*.json"))


def load_profile(name: str) -> Profile:
    """Load and validate the shipped profile ``name`` (e.g. ``"vitale-famille"``)."""
    path = PROFILES_DIR / f"{name}.json"
    if not path.is_file():
        raise ProfileError(name, "<file>", f"no such profile; known: {', '.join(profile_names())}")
    return load_profile_file(path)


def load_profile_file(path: Path) -> Profile:
    """Load and validate a profile from any JSON file (its name is the file stem)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ProfileError(path.stem, "<file>", f"unreadable: {exc}") from exc
    return parse_profile(path.stem, data)


def load_all() -> dict[str, Profile]:
    """Every shipped profile, validated, by name."""
    return {name: load_profile(name) for name in profile_names()}


def cps_profiles() -> dict[str, CpsProfile]:
    """The shipped CPx profiles by name."""
    return {n: p for n, p in load_all().items() if isinstance(p, CpsProfile)}
