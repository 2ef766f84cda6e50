# Over 500 lines: one check per kind of books row, all read against the same journal.
"""The books against the journal (issue #17): every fact a user reads, recomputed from the
audit journal or from what the journal protects, and compared with the rows as they stand.

- FSE: state, number, practitioner and lot from the journal's events; amounts, dates,
  organism, mode, patient, Vitale data and acts from the secured document (whose digest the
  journal holds, checked by ``client.store.audit_check``).
- Lots (``kind = 'fse'``): state from the journal's lot entries (``open`` while only members
  were journaled), the signed DER and content through the digests journaled at signing, the
  FSE count; the journal anchor inside the signed content (the head at signing, which the
  caisse keeps) must still be in the chain, so a cut tail is detected.
- Outbox: the entry each lot must have for its journaled state (held while open, present
  while signed and not voided, absent once voided).
- Payments and rejections, the AMC's own (gestion séparée, issue #23), NOEMIE files,
  unmatched lines, unpaid remainders closed by the user, what the patient paid at the desk
  (the last entry of each FSE): each row equals its journaled payload, and none journaled
  is missing.

``check_books`` only reads; the caller holds one read transaction (a consistent snapshot).
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from billing.audit import (
    GENESIS,
    AuditKind,
    amc_payment_payload,
    closure_payload,
    noemie_payload,
    payment_payload,
    settlement_payload,
    unmatched_payload,
    unmatched_resolved_payload,
)
from billing.canonical import parse_canonical
from billing.errors import BillingError
from billing.fse import Fse, decimal_text, fse_from_document, money
from billing.fse_states import FseEventKind
from billing.lot import KIND_FSE, LotState
from client.store.lot_bytes import stored_lot_der
from client.store.packing import PackedValueError, unpack_document, unpack_file
from client.store.rows import OutboxStatus
from client.store.streaming import stream_rows

if TYPE_CHECKING:
    from client.store.protocol import StoreDatabase


class BooksSource(Protocol):
    """What the books are read from: the store's connection. A protocol rather than the
    store class, which calls this module (no import circle)."""

    @property
    def db(self) -> StoreDatabase: ...


_FSE_KINDS = frozenset(k.value for k in FseEventKind)
_LOT_KINDS = frozenset((AuditKind.LOT_SIGNED.value, AuditKind.LOT_STATE.value))

_FIELD = {
    "state": "état",
    "number": "numéro",
    "practitioner_id": "praticien",
    "lot_id": "lot",
    "fse_uuid": "identifiant",
    "care_date": "date des soins",
    "mode": "mode de sécurisation",
    "apcv_session": "session ApCV",
    "degrade_reason": "motif du mode dégradé",
    "regime": "régime",
    "caisse": "caisse",
    "centre": "centre",
    "total_fees": "montant total",
    "amo": "part AMO",
    "participation_forfaitaire": "participation forfaitaire",
    "amc": "part AMC",
    "patient_remainder": "reste à charge",
    "tiers_payant_amo": "tiers payant AMO",
    "tiers_payant_amc": "tiers payant AMC",
    "patient_id": "patient",
    "vitale_serial": "carte Vitale",
    "vitale_certification": "certification Vitale",
    "digest": "empreinte du document",
    "fse_count": "nombre de FSE",
    "signed_der": "lot signé",
    "content_sha256": "contenu signé",
    "payment": "numéro",
    "fse": "FSE",
    "noemie": "fichier NOEMIE",
    "outcome": "résultat",
    "virement_ref": "référence du virement",
    "paid_on": "date du paiement",
    "billed_amo": "AMO facturé",
    "billed_amc": "AMC facturé",
    "paid_amo": "AMO payé",
    "paid_amc": "AMC payé",
    "motif_code": "code du motif",
    "amc_payment": "numéro",
    "return_id": "retour de la complémentaire",
    "dre_lot": "lot de DRE",
    "engagement": "engagement",
    "motif_label_sha256": "libellé du motif",
    "recorded_at": "date d'enregistrement",
    "file_number": "numéro de fichier",
    "invoices": "nombre de factures",
    "matched": "factures rapprochées",
    "unmatched": "factures non rapprochées",
    "imported_at": "date d'import",
    "lot": "lot",
    "patient_sha256": "patient",
    "reason_sha256": "raison",
    "resolved_fse": "FSE rapprochée",
    "resolved_at": "date du rapprochement",
    "resolved_by_sha256": "auteur du rapprochement",
    "closure": "numéro",
    "motif": "motif de clôture",
    "amount": "montant clos",
    "comment_sha256": "commentaire",
    "closed_at": "date de clôture",
    "closed_by_sha256": "auteur de la clôture",
    "means": "moyen de paiement",
    "collected": "montant encaissé",
}

#: The desk settlements with their FSE's UUID (a row whose FSE is gone: not journaled).
SETTLEMENTS_SQL = (
    "SELECT f.fse_uuid, s.fse_id, s.means, s.amount, s.recorded_at "
    "FROM fse_settlements s LEFT JOIN fse f ON f.id = s.fse_id"
)


def _label(field: str) -> str:
    return _FIELD.get(field, field)


def _differ(what: str, stored: Mapping[str, Any], expected: Mapping[str, Any]) -> list[str]:
    """One French line per field whose stored value is not the expected one."""
    out = []
    for key, value in expected.items():
        if stored.get(key) != value:
            out.append(
                f"{what} : {_label(key)} « {stored.get(key)} » dans le registre, "
                f"« {value} » selon le journal"
            )
    return out


#: An FSE seen only through its lot membership, no event of its own journaled.
_UNSTATED = object()


def _shared(value: Any) -> Any:
    """One copy of a text repeated across the journal (a practitioner, a state, a lot)."""
    return sys.intern(value) if isinstance(value, str) else value


class Expected:
    """What the journal says, fed entry by entry (``read``) in one pass over it, kept
    compact (issue #27: a 1 M FSE journal): per FSE a tuple (number, practitioner, state,
    lot), per lot a small dict, per payment and other row its payload's text (parsed when
    compared)."""

    def __init__(self) -> None:
        self.fse: dict[str, tuple[Any, Any, Any, str]] = {}
        self.lots: dict[str, dict[str, Any]] = {}
        self.payments: dict[int, str] = {}
        self.noemie: dict[str, str] = {}
        self.unmatched: dict[int, str] = {}
        self.resolved: dict[int, str] = {}
        self.closures: dict[int, str] = {}
        self.settlements: dict[str, str] = {}  # by FSE UUID, the last one stands
        self.amc_payments: dict[int, str] = {}
        #: What reading an entry raised: raised by ``built``, where the books are compared
        #: (the checks before them may find a breach first).
        self._failure: Exception | None = None

    def built(self) -> Expected:
        if self._failure is not None:
            raise self._failure
        return self

    def read(self, kind: str, fse_id: str, lot_id: str, text: str, p: Any) -> None:
        """One entry: its kind, FSE, lot, payload's text and the payload parsed."""
        if self._failure is not None:
            return
        try:
            self._read(kind, fse_id, lot_id, text, p)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            self._failure = exc

    def _read(self, kind: str, fse_id: str, lot_id: str, text: str, p: Any) -> None:
        if kind in _FSE_KINDS and fse_id:
            self.fse[fse_id] = (
                p["number"],
                _shared(p["practitioner"]),
                _shared(p["to"]),
                _shared(lot_id),
            )
        elif kind == AuditKind.LOT_MEMBER.value:
            number, practitioner, state, _ = self.fse.get(
                fse_id, (p["number"], None, _UNSTATED, "")
            )
            self.fse[fse_id] = (number, practitioner, state, _shared(lot_id))
            lot = self.lots.setdefault(lot_id, {"state": LotState.OPEN.value})
            lot["number"] = p["lot_number"]
        elif kind in _LOT_KINDS:
            lot = self.lots.setdefault(lot_id, {})
            lot["number"] = p["lot_number"]
            lot["state"] = p["state"]
            if "signed_sha256" in p:  # at signing, or sealed by the m008 baseline
                lot["signed_sha256"] = p["signed_sha256"]
                lot["content_sha256"] = p["content_sha256"]
                lot["fse_count"] = p["fse_count"]
        elif kind == AuditKind.PAYMENT.value:
            self.payments[int(p["payment"])] = text
        elif kind == AuditKind.NOEMIE_FILE.value:
            self.noemie[str(p["noemie"])] = text
        elif kind == AuditKind.UNMATCHED.value:
            self.unmatched[int(p["unmatched"])] = text
        elif kind == AuditKind.UNMATCHED_RESOLVED.value:
            self.resolved[int(p["unmatched"])] = text
        elif kind == AuditKind.REMAINDER_CLOSED.value:
            self.closures[int(p["closure"])] = text
        elif kind == AuditKind.SETTLEMENT.value:
            self.settlements[str(p["fse"])] = text
        elif kind == AuditKind.AMC_PAYMENT.value:
            self.amc_payments[int(p["amc_payment"])] = text


