"""``sesam ocam consent|export|log|copy``: the OCAM's information requests (issue #23,
seed 000) — the patient's consent, the administrative or medical file of a billed act, the
log of what went to whom, the patient's copy of his documents."""

from __future__ import annotations

import argparse
import json
from datetime import date
from pathlib import Path

from billing.ocam import OcamDossier, OcamProfession
from client.cli.context import CommandContext
from client.ocam import (
    OcamError,
    Subject,
    check_consultant,
    devis_subject,
    export_file,
    fse_subject,
    patient_copy,
    record_consent,
    sending_log,
)
from client.store import Store

EXIT_OK = 0


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"date AAAA-MM-JJ attendue : {text!r}") from None


def _subject(store: Store, args: argparse.Namespace) -> Subject:
    if args.devis:
        return devis_subject(store, args.devis)
    return fse_subject(store, args.fse, args.praticien)


def _cmd_consent(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        store = cli.store
        subject = _subject(store, args)
        consent = record_consent(
            store,
            subject,
            ocam=args.ocam,
            purpose=args.objet,
            given_by=args.par,
            given_on=args.le or cli.utc_clock().astimezone().date(),
            clock=cli.utc_clock,
        )
    print(
        f"Consentement n° {consent.id} enregistré pour la {subject.title} : dossier médical "
        f"vers le consultant de {consent.ocam}, donné par {consent.given_by} le "
        f"{date.fromisoformat(consent.given_on):%d/%m/%Y} ({consent.purpose})."
    )
    return EXIT_OK


def _cmd_export(args: argparse.Namespace) -> int:
    dossier = OcamDossier(args.dossier)
    consultant = None
    if dossier is OcamDossier.MEDICAL:
        # Checked before anything is read: a refusal writes nothing, logs nothing.
        consultant = check_consultant(args.consultant or "", args.rpps or "", args.profession)
    with CommandContext() as cli:
        store = cli.store
        subject = _subject(store, args)
        sent = export_file(
            store,
            subject,
            dossier,
            ocam=args.ocam,
            out=args.out,
            clock=cli.utc_clock,
            consultant=consultant,
            force=args.force,
        )
    print(f"{sent.path} écrit ({args.dossier} pour {sent.recipient}), envoi n° {sent.log_id}.")
    for line in sent.documents:
        print(f"  - {line}")
    return EXIT_OK


def _patient_of(cli: CommandContext, args: argparse.Namespace) -> str:
    if args.patient:
        return str(args.patient)
    if args.fse is None:
        raise OcamError("Indiquez le patient : --fse N (une de ses FSE) ou --patient ID.")
    return fse_subject(cli.store, args.fse, args.praticien).patient_id


def _cmd_log(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        lines = sending_log(cli.store, _patient_of(cli, args))
    if args.json:
        payload = [
            {
                "envoi": x.id,
                "le": x.when,
                "envoi_a": x.text,
                "pieces": list(x.documents),
                "fichier": x.file_name,
                "sha256": x.sha256,
            }
            for x in lines
        ]
        print(json.dumps(payload, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not lines:
        print("Rien n'a été transmis pour ce patient.")
    for x in lines:
        print(f"n° {x.id} le {x.when} : {x.text} — {x.file_name}")
        for doc in x.documents:
            print(f"    {doc}")
    return EXIT_OK


def _cmd_copy(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        store = cli.store
        sent = patient_copy(
            store, _patient_of(cli, args), out=args.out, clock=cli.utc_clock, force=args.force
        )
    print(f"{sent.path} écrit : copie de {len(sent.documents)} document(s) pour le patient.")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``ocam`` command group."""
    cmd = subparsers.add_parser(
        "ocam", help="demandes de renseignements des complémentaires (OCAM)"
    )
    sub = cmd.add_subparsers(dest="ocam_command", metavar="ACTION", required=True)

    consent = sub.add_parser("consent", help="enregistrer le consentement du patient")
    consent.add_argument("--ocam", required=True, metavar="NOM", help="l'organisme complémentaire")
    consent.add_argument("--objet", required=True, metavar="TEXTE", help="pour quoi")
    consent.add_argument("--par", required=True, metavar="NOM", help="qui consent")
    consent.add_argument("--le", type=_day, metavar="AAAA-MM-JJ", help="date (aujourd'hui)")
    consent.set_defaults(handler=_cmd_consent)

    export = sub.add_parser("export", help="écrire le dossier d'une FSE ou d'un devis")
    for parser in (consent, export):
        what = parser.add_mutually_exclusive_group(required=True)
        what.add_argument("--fse", type=int, metavar="N", help="l'acte facturé (sa FSE)")
        what.add_argument("--devis", metavar="ID", help="le devis")
    export.add_argument("--ocam", required=True, metavar="NOM", help="l'organisme complémentaire")
    export.add_argument(
        "--dossier",
        choices=[OcamDossier.ADMINISTRATIF.value, OcamDossier.MEDICAL.value],
        required=True,
        help="dossier administratif (à l'OCAM) ou médical (à son consultant)",
    )
    export.add_argument("--consultant", metavar="NOM", help="dossier médical : le consultant")
    export.add_argument(
        "--profession",
        default=OcamProfession.DENTISTE.value,
        metavar="PROFESSION",
        help="du consultant : chirurgien-dentiste (défaut) ou medecin",
    )
    export.add_argument("--rpps", metavar="N", help="n° RPPS du consultant (11 chiffres)")
    export.add_argument("--out", type=Path, required=True, metavar="F.pdf", help="fichier PDF")
    export.add_argument("--force", action="store_true", help="remplacer un fichier existant")
    export.set_defaults(handler=_cmd_export)

    log = sub.add_parser("log", help="ce qui a été transmis, à qui, quand")
    copy = sub.add_parser("copy", help="la copie des documents du patient (PDF)")
    for parser in (log, copy):
        who = parser.add_mutually_exclusive_group(required=True)
        who.add_argument("--fse", type=int, metavar="N", help="le patient de cette FSE")
        who.add_argument("--patient", metavar="ID", help="identifiant du patient")
    log.add_argument("--json", action="store_true", help="sortie JSON")
    log.set_defaults(handler=_cmd_log)
    copy.add_argument("--out", type=Path, required=True, metavar="F.pdf", help="fichier PDF")
    copy.add_argument("--force", action="store_true", help="remplacer un fichier existant")
    copy.set_defaults(handler=_cmd_copy)
    for parser in (consent, export, log, copy):
        parser.add_argument("--praticien", metavar="ID", help="n° de facturation + clé")
