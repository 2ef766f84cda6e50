"""``sesam lot``: close (sign with the CPS), list, export and verify lots of FSE.

Closing rule (``billing.lot.LotRules``): a lot is due when it holds 50 FSE or when its
oldest FSE is 24 hours old; ``sesam lot close`` closes the due lots, ``--all`` every
non-empty open lot. Closing needs the CPS and its PIN (``--pin-stdin``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from billing.money_text import count_fr, euros
from client.cli.context import CommandContext
from client.labels import LOT_STATE_LABELS, OUTBOX_STATUS_LABELS, mode_label
from client.store import LotRow, Store

if TYPE_CHECKING:
    from cardio.backend import PractitionerCard
    from client.fse_service import CpsSource, FseService, VitaleSource

# The card, signing, CMS and sending code is imported by the commands that use it: ``sesam
# lot list`` answers without it (issue #27, tests/client/test_cli_imports.py).

logger = logging.getLogger(__name__)

EXIT_OK = 0
_MAX_LOT_FILE = 50_000_000  # a signed lot of a few hundred FSE is far smaller
EXIT_FAILED = 1
EXIT_USAGE = 2
PAGE_SIZE = 50  # lots a screenful lists (``--par-page``)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``lot`` command group."""
    lot = subparsers.add_parser("lot", help="lots de FSE : fermeture, signature, export")
    sub = lot.add_subparsers(dest="lot_command", metavar="ACTION", required=True)

    close = sub.add_parser("close", help="fermer et signer (CPS) les lots dus")
    close.add_argument("--all", action="store_true", help="fermer tous les lots ouverts non vides")
    close.add_argument(
        "--pin-stdin",
        action="store_true",
        help="lire le code porteur de la CPS sur l'entrée standard",
    )
    close.add_argument("--json", action="store_true", help="sortie JSON")
    close.set_defaults(handler=_cmd_close)

    listing = sub.add_parser("list", help="liste des lots")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.add_argument(
        "--page", type=int, metavar="N", help="page N, la 1 étant la plus récente (défaut : 1)"
    )
    listing.add_argument(
        "--par-page", type=int, default=PAGE_SIZE, metavar="N", help="lots par page"
    )
    listing.add_argument(
        "--tout", action="store_true", help="tous les lots (défaut de --json sans --page)"
    )
    listing.set_defaults(handler=_cmd_list)

    export = sub.add_parser("export", help="écrire le lot signé (CMS, DER) dans un fichier")
    export.add_argument("number", type=int, metavar="N")
    export.add_argument("--out", type=Path, required=True, metavar="FICHIER")
    export.add_argument(
        "--force", action="store_true", help="remplacer le fichier s'il existe déjà"
    )
    export.add_argument("--practitioner", metavar="ID", help="n° de facturation + clé")
    export.add_argument("--json", action="store_true", help="sortie JSON")
    export.set_defaults(handler=_cmd_export)

    verify = sub.add_parser("verify", help="vérifier un lot signé de bout en bout")
    verify.add_argument("file", type=Path, metavar="FICHIER")
    verify.add_argument(
        "--ca",
        type=Path,
        required=True,
        metavar="CA.pem",
        help="certificat de l'autorité des cartes CPS (PEM ou DER)",
    )
    verify.add_argument("--json", action="store_true", help="sortie JSON")
    verify.set_defaults(handler=_cmd_verify)


def lot_summary(lot: LotRow, store: Store) -> dict[str, Any]:
    """What ``lot list --json`` prints for one lot."""
    outbox = store.outbox_get(lot.id)
    return {
        "numero": lot.number,
        "id": lot.id,
        "praticien": lot.practitioner_id,
        "type": lot.kind,
        "organisme": lot.organism,
        "mode": lot.mode,
        "etat": lot.state.value,
        "libelle_etat": LOT_STATE_LABELS[lot.state],
        "nombre_fse": lot.fse_count,
        "cree_le": lot.created_at.isoformat(),
        "ferme_le": lot.closed_at.isoformat() if lot.closed_at else None,
        "sha256_contenu": lot.content_sha256,
        "statut_envoi": outbox.status.name.lower() if outbox else None,
        "libelle_envoi": OUTBOX_STATUS_LABELS[outbox.status] if outbox else None,
    }


def _cmd_close(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        return _close(args, cli)


def _close(args: argparse.Namespace, cli: CommandContext) -> int:
    from client.cli.card_work import with_cards
    from client.cli.pin import check_pin, read_pin
    from client.fse_service import FseService
    from client.usecases import lots as lot_cases

    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):
        return EXIT_USAGE

    waiting: list[str] = []  # why nothing was closed, when lots wait that are not due

    def work(
        session: PractitionerCard, cps: CpsSource, _vitale: VitaleSource | None
    ) -> list[dict[str, Any]]:
        with cli.card_store() as store:
            # The scans of dégradé FSE leave in PJ lots after their invoice lot: signed now
            # with the same CPS session (one PIN), no separate ``sesam scor lots``.
            done = lot_cases.close_lots_in(store, cli, session, cps, all_lots=args.all)
            summaries = [lot_summary(c.lot, store) for c in done.lots]
            summaries += [lot_summary(store.lot_by_id(i), store) for i in done.pj_lot_ids]
            if not summaries and not args.all:
                service = FseService(store)
                mine = {s.billing_number + s.billing_key for s in cps.situations}
                waiting.extend(_not_due(service, service.lots_to_close(True, mine)))
            return summaries

    closed = with_cards(pin, "no", work)
    if not closed:
        # Said on stderr so that ``--json`` stays a valid (empty) list on stdout.
        if waiting:
            print(
                "Aucun lot fermé : "
                + " ; ".join(waiting)
                + ". Pour "
                + ("les" if len(waiting) > 1 else "le")
                + " fermer maintenant : sesam lot close --all.",
                file=sys.stderr,
            )
        else:
            print("Aucun lot à fermer : aucune FSE n'attend dans un lot ouvert.", file=sys.stderr)
    if args.json:
        print(json.dumps(closed, ensure_ascii=False, indent=2))
    else:
        for lot in closed:
            if lot["type"] == "pj":
                print(
                    f"Lot de PJ n° {lot['numero']} constitué et signé : {lot['nombre_fse']} "
                    f"pièce(s), organisme {lot['organisme']} ; il partira après son lot de FSE."
                )
                continue
            print(
                f"Lot n° {lot['numero']} fermé et signé : {lot['nombre_fse']} FSE, organisme "
                f"{lot['organisme']}, mode {mode_label(lot['mode'])}."
            )
    # The user asked for a closing: having closed nothing is not a success (the reason is
    # on stderr), whether lots wait that are not due or no FSE waits at all.
    return EXIT_OK if closed else EXIT_FAILED