def _fse_fields(journaled: tuple[Any, Any, Any, str]) -> dict[str, Any]:
    """An FSE's facts as the journal gives them, keyed as the ``fse`` row's columns."""
    number, practitioner, state, lot_id = journaled
    return {"number": number, "practitioner_id": practitioner, "state": state, "lot_id": lot_id}


def _document_facts(fse: Fse) -> dict[str, Any]:
    """The columns of an ``fse`` row as the secured document gives them."""
    body = fse.body
    amounts = body.amounts.to_document()
    return {
        "fse_uuid": body.fse_id,
        "number": body.number,
        "practitioner_id": body.practitioner.practitioner_id,
        "patient_id": body.beneficiary.patient_key,
        "care_date": body.care_date.isoformat(),
        # m019: an ApCV FSE is stored in the secured lots' mode, its session beside.
        "mode": body.mode.lot_mode.value,
        "apcv_session": body.apcv_session,
        "degrade_reason": body.degrade_reason,
        "regime": body.organism.regime,
        "caisse": body.organism.caisse,
        "centre": body.organism.centre,
        **{name: amounts[name] for name in amounts},
        "tiers_payant_amo": int(body.tiers_payant.amo),
        "tiers_payant_amc": int(body.tiers_payant.amc),
        "vitale_serial": body.vitale_serial,
        "vitale_certification": fse.certification.hex(),
        "digest": fse.digest.hex(),
    }


