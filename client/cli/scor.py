"""``sesam scor``: scan or import the signed paper feuille de soins of a dégradé FSE, check
it, send it in a PJ lot after its invoice lot, follow it, purge it after its retention."""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from client.cli.context import CommandContext
from client.scor.config import load_scor_config
from client.scor.pj import PjRecord, PjService

if TYPE_CHECKING:  # fpdf and Pillow: 0.3 s of every command's start
    from cardio.backend import PractitionerCard
    from client.scor.normalize import NormalizedPj

logger = logging.getLogger(__name__)

T = TypeVar("T")
EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scor`` command group."""
    group = subparsers.add_parser("scor", help="pièces justificatives SCOR (mode dégradé)")
    sub = group.add_subparsers(dest="scor_command", metavar="ACTION", required=True)

    devices = sub.add_parser("devices", help="scanners visibles (SANE)")
    devices.add_argument("--json", action="store_true", help="sortie JSON")
    devices.set_defaults(handler=_cmd_devices)

    scan_p = sub.add_parser("scan", help="numériser la feuille de soins signée d'une FSE")
    scan_p.add_argument("number", type=int, metavar="N", help="numéro de la FSE dégradée")
    scan_p.add_argument("--device", metavar="D", help="scanner SANE (défaut : réglage scor.json)")
    scan_p.add_argument("--accept", action="store_true", help="valider sans relecture")
    scan_p.add_argument("--praticien", metavar="ID")
    scan_p.add_argument("--json", action="store_true", help="la pièce en JSON")
    scan_p.set_defaults(handler=_cmd_scan)

    imp = sub.add_parser("import", help="importer une image ou un PDF de la feuille signée")
    imp.add_argument("number", type=int, metavar="N", help="numéro de la FSE dégradée")
    imp.add_argument("file", type=Path, metavar="FICHIER")
    imp.add_argument("--accept", action="store_true", help="valider sans relecture")
    imp.add_argument("--praticien", metavar="ID")
    imp.add_argument("--json", action="store_true", help="la pièce en JSON")
    imp.set_defaults(handler=_cmd_import)

    accept = sub.add_parser("accept", help="valider une pièce après l'avoir relue")
    accept.add_argument("pj", type=int, metavar="PJ", help="numéro de la pièce")
    accept.add_argument("--json", action="store_true", help="la pièce en JSON")
    accept.set_defaults(handler=_cmd_accept)

    lots = sub.add_parser("lots", help="constituer et signer (CPS) les lots de PJ")
    lots.add_argument("--pin-stdin", action="store_true", help="code porteur sur stdin")
    lots.add_argument("--json", action="store_true", help="les lots constitués en JSON")
    lots.set_defaults(handler=_cmd_lots)

    status = sub.add_parser("status", help="état des pièces (et règle des 5 jours ouvrés)")
    status.add_argument("--json", action="store_true", help="sortie JSON")
    status.set_defaults(handler=_cmd_status)

    purge = sub.add_parser("purge", help="purger les pièces conservées depuis plus de 90 jours")
    purge.add_argument("--dry-run", action="store_true", help="montrer sans rien supprimer")
    purge.add_argument("--json", action="store_true", help="sortie JSON")
    purge.set_defaults(handler=_cmd_purge)

    posted = sub.add_parser("posted", help="le duplicata papier d'une pièce a été posté")
    posted.add_argument("pj", type=int, metavar="PJ")
    posted.add_argument("--json", action="store_true", help="la pièce en JSON")
    posted.set_defaults(handler=_cmd_posted)


def _with_service(work: Callable[[PjService], T]) -> T:
    # Pillow (the normaliser, behind the use cases): loaded by the commands that use it.
    from client.usecases.scor import pj_service

    with CommandContext() as cli:
        return work(pj_service(cli, cli.store))


def _show(record: PjRecord) -> str:
    line = f"PJ {record.id} - FSE n° {record.fse_number} - {record.status.label}"
    if record.paper_due:
        line += " - ENVOYER LE DUPLICATA PAPIER À LA CAISSE"
    elif record.paper_deadline:
        line += f" - à transmettre au plus tard le {record.paper_deadline:%d/%m/%Y}"
    if record.purge_on:
        line += f" - conservée jusqu'au {record.purge_on:%d/%m/%Y} exclu"
    return line


def _attach(args: argparse.Namespace, pj: NormalizedPj, source: str) -> int:
    def work(service: PjService) -> PjRecord:
        record = service.attach(args.number, pj, source, practitioner_id=args.praticien)
        return service.accept(record.id) if args.accept else record

    record = _with_service(work)
    if args.json:
        return _print_record(record)
    print(
        f"Pièce {record.id} : {record.pages} page(s), {record.dpi} ppp, {record.size} octets "
        f"({record.size // max(1, record.pages) // 1024} Ko par page)."
    )
    print(f"Fichier : {record.file_path}")
    if not args.accept:
        print(f"Relisez-la, puis validez : sesam scor accept {record.id}")
    return EXIT_OK


def _cmd_devices(args: argparse.Namespace) -> int:
    from client.scor import scan  # subprocess: not for ``scor status`` (issue #27)

    found = scan.list_devices()
    if args.json:
        doc = [{"nom": d.name, "libelle": d.label} for d in found]
        print(json.dumps(doc, ensure_ascii=False, indent=2))
    if not found:
        print("Aucun scanner trouvé.", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        return EXIT_OK
    for device in found:
        print(f"{device.name}\t{device.label}")
    return EXIT_OK


def _cmd_scan(args: argparse.Namespace) -> int:
    from client.scor import scan

    config = load_scor_config()
    device = args.device or config.scanner_device
    if not device:
        found = scan.list_devices()
        if len(found) != 1:
            print(
                "Choisissez le scanner avec --device (liste : sesam scor devices).",
                file=sys.stderr,
            )
            return EXIT_USAGE
        device = found[0].name
    image = scan.scan_page(device)
    from client.scor.normalize import normalize_bytes

    pj = normalize_bytes(image, f"numérisation {device}", config.normalize_options)
    return _attach(args, pj, f"scan:{device}")


def _cmd_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        print(f"Fichier introuvable : {args.file}", file=sys.stderr)
        return EXIT_USAGE
    from client.scor.normalize import normalize_file

    pj = normalize_file(args.file, load_scor_config().normalize_options)
    return _attach(args, pj, f"import:{args.file.name}")


def _cmd_accept(args: argparse.Namespace) -> int:
    record = _with_service(lambda s: s.accept(args.pj))
    if args.json:
        return _print_record(record)
    print(_show(record))
    return EXIT_OK


def _cmd_lots(args: argparse.Namespace) -> int:
    # The CPS signs the PJ lots, opened like ``sesam lot close`` does (APDU or PKCS#11
    # per carte-cps.json); card calls run on the card thread, which also opens the store
    # for this one command (a sqlite connection stays on the thread that opened it).
    from client.cli.card_work import with_cards
    from client.cli.pin import check_pin, read_pin

    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):
        return EXIT_USAGE

    def work(session: PractitionerCard, _cps: object, _vitale: object) -> list[str]:
        return _with_service(lambda s: s.build_lots(session))

    created = with_cards(pin, "no", work)
    if args.json:
        print(json.dumps({"lots": created}, ensure_ascii=False, indent=2))
    else:
        print(f"{len(created)} lot(s) de PJ constitué(s) et mis en file d'envoi.")
    if not created:
        # The user asked for lots: none built is not a success; say why.
        print(
            "Aucun lot de PJ constitué : aucune pièce validée n'attend (les pièces partent "
            "après le lot de leur FSE, et « sesam lot close » les emporte déjà).",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK


def _cmd_status(args: argparse.Namespace) -> int:
    def work(service: PjService) -> list[PjRecord]:
        service.refresh()
        return service.records()

    records = _with_service(work)
    if args.json:
        json.dump([r.to_json() for r in records], sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_OK
    if not records:
        print("Aucune pièce justificative.")
    for record in records:
        print(_show(record))
    return EXIT_OK


def _cmd_purge(args: argparse.Namespace) -> int:
    purged = _with_service(lambda s: s.purge(dry_run=args.dry_run))
    if args.json:
        doc = {
            "simulation": args.dry_run,
            "pieces": [
                {
                    "id": p.pj_id,
                    "numero_fse": p.fse_number,
                    "taille": p.size,
                    "conservee_depuis": p.retention_start.isoformat(),
                }
                for p in purged
            ],
        }
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK if purged or args.dry_run else _nothing_purged()
    verb = "serait purgée" if args.dry_run else "purgée"
    for p in purged:
        since = f"{p.retention_start:%d/%m/%Y}"
        print(f"PJ {p.pj_id} (FSE n° {p.fse_number}, transmise le {since}) {verb}")
    print(f"{len(purged)} pièce(s) {'à purger' if args.dry_run else 'purgée(s)'}.")
    return EXIT_OK if purged or args.dry_run else _nothing_purged()


def _nothing_purged() -> int:
    print(
        "Aucune pièce purgée : aucune n'a fini sa durée de conservation après sa transmission.",
        file=sys.stderr,
    )
    return EXIT_FAILED


def _print_record(record: PjRecord) -> int:
    print(json.dumps(record.to_json(), ensure_ascii=False, indent=2))
    return EXIT_OK


def _cmd_posted(args: argparse.Namespace) -> int:
    record = _with_service(lambda s: s.mark_posted(args.pj))
    if args.json:
        return _print_record(record)
    print(_show(record))
    return EXIT_OK
