"""``sesam cards`` and ``sesam cps``: what the readers hold, the cards' content, and the
CPS's certificate and signature, from the command line. Card I/O runs on a CardThread."""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import enum
import getpass
import hashlib
import json
import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from cardio import probe
from cardio.backend import PractitionerCard
from cardio.connection import CardConnection
from cardio.cps import CpsCard, check_puk, pin_block
from cardio.errors import CardError, NoCardError, PinFormatError, ReaderUnavailableError
from cardio.pcsc import PcscBackend
from cardio.thread import CardThread
from cardio.vitale import VitaleReader
from client.card_session import GivenPin, verify_pin
from client.cli.pin import check_pin, read_pin
from client.labels import CARD_KIND_LABELS
from client.messages import describe
from client.output_files import write_output
from client.practitioner_card import load_card_settings, open_practitioner_card

logger = logging.getLogger(__name__)

T = TypeVar("T")

EXIT_OK = 0
EXIT_USAGE = 2

#: The card's fields (``cardio`` dataclasses) under the CLI's French keys
#: (docs/formats/cli.md); a field missing here keeps its name, and the test of the
#: outputs' keys (tests/client/test_cli_vocabulary.py) says so.
_FRENCH_FIELDS = {
    # CPS
    "identity": "identite",
    "card_type_code": "code_type_carte",
    "card_type": "type_carte",
    "id_type": "type_identifiant",
    "national_id": "identifiant_national",
    "national_id_key": "cle_identifiant_national",
    "serial": "numero_serie",
    "number": "numero",
    "billing_number": "numero_facturation",
    "billing_key": "cle_facturation",
    "replacement_number": "numero_remplacant",
    "convention_code": "code_convention",
    "specialty": "specialite",
    "price_zone": "zone_tarifaire",
    "ik_zone": "zone_ik",
    "may_sign_fse": "signe_fse",
    "may_sign_lot": "signe_lots",
    "structure_name": "nom_structure",
    # Vitale
    "valid_from": "valide_du",
    "valid_to": "valide_au",
    "beneficiaries": "beneficiaires",
    "birth_date_raw": "date_naissance_carte",
    "birth_date": "date_naissance",
    "nir_key": "cle_nir",
    "nir_with_key": "nir_avec_cle",
    "rights": "droits",
    "amo_periods": "periodes_amo",
    "coverages": "couvertures",
    "kind": "type",
    "start": "debut",
    "end": "fin",
    "organism": "organisme",
    "member_number": "numero_adherent",
    "contract_type": "type_contrat",
    "tp_services": "soins_tiers_payant",
}


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``cards`` and ``cps`` command groups."""
    cards = subparsers.add_parser("cards", help="lecteurs et cartes (Vitale, CPS)")
    cards_sub = cards.add_subparsers(dest="cards_command", metavar="ACTION", required=True)
    listing = cards_sub.add_parser("list", help="lecteurs, présence et type de carte")
    listing.add_argument("--json", action="store_true", help="sortie JSON")
    listing.set_defaults(handler=_cmd_list)
    read = cards_sub.add_parser("read", help="contenu de la carte CPS et de la carte Vitale")
    read.add_argument("--json", action="store_true", help="sortie JSON complète sur stdout")
    read.set_defaults(handler=_cmd_read)

    cps = subparsers.add_parser("cps", help="carte CPS : certificat et signature")
    cps_sub = cps.add_subparsers(dest="cps_command", metavar="ACTION", required=True)
    sign = cps_sub.add_parser("sign", help="signer le SHA-256 d'un fichier avec la CPS")
    sign.add_argument("file", type=Path, metavar="FICHIER")
    sign.add_argument(
        "--pin-stdin", action="store_true", help="lire le code porteur sur l'entrée standard"
    )
    sign.add_argument("--out", type=Path, metavar="SIG", help="signature brute (défaut : stdout)")
    sign.add_argument("--force", action="store_true", help="remplacer le fichier --out existant")
    sign.set_defaults(handler=_cmd_sign)
    unblock = cps_sub.add_parser(
        "unblock", help="débloquer la CPS avec son code PUK et choisir un nouveau code porteur"
    )
    unblock.add_argument(
        "--stdin",
        action="store_true",
        help="lire le PUK puis le nouveau code porteur, une ligne chacun, sur l'entrée standard",
    )
    unblock.set_defaults(handler=_cmd_unblock)
    cert = cps_sub.add_parser("certificate", help="certificat de signature de la CPS")
    cert.add_argument("--out", type=Path, metavar="FICHIER", help="défaut : stdout")
    cert.add_argument("--force", action="store_true", help="remplacer le fichier --out existant")
    cert.add_argument("--pem", action="store_true", help="en PEM plutôt qu'en DER")
    cert.set_defaults(handler=_cmd_certificate)


# --- running card work on the card thread ----------------------------------------------


def _on_card_thread(work: Callable[[PcscBackend], T]) -> T:
    """Run ``work(backend)`` on a card thread that owns the PC/SC context."""
    with CardThread() as thread:
        backend = PcscBackend(thread=thread)
        try:
            return thread.call(work, backend)
        finally:
            thread.call(backend.close)


def _with_card(backend: PcscBackend, reader: str, use: Callable[[CardConnection], T]) -> T:
    with backend.connect(reader) as connection:
        return use(connection)


# --- sesam cards list ------------------------------------------------------------------


def _cmd_list(args: argparse.Namespace) -> int:
    def work(backend: PcscBackend) -> list[tuple[str, str, str, str]]:
        rows = []
        for state in backend.states():
            if not state.card_present:
                rows.append((state.name, "absente", "", ""))
                continue
            atr = (state.atr or b"").hex(" ").upper()
            try:
                label = CARD_KIND_LABELS[_with_card(backend, state.name, probe.identify)]
            except ReaderUnavailableError:
                raise
            except CardError as exc:  # a mute or half-inserted card: say so, list the rest
                logger.info("%s: %s", state.name, exc)
                label = "carte illisible"
            rows.append((state.name, "présente", label, atr))
        return rows

    rows = _on_card_thread(work)
    if args.json:
        keys = ("lecteur", "carte", "type", "atr")
        print(json.dumps([dict(zip(keys, r, strict=True)) for r in rows], ensure_ascii=False))
        if not rows:
            print("Aucun lecteur de cartes n'est branché.", file=sys.stderr)
        return EXIT_OK
    if not rows:
        print("Aucun lecteur de cartes n'est branché.")
        return EXIT_OK
    header = ("Lecteur", "Carte", "Type", "ATR")
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(4)]
    for row in [header, *rows]:
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    return EXIT_OK


# --- sesam cards read --------------------------------------------------------------------


def _jsonable(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        data = {
            _FRENCH_FIELDS.get(f.name, f.name): _jsonable(getattr(value, f.name))
            for f in dataclasses.fields(value)
        }
        for extra in ("card_type", "nir_with_key"):  # derived values worth showing
            key = _FRENCH_FIELDS[extra]
            if hasattr(type(value), extra) and key not in data:
                data[key] = getattr(value, extra)
        return data
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, frozenset):  # the AMC's tiers payant services: codes, sorted
        return sorted(_jsonable(v) for v in value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex().upper()
    return value


def read_cards(backend: PcscBackend) -> dict[str, Any]:
    """The public content of the CPS and of the Vitale found in the readers (JSON-ready)."""
    found = probe.find_cards(backend)
    settings = load_card_settings()
    result: dict[str, Any] = {"cps": None, "vitale": None}
    if found.cps_reader is not None or settings.backend == "pkcs11":
        try:
            # A PKCS#11 token may sit in no PC/SC reader (SoftHSM2, a USB key): the
            # middleware finds it; its identity is public, so no PIN here.
            with open_practitioner_card(backend, found.cps_reader, settings) as cps_card:
                card = CpsCard(cps_card.read_identity(), cps_card.read_situations())
                where = cps_card.reader
        except NoCardError:
            if found.cps_reader is not None or found.vitale_reader is None:
                raise
            logger.info("no PKCS#11 token present: the Vitale only")
        else:
            result["cps"] = {"lecteur": where, **_jsonable(card)}
    if found.vitale_reader is None and result["cps"] is None:
        raise NoCardError("neither a Vitale nor a CPx card in the readers")
    if found.vitale_reader is not None:
        vitale = _with_card(backend, found.vitale_reader, _read_vitale)
        result["vitale"] = {"lecteur": found.vitale_reader, **vitale}
    return result


def _read_vitale(connection: CardConnection) -> dict[str, Any]:
    """The whole card; when only its public zone reads (a real Vitale 2 keeps the rest
    for the GIE's components), the identities with ``lecture_complete`` false: never
    nothing when names were read."""
    reader = VitaleReader(connection)
    try:
        return {"lecture_complete": True, **_jsonable(reader.read())}
    except CardError as exc:
        try:
            public = reader.read_public()
        except CardError:
            raise exc from None
        logger.info("carte Vitale: public zone only (%s)", exc)
        return {"lecture_complete": False, "beneficiaires": _jsonable(public)}


def _cmd_read(args: argparse.Namespace) -> int:
    content = _on_card_thread(read_cards)
    if args.json:
        json.dump(content, sys.stdout, ensure_ascii=False, indent=2)
        print()
        return EXIT_OK
    cps, vitale = content["cps"], content["vitale"]
    if cps is not None:
        who = cps["identite"]
        print(
            f"Carte {who['type_carte']} ({cps['lecteur']}) : {who['prenom']} {who['nom']}, "
            f"{len(cps['situations'])} situation(s) d'exercice."
        )
    if vitale is not None and not vitale["lecture_complete"]:
        print(
            f"Carte Vitale ({vitale['lecteur']}) : {len(vitale['beneficiaires'])} "
            "bénéficiaire(s) lus dans la zone publique de la carte. Les droits ne sont pas "
            "lisibles sur cette carte : ils seront demandés au service ADRi, et la FSE ne sera "
            "pas « sécurisée Vitale » (pas de garantie de paiement) :"
        )
    elif vitale is not None:
        print(
            f"Carte Vitale ({vitale['lecteur']}) : valable du {_french_date(vitale['valide_du'])}"
            f" au {_french_date(vitale['valide_au'])}, "
            f"{len(vitale['beneficiaires'])} bénéficiaire(s) :"
        )
    if vitale is not None:
        for b in vitale["beneficiaires"]:
            print(
                f"  - {b['prenom']} {b['nom']}, né(e) le {_french_date(b['date_naissance_carte'])}"
            )
    print("Contenu complet : sesam cards read --json")
    return EXIT_OK


def _french_date(value: str | None) -> str:
    """JJ/MM/AAAA from ISO or AAAAMMJJ (a lunar birth date stays as the card has it)."""
    if not value:
        return "-"
    digits = value.replace("-", "")
    return f"{digits[6:8]}/{digits[4:6]}/{digits[:4]}" if len(digits) == 8 else value


# --- sesam cps sign / certificate -------------------------------------------------------


def _cps_session_work(use: Callable[[PractitionerCard], T]) -> Callable[[PcscBackend], T]:
    def work(backend: PcscBackend) -> T:
        settings = load_card_settings()
        found = probe.find_cards(backend)
        # A PKCS#11 token may sit in no PC/SC reader (SoftHSM2, a USB key): the middleware
        # finds it, or raises NoCardError itself.
        if found.cps_reader is None and settings.backend != "pkcs11":
            raise NoCardError("no CPx card in the readers")
        with open_practitioner_card(backend, found.cps_reader, settings) as card:
            return use(card)

    return work


def _cmd_sign(args: argparse.Namespace) -> int:
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        print(f"Impossible de lire {args.file} : {exc.strerror}.", file=sys.stderr)
        return EXIT_USAGE
    pin = read_pin(args.pin_stdin)
    if not check_pin(pin):  # a malformed PIN never reaches the card
        return EXIT_USAGE
    digest = hashlib.sha256(data).digest()

    def sign(session: PractitionerCard) -> bytes:
        verify_pin(session, GivenPin(pin), session.reader)
        return session.sign_digest(digest)

    signature = _on_card_thread(_cps_session_work(sign))
    _write(args.out, signature, args.force)
    if args.out is not None:
        print(f"Signature écrite dans {args.out} ({len(signature)} octets).", file=sys.stderr)
    return EXIT_OK


def _cmd_unblock(args: argparse.Namespace) -> int:
    # Never on the command line (ps, shell history) and never logged.
    if args.stdin:
        puk = sys.stdin.readline().rstrip("\r\n")
        new_pin = sys.stdin.readline().rstrip("\r\n")
    else:
        puk = getpass.getpass("Code de déblocage (PUK) de la CPS : ")
        new_pin = getpass.getpass("Nouveau code porteur (4 chiffres) : ")
        if getpass.getpass("Nouveau code porteur, à nouveau : ") != new_pin:
            print("Les deux codes porteur saisis diffèrent. Rien n'a été envoyé.", file=sys.stderr)
            return EXIT_USAGE
    try:  # a malformed code never reaches the card, no PUK try is used
        check_puk(puk)
        pin_block(new_pin)
    except PinFormatError as exc:
        print(describe(exc), file=sys.stderr)
        return EXIT_USAGE
    _on_card_thread(_cps_session_work(lambda s: s.unblock_pin(puk, new_pin)))
    print("Carte CPS débloquée : utilisez désormais le nouveau code porteur.")
    return EXIT_OK


def _cmd_certificate(args: argparse.Namespace) -> int:
    der = _on_card_thread(_cps_session_work(lambda s: s.certificate_der()))
    if args.pem:
        pem = x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM)
        _write(args.out, pem, args.force)
    else:
        _write(args.out, der, args.force)
    return EXIT_OK


def _write(path: Path | None, data: bytes, force: bool = False) -> None:
    if path is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        # Never over the store, a backup or an existing file without --force (issue #22).
        write_output(path, data, force=force)
