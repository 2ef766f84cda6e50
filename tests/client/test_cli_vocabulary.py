"""One vocabulary for the ``sesam`` command (issue #20): every command that reports answers
``--json`` with French keys (docs/formats/cli.md), and a command asked to act that has
nothing to do says why on stderr and does not exit 0.

One store with data — FSE sent to the testbed concentrator, ARL and NOEMIE returns fetched,
an orphan payment imported then matched by hand — and every reporting command run on it
in-process. The card commands (``cards read/list``) need the readers: their keys are checked
by ``tests/client/test_cli_cards.py`` with :func:`french_keys_only` of this module.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from am_support import (
    FakeClock,
    client_settings,
    close_lots,
    create_fse,
    open_cabinet,
    write_settings,
)
from test_returns import _foreign_file
from test_sender import _arl

from client.cli import main
from client.returns import apply_arl
from client.store import open_store
from testbed.am.server import AmServer
from testbed.pki import ensure_pki

#: The words the keys are made of (split on « _ »): French, or the acronyms and codes of
#: the trade (AMO, AMC, NIR, FSE, PJ, ARL, NOEMIE, ADRi, ApCV, DRE, SHA-256, dpi, ATR, id).
#: A new key whose word is missing here fails the test: add the word if it is French.
_WORDS = """
    a acceptes acte actes action adherent adri amc amo ancien annulees arl assure atr attendu
    attente au avec avertissement base beneficiaires bloques caisse caisses carte centre
    certification charge civilite cle cloture code coefficient complet complete conforme
    conservee contact contenu contrat convention couvertures cps cree date de debut degrade devis
    defaut deja delai depassement depuis dernier derniere detail document double dpi dre droits du
    ecart echeance echec ed empreinte en encaisse encaisser endommagee enregistre entree entrees
    envoi erreur erreurs essai essais etat evenement exclues facturation facture fautive ferme
    feuille fichier fin forfaitaire fse garantie gestion gratuit historique honoraires id
    identifiant identification identite ik importe jours le lecteur lecture les libelle lignes
    lot lots manquant masquee mentions message mode mois montant montants motif naissance
    national nir niveau noemie nom nombre non numero octets optam organisme ouverts pages
    paiement papier par part participation partiellement parts patient patients payant paye
    payees payes periodes pieces pj plafond plus pour praticien precedente premier premiere prenom
    prochain publique purge qualite quantite raison rang rapproche rapprochee rapprochees
    rapprochement rapproches reclamees reclames rectifie rectifiee rectifiees recu recus
    reference refuses regime reglement rejetees rejets remboursement remis remplacant reste
    resultat resume retour sans secteur serie sha256 signataire signe simulation situations
    soins source specialite statut structure taille tarifaire taux teletransmission texte tiers
    total totaux traites transmise transmission type usage valide vers virement vitale zone
    apcv session teleconsultation
"""
FRENCH_WORDS = frozenset(re.findall(r"[a-z0-9]+", _WORDS))

#: Sub-objects whose keys belong to another format, kept as that format names them.
FOREIGN_FORMATS = {
    # ``fse show --json``: the FSE exactly as signed and sent (docs/formats/fse.md).
    "document",
    # ``rights --json``: the ``identity`` input of ``sesam fse create``, whose keys stay
    # those the input files have always used (compatibility).
    "identite_pour_fse",
}

_KEY = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)*$")


def foreign_words(doc: Any, where: str = "") -> list[str]:
    """Every key of ``doc`` that is not snake_case made of :data:`FRENCH_WORDS`."""
    found: list[str] = []
    if isinstance(doc, dict):
        for key, value in doc.items():
            path = f"{where}.{key}" if where else str(key)
            if not _KEY.match(str(key)) or not set(str(key).split("_")) <= FRENCH_WORDS:
                found.append(path)
            if key not in FOREIGN_FORMATS:
                found += foreign_words(value, path)
    elif isinstance(doc, list):
        for index, item in enumerate(doc):
            found += foreign_words(item, f"{where}[{index}]")
    return found


def french_keys_only(doc: Any) -> None:
    """Assert that a command's JSON answer has French keys only."""
    assert foreign_words(doc) == []


