"""``sesam fse``: create (price + secure with the inserted cards), list, show, cancel FSE.

``sesam fse create --json FILE --pin-stdin`` reads the PIN on stdin (never an argument,
never logged), finds the CPS and the carte Vitale in the readers (pcscd), prices the
request (same input as ``sesam price``, plus the keys of ``docs/formats/fse.md``), secures
the FSE and stores it; it prints the FSE as JSON on stdout. Card work and the store write
run on the card thread, which opens its own store connection.
"""

from __future__ import annotations

import argparse
import getpass
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from billing.fse import SecuringMode, money
from billing.fse_states import FseState
from billing.price_io import InputError
from cardio import probe
from cardio.cps import CpsSession, pin_block
from cardio.errors import CardError, PinFormatError
from cardio.pcsc import PcscBackend
from cardio.thread import CardThread
from cardio.vitale import VitaleReader
from client.errors import ClientError
from client.fse_service import (
    CpsSource,
    FseInput,
    FseInputError,
    FseService,
    VitaleSource,
    parse_fse_input,
)
from client.messages import describe
from client.store import FseRow, Store, open_store

logger = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class CardMissingError(ClientError):
    """A card the command needs is not in any reader."""

    def __init__(self, card: str) -> None:
        super().__init__(f"Aucune {card} dans les lecteurs : insérez-la et recommencez.")
        self.card = card


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``fse`` command group."""
    fse = subparsers.add_parser("fse", help="feuilles de soins électroniques")
    sub = fse.add_subparsers(dest="fse_command", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="tarifer, sécuriser et enregistrer une FSE")
    create.add_argument(
        "--json",
        type=Path,
        required=True,
        metavar="FICHIER",
        help="demande (entrée de sesam price + clés FSE, voir docs/formats/fse.md)",
    )
    create.add_argument(
        "--pin-stdin",
        action="store_true",
        help="lire le code porteur de la CPS sur l'entrée standard",
    )
    create.set_defaults(handler=_cmd_create)

    listing = sub.add_parser("list", help="liste des FSE")
    listing.add_argument("--state", choices=[s.value for s in FseState], help="filtrer par état")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.set_defaults(handler=_cmd_list)

    show = sub.add_parser("show", help="détail d'une FSE")
    show.add_argument("number", type=int, metavar="N")
    show.add_argument("--practitioner", metavar="ID", help="n° de facturation + clé")
    show.add_argument("--json", action="store_true", help="sortie JSON (document complet)")
    show.set_defaults(handler=_cmd_show)

    cancel = sub.add_parser("cancel", help="annuler une FSE non encore envoyée")
    cancel.add_argument("number", type=int, metavar="N")
    cancel.add_argument("--practitioner", metavar="ID", help="n° de facturation + clé")
    cancel.add_argument("--reason", default="annulée par l'utilisateur", help="motif")
    cancel.set_defaults(handler=_cmd_cancel)


# --- helpers shared with ``sesam lot`` ------------------------------------------------------


def read_pin(from_stdin: bool) -> str:
    """The CPS PIN: one line of stdin, or a prompt without echo."""
    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    return getpass.getpass("Code porteur de la CPS : ")


def check_pin(pin: str) -> bool:
    """False (message printed) when the PIN is malformed: it never reaches the card."""
    try:
        pin_block(pin)
    except PinFormatError as exc:
        print(describe(exc), file=sys.stderr)
        return False
    return True


CardWork = Callable[[CpsSession, CpsSource, VitaleSource | None], T]


def with_cards(pin: str, vitale_wanted: str, work: CardWork[T]) -> T:
    """Run ``work`` on a card thread with the CPS opened (PIN verified) and read.

    :param vitale_wanted: "if_present" (read it when inserted; a read error is raised:
        never a silent dégradé), "best_effort" (dégradé chosen: an unreadable card is
        ignored) or "no" (leave it alone).
    """

    def run(backend: PcscBackend) -> T:
        found = probe.find_cards(backend)
        if found.cps_reader is None:
            raise CardMissingError("carte CPS")
        with backend.connect(found.cps_reader) as cps_connection:
            session = CpsSession(cps_connection)
            session.verify_pin(pin)
            cps = CpsSource(session.read_identity(), session.read_situations())
            if vitale_wanted == "no" or found.vitale_reader is None:
                return work(session, cps, None)
            with backend.connect(found.vitale_reader) as vitale_connection:
                reader = VitaleReader(vitale_connection)
                try:
                    card = reader.read()
                except CardError:
                    if vitale_wanted != "best_effort":
                        raise
                    logger.warning("carte Vitale illisible, ignorée (mode choisi sans elle)")
                    return work(session, cps, None)
                return work(session, cps, VitaleSource(card, reader))

    with CardThread() as thread:
        backend = PcscBackend(thread=thread)
        try:
            return thread.call(run, backend)
        finally:
            thread.call(backend.close)


def mask_nir(nir: str) -> str:
    """A NIR as shown in listings: the sex and birth year/month only."""
    return nir[:5] + "•" * max(len(nir) - 5, 0) if nir else ""


def fse_summary(row: FseRow, store: Store) -> dict[str, Any]:
    """What ``fse create`` and ``fse list --json`` print for one FSE."""
    document = json.loads(row.canonical)
    body = document["body"]
    lot = store.lot_by_id(row.lot_id) if row.lot_id else None
    return {
        "number": row.number,
        "fse_id": row.fse_uuid,
        "practitioner": row.practitioner_id,
        "state": row.state.value,
        "mode": row.mode,
        "degrade_reason": row.degrade_reason,
        "care_date": row.care_date.isoformat(),
        "organism": body["organism"],
        "patient": {
            "nir": mask_nir(body["beneficiary"]["assure_nir"]),
            "birth_date": body["beneficiary"]["birth_date"],
            "rang": body["beneficiary"]["rang"],
            "qualite": body["beneficiary"]["qualite"],
        },
        "acts": body["acts"],
        "amounts": {
            "total_fees": money(row.total_fees),
            "amo": money(row.amo),
            "participation_forfaitaire": money(row.participation_forfaitaire),
            "amc": money(row.amc),
            "patient_remainder": money(row.patient_remainder),
        },
        "tiers_payant": body["tiers_payant"],
        "mentions": body["mentions"],
        "digest": row.digest,
        "vitale": {"serial": row.vitale_serial, "certification": row.vitale_certification}
        if row.vitale_certification
        else None,
        "lot": {"number": lot.number, "id": lot.id, "state": lot.state.value} if lot else None,
    }


# --- commands ---------------------------------------------------------------------------------


def _load_input(path: Path) -> FseInput | None:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        print(f"Impossible de lire {path} : {exc.strerror}.", file=sys.stderr)
        return None
    except ValueError as exc:
        print(f"{path} n'est pas du JSON valide : {exc}.", file=sys.stderr)
        return None
    try:
        return parse_fse_input(raw)
    except FseInputError as exc:
        print(str(exc), file=sys.stderr)
        return None


def _cmd_create(args: argparse.Namespace) -> int:
    request = _load_input(args.json)
    if request is None:
        return EXIT_USAGE
    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):
        return EXIT_USAGE
    if request.mode is SecuringMode.SANS_VITALE:
        wanted = "no"
    elif request.mode is SecuringMode.DEGRADE:
        wanted = "best_effort"
    else:
        wanted = "if_present"  # an absent card makes decide_mode refuse: never a downgrade

    def work(session: CpsSession, cps: CpsSource, vitale: VitaleSource | None) -> dict[str, Any]:
        store = open_store()
        try:
            row = FseService(store).create(request, cps, vitale)
            return fse_summary(row, store)
        finally:
            store.close()

    try:
        summary = with_cards(pin, wanted, work)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    sys.stdout.flush()
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    store = open_store()
    try:
        rows = store.fse_list(state=FseState(args.state) if args.state else None)
        if args.json:
            print(json.dumps([fse_summary(r, store) for r in rows], ensure_ascii=False, indent=2))
            return EXIT_OK
        if not rows:
            print("Aucune FSE.")
        for r in rows:
            lot = store.lot_by_id(r.lot_id).number if r.lot_id else "-"
            print(
                f"{r.number:>6}  {r.care_date.isoformat()}  {r.state.value:<12} {r.mode:<11} "
                f"{r.regime}-{r.caisse}-{r.centre}  {money(r.total_fees):>9} €  lot {lot}"
            )
    finally:
        store.close()
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    store = open_store()
    try:
        row = store.fse_by_number(args.number, args.practitioner)
        events = [
            {
                "at": e.at.isoformat(),
                "event": e.kind.value,
                "from": e.from_state.value if e.from_state else None,
                "to": e.to_state.value,
                "detail": e.detail,
            }
            for e in store.fse_events(row.id)
        ]
        if args.json:
            out = {
                "summary": fse_summary(row, store),
                "document": json.loads(row.canonical),
                "events": events,
            }
            print(json.dumps(out, ensure_ascii=False, indent=2))
            return EXIT_OK
        summary = fse_summary(row, store)
        print(f"FSE n° {row.number} ({row.fse_uuid}) — {row.state.value}, mode {row.mode}")
        print(
            f"  soins du {row.care_date.isoformat()}, organisme {row.regime}-{row.caisse}-"
            f"{row.centre}, patient {summary['patient']['nir']} rang {summary['patient']['rang']}"
        )
        for act in summary["acts"]:
            print(f"  {act['code']:<8} x{act['quantity']}  {act['fee']:>8} €  AMO {act['amo']} €")
        amounts = summary["amounts"]
        print(
            f"  total {amounts['total_fees']} €, AMO {amounts['amo']} €, AMC {amounts['amc']} €"
            f", reste à charge {amounts['patient_remainder']} €"
        )
        if summary["lot"]:
            print(f"  lot n° {summary['lot']['number']} ({summary['lot']['state']})")
        for e in events:
            print(
                f"  {e['at']}  {e['event']:<13} {e['from'] or '-'} -> {e['to']}"
                + (f"  ({e['detail']})" if e["detail"] else "")
            )
    finally:
        store.close()
    return EXIT_OK


def _cmd_cancel(args: argparse.Namespace) -> int:
    store = open_store()
    try:
        row = FseService(store).cancel(args.number, args.reason, args.practitioner)
        print(f"FSE n° {row.number} annulée.")
    finally:
        store.close()
    return EXIT_OK
