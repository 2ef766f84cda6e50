"""NOEMIE returns ("RSP": rejet, signalement, paiement): codec of the file the caisse sends.

The layout follows the public description (field notes §4.6): fixed 128-character ``000``
header and ``999`` trailer, variable entities terminated by ``@`` with the entity type in
characters 0–2 and the level (niveau) in 3–4, patient (``120``) and act (``210``) entities,
``990`` totals closing each group; the part entities ``198`` / ``199`` and the act entity
``210`` as in the public NOEMIE PS layout (``scresto09/sesamviewer``). All positions are
documented in ``docs/formats/noemie.md``. The parser reads outside data: it is strict and raises
:class:`MalformedNoemieError` with the entity number on anything unexpected.

The format (values, types) is in :mod:`billing.noemie_format`, its motifs in
:mod:`billing.noemie_motifs`, the writer in :mod:`billing.noemie_build`, the parser in
:mod:`billing.noemie_parse`; callers import all of it from here.
"""

from __future__ import annotations

from billing.noemie_build import build_noemie
from billing.noemie_format import (
    MAX_LABEL,
    MAX_SIZE,
    RECORD,
    REFERENCE,
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
from billing.noemie_motifs import MOTIFS, PAYMENT_MOTIFS, REJECT_MOTIFS
from billing.noemie_parse import parse_noemie

__all__ = [
    "MAX_LABEL",
    "MAX_SIZE",
    "MOTIFS",
    "PAYMENT_MOTIFS",
    "RECORD",
    "REFERENCE",
    "REJECT_MOTIFS",
    "InvoiceOutcome",
    "MalformedNoemieError",
    "NoemieAct",
    "NoemieFile",
    "NoemieInvoice",
    "NoemiePart",
    "NoemiePatient",
    "NoemiePayment",
    "NoemieRejects",
    "PartState",
    "build_noemie",
    "parse_noemie",
]
