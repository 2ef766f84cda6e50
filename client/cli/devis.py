"""``sesam devis create|list|show|print|bill``: quotes for dental care and acts with a
dépassement, with their AMO, AMC and patient parts (``docs/formats/devis.md``).

``create`` and ``bill`` read the cards like ``sesam fse create`` (PIN on stdin): the
devis is priced for the card's bénéficiaire and his complémentaire; ``bill`` secures its
FSE once the care is done."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from billing.devis import DEVIS_STATE_LABELS, Devis
from billing.fse import TiersPayant
from billing.money_text import euros
from billing.price_io import InputError
from cardio.backend import PractitionerCard
from client.cli.card_work import with_cards
from client.cli.context import CommandContext
from client.cli.fse_commands import write_private
from client.cli.fse_report import fse_summary
from client.cli.pin import check_pin, read_pin
from client.fse_service import CpsSource, FseInputError, FseService, VitaleSource

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

TIERS_PAYANT = {
    "aucun": TiersPayant(amo=False, amc=False),
    "amo": TiersPayant(amo=True, amc=False),
    "amo+amc": TiersPayant(amo=True, amc=True),
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``devis`` command group."""
    devis = subparsers.add_parser("devis", help="devis (soins dentaires, dépassements)")
    sub = devis.add_subparsers(dest="devis_command", metavar="ACTION", required=True)

    create = sub.add_parser("create", help="chiffrer et enregistrer un devis (cartes lues)")
    create.add_argument(
        "--json", type=Path, required=True, metavar="FICHIER", help="entrée de sesam fse create"
    )
    create.add_argument("--pin-stdin", action="store_true", help="code porteur CPS sur stdin")
    create.add_argument(
        "--validite", type=int, default=90, metavar="JOURS", help="durée de validité (90)"
    )
    create.set_defaults(handler=_cmd_create)

    listing = sub.add_parser("list", help="les devis (d'un patient)")
    listing.add_argument("--patient", metavar="ID", help="identifiant du patient")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.set_defaults(handler=_cmd_list)

    show = sub.add_parser("show", help="détail d'un devis")
    show.add_argument("devis_id", metavar="DV-AAAA-NNNNN")
    show.add_argument("--json", action="store_true", help="sortie JSON")
    show.set_defaults(handler=_cmd_show)

    printing = sub.add_parser("print", help="le devis en PDF")
    printing.add_argument("devis_id", metavar="DV-AAAA-NNNNN")
    printing.add_argument("--out", type=Path, metavar="F.pdf", help="fichier à écrire")
    printing.set_defaults(handler=_cmd_print)

    bill = sub.add_parser("bill", help="facturer (FSE) les soins du devis une fois faits")
    bill.add_argument("devis_id", metavar="DV-AAAA-NNNNN")
    bill.add_argument("--pin-stdin", action="store_true", help="code porteur CPS sur stdin")
    bill.add_argument("--date", metavar="AAAA-MM-JJ", help="date des soins (défaut : ce jour)")
    bill.add_argument("--tiers-payant", choices=tuple(TIERS_PAYANT), help="défaut : celui du devis")
    bill.set_defaults(handler=_cmd_bill)


def devis_json(devis: Devis) -> dict[str, Any]:
    """A devis under the French keys of every ``sesam`` output."""
    return {
        "numero": devis.id,
        "etat": devis.state.value,
        "patient": devis.patient_id,
        "nom": devis.patient_name,
        "praticien": devis.practitioner_id,
        "cree_le": devis.created_at.date().isoformat(),
        "date_soins": devis.care_date.isoformat(),
        "valide_au": devis.valid_until.isoformat(),
        "honoraires": str(devis.total_fees),
        "amo": str(devis.amo),
        "amc": str(devis.amc),
        "reste_a_charge": str(devis.patient_remainder),
        "amc_numero": devis.amc_number,
        "amc_garantie": devis.amc_contract,
        "fse": devis.fse_uuid,
        "lignes": [
            {
                "code": line.code,
                "libelle": line.label,
                "quantite": line.quantity,
                "montant": str(line.amount),
                "base_remboursement": str(line.reimbursement_base),
                "depassement": str(line.overrun),
                "amo": str(line.amo),
                "amc": str(line.amc),
                "patient": str(line.patient),
            }
            for line in devis.lines
        ],
    }