def _acts_facts(fse: Fse) -> list[tuple[Any, ...]]:
    return [
        (
            line,
            act.date.isoformat(),
            act.code,
            act.quantity,
            decimal_text(act.coefficient),
            act.overrun_kind,
            money(act.fee),
        )
        for line, act in enumerate(fse.body.acts, start=1)
    ]


def _check_fse(store: BooksSource, expected: Expected) -> list[str]:
    problems: list[str] = []
    acts: dict[int, list[tuple[Any, ...]]] = {}
    for a in stream_rows(
        store.db,
        "SELECT fse_id, line, act_date, code, quantity, coefficient, overrun_kind, fee "
        "FROM fse_acts ORDER BY fse_id, line",
    ):
        acts.setdefault(int(a["fse_id"]), []).append(
            (
                a["line"],
                a["act_date"],
                a["code"],
                a["quantity"],
                a["coefficient"],
                a["overrun_kind"],
                a["fee"],
            )
        )
    seen: set[str] = set()
    for row in stream_rows(store.db, "SELECT * FROM fse ORDER BY practitioner_id, number"):
        uuid = str(row["fse_uuid"])
        what = f"FSE n° {row['number']}"
        seen.add(uuid)
        journaled = expected.fse.get(uuid)
        if journaled is None or journaled[2] is _UNSTATED:
            problems.append(f"{what} : absente du journal (ajoutée hors du logiciel)")
            continue
        stored = dict(row)
        stored["lot_id"] = row["lot_id"] or ""
        problems += _differ(what, stored, _fse_fields(journaled))
        try:
            fse = fse_from_document(parse_canonical(unpack_document(row["canonical"]).encode()))
        except (BillingError, ValueError, KeyError, TypeError):
            problems.append(f"{what} : document sécurisé illisible")
            continue
        for line in _differ(what, stored, _document_facts(fse)):
            problems.append(line.replace("selon le journal", "selon le document sécurisé"))
        if acts.get(int(row["id"]), []) != _acts_facts(fse):
            problems.append(f"{what} : actes différents du document sécurisé")
    for uuid, journaled in expected.fse.items():
        if uuid not in seen:
            problems.append(
                f"FSE n° {journaled[0]} : disparue du registre (présente dans le journal)"
            )
    return problems


def _anchor_problem(
    number: int,
    der: bytes,
    hash_at: Callable[[int], str | None],
    count: int,
    verify: Callable[[bytes], Any],
) -> str | None:
    """The journal head the signed lot carries must still be in the chain."""
    what = f"lot n° {number}"
    try:
        content = verify(der).content
        doc = parse_canonical(content)
    except (BillingError, ValueError):
        return None  # not a cut: the books check names the signed lot changed
    anchor = doc.get("journal") if isinstance(doc, dict) else None
    if not isinstance(anchor, dict):
        return None  # signed before the lots carried an anchor
    seq, head = int(anchor["seq"]), str(anchor["head"])
    found = GENESIS if seq == 0 else (hash_at(seq) if seq <= count else None)
    if found != head:
        return (
            f"{what} : signé quand le journal comptait {seq} entrée(s) ; le journal actuel "
            f"({count} entrées) ne les contient plus telles quelles "
            "(journal tronqué ou remplacé)"
        )
    return None


