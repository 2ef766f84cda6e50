"""JSON schemas of the FSE and lot formats, and the small validator that checks them.

The schemas are published as ``docs/formats/fse.schema.json`` and ``lot.schema.json``
(JSON Schema draft 2020-12; a test keeps the files equal to these values). The validator
understands exactly the keywords they use: ``type``, ``properties``, ``required``,
``additionalProperties: false``, ``items``, ``enum``, ``const``, ``pattern``, ``minimum``,
``maximum``, ``minItems``, ``maxItems``, ``minLength``, ``maxLength``, ``$ref`` to
``#/$defs/...``. That avoids a dependency for what a hundred lines do.
"""

from __future__ import annotations

import functools
import logging
import re
from collections.abc import Mapping
from typing import Any

from billing.errors import BillingError

logger = logging.getLogger(__name__)

_MONEY = {"type": "string", "pattern": "^-?[0-9]{1,9}\\.[0-9]{2}$"}
_DIGITS = "^[0-9]+$"
_HEX64 = {"type": "string", "pattern": "^[0-9a-f]{64}$"}
_UUID = {
    "type": "string",
    "pattern": "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$",
}
_STAMP = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"}
_DATE = {"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_TEXT = {"type": "string", "maxLength": 200}


def _obj(properties: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": sorted(properties),
        "additionalProperties": False,
    }


_ORGANISM = _obj(
    {
        "regime": {"type": "string", "pattern": "^[0-9]{2}$"},
        "caisse": {"type": "string", "pattern": "^[0-9]{3}$"},
        "centre": {"type": "string", "pattern": "^[0-9]{4}$"},
        "code_gestion": {"type": "string", "pattern": "^([0-9]{2})?$"},
    }
)

_PRACTITIONER = _obj(
    {
        "billing_number": {"type": "string", "pattern": "^[0-9]{8}$"},
        "billing_key": {"type": "string", "pattern": "^[0-9]$"},
        "national_id": {"type": "string", "pattern": "^[0-9A-Za-z]{0,20}$"},
        "last_name": _TEXT,
        "first_name": _TEXT,
        "situation": {"type": "integer", "minimum": 1, "maximum": 99},
        "specialty": {"type": "string", "pattern": "^[0-9]{2}$"},
        "sector": {"type": "string", "maxLength": 5},
        "convention_code": {"type": "string", "maxLength": 5},
        "price_zone": {"type": "string", "maxLength": 5},
        "ik_zone": {"type": "string", "maxLength": 5},
        "practice_mode": {"type": "string", "pattern": "^[0-9]$"},
        "structure": {"type": "string", "maxLength": 20},
        "replacement": {
            "type": ["object", "null"],
            "properties": {
                "number": {"type": "string", "pattern": "^[0-9]{8,9}$"},
                "national_id": {"type": "string", "pattern": "^[0-9A-Za-z]{0,20}$"},
            },
            "required": ["national_id", "number"],
            "additionalProperties": False,
        },
    }
)

_BENEFICIARY = _obj(
    {
        "assure_nir": {"type": "string", "pattern": "^[0-9]{6}[0-9AB][0-9]{6}$"},
        "assure_nir_key": {"type": "string", "pattern": "^[0-9]{2}$"},
        "beneficiary_nir": {"type": "string", "pattern": "^([0-9]{6}[0-9AB][0-9]{6})?$"},
        "beneficiary_nir_key": {"type": "string", "pattern": "^([0-9]{2})?$"},
        "birth_date": {"type": "string", "pattern": "^[0-9]{8}$"},
        "rang": {"type": "string", "pattern": "^[1-9]$"},
        "qualite": {"type": "string", "pattern": "^[0-9]{2}$"},
        "identification": {"enum": ["vitale", "nir", "adri", "apcv"]},
        "adri_reference": {"type": "string", "maxLength": 64},
    }
)

_DECIMAL = {"type": "string", "pattern": "^[0-9]{1,4}(\\.[0-9]{1,4})?$"}

_ACT = _obj(
    {
        "date": _DATE,
        "code": {"type": "string", "pattern": "^[A-Z0-9+.-]{1,16}$"},
        "quantity": {"type": "integer", "minimum": 1, "maximum": 999},
        "coefficient": _DECIMAL,
        "fee": _MONEY,
        "base": _MONEY,
        "amo_rate": _DECIMAL,
        "amo": _MONEY,
        "overrun_kind": {"enum": ["", "DE", "DA", "DP", "ED"]},
        "overrun": _MONEY,
    }
)

_BODY = _obj(
    {
        "fse_id": _UUID,
        "number": {"type": "integer", "minimum": 1, "maximum": 999999999},
        "created_at": _STAMP,
        "care_date": _DATE,
        "practitioner": {"$ref": "#/$defs/practitioner"},
        "beneficiary": _BENEFICIARY,
        "organism": {"$ref": "#/$defs/organism"},
        "securing": _obj(
            {
                "mode": {"enum": ["vitale", "sans_vitale", "degrade", "apcv"]},
                "vitale_serial": {"type": "string", "pattern": "^([0-9a-f]{16})?$"},
                "degrade_reason": {"type": "string", "maxLength": 200},
            }
        ),
        "acts": {"type": "array", "items": _ACT, "minItems": 1, "maxItems": 99},
        "amounts": _obj(
            {
                "total_fees": _MONEY,
                "amo": _MONEY,
                "participation_forfaitaire": _MONEY,
                "amc": _MONEY,
                "patient_remainder": _MONEY,
            }
        ),
        "tiers_payant": _obj({"amo": {"type": "boolean"}, "amc": {"type": "boolean"}}),
        "mentions": _obj(
            {
                "de": {"type": "boolean"},
                "ed": {"type": "boolean"},
                "acte_gratuit": {"type": "boolean"},
            }
        ),
        "coverage": {"type": "object", "additionalProperties": {"type": "string"}},
        "referential_version": {"type": "string", "maxLength": 64},
    }
)

# Optional (FSE before it, and every FSE that rectifies none, do not carry it): the FSE that
# an FSE rectificative replaces.
_BODY["properties"]["rectifies"] = _obj(
    {"fse_id": _UUID, "number": {"type": "integer", "minimum": 1, "maximum": 999999999}}
)

# Optional (apcv mode only, docs/formats/apcv.md): the ApCV session that signed the digest.
_BODY["properties"]["securing"]["properties"]["apcv_session"] = {
    "type": "string",
    "pattern": "^APCVS-[0-9A-F]{24}$",
}

# Optional (present, and true, only for a téléconsultation): the act was done at a distance.
_BODY["properties"]["teleconsultation"] = {"const": True}

_FSE = _obj(
    {
        "format": {"const": "SESAM-FSE"},
        "version": {"const": 1},
        "body": {"$ref": "#/$defs/fse_body"},
        "digest": _HEX64,
        "vitale_certification": {"type": "string", "pattern": "^([0-9a-f]{16})?$"},
    }
)

# Optional (apcv mode only): the ApCV service's ECDSA P-256 signature (DER) of the digest.
_FSE["properties"]["apcv_signature"] = {"type": "string", "pattern": "^([0-9a-f]{2}){8,80}$"}

_DEFS = {
    "organism": _ORGANISM,
    "practitioner": _PRACTITIONER,
    "fse_body": _BODY,
    "fse": _FSE,
}

#: Schema of one FSE document (``docs/formats/fse.schema.json``).
FSE_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sesam-client.invalid/formats/fse.schema.json",
    "title": "SESAM-FSE version 1",
    "$ref": "#/$defs/fse",
    "$defs": _DEFS,
}

