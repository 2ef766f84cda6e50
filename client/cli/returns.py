"""``sesam returns``: ARL and NOEMIE returns — fetch them, import a file, list the
reconciliation of every FSE and the payments that matched nothing."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from billing.money_text import count_fr, euros
from client.cli.context import CommandContext
from client.cli.looking import add_card_option, looking_as
from client.labels import mode_guarantees_payment
from client.reconcile_views import (
    LABELS,
    reconcile,
    reconcile_counts,
    reconcile_page,
    unmatched_payments,
)
from client.reconciliation import Reconciliation
from client.remainders import CLOSURE_LABELS, ClosureMotif, NothingToCloseError

if TYPE_CHECKING:
    from client.noemie_returns import ImportReport

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

#: FSE shown by ``returns list`` without ``--tout``: a screenful, the newest.
PAGE_SIZE = 50


def _now() -> datetime:
    return datetime.now(UTC)


def _report_json(r: ImportReport) -> dict[str, object]:
    return {
        "fichier": r.name,
        "deja_importe": r.already_imported,
        "payees": r.paid,
        "payees_partiellement": r.partly_paid,
        "rejetees": r.rejected,
        "non_rapprochees": r.unmatched,
        "montant_paye": str(r.total_paid),
    }


#: The columns of an unmatched payment under the CLI's French keys (docs/formats/cli.md).
_UNMATCHED_KEYS = {
    "id": "id",
    "fse_uuid": "id_fse",
    "lot_id": "id_lot",
    "outcome": "resultat",
    "virement_ref": "reference_virement",
    "paid_on": "paye_le",
    "care_date": "date_soins",
    "paid_amo": "paye_amo",
    "paid_amc": "paye_amc",
    "motif_code": "motif",
    "motif_label": "motif_libelle",
    "patient": "patient",
    "reason": "raison",
    "recorded_at": "enregistre_le",
    "resolved_at": "rapproche_le",
    "resolved_by": "rapproche_par",
    "resolved_fse_uuid": "id_fse_rapprochee",
    "invoice_number": "numero_facture",
    "received_at": "recu_le",
}


def _unmatched_json(row: Mapping[str, object]) -> dict[str, object]:
    """One unmatched payment; the file's digest is an internal link, left out."""
    return {_UNMATCHED_KEYS.get(k, k): v for k, v in row.items() if k != "noemie_sha256"}


def _report_line(r: ImportReport) -> str:
    if r.already_imported:
        return f"{r.name} : déjà importé, rien de nouveau."
    return (
        f"{r.name} : {r.paid} payée(s), {r.partly_paid} payée(s) partiellement, "
        f"{r.rejected} rejetée(s), {r.unmatched} non rapprochée(s) ; {euros(r.total_paid)} versés."
    )