def check_anchors(
    store: BooksSource, hash_at: Callable[[int], str | None], count: int
) -> list[str]:
    """Each signed lot's anchor (the journal head it was signed at, inside the content the
    CPS signed and the caisse keeps) must still be in the chain: a cut tail shows here.
    ``hash_at``: the hash of an entry of the verified chain, by its ``seq`` (the chain is
    not held: 8 M entries at 1 M FSE); ``count``: its entries."""
    from billing.cms import check_own_signature  # cryptography: loaded only here

    problems = []
    for row in store.db.query(
        "SELECT number, signed_der FROM lots WHERE kind = ? AND signed_der IS NOT NULL "
        "ORDER BY practitioner_id, number",
        [KIND_FSE],
    ):
        number, der = int(row["number"]), _stored_der(store, row["signed_der"])
        problem = _anchor_problem(number, der, hash_at, count, check_own_signature)
        if problem:
            problems.append(problem)
    return problems


def _stored_file(stored: bytes) -> bytes:
    """A received file as stored (packed or not); b'' when damaged: its hash then differs."""
    try:
        return unpack_file(stored)
    except PackedValueError:
        return b""


def _stored_der(store: BooksSource, stored: bytes) -> bytes:
    """A signed lot as stored (packed or not, its FSE documents put back); b'' when damaged
    or when one of its documents changed: its hash then differs."""
    try:
        return stored_lot_der(store.db, stored)
    except PackedValueError:
        return b""


def _check_lots(store: BooksSource, expected: Expected) -> list[str]:
    problems: list[str] = []
    outbox = {str(r["id"]): r for r in store.db.query("SELECT id, kind, status FROM outbox")}
    seen: set[str] = set()
    for row in store.db.query(
        "SELECT id, number, kind, state, fse_count, signed_der, content_sha256 FROM lots "
        "WHERE kind = ? ORDER BY practitioner_id, number",
        [KIND_FSE],
    ):
        lot_id = str(row["id"])
        what = f"lot n° {row['number']}"
        seen.add(lot_id)
        journaled = expected.lots.get(lot_id)
        if journaled is None:
            problems.append(f"{what} : absent du journal (ajouté hors du logiciel)")
            continue
        problems += _differ(what, row, {"number": journaled["number"], "state": journaled["state"]})
        der = None if row["signed_der"] is None else _stored_der(store, row["signed_der"])
        if "signed_sha256" in journaled:
            if der is None or hashlib.sha256(der).hexdigest() != journaled["signed_sha256"]:
                problems.append(f"{what} : lot signé modifié ou effacé")
            if row["content_sha256"] != journaled["content_sha256"]:
                problems.append(f"{what} : empreinte du contenu signé modifiée")
            if journaled["state"] != LotState.VOIDED.value:
                problems += _differ(what, row, {"fse_count": journaled["fse_count"]})
        elif der is not None:
            problems.append(f"{what} : signé selon le registre, jamais signé selon le journal")
        problems += _outbox_problem(what, journaled["state"], outbox.get(lot_id))
    for lot_id, journaled in expected.lots.items():
        if lot_id not in seen:
            problems.append(
                f"lot n° {journaled.get('number', '?')} : disparu du registre "
                "(présent dans le journal)"
            )
    for out_id, out in outbox.items():
        if out["kind"] == KIND_FSE and out_id not in seen:
            problems.append(f"file d'envoi : entrée {out_id[:8]}… sans lot correspondant")
    return problems


def _outbox_problem(what: str, state: str, row: Mapping[str, Any] | None) -> list[str]:
    if state == LotState.VOIDED.value:
        if row is not None:
            return [f"{what} : annulé selon le journal mais encore dans la file d'envoi"]
        return []
    if row is None:
        text = (
            f"{what} : absent de la file d'envoi (état « {state} » selon le journal) : "
            "il ne serait jamais envoyé"
        )
        return [text]
    held = int(row["status"]) == int(OutboxStatus.HELD)
    if (state == LotState.OPEN.value) != held:
        text = (
            f"{what} : file d'envoi incohérente (état « {state} » selon le journal, "
            f"statut {OutboxStatus(int(row['status'])).name} dans la file)"
        )
        return [text]
    return []


