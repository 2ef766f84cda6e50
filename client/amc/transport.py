"""The AMC platform over HTTPS with mutual TLS: the concentrator's transport
(:class:`client.transport.HttpsTransport`: same certificates, timeouts, deadline) aimed at
``Settings.amc_url``, with the AMC's routes (``docs/formats/amc-api.md``)."""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any, Protocol

from billing.dre import DreAck, DreError, parse_ack
from client.errors import ClientError
from client.settings import Settings
from client.transport import HttpsTransport
from client.transport_errors import MalformedAnswerError, TransportError


class AmcError(ClientError):
    """The AMC cannot be reached or answered something unusable; French ``str()``.

    ``retryable``: trying again later may work (network, garbage)."""

    def __init__(self, message: str, *, retryable: bool) -> None:
        super().__init__(message)
        self.retryable = retryable


def amc_error(exc: TransportError) -> AmcError:
    """A transport error said for the complémentaire (not the concentrator)."""
    if isinstance(exc, MalformedAnswerError):
        return AmcError(
            "La complémentaire a répondu quelque chose d'illisible ; rien n'a été enregistré. "
            "Nouvel essai plus tard.",
            retryable=True,
        )
    detail = exc.detail or exc.kind
    if exc.retryable:
        return AmcError(
            f"La complémentaire santé ne répond pas ({detail}). Vérifiez la connexion ; "
            "nouvel essai plus tard.",
            retryable=True,
        )
    return AmcError(
        f"La complémentaire santé refuse la demande ({detail}). Vérifiez l'adresse et le "
        "certificat de la plateforme AMC dans les réglages.",
        retryable=False,
    )


@dataclass(frozen=True, slots=True)
class EngagementQuery:
    """What is asked of the AMC before securing in tiers payant AMC."""

    amc: str
    member: str
    care_date: date
    service: str  # cardio.vitale_values.AmcService value: CON, TEC, DEN…
    amount: Decimal
    practitioner: str  # n° de facturation


@dataclass(frozen=True, slots=True)
class EngagementAnswer:
    """Granted (``number``, ``gestion`` unique|separee) or refused (``motif``, ``label``)."""

    granted: bool
    number: str = ""
    gestion: str = ""
    motif: str = ""
    label: str = ""


@dataclass(frozen=True, slots=True)
class AmcReturn:
    """One entry of the AMC's returns feed: a payment or a rejection of one DRE."""

    seq: int
    return_id: str
    lot_id: str
    fse_id: str
    engagement: str
    paid: bool
    billed: Decimal
    amount_paid: Decimal
    paid_on: date
    virement: str
    motif_code: str
    motif_label: str


class Engager(Protocol):
    """What the securing asks of the AMC platform."""

    def engage(self, query: EngagementQuery) -> EngagementAnswer: ...


class AmcApi(Engager, Protocol):
    """What the client uses of the AMC platform (a fake in unit tests)."""

    def send_dre(self, lot_id: str, der: bytes) -> DreAck: ...

    def returns(self, after: int) -> tuple[list[AmcReturn], int]: ...


def _garbage(what: str) -> AmcError:
    return AmcError(
        f"Réponse de la complémentaire illisible ({what}) : rien n'a été enregistré. "
        "Signalez-le à la plateforme AMC si cela se répète.",
        retryable=True,
    )


def _text(doc: dict[str, Any], key: str, *, empty: bool = False) -> str:
    value = doc.get(key)
    if not isinstance(value, str) or (not value and not empty) or len(value) > 200:
        raise _garbage(key)
    return value


def _money(doc: dict[str, Any], key: str) -> Decimal:
    text = _text(doc, key)
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise _garbage(key) from None
    if value < 0 or value.as_tuple().exponent != -2:
        raise _garbage(key)
    return value


def parse_return(doc: object) -> AmcReturn:
    """One return of the feed, checked field by field. :raises AmcError: malformed."""
    if not isinstance(doc, dict):
        raise _garbage("retour")
    seq = doc.get("seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq <= 0:
        raise _garbage("seq")
    status = _text(doc, "statut")
    if status not in ("paye", "rejete"):
        raise _garbage("statut")
    try:
        paid_on = date.fromisoformat(_text(doc, "date_paiement"))
    except ValueError:
        raise _garbage("date_paiement") from None
    billed, paid = _money(doc, "montant_demande"), _money(doc, "montant_paye")
    if paid > billed or (status == "rejete" and paid != 0):
        raise _garbage("montant_paye")
    return AmcReturn(
        seq=seq,
        return_id=_text(doc, "id_retour"),
        lot_id=_text(doc, "lot_id"),
        fse_id=_text(doc, "fse_id"),
        engagement=_text(doc, "engagement"),
        paid=status == "paye",
        billed=billed,
        amount_paid=paid,
        paid_on=paid_on,
        virement=_text(doc, "virement", empty=True),
        motif_code=_text(doc, "motif_code", empty=True),
        motif_label=_text(doc, "motif_libelle", empty=True),
    )


class AmcTransport(HttpsTransport):
    """The AMC platform; every failure is an :class:`AmcError` said in French."""

    def __init__(self, settings: Settings) -> None:
        super().__init__(replace(settings, server_url=settings.amc_url))

    def _call(
        self,
        method: str,
        path: str,
        body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> bytes:
        try:
            status, answer_headers, data = self._request(method, path, body, headers)
            if status != 200:
                raise self._http_error(status, answer_headers, data)
        except TransportError as exc:
            raise amc_error(exc) from exc
        return data

    def _doc(self, data: bytes) -> dict[str, Any]:
        try:
            doc = json.loads(data)
        except (ValueError, RecursionError):
            raise _garbage("JSON") from None
        if not isinstance(doc, dict):
            raise _garbage("JSON")
        return doc

    def engage(self, query: EngagementQuery) -> EngagementAnswer:
        """POST /v1/engagements."""
        body = json.dumps(
            {
                "amc": query.amc,
                "adherent": query.member,
                "date_soins": query.care_date.isoformat(),
                "prestation": query.service,
                "montant_amc": str(query.amount),
                "ps": query.practitioner,
            }
        ).encode()
        doc = self._doc(
            self._call("POST", "/v1/engagements", body, {"Content-Type": "application/json"})
        )
        status = doc.get("statut")
        if status == "accorde":
            gestion = _text(doc, "gestion")
            if gestion not in ("unique", "separee"):
                raise _garbage("gestion")
            return EngagementAnswer(True, number=_text(doc, "numero"), gestion=gestion)
        if status == "refuse":
            return EngagementAnswer(False, motif=_text(doc, "motif"), label=_text(doc, "libelle"))
        raise _garbage("statut")

    def send_dre(self, lot_id: str, der: bytes) -> DreAck:
        """POST /v1/dre: the acknowledgement of the lot."""
        data = self._call(
            "POST",
            "/v1/dre",
            der,
            {"Content-Type": "application/pkcs7-mime", "Idempotency-Key": lot_id},
        )
        try:
            ack = parse_ack(data)
        except DreError:
            raise _garbage("accusé de réception") from None
        if ack.lot_id != lot_id:
            raise _garbage("accusé de réception d'un autre lot")
        return ack

    def returns(self, after: int) -> tuple[list[AmcReturn], int]:
        """GET /v1/retours?after=N: the returns and the last sequence number."""
        doc = self._doc(self._call("GET", f"/v1/retours?after={after}"))
        rows = doc.get("retours")
        last = doc.get("dernier")
        if not isinstance(rows, list) or not isinstance(last, int) or last < after:
            raise _garbage("liste des retours")
        return [parse_return(r) for r in rows], last