#: Schema of a lot's content (``docs/formats/lot.schema.json``).
LOT_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "$id": "https://sesam-client.invalid/formats/lot.schema.json",
    "title": "SESAM-LOT version 1",
    **_obj(
        {
            "format": {"const": "SESAM-LOT"},
            "version": {"const": 1},
            "lot_id": _UUID,
            "number": {"type": "integer", "minimum": 1, "maximum": 999999999},
            "kind": {"const": "fse"},
            "mode": {"enum": ["vitale", "sans_vitale", "degrade"]},
            "practitioner": {"$ref": "#/$defs/practitioner"},
            "organism": {"$ref": "#/$defs/organism"},
            "created_at": _STAMP,
            "closed_at": _STAMP,
            "fse_count": {"type": "integer", "minimum": 1, "maximum": 999},
            "totals": _obj({"total_fees": _MONEY, "amo": _MONEY, "amc": _MONEY}),
            "fse_digests": {"type": "array", "items": _HEX64, "minItems": 1, "maxItems": 999},
            "fse": {
                "type": "array",
                "items": {"$ref": "#/$defs/fse"},
                "minItems": 1,
                "maxItems": 999,
            },
        }
    ),
    "$defs": _DEFS,
}
# Optional (lots signed before it exist): the audit journal's head when the lot was signed,
# so that the caisse keeps, signed by the CPS, an anchor of the workstation's journal.
LOT_SCHEMA["properties"]["journal"] = _obj(
    {"seq": {"type": "integer", "minimum": 0}, "head": _HEX64}
)