def _check_rows(
    store: BooksSource,
    table: str,
    key: str,
    what: Callable[[Any], str],
    journaled: dict[Any, str],
    build: Callable[[Mapping[str, Any]], dict[str, Any]],
    where: str = "",
) -> list[str]:
    problems: list[str] = []
    seen = set()
    # Fixed names: the table and the clause are this module's.
    for row in stream_rows(store.db, f"SELECT * FROM {table}{where}"):  # noqa: S608
        k = row[key]
        seen.add(k)
        expected = journaled.get(k)
        if expected is None:
            problems.append(f"{what(k)} : absent du journal (ajouté hors du logiciel)")
            continue
        problems += _differ(what(k), build(row), json.loads(expected))
    for k in journaled:
        if k not in seen:
            problems.append(f"{what(k)} : supprimé du registre (présent dans le journal)")
    return problems


def check_books(store: BooksSource, expected: Expected) -> list[str]:
    """Every disagreement between the books and the journal, in French (empty: agreed);
    ``expected``: what the journal says, read by the caller in its pass over it."""
    numbers = {
        str(r["fse_uuid"]): int(r["number"])
        for r in store.db.query("SELECT fse_uuid, number FROM fse")
    }

    def payment(k: int) -> str:
        text = expected.payments.get(k)
        fse = json.loads(text).get("fse") if text is not None else None
        return f"paiement n° {k}" + (f" (FSE n° {numbers[fse]})" if fse in numbers else "")

    problems = _check_fse(store, expected)
    problems += _check_lots(store, expected)
    problems += _check_rows(store, "payments", "id", payment, expected.payments, payment_payload)
    problems += _check_rows(
        store,
        "noemie_files",
        "sha256",
        lambda k: f"fichier NOEMIE {str(k)[:12]}…",
        expected.noemie,
        noemie_payload,
    )
    problems += _check_rows(
        store,
        "unmatched_payments",
        "id",
        lambda k: f"retour non rapproché n° {k}",
        expected.unmatched,
        unmatched_payload,
    )
    problems += _check_rows(
        store,
        "unmatched_payments",
        "id",
        lambda k: f"rapprochement manuel du retour n° {k}",
        expected.resolved,
        unmatched_resolved_payload,
        where=" WHERE resolved_at IS NOT NULL",
    )
    problems += _check_rows(
        store,
        "remainder_closures",
        "id",
        lambda k: f"clôture du reste dû n° {k}",
        expected.closures,
        closure_payload,
    )
    problems += _check_rows(
        store,
        f"({SETTLEMENTS_SQL}) AS settled",  # PostgreSQL wants the alias
        "fse_uuid",
        lambda k: f"règlement au cabinet de la FSE n° {numbers.get(str(k), '?')}",
        expected.settlements,
        settlement_payload,
    )
    problems += _check_rows(
        store,
        "amc_payments",
        "id",
        lambda k: f"paiement de la complémentaire n° {k}",
        expected.amc_payments,
        amc_payment_payload,
    )
    for row in store.db.query("SELECT sha256, content FROM noemie_files"):
        if hashlib.sha256(_stored_file(row["content"])).hexdigest() != row["sha256"]:
            problems.append(f"fichier NOEMIE {str(row['sha256'])[:12]}… : contenu modifié")
    problems += _check_rectifications(store)
    return problems


def _check_rectifications(store: BooksSource) -> list[str]:
    """The links original -> FSE rectificative (m014) against what the journal protects:
    the rectificative's secured document names its original, and a rectified FSE (state
    journaled) has its link."""
    problems: list[str] = []
    linked: set[int] = set()
    for row in store.db.query(
        "SELECT r.original_id, o.number AS original, o.fse_uuid AS original_uuid, "
        "n.number AS rectificative, n.canonical FROM fse_rectifications r "
        "JOIN fse o ON o.id = r.original_id JOIN fse n ON n.id = r.rectificative_id"
    ):
        linked.add(int(row["original_id"]))
        what = f"FSE n° {row['original']} rectifiée par la FSE n° {row['rectificative']}"
        try:
            body = fse_from_document(
                parse_canonical(unpack_document(row["canonical"]).encode())
            ).body
        except (BillingError, ValueError, KeyError, TypeError):
            continue  # said by the FSE check
        if body.rectifies is None or body.rectifies.fse_id != row["original_uuid"]:
            problems.append(f"{what} : lien absent du document sécurisé de la rectificative")
    for row in store.db.query("SELECT id, number FROM fse WHERE state = 'rectified'"):
        if int(row["id"]) not in linked:
            problems.append(f"FSE n° {row['number']} rectifiée : lien vers sa rectificative absent")
    return problems
