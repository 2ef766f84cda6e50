"""``sesam amc``: the complémentaire's side — ask an engagement by hand, list and send the DRE
lots (gestion séparée), fetch and list the AMC's payments. French JSON keys
(``docs/formats/cli.md``)."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation

from billing.money_text import euros
from client.cli.context import CommandContext

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2

_STATUS_WORDS = {
    "pending": "en attente d'envoi",
    "acknowledged": "accusé de réception positif",
    "refused": "refusé par la complémentaire",
    "failed": "en échec, à vérifier",
    "released": "refusé ; ses DRE repartent dans un nouveau lot",
}


def _now() -> datetime:
    return datetime.now(UTC)


def _print(doc: object) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2))


def _cmd_engage(args: argparse.Namespace) -> int:
    from client.amc.engagement import OnlineEngagement
    from client.amc.transport import EngagementQuery

    try:
        amount = Decimal(args.montant)
        care = date.fromisoformat(args.date)
    except (InvalidOperation, ValueError):
        print("Montant (12.34) ou date (AAAA-MM-JJ) illisible.", file=sys.stderr)
        return EXIT_USAGE
    if amount <= 0 or amount.as_tuple().exponent != -2:
        print("Le montant de la part complémentaire s'écrit avec deux décimales.", file=sys.stderr)
        return EXIT_USAGE
    query = EngagementQuery(
        amc=args.amc,
        member=args.adherent,
        care_date=care,
        service=args.prestation,
        amount=amount,
        practitioner=args.ps,
    )
    with CommandContext() as cli:
        gate = OnlineEngagement.from_settings(cli.store, cli.settings, cli.ensure_referential())
        result = gate.ask(query, args.ps, _now())
    doc = {
        "statut": result.outcome.value if result.outcome else "",
        "numero": result.engagement,
        "gestion": result.gestion,
        "message": result.notice,
    }
    if args.json:
        _print(doc)
    else:
        print(result.notice)
    return EXIT_OK if result.tiers_payant_amc else EXIT_FAILED


def _cmd_dre_list(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        lots = cli.store.amc_lots.dre_lots()
    rows = [
        {
            "id_lot": lot.id,
            "numero": lot.number,
            "amc": lot.amc,
            "statut": lot.status.value,
            "libelle": _STATUS_WORDS[lot.status.value],
            "dre": lot.dre_count,
            "montant_amc": str(lot.total_amc),
            "essais": lot.attempts,
            "derniere_erreur": lot.last_error,
        }
        for lot in lots
    ]
    if args.json:
        _print(rows)
    elif not rows:
        print("Aucun lot de DRE : les DRE partent en gestion séparée, à la clôture des lots.")
    else:
        for r in rows:
            print(
                f"Lot de DRE n° {r['numero']} (complémentaire {r['amc']}) : {r['dre']} DRE, "
                f"{euros(Decimal(r['montant_amc']))} — {r['libelle']}."
            )
    return EXIT_OK


def _resend(cli: CommandContext, number: int, amc: str) -> bool:
    """``--lot N``: the failed or refused DRE lot n° N sent again, said on stderr."""
    from client.amc.dre import DreResendError, resend_dre_lot

    lots = [
        lot
        for lot in cli.store.amc_lots.dre_lots()
        if lot.number == number and amc in ("", lot.amc)
    ]
    if not lots:
        print(f"Aucun lot de DRE n° {number} : voyez « sesam amc dre list ».", file=sys.stderr)
        return False
    if len(lots) > 1:
        print(
            f"Plusieurs lots de DRE portent le n° {number} (un par complémentaire) : "
            "précisez --amc.",
            file=sys.stderr,
        )
        return False
    try:
        print(resend_dre_lot(cli.store, lots[0], _now()), file=sys.stderr)
    except DreResendError as exc:
        print(str(exc), file=sys.stderr)
        return False
    return True


def _cmd_dre_send(args: argparse.Namespace) -> int:
    from client.amc.dre import send_dre_lots
    from client.amc.transport import AmcTransport

    with CommandContext() as cli:
        if args.lot is not None and not _resend(cli, args.lot, args.amc):
            return EXIT_FAILED
        transport = AmcTransport(cli.settings)
        try:
            report = send_dre_lots(cli.store, transport, cli.settings, _now)
        finally:
            transport.close()
    if args.json:
        _print(
            {
                "acceptes": report.acknowledged,
                "refuses": report.refused,
                "en_attente": report.retry,
                "en_echec": report.failed,
                "derniere_erreur": report.last_error,
            }
        )
    else:
        for line in report.messages or ["Aucun lot de DRE à envoyer."]:
            print(line, file=sys.stderr)
    ok = report.retry == 0 and report.failed == 0 and report.refused == 0
    return EXIT_OK if ok else EXIT_FAILED


def _cmd_returns(args: argparse.Namespace) -> int:
    from client.amc.returns import fetch_returns
    from client.amc.transport import AmcTransport

    with CommandContext() as cli:
        store = cli.store
        if not args.local:
            transport = AmcTransport(cli.settings)
            try:
                report = fetch_returns(store, transport, _now)
            finally:
                transport.close()
            print(
                f"Complémentaire : {report.paid} DRE payée(s), {report.partly_paid} payée(s) "
                f"partiellement, {report.rejected} rejetée(s).",
                file=sys.stderr,
            )
        payments = store.amc_lots.payments()
    rows = [
        {
            "id_fse": p.fse_uuid,
            "id_lot_dre": p.lot_id,
            "engagement": p.engagement,
            "resultat": p.outcome,
            "montant_demande": str(p.billed_amc),
            "montant_paye": str(p.paid_amc),
            "date_paiement": p.paid_on.isoformat(),
            "virement": p.virement_ref,
            "motif": p.motif_code,
            "libelle_motif": p.motif_label,
        }
        for p in payments
    ]
    if args.json:
        _print(rows)
    else:
        for r in rows:
            motif = f" ({r['motif']} {r['libelle_motif']})" if r["motif"] else ""
            print(
                f"FSE {r['id_fse']} : {r['resultat']} {euros(Decimal(r['montant_paye']))} sur "
                f"{euros(Decimal(r['montant_demande']))}{motif}."
            )
    return EXIT_OK


def register_actions(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add ``engage``, ``dre list|send`` and ``returns`` to the ``amc`` group
    (``client.cli.amc`` owns the group and its ``conventions``)."""
    engage = sub.add_parser("engage", help="demander un engagement de tiers payant en ligne")
    engage.add_argument("--amc", required=True, help="n° AMC (8 chiffres)")
    engage.add_argument("--adherent", required=True, help="n° d'adhérent")
    engage.add_argument("--date", required=True, help="date des soins AAAA-MM-JJ")
    engage.add_argument("--montant", required=True, help="part complémentaire demandée (12.34)")
    engage.add_argument(
        "--prestation", default="CON", help="nature des soins (CON, TEC, DEN…), CON par défaut"
    )
    engage.add_argument("--ps", default="", help="n° de facturation du praticien")
    engage.add_argument("--json", action="store_true", help="sortie JSON")
    engage.set_defaults(handler=_cmd_engage)
    dre = sub.add_parser("dre", help="lots de DRE (gestion séparée)")
    dre_sub = dre.add_subparsers(dest="dre_command", metavar="ACTION", required=True)
    dre_list = dre_sub.add_parser("list", help="les lots de DRE et leur état")
    dre_list.add_argument("--json", action="store_true", help="sortie JSON")
    dre_list.set_defaults(handler=_cmd_dre_list)
    dre_send = dre_sub.add_parser("send", help="envoyer les lots de DRE en attente")
    dre_send.add_argument(
        "--lot", type=int, metavar="N", help="renvoyer d'abord le lot n° N, refusé ou en échec"
    )
    dre_send.add_argument("--amc", default="", help="n° AMC du lot (si plusieurs portent ce n°)")
    dre_send.add_argument("--json", action="store_true", help="bilan JSON")
    dre_send.set_defaults(handler=_cmd_dre_send)
    returns = sub.add_parser("returns", help="paiements et rejets de la complémentaire")
    returns.add_argument(
        "--local", action="store_true", help="sans interroger la complémentaire : ce qui est reçu"
    )
    returns.add_argument("--json", action="store_true", help="sortie JSON")
    returns.set_defaults(handler=_cmd_returns)