@pytest.fixture
def desk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A data directory with 3 FSE sent (ARL positive, NOEMIE paid or rejected), 2 FSE
    acknowledged waiting for their payment, 1 FSE in an open lot, and an orphan payment."""
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    monkeypatch.setenv("SESAM_DATA_DIR", str(data_dir))
    with AmServer(ledger_path=tmp_path / "ledger.sqlite") as server:
        write_settings(data_dir, client_settings(server.url))
        cabinet = open_cabinet()
        clock = FakeClock(datetime.now(UTC))
        store = open_store(data_dir / "sesam.db")
        try:
            create_fse(store, cabinet, 3, clock, lot_size=3)
            close_lots(store, cabinet, clock)
        finally:
            store.close()
        yield data_dir


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, Any, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, (json.loads(out.out) if out.out.strip() else None), out.err


def test_every_report_answers_json_with_french_keys(
    desk: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    answers: dict[str, Any] = {}

    def report(name: str, *args: str) -> Any:
        code, doc, err = run(capsys, *args, "--json")
        assert code == 0, (name, err)
        assert doc is not None, name
        answers[name] = doc
        return doc

    sent = report("queue send", "queue", "send")
    assert sent["acceptes"] == 1 and sent["complet"] is True
    fetched = report("returns fetch", "returns", "fetch")
    assert fetched["noemie"], "the concentrator's NOEMIE return was fetched"
    # Two more FSE, acknowledged by hand (no payment yet), one in an open lot, an orphan
    # payment dropped in by the user.
    store = open_store(desk / "sesam.db")
    try:
        cabinet = open_cabinet()
        clock = FakeClock(datetime.now(UTC))
        create_fse(store, cabinet, 2, clock, lot_size=2)
        (lot_id,) = close_lots(store, cabinet, clock)
        apply_arl(store, _arl(lot_id), clock())
        create_fse(store, cabinet, 1, clock)
        waiting = store.fse_list()[3].number
        open_one = store.fse_list()[-1].number
    finally:
        store.close()
    orphan = tmp_path / "RSP00000042.576"
    orphan.write_bytes(
        _foreign_file("5b4c9a3e-1111-4222-8333-444455556699", "6b4c9a3e-1111-4222-8333")
    )
    imported = report("returns import", "returns", "import", str(orphan))
    assert imported["non_rapprochees"] == 1
    listing = report("returns list", "returns", "list")
    assert listing["non_rapproches"] and listing["fse"]
    payment = listing["non_rapproches"][0]["id"]
    report("returns match", "returns", "match", str(payment), str(waiting))

    request = tmp_path / "demande.json"
    request.write_text(
        json.dumps(
            {
                "date_of_care": date.today().isoformat(),
                "practitioner": {"specialty": "01", "sector": "1"},
                "patient": {"birth_date": "1980-05-12"},
                "acts": [{"code": "G"}],
            }
        ),
        encoding="utf-8",
    )
    code, priced, err = run(capsys, "price", "--json", str(request))
    assert code == 0, err
    answers["price"] = priced
    shown = report("fse show", "fse", "show", "1")
    assert shown["resume"]["numero"] == 1 and shown["historique"]
    report("fse cancel", "fse", "cancel", str(open_one))
    lots = report("lot list", "lot", "list")
    first = lots[0]
    out = tmp_path / "lot1.p7m"
    report("lot export", "lot", "export", str(first["numero"]), "--out", str(out))
    verified = report("lot verify", "lot", "verify", str(out), "--ca", str(ensure_pki().ca_cert))
    assert verified["valide"] is True and verified["numero"] == first["numero"]
    for document, extra in (
        ("fs", ["1"]),
        ("receipt", ["1"]),
        ("bordereau", ["--date", date.today().isoformat()]),
    ):
        pdf = tmp_path / f"{document}.pdf"
        printed = report(f"print {document}", "print", document, *extra, "--out", str(pdf))
        assert printed["fichier"] == str(pdf) and printed["octets"] == pdf.stat().st_size
    status = report("queue status", "queue", "status")
    assert {g["statut"] for g in status["lots"]} >= {"done"}
    alerts = report("alerts", "alerts", "--all")
    report("scor status", "scor", "status")
    report("scor purge --dry-run", "scor", "purge", "--dry-run")
    report("audit verify", "audit", "verify")
    report("dashboard", "dashboard")
    # The neighbours' reports (issue #20) hold to the same vocabulary.
    report("fse list", "fse", "list")
    report("returns status", "returns", "status", "1")
    report("recette", "recette")
    if not os.environ.get("SESAM_DATABASE_URL"):  # on PostgreSQL the server backs it up
        report("backup", "backup", "--out", str(tmp_path / "sauvegarde.db"))
    report(
        "rights",
        "rights",
        "180057511204589",
        "--birth-date",
        "2019-07-08",
        "--rank",
        "2",
    )
    if alerts:
        report("alerts --ack", "alerts", "--ack", alerts[0]["cle"])

    foreign = {name: foreign_words(doc) for name, doc in answers.items()}
    bad = {name: words for name, words in foreign.items() if words}
    assert bad == {}, json.dumps(bad, indent=1)


def test_asked_to_act_with_nothing_to_do_says_why_and_fails(
    desk: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out = capsys.readouterr()
        return code, out.out, out.err

    code, _, err = run(capsys, "queue", "send")
    assert code == 0, err
    # A lot sent and acknowledged is not « en échec »: nothing to retry.
    code, _, err = run(capsys, "queue", "retry", "1")
    assert code == 1 and "rien à relancer" in err
    # Sending drains the queue: an empty queue is its aim (exit 0), but it says so.
    code, out, err = run(capsys, "queue", "send", "--json")
    assert code == 0 and json.loads(out)["lots"] == []
    assert "Rien à envoyer" in err
    # No piece has ended its retention: the purge purged nothing (the dry run is a report).
    code, _, err = run(capsys, "scor", "purge")
    assert code == 1 and "Aucune pièce purgée" in err
    code, _, _ = run(capsys, "scor", "purge", "--dry-run")
    assert code == 0
    # An FSE already in a signed lot cannot be cancelled: said, exit 1.
    code, _, err = run(capsys, "fse", "cancel", "1", "--json")
    assert code == 1 and err.strip()
    # Usage errors exit 2.
    code, _, err = run(capsys, "dashboard", "--from", "2026-02-01", "--to", "2026-01-01")
    assert code == 2 and "Période invalide" in err
