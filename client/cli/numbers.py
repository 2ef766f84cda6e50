"""``sesam numbers``: the FSE numbers handed out with no FSE stored (each with its reason),
and the FSE this post kept while the cabinet's server did not answer."""

from __future__ import annotations

import argparse
import json

from client.cli.context import CommandContext

EXIT_OK = 0
EXIT_FAILED = 1


def _cmd_gaps(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        store = cli.store
        ids = [args.praticien] if args.praticien else store.cabinet.numbered_practitioners()
        gaps = [gap for pid in ids for gap in store.cabinet.gaps(pid)]
    if args.json:
        out = [
            {
                "praticien": g.practitioner_id,
                "numero": g.number,
                "raison": g.reason,
                "le": g.at.isoformat() if g.at else None,
            }
            for g in gaps
        ]
        print(json.dumps(out, ensure_ascii=False, indent=2))
        return EXIT_OK
    if not gaps:
        print("Aucun numéro de FSE manquant : la numérotation est continue.")
        return EXIT_OK
    for g in gaps:
        when = f" le {g.at:%d/%m/%Y %H:%M}" if g.at else ""
        print(f"Praticien {g.practitioner_id}, FSE n° {g.number}{when} : {g.reason}")
    return EXIT_OK


def _cmd_replay(args: argparse.Namespace) -> int:
    # Here: ``numbers gaps`` answers without the FSE documents' code (issue #27).
    from billing.lot import DEFAULT_RULES
    from client.offline_journal import OfflineJournal

    with CommandContext() as cli:
        store = cli.store
        done = OfflineJournal.beside(store).replay(store, DEFAULT_RULES, cli.utc_clock())
    if args.json:
        out = {"enregistrees": done.stored, "deja": done.already, "en_attente": done.waiting}
        print(json.dumps(out, ensure_ascii=False, indent=2))
    else:
        print(
            f"{done.stored} FSE gardée(s) sur ce poste enregistrée(s), "
            f"{done.waiting} toujours en attente du serveur."
        )
    return EXIT_OK if done.waiting == 0 else EXIT_FAILED


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``numbers`` command group."""
    group = subparsers.add_parser("numbers", help="numérotation des FSE : trous et reprises")
    sub = group.add_subparsers(dest="numbers_command", metavar="ACTION", required=True)
    gaps = sub.add_parser("gaps", help="numéros donnés sans FSE enregistrée, avec leur raison")
    gaps.add_argument("--praticien", metavar="ID", help="n° de facturation + clé")
    gaps.add_argument("--json", action="store_true", help="sortie JSON")
    gaps.set_defaults(handler=_cmd_gaps)
    replay = sub.add_parser(
        "replay", help="enregistrer les FSE gardées sur ce poste quand le serveur manquait"
    )
    replay.add_argument("--json", action="store_true", help="sortie JSON")
    replay.set_defaults(handler=_cmd_replay)
