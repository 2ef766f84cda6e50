"""``sesam apcv``: the patient's application carte Vitale (ApCV).

``sesam apcv open CODE`` (or ``--image F``: a photo or screenshot of the QR code) opens a
session with the ApCV service and prints the bénéficiaires and their rights at the date of
care; it uses the code up (single use): to bill, give the code to ``sesam fse create
--apcv CODE`` instead, which opens the session and secures the FSE « ApCV » with it.
Téléconsultation: the patient reads his code remotely and the text is pasted here.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path
from typing import Any

from client.apcv import ApcvError, ApcvSession, decode_image, open_session
from client.apcv.errors import ApcvFault
from client.cli.context import CommandContext
from client.fse_input import FseInputError

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


def code_text(code: str | None, image: Path | None) -> str:
    """The code's text, typed or read from an image.

    :raises ApcvError: the image holds no QR code (``NOT_A_CODE``).
    :raises OSError: the image cannot be read.
    """
    if image is not None:
        text = decode_image(image)
        if not text:
            raise ApcvError(ApcvFault.NOT_A_CODE, f"aucun QR code lisible dans {image.name}")
        return text
    return code or ""


def session_json(session: ApcvSession) -> dict[str, Any]:
    """The session as ``sesam apcv open --json`` prints it (docs/formats/cli.md)."""
    day = session.care_date
    people = []
    for b in session.beneficiaries:
        rights = b.rights_at(day)
        people.append(
            {
                "nom": b.nom,
                "prenom": b.prenom,
                "date_naissance": b.birth_date_raw,
                "rang": b.rang,
                "qualite": b.qualite,
                "droits_amo": bool(rights.amo),
                "couvertures": [str(c.kind) for c in rights.coverages],
                "reference_adri": b.adri.rights.reference,
            }
        )
    return {
        "session": session.session_id,
        "date_soins": day.isoformat(),
        "transport": session.transport,
        "tiers_de_confiance": session.trusted_third_party,
        "garantie_paiement": True,
        "beneficiaires": people,
    }


def identity_from_apcv(
    raw: dict[str, Any], cli: CommandContext, text: str
) -> tuple[dict[str, Any], ApcvSession]:
    """``sesam fse create --apcv``: open the session at the date of care, pick the
    bénéficiaire the request's ``beneficiary`` names (an index in the session's list, or
    ``{"rang", "birth_date", "prenom"}``; the only one by default) and give the request
    his identity, in mode « apcv ».

    :raises FseInputError: the request names no date, or a bénéficiaire the session lacks.
    :raises ApcvError: the code or the service refused.
    """
    try:
        care = date.fromisoformat(str(raw.get("date_of_care", "")))
    except ValueError:
        raise FseInputError("date_of_care", "date AAAA-MM-JJ attendue") from None
    if "identity" in raw or raw.get("mode", "apcv") != "apcv":
        raise FseInputError("mode", "avec --apcv, ni « identity » ni un autre mode")
    session = open_session(cli, text, care)
    wanted = raw.get("beneficiary")
    people = session.beneficiaries
    if wanted is None and len(people) == 1:
        chosen = people[0]
    elif isinstance(wanted, int) and not isinstance(wanted, bool) and 0 <= wanted < len(people):
        chosen = people[wanted]
    elif isinstance(wanted, dict):
        found = [
            b
            for b in people
            if b.rang == str(wanted.get("rang", b.rang))
            and b.birth_date_raw == str(wanted.get("birth_date", b.birth_date_raw)).replace("-", "")
            and b.prenom.upper() == str(wanted.get("prenom", b.prenom)).upper()
        ]
        if len(found) != 1:
            raise FseInputError("beneficiary", "aucun ou plusieurs bénéficiaires de l'ApCV")
        chosen = found[0]
    else:
        raise FseInputError(
            "beneficiary",
            f"l'ApCV présente {len(people)} bénéficiaires : indiquez lequel (0 à "
            f"{len(people) - 1})",
        )
    filled = {k: v for k, v in raw.items() if k != "beneficiary"}
    filled["mode"] = "apcv"
    filled["identity"] = chosen.identity()
    return filled, session


def _open(args: argparse.Namespace) -> int:
    try:
        text = code_text(args.code, args.image)
    except OSError as exc:
        print(f"Impossible de lire {args.image} : {exc.strerror or exc}.", file=sys.stderr)
        return EXIT_USAGE
    except ApcvError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_FAILED
    if not text:
        print("Donnez le code ApCV (texte) ou --image FICHIER.", file=sys.stderr)
        return EXIT_USAGE
    with CommandContext() as cli:
        day = args.date or cli.utc_clock().astimezone().date()
        session = open_session(cli, text, day)  # ApcvError: main() says it, exit 1
    doc = session_json(session)
    if args.json:
        print(json.dumps(doc, ensure_ascii=False, indent=2))
        return EXIT_OK
    print(f"Session ApCV {doc['session']} — droits au {day:%d/%m/%Y} (garantie de paiement)")
    if doc["tiers_de_confiance"]:
        print(f"  présentée par un tiers de confiance : {doc['tiers_de_confiance']}")
    for i, b in enumerate(doc["beneficiaires"]):
        amo = "droits AMO ouverts" if b["droits_amo"] else "PAS de droits AMO"
        extra = f", {', '.join(b['couvertures'])}" if b["couvertures"] else ""
        print(f"  [{i}] {b['prenom']} {b['nom']}, né(e) le {b['date_naissance']}: {amo}{extra}")
    return EXIT_OK


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``apcv`` command group."""
    apcv = subparsers.add_parser("apcv", help="application carte Vitale (ApCV)")
    sub = apcv.add_subparsers(dest="apcv_command", metavar="ACTION", required=True)
    opened = sub.add_parser(
        "open", help="ouvrir une session ApCV (bénéficiaires et droits ; le code est consommé)"
    )
    opened.add_argument("code", nargs="?", help="texte du code ApCV (lecteur, copier-coller)")
    opened.add_argument("--image", type=Path, metavar="F", help="photo ou capture du QR code")
    opened.add_argument(
        "--date", type=date.fromisoformat, metavar="AAAA-MM-JJ", help="date des soins"
    )
    opened.add_argument("--json", action="store_true", help="sortie JSON")
    opened.set_defaults(handler=_open)


