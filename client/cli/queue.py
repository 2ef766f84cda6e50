"""``sesam queue``: the télétransmission queue — its state, sending it, retrying a lot."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from billing.fse_states import FseState
from billing.money_text import count_fr, euros
from client.cli.context import CommandContext
from client.cli.looking import add_card_option, looking_as
from client.labels import FSE_STATE_LABELS, OUTBOX_STATUS_LABELS
from client.store import OutboxStatus, Store, parse_db_stamp

if TYPE_CHECKING:
    from client.sender import SendProgress

# The sender, the transport and the lots' use cases are imported by ``send`` and ``retry``:
# ``sesam queue status`` answers without them (issue #27, tests/client/test_cli_imports.py).

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1

#: The shared words (``client.labels``): ``sesam queue status`` says what the desk says.
STATUS_LABELS = OUTBOX_STATUS_LABELS
FSE_LABELS = FSE_STATE_LABELS


def _now() -> datetime:
    return datetime.now(UTC)


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _euros(money: str) -> str:
    """The French text of an amount ``queue_status`` holds as « 12.50 » (its JSON)."""
    return euros(Decimal(money))


def queue_status(store: Store, practitioners: frozenset[str] | None = None) -> dict[str, Any]:
    """Counts and amounts by state, the oldest waiting lot, the last contact; those of
    ``practitioners``' lots and FSE only when given (issue #26: who is looking)."""
    # Lists of objects (not objects keyed by state codes): every key of the JSON is French,
    # the codes are values (docs/formats/cli.md).
    lots: list[dict[str, Any]] = []
    for row in store.outbox.by_status(practitioners):
        lots.append(
            {
                "statut": row.status.name.lower(),
                "libelle": STATUS_LABELS[row.status],
                "lots": row.lots,
                "fse": row.fse,
                "montant": _money(row.total),
                "amo": _money(row.amo),
                "amc": _money(row.amc),
            }
        )
    fse: list[dict[str, Any]] = []
    # Kept by triggers (per practitioner): no walk of every FSE.
    totals = store.fse_totals_by_state(practitioners)
    for state in FseState:
        if totals.get(state, (0,))[0]:
            count, fees, amo, amc = totals[state]
            fse.append(
                {
                    "etat": state.value,
                    "libelle": FSE_LABELS[state],
                    "nombre": count,
                    "montant": _money(fees),
                    "amo": _money(amo),
                    "amc": _money(amc),
                }
            )
    oldest = None
    # The waiting statuses' rows only, each from the ``outbox_due`` index (not the whole
    # outbox: 100 000 rows in a ten-year store).
    waiting = [
        r
        for status in (OutboxStatus.PENDING, OutboxStatus.IN_FLIGHT, OutboxStatus.FAILED)
        for r in store.outbox_rows(status)
    ]
    if practitioners is not None and waiting:
        mine = store.alerts.seen_lots([r.id for r in waiting], practitioners)
        waiting = [r for r in waiting if r.id in mine]
    if waiting:
        first = min(waiting, key=lambda r: r.created_at)
        lot = store.lot_by_id(first.id)
        oldest = {
            "lot": lot.number,
            "lot_id": first.id,
            "depuis": first.created_at.isoformat(),
            "statut": STATUS_LABELS[first.status],
            "essais": first.attempts,
            "prochain_essai": first.next_attempt_at.isoformat() if first.next_attempt_at else None,
            "derniere_erreur": first.last_error,
        }
    from client.arl_returns import last_contact  # not client.returns: the NOEMIE side too

    contact = last_contact(store)
    return {
        "lots": lots,
        "fse": fse,
        "plus_ancien_en_attente": oldest,
        "dernier_contact": parse_db_stamp(contact).isoformat() if contact else None,
    }


def _print_status(status: dict[str, Any]) -> None:
    print("File de télétransmission")
    if not status["lots"]:
        print("  aucun lot")
    for info in status["lots"]:
        print(
            f"  {info['libelle']:<32} {count_fr(info['lots']):>5} lot(s) "
            f"{count_fr(info['fse']):>7} FSE "
            f"{_euros(info['montant']):>12} (AMO {_euros(info['amo'])}, AMC {_euros(info['amc'])})"
        )
    print("FSE")
    for info in status["fse"]:
        print(
            f"  {info['libelle']:<42} {count_fr(info['nombre']):>9}  {_euros(info['montant']):>12}"
        )
    oldest = status["plus_ancien_en_attente"]
    if oldest:
        line = f"Plus ancien en attente : lot n° {oldest['lot']} depuis {oldest['depuis'][:16]}"
        line += f", {oldest['essais']} essai(s)"
        print(line)
        if oldest["derniere_erreur"]:
            print(f"  Dernière erreur : {oldest['derniere_erreur']}")
    contact = status["dernier_contact"]
    print(f"Dernier contact avec le concentrateur : {contact[:19] if contact else 'jamais'}")


