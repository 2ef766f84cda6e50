"""``sesam fse list``: the FSE list that answers questions (issue #20) — patient, date, total,
parts AMO / AMC / patient, state, what was paid and when, the reconciliation and its motif;
searched by patient (name or NIR), date of care, state, payment status, practitioner.

The query is :mod:`client.fse_search` (the same as the queue page's list). Without
``--tout`` a page of the newest (``--page``, ``--par-page``), printed oldest first so that
the newest ends next to the prompt; ``--json`` prints every match, newest first, unless a
page is asked for. Finding nothing is an answer: « Aucune FSE ne correspond » on stderr,
exit 0 (``[]`` with ``--json``)."""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import replace
from datetime import date

from billing.fse_states import FseState
from billing.money_text import count_fr, euros
from client.cli.context import CommandContext
from client.cli.looking import add_card_option, looking_as
from client.fse_search import FseFilter, FseListRow, FseListTotals, practitioners, search, totals
from client.labels import RECONCILIATION_LABELS, fse_state_label
from client.reconciliation import Reconciliation
from client.store import Store

EXIT_OK = 0
EXIT_USAGE = 2

#: FSE shown without ``--tout``: a screenful, the newest.
PAGE_SIZE = 50
#: Rows read per query with ``--tout`` (the whole list, by pages).
_CHUNK = 1000


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (AAAA-MM-JJ)") from exc


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``fse list`` to the ``fse`` command group."""
    listing = sub.add_parser("list", help="liste des FSE (recherche par patient, dates, état…)")
    listing.add_argument(
        "--patient", metavar="TEXTE", default="", help="début du nom ou du prénom, ou du NIR"
    )
    listing.add_argument("--du", type=_day, metavar="AAAA-MM-JJ", help="soins à partir du")
    listing.add_argument("--au", type=_day, metavar="AAAA-MM-JJ", help="soins jusqu'au")
    listing.add_argument(
        "--etat",
        "--state",
        dest="etat",
        action="append",
        choices=[s.value for s in FseState],
        help="état de la FSE (répétable ; défaut : toutes sauf brouillons et annulées)",
    )
    listing.add_argument(
        "--paiement",
        choices=[s.value for s in Reconciliation],
        help="où en est le paiement (rapprochement)",
    )
    listing.add_argument("--praticien", metavar="ID", help="n° de facturation + clé")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    add_card_option(listing)
    listing.add_argument(
        "--page", type=int, metavar="N", help="page N, la 1 étant la plus récente (défaut : 1)"
    )
    listing.add_argument(
        "--par-page", type=int, default=PAGE_SIZE, metavar="N", help="FSE par page"
    )
    listing.add_argument(
        "--tout", action="store_true", help="toutes les FSE (défaut de --json sans --page)"
    )
    listing.set_defaults(handler=_cmd_list)


def _money(amount: object) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def row_json(r: FseListRow) -> dict[str, object]:
    """One FSE of the list under the CLI's French keys (docs/formats/cli.md): amounts as
    "12.50" strings, each code with its words beside it."""
    return {
        "numero": r.number,
        "id_fse": r.fse_uuid,
        "praticien": r.practitioner_id,
        "patient": r.patient,
        "date_soins": r.care_date.isoformat(),
        "mode": r.mode,
        "total": _money(r.total),
        "part_amo": _money(r.amo),
        "part_amc": _money(r.amc),
        "part_patient": _money(r.patient_part),
        "etat": r.state.value,
        "libelle_etat": fse_state_label(r.state.value),
        "paye_amo": _money(r.paid_amo),
        "paye_amc": _money(r.paid_amc),
        "date_paiement": r.paid_on.isoformat() if r.paid_on else None,
        "rapprochement": r.status.value if r.status else None,
        "libelle_rapprochement": RECONCILIATION_LABELS[r.status] if r.status else None,
        "motif": r.motif_code,
        "motif_libelle": r.motif_label or None,
    }


def _line(r: FseListRow) -> str:
    status = RECONCILIATION_LABELS[r.status] if r.status else "—"
    paid = ""
    if r.status in (Reconciliation.PAID, Reconciliation.PARTLY_PAID) and r.paid_amo is not None:
        on = f" le {r.paid_on.isoformat()}" if r.paid_on else ""
        paid = f"payé AMO {euros(r.paid_amo)}{on}"
    tail = " · ".join(x for x in (status, paid, r.motif) if x)
    return (
        f"{r.number:>6}  {r.care_date.isoformat()}  {r.state.value:<12} {r.mode:<11} "
        f"{r.patient[:24]:<24} "
        f"{euros(r.total):>10}  AMO {euros(r.amo):>10}  AMC {euros(r.amc):>10}  "
        f"patient {euros(r.patient_part):>10}"
        f"  {tail}"
    )


def _status_line(found: FseListTotals) -> str:
    return f"{count_fr(found.count)} FSE — total {euros(found.total)}"


def _usage(message: str) -> int:
    print(f"sesam fse list : {message}", file=sys.stderr)
    return EXIT_USAGE


def _everything(store: Store, flt: FseFilter) -> list[FseListRow]:
    rows: list[FseListRow] = []
    while chunk := search(store, flt, limit=_CHUNK, offset=len(rows)):
        rows.extend(chunk)
        if len(chunk) < _CHUNK:
            break
    return rows


def _cmd_list(args: argparse.Namespace) -> int:
    if args.du and args.au and args.du > args.au:
        return _usage(f"la date --du ({args.du}) est après la date --au ({args.au}).")
    if args.par_page < 1 or (args.page is not None and args.page < 1):
        return _usage("--page et --par-page comptent à partir de 1.")
    flt = FseFilter(
        text=args.patient,
        care_from=args.du,
        care_to=args.au,
        states=tuple(FseState(s) for s in args.etat or ()),
        payment=Reconciliation(args.paiement) if args.paiement else None,
        practitioner_id=args.praticien,
    )
    everything = args.tout or (args.json and args.page is None)
    page, size = args.page or 1, args.par_page
    with CommandContext() as cli:
        store = cli.store
        if args.praticien and args.praticien not in {p.id for p in practitioners(store)}:
            return _usage(f"aucun praticien « {args.praticien} » dans ce poste.")
        with looking_as(cli, args.carte) as seen:  # who is looking (#26)
            flt = replace(flt, practitioners=seen)
            if everything:
                rows = _everything(store, flt)
                found = FseListTotals(count=len(rows), total=totals(store, flt).total)
            else:
                rows = search(store, flt, limit=size, offset=(page - 1) * size)
                found = totals(store, flt)
    if not rows and replace(flt, practitioners=None) != FseFilter():
        print("Aucune FSE ne correspond à cette recherche.", file=sys.stderr)
    elif not rows and not args.json:
        print("Aucune FSE.")
    if args.json:
        print(json.dumps([row_json(r) for r in rows], ensure_ascii=False, indent=2))
        return EXIT_OK
    for r in reversed(rows):  # the newest last, next to the prompt
        print(_line(r))
    if not everything and found.count > len(rows) + (page - 1) * size:
        print(
            f"({len(rows)} FSE sur {count_fr(found.count)}, page {page} : "
            f"--page {page + 1} pour les précédentes, --tout pour toutes)"
        )
    if rows:
        print(_status_line(found))
    return EXIT_OK