class SchemaError(BillingError):
    """A document does not follow its schema; ``path`` points at the offending value."""

    def __init__(self, path: str, reason: str) -> None:
        super().__init__(f"Document non conforme au format ({path or '/'} : {reason}).")
        self.path = path
        self.reason = reason


_TYPES: dict[str, tuple[type, ...]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "boolean": (bool,),
    "null": (type(None),),
}


def _type_ok(value: Any, name: str) -> bool:
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def _resolve(ref: str, root: Mapping[str, Any]) -> Mapping[str, Any]:
    prefix = "#/$defs/"
    if not ref.startswith(prefix):
        raise SchemaError("", f"référence non gérée {ref}")
    found: Mapping[str, Any] = root["$defs"][ref[len(prefix) :]]
    return found


class _Fault(Exception):
    """A fault found deep in a document; the path is built on the way out (only then)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        self.parts: list[str] = []


def _inside(key: str | int, item: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    try:
        _check(item, schema, root)
    except _Fault as fault:
        fault.parts.append(str(key))
        raise


def _check(value: Any, schema: Mapping[str, Any], root: Mapping[str, Any]) -> None:
    if "$ref" in schema:
        _check(value, _resolve(schema["$ref"], root), root)
    if "const" in schema and (value != schema["const"] or type(value) is not type(schema["const"])):
        raise _Fault(f"valeur attendue {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        raise _Fault(f"valeur hors de {schema['enum']}")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_type_ok(value, name) for name in names):
            raise _Fault(f"type attendu {' ou '.join(names)}")
    if isinstance(value, str):
        if "pattern" in schema and not _pattern_matches(schema["pattern"], value):
            raise _Fault("forme invalide")
        if "maxLength" in schema and len(value) > schema["maxLength"]:
            raise _Fault("texte trop long")
        if "minLength" in schema and len(value) < schema["minLength"]:
            raise _Fault("texte trop court")
    elif isinstance(value, int) and not isinstance(value, bool):
        if "minimum" in schema and value < schema["minimum"]:
            raise _Fault(f"inférieur à {schema['minimum']}")
        if "maximum" in schema and value > schema["maximum"]:
            raise _Fault(f"supérieur à {schema['maximum']}")
    elif isinstance(value, list):
        if "minItems" in schema and len(value) < schema["minItems"]:
            raise _Fault("trop peu d'éléments")
        if "maxItems" in schema and len(value) > schema["maxItems"]:
            raise _Fault("trop d'éléments")
        if "items" in schema:
            for index, item in enumerate(value):
                _inside(index, item, schema["items"], root)
    elif isinstance(value, dict):
        properties: Mapping[str, Any] = schema.get("properties", {})
        for key in schema.get("required", ()):
            if key not in value:
                raise _Fault(f"champ obligatoire absent : {key}")
        extra = schema.get("additionalProperties", True)
        for key, item in value.items():
            if key in properties:
                _inside(key, item, properties[key], root)
            elif extra is False:
                raise _Fault(f"champ inconnu : {key}")
            elif isinstance(extra, Mapping):
                _inside(key, item, extra, root)


def validate(document: Any, schema: Mapping[str, Any]) -> None:
    """Check ``document`` against ``schema``; raise ``SchemaError`` at the first fault."""
    try:
        _check(document, schema, schema)
    except _Fault as fault:
        raise SchemaError(
            "".join("/" + part for part in reversed(fault.parts)), fault.reason
        ) from None


def validate_fse(document: Any) -> None:
    """Check one FSE document against ``FSE_SCHEMA``."""
    validate(document, FSE_SCHEMA)


def validate_lot(document: Any) -> None:
    """Check a lot content document against ``LOT_SCHEMA``."""
    validate(document, LOT_SCHEMA)


@functools.cache
def _compiled(pattern: str) -> re.Pattern[str]:
    """JSON Schema patterns follow ECMA-262, where ``$`` is the very end of the text;
    Python's ``$`` also matches before a final newline, so it is anchored with ``\\Z``."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + r"\Z"
    return re.compile(pattern)


def _pattern_matches(pattern: str, value: str) -> bool:
    return _compiled(pattern).search(value) is not None
