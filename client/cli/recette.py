"""``sesam recette``: the recette du jour, or the journal of a period (``client.recette``)."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from dataclasses import replace
from datetime import date
from pathlib import Path

from billing.money_text import euros
from client import recette
from client.cli.context import CommandContext
from client.cli.looking import add_card_option, looking_as
from client.output_files import OutputPathError, write_output

logger = logging.getLogger(__name__)

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"date invalide « {text} » (AAAA-MM-JJ)") from exc


def _print_totals(totals: recette.RecetteTotals, indent: str = "  ") -> None:
    print(f"{indent}Honoraires : {euros(totals.fees)} ({totals.fse_count} FSE)")
    print(
        f"{indent}Dus par les patients : {euros(totals.due_at_desk)} ; encaissé au cabinet : "
        f"{euros(totals.collected)} ; à encaisser : {euros(totals.still_due)}"
    )
    for means in totals.by_means:
        print(f"{indent}  {means.label} : {euros(means.amount)} ({means.count} FSE)")
    print(
        f"{indent}Tiers payant attendu : AMO {euros(totals.expected_amo)} (caisses), "
        f"AMC {euros(totals.expected_amc)} (complémentaires)"
    )


def _print_line(line: recette.RecetteLine) -> None:
    print(
        f"  n° {line.number:>6}  {line.care_date:%d/%m/%Y}  {line.patient[:28]:<28} "
        f"total {euros(line.total):>10}  AMO {euros(line.amo):>10}  "
        f"AMC {euros(line.amc):>10}  patient {euros(line.patient_part):>10}  "
        f"{line.paid_by}"
    )


def _cmd_recette(args: argparse.Namespace) -> int:
    today = recette.workstation_today()
    start = args.start or args.end or today
    end = args.end or max(start, today)  # --du alone: up to today
    request = recette.RecetteRequest(start, end, args.practitioner)
    if end < start:
        print(str(recette.RecettePeriodError(start, end)), file=sys.stderr)
        return EXIT_USAGE
    with CommandContext() as cli:
        store = cli.store
        # Who is looking (#26): the scope's use cases only on a cabinet's post.
        with looking_as(cli, args.carte) as scope:
            request = replace(request, scope=scope)
            figures = recette.compute(store, request)
            data = None
            if args.pdf is not None:
                # The letterhead's name; the practitioners' names when none is set.
                data = recette.pdf(store, request, today, cli.settings.cabinet_name)
    if data is not None:
        try:
            written = write_output(args.pdf, data, force=args.force)
        except OutputPathError as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_FAILED
        if not args.json:
            print(f"Recette enregistrée : {written}")
    if args.json:
        print(json.dumps(recette.to_json(figures), ensure_ascii=False, indent=2))
        return EXIT_OK
    if not figures.lines:
        print(figures.empty_message)
        if figures.cancelled_count:
            print(figures.exclusion_note)
        return EXIT_OK
    print(f"Recette {figures.period_label} (dates de soins) : {figures.totals.fse_count} FSE")
    print(f"  {figures.exclusion_note}")
    several = len(figures.practitioners) > 1
    for p in figures.practitioners:
        if several:
            print(f"Praticien {p.name} ({p.practitioner_id}) :")
        for line in figures.lines:
            if line.practitioner_id == p.practitioner_id:
                _print_line(line)
        if several:
            _print_totals(p.totals)
    print("Totaux de la période :" if several else "Totaux :")
    _print_totals(figures.totals)
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``recette`` command."""
    cmd = subparsers.add_parser(
        "recette",
        help="recette du jour ou journal d'une période : FSE, encaissements par mode",
        description=(
            "FSE des dates de soins de la période (aujourd'hui par défaut), leurs parts et le "
            "règlement du patient ; totaux encaissés par mode, à encaisser, tiers payant "
            "attendu. FSE annulées exclues."
        ),
    )
    cmd.add_argument("--du", dest="start", type=_day, metavar="AAAA-MM-JJ", help="début")
    cmd.add_argument("--au", dest="end", type=_day, metavar="AAAA-MM-JJ", help="fin incluse")
    cmd.add_argument("--praticien", dest="practitioner", metavar="ID", help="un seul praticien")
    add_card_option(cmd)
    cmd.add_argument("--json", action="store_true", help="sortie JSON (montants en texte)")
    cmd.add_argument("--pdf", type=Path, metavar="FICHIER", help="écrire aussi la recette en PDF")
    cmd.add_argument("--force", action="store_true", help="remplacer le PDF s'il existe")
    cmd.set_defaults(handler=_cmd_recette)