def _line(devis: Devis) -> str:
    return (
        f"{devis.id}  {devis.created_at.date():%d/%m/%Y}  {devis.patient_name:<24}  "
        f"{euros(devis.total_fees):>10}  AMO {euros(devis.amo):>10}  AMC {euros(devis.amc):>10}  "
        f"patient {euros(devis.patient_remainder):>10}  {DEVIS_STATE_LABELS[devis.state]}"
    )


def _read_json(path: Path) -> dict[str, Any] | None:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        print(f"Impossible de lire {path} : {exc.strerror}.", file=sys.stderr)
        return None
    except ValueError as exc:
        print(f"{path} n'est pas du JSON valide : {exc}.", file=sys.stderr)
        return None
    if not isinstance(raw, dict):
        print(f"{path} : un objet JSON est attendu.", file=sys.stderr)
        return None
    return raw


def _cmd_create(args: argparse.Namespace) -> int:
    from client.devis import create_devis

    raw = _read_json(args.json)
    if raw is None:
        return EXIT_USAGE
    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):
        return EXIT_USAGE
    with CommandContext() as cli:
        referential = cli.ensure_referential()

        def work(_session: PractitionerCard, cps: CpsSource, vitale: VitaleSource | None) -> Devis:
            with cli.card_store() as store:
                return create_devis(
                    store, referential, raw, cps, vitale, cli.utc_clock(), args.validite
                )

        try:
            devis = with_cards(pin, "if_present", work)
        except (InputError, FseInputError) as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
    print(json.dumps(devis_json(devis), ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_list(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        book = cli.store.devis
        found = book.devis_of_patient(args.patient) if args.patient else book.all_devis()
    if args.json:
        print(json.dumps([devis_json(d) for d in found], ensure_ascii=False, indent=2))
    elif not found:
        print("Aucun devis.")
    else:
        for devis in found:
            print(_line(devis))
    return EXIT_OK


def _cmd_show(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        devis = cli.store.devis.devis(args.devis_id)
    if args.json:
        print(json.dumps(devis_json(devis), ensure_ascii=False, indent=2))
        return EXIT_OK
    print(_line(devis))
    for line in devis.lines:
        print(
            f"  {line.code:<8} {line.label[:40]:<40} {euros(line.amount):>10}  "
            f"AMO {euros(line.amo):>10}  AMC {euros(line.amc):>10}  "
            f"patient {euros(line.patient):>10}"
        )
    return EXIT_OK


def _cmd_print(args: argparse.Namespace) -> int:
    from client import documents
    from client.devis import devis_pdf

    with CommandContext() as cli:
        data = devis_pdf(cli.store, args.devis_id, documents.cabinet_paper(), date.today())
        target = args.out or cli.data_dir / "documents" / f"devis-{args.devis_id}.pdf"
    try:
        write_private(target, data)
    except OSError as exc:
        print(f"Impossible d'écrire {target} : {exc.strerror}.", file=sys.stderr)
        return EXIT_FAILED
    print(str(target))
    return EXIT_OK


def _cmd_bill(args: argparse.Namespace) -> int:
    from client.devis import bill_devis

    try:
        care = date.fromisoformat(args.date) if args.date else date.today()
    except ValueError:
        print("Date des soins invalide : AAAA-MM-JJ attendue.", file=sys.stderr)
        return EXIT_USAGE
    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):
        return EXIT_USAGE
    tiers_payant = TIERS_PAYANT[args.tiers_payant] if args.tiers_payant else None
    with CommandContext() as cli:
        referential = cli.ensure_referential()

        def work(
            _session: PractitionerCard, cps: CpsSource, vitale: VitaleSource | None
        ) -> dict[str, Any]:
            with cli.card_store() as store:
                from client.amc.engagement import OnlineEngagement  # network stack: here only

                gate = OnlineEngagement.from_settings(store, cli.settings, referential)
                service = FseService(store, referential, amc_gate=gate)
                row = bill_devis(service, args.devis_id, cps, vitale, care, tiers_payant)
                summary = fse_summary(row, store)
                amc = service.last_amc
                if amc is not None and amc.outcome is not None:  # as « sesam fse create »
                    summary["engagement_amc"] = {
                        "statut": amc.outcome.value,
                        "numero": amc.engagement,
                        "gestion": amc.gestion,
                        "message": amc.notice,
                    }
                return summary

        try:
            summary = with_cards(pin, "if_present", work)
        except (InputError, FseInputError) as exc:
            print(str(exc), file=sys.stderr)
            return EXIT_USAGE
    summary["devis"] = args.devis_id
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    return EXIT_OK
