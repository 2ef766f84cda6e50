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
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, Protocol

from billing.audit import (
    GENESIS,
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
from billing.lot_states import KIND_FSE, LotState
from client.store.journaled_facts import UNSTATED, Expected, Journaled
from client.store.lot_bytes import stored_lot_der
from client.store.packing import PackedValueError, unpack_document, unpack_file
from client.store.rows import OutboxStatus
from client.store.streaming import counted, stream_rows

if TYPE_CHECKING:
    from client.store.protocol import StoreDatabase


class BooksSource(Protocol):
    """What the books are read from: the store's connection. A protocol rather than the
    store class, which calls this module (no import circle)."""

    @property
    def db(self) -> StoreDatabase: ...


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


#: The acts of every FSE, in the order of ``_FSE_SQL``'s rows (streamed alongside them).
_ACTS_SQL = (
    "SELECT a.fse_id, a.line, a.act_date, a.code, a.quantity, a.coefficient, a.overrun_kind, "
    "a.fee FROM fse_acts a JOIN fse f ON f.id = a.fse_id "
    "ORDER BY f.practitioner_id, f.number, f.id, a.line"
)
_FSE_SQL = "SELECT * FROM fse ORDER BY practitioner_id, number, id"


def _acts_by_fse(store: BooksSource) -> Callable[[Any], list[tuple[Any, ...]]]:
    """The acts of the FSE row read next from ``_FSE_SQL`` (the two streams in one order:
    no FSE's acts held but the current one's)."""
    rows = iter(stream_rows(store.db, _ACTS_SQL))
    pending = next(rows, None)

    def acts_of(fse_id: Any) -> list[tuple[Any, ...]]:
        nonlocal pending
        acts = []
        while pending is not None and pending["fse_id"] == fse_id:
            a = pending
            acts.append(
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
            pending = next(rows, None)
        return acts

    return acts_of


def _first(store: BooksSource, sql: str, params: list[Any]) -> dict[str, Any] | None:
    """The first row of ``sql``; None when none."""
    return next(iter(store.db.query(sql, params)), None)


def _or_unknown(value: object) -> object:
    return "?" if value is None else value


def _check_fse(
    store: BooksSource, expected: Expected, say: Callable[[str], None] | None, every: int
) -> list[str]:
    problems: list[str] = []
    acts_of = _acts_by_fse(store)
    found = 0  # rows whose FSE the journal names (its UUID is unique in ``fse``)
    for row in counted(stream_rows(store.db, _FSE_SQL), "FSE comparées", say, every):
        uuid = str(row["fse_uuid"])
        what = f"FSE n° {row['number']}"
        acts = acts_of(row["id"])
        journaled = expected.fse(uuid)
        if journaled is not None:
            found += 1
        if journaled is None or journaled[2] is UNSTATED:
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
        if acts != _acts_facts(fse):
            problems.append(f"{what} : actes différents du document sécurisé")
    if found != expected.fse_count():
        for uuid in expected.fse_keys():
            if _first(store, "SELECT 1 FROM fse WHERE fse_uuid = ?", [uuid]) is None:
                journaled = expected.fse(uuid)
                number = journaled[0] if journaled is not None else "?"
                problems.append(
                    f"FSE n° {number} : disparue du registre (présente dans le journal)"
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
    store: BooksSource,
    hash_at: Callable[[int], str | None],
    count: int,
    say: Callable[[str], None] | None,
    every: int,
) -> list[str]:
    """Each signed lot's anchor (the journal head it was signed at, inside the content the
    CPS signed and the caisse keeps) must still be in the chain: a cut tail shows here.
    ``hash_at``: the hash of an entry of the verified chain, by its ``seq`` (the chain is
    not held: 8 M entries at 1 M FSE); ``count``: its entries; ``say`` told the lots
    checked every ``every`` (each signature checked: two minutes at 1 M FSE)."""
    from billing.cms import check_own_signature  # cryptography: loaded only here

    problems = []
    # A stream: on PostgreSQL a plain query holds every signed lot at once (138 MB of
    # them at 1M FSE).
    rows = stream_rows(
        store.db,
        "SELECT number, signed_der FROM lots WHERE kind = ? AND signed_der IS NOT NULL "
        "ORDER BY practitioner_id, number",
        [KIND_FSE],
    )
    for row in counted(rows, "lots signés vérifiés", say, every):
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
    seen: set[str] = set()
    # Each lot with its outbox entry (one per lot), read as a stream.
    for row in stream_rows(
        store.db,
        "SELECT l.id, l.number, l.kind, l.state, l.fse_count, l.signed_der, l.content_sha256, "
        "o.id AS outbox_id, o.status AS outbox_status FROM lots l "
        "LEFT JOIN outbox o ON o.id = l.id WHERE l.kind = ? "
        "ORDER BY l.practitioner_id, l.number",
        [KIND_FSE],
    ):
        lot_id = str(row["id"])
        what = f"lot n° {row['number']}"
        seen.add(lot_id)
        outbox = None if row["outbox_id"] is None else {"status": row["outbox_status"]}
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
        problems += _outbox_problem(what, journaled["state"], outbox)
    for lot_id, journaled in expected.lots.items():
        if lot_id not in seen:
            problems.append(
                f"lot n° {journaled.get('number', '?')} : disparu du registre "
                "(présent dans le journal)"
            )
    for out in store.db.query(
        "SELECT o.id FROM outbox o LEFT JOIN lots l ON l.id = o.id AND l.kind = ? "
        "WHERE o.kind = ? AND l.id IS NULL",
        [KIND_FSE, KIND_FSE],
    ):
        problems.append(f"file d'envoi : entrée {str(out['id'])[:8]}… sans lot correspondant")
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
    journaled: Journaled,
    build: Callable[[Mapping[str, Any]], dict[str, Any]],
    where: str = "",
) -> list[str]:
    problems: list[str] = []
    found = 0  # rows the journal names (``key`` is unique in ``table``)
    # Fixed names: the table and the clause are this module's.
    for row in stream_rows(store.db, f"SELECT * FROM {table}{where}"):  # noqa: S608
        k = row[key]
        expected = journaled.get(k)
        if expected is None:
            problems.append(f"{what(k)} : absent du journal (ajouté hors du logiciel)")
            continue
        found += 1
        problems += _differ(what(k), build(row), json.loads(expected))
    if found != journaled.count():
        one = f"SELECT 1 FROM {table}{where} {'AND' if where else 'WHERE'} {key} = ?"  # noqa: S608
        for k in journaled.in_order():
            if _first(store, one, [k]) is None:
                problems.append(f"{what(k)} : supprimé du registre (présent dans le journal)")
    return problems


def check_books(
    store: BooksSource,
    expected: Expected,
    say: Callable[[str], None] | None,
    every: int,
) -> list[str]:
    """Every disagreement between the books and the journal, in French (empty: agreed);
    ``expected``: what the journal says, read by the caller in its pass over it; ``say``
    told the FSE compared every ``every`` (each document parsed: minutes at 1 M FSE)."""

    def number(uuid: object) -> int | None:
        """The number of FSE ``uuid`` (named in a problem only: read then)."""
        if not isinstance(uuid, str):
            return None
        row = _first(store, "SELECT number FROM fse WHERE fse_uuid = ?", [uuid])
        return None if row is None else int(row["number"])

    def payment(k: int) -> str:
        text = expected.payments.get(k)
        found = number(json.loads(text).get("fse")) if text is not None else None
        return f"paiement n° {k}" + (f" (FSE n° {found})" if found is not None else "")

    problems = _check_fse(store, expected, say, every)
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
        lambda k: f"règlement au cabinet de la FSE n° {_or_unknown(number(str(k)))}",
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
    for row in stream_rows(store.db, "SELECT sha256, content FROM noemie_files"):
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
    for row in stream_rows(
        store.db,
        "SELECT r.original_id, o.number AS original, o.fse_uuid AS original_uuid, "
        "n.number AS rectificative, n.canonical FROM fse_rectifications r "
        "JOIN fse o ON o.id = r.original_id JOIN fse n ON n.id = r.rectificative_id",
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