def _cmd_status(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        store = cli.store
        with looking_as(cli, args.carte) as seen:  # who is looking (#26)
            status = queue_status(store, seen)
    if args.json:
        print(json.dumps(status, ensure_ascii=False, indent=2))
    else:
        _print_status(status)
    return EXIT_OK


def progress_printer(stream: Any = None) -> Callable[[SendProgress], None]:
    """A text progress bar on stderr: one line per event, ``[####....] n/N message``."""
    from client.sender import SendStep

    out = stream or sys.stderr

    def show(progress: SendProgress) -> None:
        total = max(progress.total, progress.done, 1)
        filled = round(20 * progress.done / total)
        bar = "#" * filled + "." * (20 - filled)
        if progress.step in (SendStep.STARTED, SendStep.FINISHED):
            print(progress.message, file=out, flush=True)
        else:
            print(f"[{bar}] {progress.done}/{total} {progress.message}", file=out, flush=True)

    return show


def _cmd_send(args: argparse.Namespace) -> int:
    from client.sender import Sender

    with CommandContext() as cli:
        transport = cli.transport  # the certificates are checked before the database
        sender = Sender(
            cli.store,
            transport,
            settings=cli.settings,
            clock=_now,
            on_progress=None if args.quiet else progress_printer(),
        )
        report = sender.run(until_empty=args.until_empty, max_seconds=args.timeout)
        # The DRE lots (gestion séparée) leave with the FSE lots, to the AMC (as the desk's).
        from client.amc.dre import send_dre_pass

        dre = send_dre_pass(cli.store, cli.settings, _now)
    if dre is not None and not args.quiet:
        for line in dre.messages:
            print(line, file=sys.stderr)
    if args.quiet:
        print(_summary_line(report.acknowledged, report.refused, report.remaining), file=sys.stderr)
    if not report.lots and report.complete and dre is None:
        # Sending drains the queue: an empty queue is its aim, not a failure (the desk's
        # background sender empties the same queue), but the user is told why.
        print(
            "Rien à envoyer : aucun lot signé n'attend dans la file "
            "(les FSE d'un lot ouvert partent après « sesam lot close »).",
            file=sys.stderr,
        )
    if args.json:
        done = {
            "acceptes": report.acknowledged,
            "refuses": report.refused,
            "en_echec": report.failed,
            "en_attente": report.remaining,
            "bloques": report.blocked,
            "lots": list(report.lots),
            "complet": report.complete,
            "derniere_erreur": report.last_error,
            "dre": None
            if dre is None
            else {
                "acceptes": dre.acknowledged,
                "refuses": dre.refused,
                "en_attente": dre.retry,
                "en_echec": dre.failed,
                "derniere_erreur": dre.last_error,
            },
        }
        print(json.dumps(done, ensure_ascii=False, indent=2))
    ok = report.complete and report.refused == 0
    if dre is not None:
        ok = ok and dre.refused == dre.failed == dre.retry == 0
    return EXIT_OK if ok else EXIT_FAILED


def _summary_line(acknowledged: int, refused: int, remaining: int) -> str:
    return (
        f"{count_fr(acknowledged)} lot(s) acceptés, {count_fr(refused)} refusé(s), "
        f"{count_fr(remaining)} en attente."
    )


def _cmd_retry(args: argparse.Namespace) -> int:
    from client.usecases import lots as lot_cases

    with CommandContext() as cli:
        store = cli.store
        lot = store.lot_by_number(args.lot)
        row = store.outbox_get(lot.id)
        if row is None or row.status not in (OutboxStatus.FAILED, OutboxStatus.PENDING):
            print(f"Le lot n° {args.lot} n'est pas en échec : rien à relancer.", file=sys.stderr)
            return EXIT_FAILED
        lot_cases.requeue_lot(store, cli, lot.id)
    if args.json:
        print(json.dumps({"lot": args.lot, "remis_en_file": True}, ensure_ascii=False, indent=2))
    else:
        print(f"Lot n° {args.lot} remis en file d'envoi.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``queue`` command group."""
    group = subparsers.add_parser("queue", help="file de télétransmission")
    sub = group.add_subparsers(dest="queue_command", metavar="ACTION", required=True)
    status = sub.add_parser("status", help="lots et FSE par état, plus ancien en attente")
    status.add_argument("--json", action="store_true", help="sortie JSON")
    add_card_option(status)
    status.set_defaults(handler=_cmd_status)
    send = sub.add_parser("send", help="envoyer les lots en attente au concentrateur")
    send.add_argument(
        "--until-empty",
        action="store_true",
        help="continuer (avec les délais de nouvel essai) jusqu'à ce que tout soit acquitté",
    )
    send.add_argument("--timeout", type=float, default=None, metavar="S", help="durée maximale")
    send.add_argument("--quiet", action="store_true", help="seulement le résumé")
    send.add_argument("--json", action="store_true", help="bilan JSON sur la sortie standard")
    send.set_defaults(handler=_cmd_send)
    retry = sub.add_parser("retry", help="remettre en file un lot en échec")
    retry.add_argument("lot", type=int, metavar="N", help="numéro du lot")
    retry.add_argument("--json", action="store_true", help="sortie JSON")
    retry.set_defaults(handler=_cmd_retry)
