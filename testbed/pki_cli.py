"""``python -m testbed pki ...``: where the test PKI lives."""

from __future__ import annotations

import argparse
import logging
from dataclasses import fields

from testbed import pki

logger = logging.getLogger(__name__)


def _ca_path(args: argparse.Namespace) -> int:
    print(pki.ensure_pki().ca_cert)
    return 0


def _paths(args: argparse.Namespace) -> int:
    paths = pki.ensure_pki()
    for field in fields(paths):
        print(f"{field.name}\t{getattr(paths, field.name)}")
    return 0


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``pki`` group."""
    parser = subparsers.add_parser("pki", help="PKI de test (AC, certificats, CRL)")
    sub = parser.add_subparsers(dest="pki_command", metavar="COMMANDE", required=True)
    sub.add_parser(
        "ca-path", help="chemin du certificat de l'AC de test (pour -CAfile)"
    ).set_defaults(handler=_ca_path)
    sub.add_parser("paths", help="chemins de tous les fichiers de la PKI de test").set_defaults(
        handler=_paths
    )
