"""The handlers of ``sesam fse`` create, show, cancel and rectify (``client.cli.fse``
registers them): loaded only when one of them runs, so that ``sesam fse list`` does not
import the card, PDF and network code.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

from billing.fse import SecuringMode
from billing.money_text import euros
from billing.price_io import InputError
from cardio.backend import PractitionerCard
from client.cli.card_work import with_cards
from client.cli.context import CommandContext
from client.cli.fse_report import fse_summary, pj_line, pj_record
from client.cli.pin import check_pin, read_pin
from client.config import data_dir
from client.desk import PaymentMeans
from client.fse_service import (
    CpsSource,
    FseInput,
    FseInputError,
    FseService,
    VitaleSource,
    parse_fse_input,
)
from client.labels import fse_state_label, mode_label
from client.usecases import payments

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


# --- commands ---------------------------------------------------------------------------------


def _load_input(path: Path, cli: CommandContext) -> FseInput | None:
    try:
        raw = json.loads(path.read_text("utf-8"))
    except OSError as exc:
        print(f"Impossible de lire {path} : {exc.strerror}.", file=sys.stderr)
        return None
    except ValueError as exc:
        print(f"{path} n'est pas du JSON valide : {exc}.", file=sys.stderr)
        return None
    try:
        if isinstance(raw, dict) and "adri" in raw:
            raw = identity_from_adri(raw, cli)
        return parse_fse_input(raw)
    except FseInputError as exc:
        print(str(exc), file=sys.stderr)
        return None


def identity_from_adri(raw: dict[str, Any], cli: CommandContext) -> dict[str, Any]:
    """Sans Vitale with only NIR, birth date and rang (key ``adri``): ask ADRi for the
    patient's rights at the date of care and fill the ``identity`` block with its answer.

    The FSE is then built on ADRi alone: sans garantie de paiement [002 L4380].
    :raises FseInputError: ``adri`` malformed, with another mode, or with ``identity``.
    :raises ClientError: ADRi refused or unreachable (French message, exit 1).
    """
    from datetime import date

    from client.adri import PAYMENT_NOTICE, query_rights

    keys = raw.get("adri")
    if not isinstance(keys, dict):
        raise FseInputError("adri", 'objet {"nir", "birth_date", "rang"} attendu')
    if raw.get("mode") != SecuringMode.SANS_VITALE.value:
        raise FseInputError("adri", 'seulement avec "mode": "sans_vitale"')
    if "identity" in raw:
        raise FseInputError("adri", "« identity » ou « adri », pas les deux")
    try:
        care = date.fromisoformat(str(raw.get("date_of_care", "")))
    except ValueError:
        raise FseInputError("date_of_care", "date AAAA-MM-JJ attendue") from None
    nir, birth = keys.get("nir"), keys.get("birth_date")
    rank = keys.get("rang", "1")
    if not all(isinstance(v, str) for v in (nir, birth, rank)):
        raise FseInputError("adri", "nir, birth_date et rang sont des chaînes")
    rights = query_rights(cli.transport, str(nir), str(birth), str(rank), care)
    print(PAYMENT_NOTICE, file=sys.stderr)
    filled = {k: v for k, v in raw.items() if k != "adri"}
    filled["identity"] = rights.identity_input()
    return filled


def _cmd_create(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        return _create(args, cli)


def _create(args: argparse.Namespace, cli: CommandContext) -> int:
    if args.apcv or args.apcv_image:
        from client.cli.apcv import create_with_apcv

        return create_with_apcv(args, cli)
    request = _load_input(args.json, cli)
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
    referential = cli.ensure_referential()  # with the cabinet's local tariffs, as `sesam price`

    def work(
        session: PractitionerCard, cps: CpsSource, vitale: VitaleSource | None
    ) -> dict[str, Any]:
        with cli.card_store() as store:
            from client.amc.engagement import OnlineEngagement  # network stack: here only

            gate = OnlineEngagement.from_settings(store, cli.settings, referential)
            service = FseService(store, referential, amc_gate=gate)
            row = service.create(request, cps, vitale)
            summary = fse_summary(row, store)
            amc = service.last_amc
            if amc is not None and amc.outcome is not None:
                # The complémentaire's answer (docs/formats/cli.md): refused or unreachable,
                # the FSE left without tiers payant AMC and the patient pays that part.
                summary["engagement_amc"] = {
                    "statut": amc.outcome.value,
                    "numero": amc.engagement,
                    "gestion": amc.gestion,
                    "message": amc.notice,
                }
            if row.mode == SecuringMode.DEGRADE.value:
                # The paper sheet goes with the dégradé FSE: printed now, signed, scanned.
                from client import documents  # fpdf: 0.2 s of every command's start

                pdf = documents.feuille_de_soins_pdf(
                    store, row.number, row.practitioner_id, paper=documents.cabinet_paper()
                )
                summary["feuille_de_soins"] = pdf
            return summary

    try:
        summary = with_cards(pin, wanted, work)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    code = EXIT_OK
    sheet: bytes | None = summary.pop("feuille_de_soins", None)
    if sheet is not None:
        target = args.print_out or (
            data_dir() / "documents" / f"feuille-de-soins-{summary['numero']}.pdf"
        )
        try:
            write_private(target, sheet)
        except OSError as exc:
            print(
                f"FSE n° {summary['numero']} enregistrée, mais la feuille de soins n'a pas pu "
                f"être écrite dans {target} ({exc.strerror}) : imprimez-la avec "
                f"« sesam print fs {summary['numero']} ».",
                file=sys.stderr,
            )
            code = EXIT_FAILED
        else:
            summary["feuille_de_soins"] = str(target)
            print(f"Feuille de soins à imprimer et faire signer : {target}", file=sys.stderr)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    sys.stdout.flush()
    return code


def _euros(wire: str) -> str:
    """The French text of an amount the FSE summary holds in its wire form (« 25.00 »)."""
    return euros(Decimal(wire))


def _cmd_show(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        store = cli.store
        row = store.fse_by_number(args.number, args.practitioner)
        events = [
            {
                "le": e.at.isoformat(),
                "evenement": e.kind.value,
                "de": e.from_state.value if e.from_state else None,
                "vers": e.to_state.value,
                "detail": e.detail,
            }
            for e in store.fse_events(row.id)
        ]
        settled = store.settlement(row.id)
        if args.json:
            record = pj_record(store, row)
            out = {
                "reglement": (
                    {"mode": settled[0], "montant": str(settled[1])}
                    if settled is not None
                    else None
                ),
                "resume": fse_summary(row, store),
                "pj": record.to_json() if record is not None else None,
                # The FSE as signed and sent: the keys of its own format (docs/formats/fse.md).
                "document": json.loads(row.canonical),
                "historique": events,
            }
            print(json.dumps(out, ensure_ascii=False, indent=2))
            return EXIT_OK
        summary = fse_summary(row, store)
        print(
            f"FSE n° {row.number} ({row.fse_uuid}) — {fse_state_label(row.state.value)}, "
            f"mode {mode_label(row.mode)}"
            + (", téléconsultation" if summary["teleconsultation"] else "")
        )
        print(
            f"  soins du {row.care_date.isoformat()}, organisme {row.regime}-{row.caisse}-"
            f"{row.centre}, patient {summary['patient']['nir']} rang {summary['patient']['rang']}"
        )
        for act in summary["actes"]:
            print(
                f"  {act['code']:<8} x{act['quantite']}  {_euros(act['honoraires']):>10}  "
                f"AMO {_euros(act['amo'])}"
            )
        amounts = summary["montants"]
        print(
            f"  total {_euros(amounts['honoraires'])}, AMO {_euros(amounts['amo'])}, "
            f"AMC {_euros(amounts['amc'])}, reste à charge {_euros(amounts['reste_a_charge'])}"
        )
        if settled is not None:
            amount = euros(settled[1])
            print(f"  réglé par {PaymentMeans(settled[0]).label} : {amount} encaissés")
        if summary["lot"]:
            print(f"  lot n° {summary['lot']['numero']} ({summary['lot']['libelle_etat']})")
        if summary["rectifie"]:
            print(f"  FSE rectificative de la FSE n° {summary['rectifie']['numero']} (rejetée)")
        if summary["rectifiee_par"]:
            print(f"  remplacée par la FSE rectificative n° {summary['rectifiee_par']['numero']}")
        if not summary["garantie_paiement"]:
            origin = (
                f"droits par ADRi, réf. {summary['reference_adri']}"
                if summary["identification"] == "adri"
                else f"mode {mode_label(row.mode)}"
            )
            print(f"  sans garantie de paiement ({origin}, carte Vitale non lue)")
        pj = pj_line(store, row)
        if pj:
            print(f"  {pj}")
        for e in events:
            print(
                f"  {e['le']}  {e['evenement']:<13} {e['de'] or '-'} -> {e['vers']}"
                + (f"  ({e['detail']})" if e["detail"] else "")
            )
    return EXIT_OK


def _cmd_cancel(args: argparse.Namespace) -> int:
    with CommandContext() as cli:
        row = payments.cancel_fse(cli.store, cli, args.number, args.reason, args.practitioner)
        if args.json:
            done = {
                "numero": row.number,
                "id_fse": row.fse_uuid,
                "etat": row.state.value,
                "libelle_etat": fse_state_label(row.state.value),
                "motif": args.reason,
            }
            print(json.dumps(done, ensure_ascii=False, indent=2))
        else:
            print(f"FSE n° {row.number} annulée.")
    return EXIT_OK


def _cmd_rectify(args: argparse.Namespace) -> int:
    """The rectificative of a rejected FSE: checked before the PIN is asked, then built on
    the cards like ``fse create`` (the Vitale is read only when the corrections want it)."""
    with CommandContext() as cli:
        return _rectify(args, cli)


def _rectify(args: argparse.Namespace, cli: CommandContext) -> int:
    from client.rectify import (
        RectifyRequest,
        check_rectifiable,
        load_corrections,
        rectify,
        vitale_wanted,
    )

    try:
        corrections = load_corrections(args.json) if args.json else {}
    except FseInputError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    store = cli.store
    original = store.fse_by_number(args.number, args.practitioner)
    check_rectifiable(store, original)
    if "adri" in corrections:
        corrections = identity_from_adri(
            {"mode": "sans_vitale", "date_of_care": original.care_date.isoformat()} | corrections,
            cli,
        )
    from client.rectify_apcv import APCV_CHOICES, prepare, secured_by_apcv

    if secured_by_apcv(original) and not args.apcv and "identity" not in corrections:
        print(APCV_CHOICES, file=sys.stderr)
    # The ApCV service and ADRi answer before the PIN is asked and anything is written.
    request, signer = prepare(
        cli,
        original,
        RectifyRequest(original.number, original.practitioner_id, corrections),
        args.apcv,
    )
    cli.close()  # the card work below has its own connection, on the card thread
    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):
        return EXIT_USAGE
    referential = cli.ensure_referential()

    def work(
        session: PractitionerCard, cps: CpsSource, vitale: VitaleSource | None
    ) -> dict[str, Any]:
        with cli.card_store() as store:
            done = rectify(FseService(store, referential), request, cps, vitale, apcv=signer)
            return fse_summary(done.rectificative, store)

    try:
        summary = with_cards(pin, vitale_wanted(corrections), work)
    except InputError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(
        f"FSE n° {original.number} rectifiée par la FSE n° {summary['numero']}, "
        "en file d'envoi (sesam lot close puis sesam queue send).",
        file=sys.stderr,
    )
    return EXIT_OK


def write_private(path: Path, data: bytes) -> None:
    """Write a document atomically, readable by the user only (health data)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".part")
    fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    os.replace(partial, path)