def _not_due(service: FseService, lots: list[LotRow]) -> list[str]:
    """In French, why each open lot was left open: not due yet, and until when."""
    rules = service.rules
    reasons = []
    for lot in lots:
        text = f"le lot n° {lot.number} ({lot.fse_count} FSE) n'est pas encore dû"
        if lot.oldest_fse_at is not None:
            due = (lot.oldest_fse_at + rules.max_age).astimezone()
            text += (
                f" (il le sera le {due:%d/%m/%Y} à {due:%H:%M}, {_hours(rules.max_age)} après "
                f"sa plus ancienne FSE, ou dès {rules.max_fse} FSE)"
            )
        reasons.append(text)
    return reasons


def _hours(age: timedelta) -> str:
    return f"{round(age.total_seconds() / 3600)} h"


def _cmd_list(args: argparse.Namespace) -> int:
    if args.par_page < 1 or (args.page is not None and args.page < 1):
        print("--page et --par-page comptent à partir de 1.", file=sys.stderr)
        return EXIT_USAGE
    everything = args.tout or (args.json and args.page is None)
    with CommandContext() as cli:
        store = cli.store
        if everything:
            lots = store.lots()
            if args.json:
                summaries = [lot_summary(lot, store) for lot in lots]
                print(json.dumps(summaries, ensure_ascii=False, indent=2))
                return EXIT_OK
            shown = [(lot, store.outbox_get(lot.id)) for lot in lots]
            count = len(shown)
        else:
            # A screenful, the newest (a ten-year store holds 100 000 lots): one page read
            # on the lots' number index with its outbox rows, printed oldest first.
            page, size = args.page or 1, args.par_page
            shown = list(reversed(store.lots_page(size, (page - 1) * size)))
            count = store.lot_count()
            if args.json:
                summaries = [lot_summary(lot, store) for lot, _ in shown]
                print(json.dumps(summaries, ensure_ascii=False, indent=2))
                return EXIT_OK
    if not shown:
        print("Aucun lot.")
    for lot, outbox in shown:
        sending = OUTBOX_STATUS_LABELS[outbox.status] if outbox else "-"
        print(
            f"{lot.number:>5}  {LOT_STATE_LABELS[lot.state]:<24} {mode_label(lot.mode):<11} "
            f"{lot.organism}  {lot.fse_count:>3} FSE  envoi : {sending}"
        )
    if not everything and count > len(shown) + ((args.page or 1) - 1) * args.par_page:
        page = args.page or 1
        print(
            f"({len(shown)} lots sur {count_fr(count)}, page {page} : --page {page + 1} pour les "
            "précédents, --tout pour tous)"
        )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    from client.fse_service import FseService

    with CommandContext() as cli:
        store = cli.store
        lot = FseService(store).export_lot(
            args.number, args.out, args.practitioner, force=args.force
        )
    if args.json:
        done = {"numero": lot.number, "id": lot.id, "fichier": str(args.out)}
        print(json.dumps(done, ensure_ascii=False, indent=2))
    else:
        print(f"Lot n° {lot.number} ({lot.id}) écrit dans {args.out}.")
    return EXIT_OK


def _cmd_verify(args: argparse.Namespace) -> int:
    from billing.cms import CmsError
    from billing.lot import LotError, verify_lot
    from client.bounded_read import InputFileError, read_bounded

    try:
        der = read_bounded(args.file, _MAX_LOT_FILE)
        ca = read_bounded(args.ca, 1_000_000)
    except InputFileError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    try:
        lot = verify_lot(der, ca)
    except (CmsError, LotError) as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    report = {
        "valide": True,
        "id": lot.lot_id,
        "numero": lot.number,
        "praticien": lot.practitioner_id,
        "organisme": lot.organism.key,
        "mode": lot.mode.value,
        "fse": [f.number for f in lot.fses],
        "honoraires": lot.document["totals"]["total_fees"],
        "signataire": lot.signer_subject,
        "signe_le": lot.signing_time.isoformat(),
    }
    if args.json:
        print(json.dumps(report, ensure_ascii=False, indent=2))
    else:
        print(
            f"Lot n° {lot.number} valide : signé par {lot.signer_subject} le "
            f"{lot.signing_time.isoformat()}, {len(lot.fses)} FSE "
            f"({', '.join(str(f.number) for f in lot.fses)}), organisme {lot.organism.key}, "
            f"mode {lot.mode.value}, total {euros(Decimal(report['honoraires']))}."
        )
    return EXIT_OK
