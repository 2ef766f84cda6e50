"""Decoding the CPx card's public files (holder D001, situations D002) into values:
strict, the card is outside data (:class:`~cardio.errors.MalformedResponseError` names the
field). Re-exported by :mod:`cardio.cps`."""

from __future__ import annotations

from dataclasses import dataclass

from cardio import layout, tlv
from cardio._frozen import maker
from cardio.errors import MalformedResponseError


@dataclass(frozen=True, slots=True)
class CpsIdentity:
    """The card holder (template A0)."""

    card_type_code: str  # "0" CPS, "2" CPE ...
    id_type: str  # "8" RPPS, "0" ADELI
    national_id: str
    national_id_key: str
    civilite: str
    nom: str
    prenom: str
    serial: str

    @property
    def card_type(self) -> str:
        """CPS, CPF, CPE, CPA, CPM (or the raw code when unknown)."""
        return layout.CPS_CARD_TYPES.get(self.card_type_code, self.card_type_code)

    @property
    def may_sign(self) -> bool:
        """False for a CPE (staff card): it has no signing key."""
        return self.card_type != "CPE"


@dataclass(frozen=True, slots=True)
class Situation:
    """One situation d'exercice (template A1): what the practitioner bills under."""

    number: str
    mode: str
    statut: str
    secteur: str
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
class CpsCard:
    """The public content of a CPx card."""

    identity: CpsIdentity
    situations: tuple[Situation, ...]


def _get(fields: dict[int, bytes], tag: int, where: str) -> str:
    value = fields.get(tag)
    if value is None:
        raise MalformedResponseError(f"{where}: tag {tag:02X} missing")
    return value.decode("latin-1")


def _text(value: bytes | None) -> str:
    """An optional field as text, "" when absent."""
    return value.decode("latin-1") if value else ""


def parse_identity(data: bytes) -> CpsIdentity:
    """The holder from file D001.

    :raises MalformedResponseError: template A0 or a field is missing.
    """
    # ``values(x).get(tag)`` is ``find(decode(x), tag)``'s value, without the elements.
    holder = tlv.values(data).get(layout.TAG_CPS_HOLDER)
    if holder is None:
        raise MalformedResponseError("CPS identity: template A0 missing")
    c = tlv.values(holder)  # the first of each tag, as tlv.find
    where = "CPS identity"
    return _new_identity(  # the fields in order
        _get(c, layout.TAG_CPS_CARD_TYPE, where),  # card_type_code
        _get(c, layout.TAG_CPS_ID_TYPE, where),  # id_type
        _get(c, layout.TAG_CPS_ID, where),  # national_id
        _text(c.get(layout.TAG_CPS_ID_KEY)),  # national_id_key
        _text(c.get(layout.TAG_CPS_CIVILITE)),  # civilite
        _get(c, layout.TAG_CPS_NOM, where),  # nom
        _get(c, layout.TAG_CPS_PRENOM, where),  # prenom
        _text(c.get(layout.TAG_CPS_SERIAL)),  # serial
    )


def parse_situations(data: bytes) -> tuple[Situation, ...]:
    """The situations d'exercice from file D002, in card order.

    :raises MalformedResponseError: a situation lacks a field billing needs.
    """
    situations = []
    values, sit_tag = tlv.values, layout.TAG_CPS_SITUATION
    templates = [value for tag, value in tlv.decode(data) if tag == sit_tag]
    for index, template in enumerate(templates):
        c = values(template)
        get = c.get
        try:  # the required fields by ``c[tag]``: the KeyError names the missing one
            number = c[_SIT_NUMBER]
            mode = c[_SIT_MODE]
            billing_number = c[_SIT_BILLING_NUMBER]
            billing_key = c[_SIT_BILLING_KEY]
            specialty = c[_SIT_SPECIALTY]
        except KeyError as exc:
            raise MalformedResponseError(
                f"CPS situation {index + 1}: tag {exc.args[0]:02X} missing"
            ) from None
        # The optional fields "" when absent (``_text`` inline: a Situation has eleven).
        statut, secteur, structure = get(_SIT_STATUS), get(_SIT_SECTOR), get(_SIT_STRUCTURE)
        replacement, convention = get(_SIT_REPLACEMENT_NUMBER), get(_SIT_CONVENTION_CODE)
        price_zone, ik_zone = get(_SIT_PRICE_ZONE), get(_SIT_IK_ZONE)
        structure_name = get(_SIT_STRUCTURE_NAME)
        situations.append(
            _new_situation(  # the fields in order
                number.decode("latin-1"),
                mode.decode("latin-1"),
                statut.decode("latin-1") if statut else "",
                secteur.decode("latin-1") if secteur else "",
                structure.decode("latin-1") if structure else "",
                billing_number.decode("latin-1"),
                billing_key.decode("latin-1"),
                replacement.decode("latin-1") or None if replacement else None,
                convention.decode("latin-1") if convention else "",  # convention_code
                specialty.decode("latin-1"),
                price_zone.decode("latin-1") if price_zone else "",
                ik_zone.decode("latin-1") if ik_zone else "",
                get(_SIT_MAY_SIGN_FSE) == b"1",  # may_sign_fse
                get(_SIT_MAY_SIGN_LOT) == b"1",  # may_sign_lot
                structure_name.decode("latin-1") if structure_name else "",
                get(_SIT_OPTAM) == b"1",  # optam
            )
        )
    return tuple(situations)


_SIT_NUMBER, _SIT_MODE = layout.TAG_SIT_NUMBER, layout.TAG_SIT_MODE
_SIT_STATUS, _SIT_SECTOR = layout.TAG_SIT_STATUS, layout.TAG_SIT_SECTOR
_SIT_STRUCTURE, _SIT_STRUCTURE_NAME = layout.TAG_SIT_STRUCTURE, layout.TAG_SIT_STRUCTURE_NAME
_SIT_BILLING_NUMBER, _SIT_BILLING_KEY = layout.TAG_SIT_BILLING_NUMBER, layout.TAG_SIT_BILLING_KEY
_SIT_REPLACEMENT_NUMBER = layout.TAG_SIT_REPLACEMENT_NUMBER
_SIT_CONVENTION_CODE, _SIT_SPECIALTY = layout.TAG_SIT_CONVENTION_CODE, layout.TAG_SIT_SPECIALTY
_SIT_PRICE_ZONE, _SIT_IK_ZONE = layout.TAG_SIT_PRICE_ZONE, layout.TAG_SIT_IK_ZONE
_SIT_MAY_SIGN_FSE, _SIT_MAY_SIGN_LOT = layout.TAG_SIT_MAY_SIGN_FSE, layout.TAG_SIT_MAY_SIGN_LOT
_SIT_OPTAM = layout.TAG_SIT_OPTAM
# ``cardio._frozen``: the values built at a third of their ``__init__``'s cost.
_new_identity = maker(CpsIdentity)
_new_situation = maker(Situation)