def _cmd_fetch(args: argparse.Namespace) -> int:
    from client.usecases import payments  # network and documents: not for `returns list`

    with CommandContext() as cli:
        _ = cli.transport  # the certificates are checked before the database
        fetched = payments.fetch_returns_into(cli.store, cli)
    arls, reports = fetched.arls, fetched.reports
    if args.json:
        doc = {
            "arl": {
                "traites": arls.applied,
                "deja_recus": arls.already_known,
                "en_double": arls.duplicates,
                "en_attente": arls.still_waiting,
            },
            "noemie": [_report_json(r) for r in reports],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(
        f"ARL : {arls.applied} nouveau(x), {arls.already_known} déjà reçu(s) à l'envoi, "
        + (f"{arls.duplicates} en double, " if arls.duplicates else "")
        + f"{arls.still_waiting} lot(s) encore sans ARL."
    )
    if not reports:
        print("NOEMIE : aucun nouveau fichier.")
    for r in reports:
        print("NOEMIE " + _report_line(r))
    return EXIT_OK


def _cmd_import(args: argparse.Namespace) -> int:
    from client.noemie_returns import NoemieImportError, import_noemie_file  # NOEMIE parser

    with CommandContext() as cli:
        store = cli.store
        try:
            report = import_noemie_file(store, args.file, _now())
        except NoemieImportError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
    if args.json:
        print(json.dumps(_report_json(report), ensure_ascii=False, indent=2))
    else:
        print(_report_line(report))
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    status = Reconciliation(args.etat) if args.etat else None
    everything = args.tout or (args.json and args.page is None)
    page = max(args.page or 1, 1)
    size = max(args.par_page, 1)
    counts: dict[Reconciliation, int] = {}
    with CommandContext() as cli:
        store = cli.store
        with looking_as(cli, args.carte) as seen:  # who is looking (#26)
            unmatched = unmatched_payments(store, practitioners=seen)
            if args.non_rapproches:
                view = []
            elif everything:
                view = reconcile(store, seen)
                if status is not None:
                    view = [r for r in view if r.status is status]
                for r in view:
                    counts[r.status] = counts.get(r.status, 0) + 1
            else:
                # A page of the newest, filtered and ordered by the database, in number
                # order.
                view = reconcile_page(
                    store, size, (page - 1) * size, status=status, practitioners=seen
                )[::-1]
                counts = reconcile_counts(store, seen)
                if status is not None:
                    counts = {status: counts.get(status, 0)}
    if args.json:
        print(
            json.dumps(
                {
                    "fse": [r.to_json() for r in view],
                    "non_rapproches": [_unmatched_json(row) for row in unmatched],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return EXIT_OK
    if not args.non_rapproches:
        for r in view:
            paid = (
                f" payé AMO {euros(r.paid_amo)} / AMC {euros(r.paid_amc)}"
                if r.paid_amo is not None and r.paid_amc is not None  # read together
                else ""
            )
            motif = f" motif {r.motif_code} {r.motif_label}" if r.motif_code else ""
            guarantee = "" if mode_guarantees_payment(r.mode) else " [sans garantie de paiement]"
            print(
                f"FSE n° {r.number:>6} {r.care_date} {LABELS[r.status]:<40} "
                f"facturé AMO {euros(r.billed_amo)} / AMC {euros(r.billed_amc)}{paid}{motif}"
                f"{' — ' + r.detail if r.detail else ''}{guarantee}"
            )
        total = sum(counts.values())
        if not everything and total > len(view) + (page - 1) * size:
            print(
                f"({len(view)} FSE sur {count_fr(total)}, page {page} : --page {page + 1} pour les "
                "précédentes, --tout pour toutes)"
            )
        print(
            ", ".join(f"{LABELS[k]} : {count_fr(v)}" for k, v in counts.items() if v)
            or "Aucune FSE."
        )
    print(f"Retours non rapprochés : {count_fr(len(unmatched))}")
    for u in unmatched:
        print(
            f"  n° {u['id']} : FSE {u['fse_uuid']} ({u['care_date']}) "
            f"{euros(Decimal(u['paid_amo']))} AMO / {euros(Decimal(u['paid_amc']))} AMC — "
            f"{u['reason']}"
        )
    return EXIT_OK


def _cmd_match(args: argparse.Namespace) -> int:
    from client.usecases import payments  # network and documents: not for `returns list`

    with CommandContext() as cli:
        done = payments.match_payment_in(
            cli.store, cli, args.payment, args.fse, args.practitioner, by=args.par
        )
    if args.json:
        doc = {
            "retour": done.payment_id,
            "fse": done.fse_number,
            "rapprochement": done.status.value,
            "libelle": LABELS[done.status],
            "par": done.by,
            "le": done.at,
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(
            f"Retour n° {done.payment_id} rapproché à la main de la FSE n° {done.fse_number} : "
            f"{LABELS[done.status]} (par {done.by}, {done.at})."
        )
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    from client.euro_status import status_lines  # working days (holidays): status only
    from client.usecases import payments  # network and documents: not for `returns list`

    """Every part of one FSE (AMO, AMC, patient) and where its money stands."""
    with CommandContext() as cli:
        store = cli.store
        status = payments.money_status(store, cli, store.fse_by_number(args.fse, args.praticien))
    if args.json:
        print(json.dumps(status.to_json(), ensure_ascii=False, indent=2))
    else:
        print("\n".join(status_lines(status)))
    return EXIT_OK


def _cmd_close(args: argparse.Namespace) -> int:
    from client.usecases import payments  # network and documents: not for `returns list`

    """Close the unpaid remainder of one FSE with a reason; exit 1 saying why when there
    is nothing to close."""
    with CommandContext() as cli:
        store = cli.store
        try:
            closure = payments.close_remainder_of(
                store,
                cli,
                args.fse,
                ClosureMotif(args.motif),
                args.commentaire or "",
                args.praticien,
            )
        except NothingToCloseError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FAILED
    if args.json:
        doc = {
            "fse": args.fse,
            "motif": closure.motif.value,
            "libelle": CLOSURE_LABELS[closure.motif],
            "montant": str(closure.amount),
            "commentaire": closure.comment,
            "le": closure.closed_at.isoformat(),
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    else:
        print(
            f"Reste dû de la FSE n° {args.fse} ({euros(closure.amount)}) clos : {closure.label}"
            + (f" — {closure.comment}" if closure.comment else "")
            + "."
        )
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``returns`` command group."""
    group = subparsers.add_parser("returns", help="retours ARL et NOEMIE, rapprochement")
    sub = group.add_subparsers(dest="returns_command", metavar="ACTION", required=True)
    fetch = sub.add_parser("fetch", help="récupérer ARL et retours NOEMIE du concentrateur")
    fetch.add_argument("--json", action="store_true")
    fetch.set_defaults(handler=_cmd_fetch)
    imp = sub.add_parser("import", help="importer un fichier de retour NOEMIE")
    imp.add_argument("file", type=Path, metavar="FICHIER")
    imp.add_argument("--json", action="store_true")
    imp.set_defaults(handler=_cmd_import)
    lst = sub.add_parser("list", help="rapprochement de chaque FSE")
    lst.add_argument("--json", action="store_true")
    lst.add_argument("--etat", choices=[r.value for r in Reconciliation])
    lst.add_argument(
        "--non-rapproches", action="store_true", help="seulement les retours orphelins"
    )
    lst.add_argument(
        "--page", type=int, metavar="N", help="page N, la 1 étant la plus récente (défaut : 1)"
    )
    lst.add_argument("--par-page", type=int, default=PAGE_SIZE, metavar="N", help="FSE par page")
    lst.add_argument(
        "--tout", action="store_true", help="toutes les FSE (défaut de --json sans --page)"
    )
    add_card_option(lst)
    lst.set_defaults(handler=_cmd_list)
    match = sub.add_parser("match", help="rapprocher à la main un retour non rapproché d'une FSE")
    match.add_argument("payment", type=int, metavar="PAIEMENT", help="n° du retour non rapproché")
    match.add_argument("fse", type=int, metavar="FSE", help="n° de la FSE")
    match.add_argument("--practitioner", metavar="ID", help="n° de facturation + clé")
    match.add_argument("--par", metavar="NOM", help="qui rapproche (par défaut : l'utilisateur)")
    match.add_argument("--json", action="store_true")
    match.set_defaults(handler=_cmd_match)
    status = sub.add_parser("status", help="où en est chaque part (AMO, AMC, patient) d'une FSE")
    status.add_argument("fse", type=int, metavar="FSE", help="n° de la FSE")
    status.add_argument("--praticien", metavar="ID", help="n° de facturation + clé")
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_cmd_status)
    close = sub.add_parser(
        "close", help="clore le reste dû d'une FSE payée partiellement ou rejetée"
    )
    close.add_argument("fse", type=int, metavar="FSE", help="n° de la FSE")
    close.add_argument(
        "--motif",
        required=True,
        choices=[m.value for m in ClosureMotif],
        help="perte : perte acceptée ; reclame : réclamé à la caisse (reste visible)",
    )
    close.add_argument("--commentaire", metavar="TEXTE", help="commentaire libre (facultatif)")
    close.add_argument("--praticien", metavar="ID", help="n° de facturation + clé")
    close.add_argument("--json", action="store_true")
    close.set_defaults(handler=_cmd_close)