def create_with_apcv(args: argparse.Namespace, cli: CommandContext) -> int:
    """``sesam fse create --json F --apcv CODE``: the session opened at the date of care,
    the FSE priced, secured « ApCV » (the service signs its digest) and stored; nothing is
    stored when the code, the session or the service refuses."""
    from cardio.backend import PractitionerCard
    from client.apcv import SessionSigner, check_session_for
    from client.cli.card_work import with_cards
    from client.cli.fse_report import fse_summary
    from client.cli.pin import check_pin, read_pin
    from client.fse_service import CpsSource, FseService, VitaleSource, parse_fse_input

    try:
        raw = json.loads(Path(args.json).read_text("utf-8"))
        if not isinstance(raw, dict):
            raise FseInputError("(racine)", "objet JSON attendu")
        text = code_text(args.apcv, args.apcv_image)
        filled, session = identity_from_apcv(raw, cli, text)
        request = parse_fse_input(filled)
    except OSError as exc:
        print(f"Impossible de lire un fichier : {exc.strerror or exc}.", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"{args.json} n'est pas du JSON valide : {exc}.", file=sys.stderr)
        return EXIT_USAGE
    except FseInputError as exc:
        print(str(exc), file=sys.stderr)
        return EXIT_USAGE
    assert request.identity is not None  # noqa: S101 - identity_from_apcv filled it
    check_session_for(
        session, request.identity.beneficiary.patient_key, request.pricing.date_of_care
    )
    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):
        return EXIT_USAGE
    referential = cli.ensure_referential()
    signer = SessionSigner(cli, session)

    def work(
        _session: PractitionerCard, cps: CpsSource, _vitale: VitaleSource | None
    ) -> dict[str, Any]:
        with cli.card_store() as store:
            row = FseService(store, referential).create(request, cps, None, apcv=signer)
            return fse_summary(row, store)

    summary = with_cards(pin, "no", work)
    print(json.dumps(summary, ensure_ascii=False, indent=2))
    print(
        f"FSE n° {summary['numero']} sécurisée ApCV (application carte Vitale) : garantie "
        "de paiement.",
        file=sys.stderr,
    )
    return EXIT_OK
