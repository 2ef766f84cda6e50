"""The cabinet's workflows on both backends (issue #26): the receptionist prepares an
invoice on her post that the doctor finds on his, the remplaçant bills under the replaced
doctor's number, each card sees only the accounts it works for, returns imported once."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cabinet_support import (
    LEFEVRE,
    LEFEVRE_CARD,
    MOREL_CARD,
    RENAUD,
    RENAUD_CARD,
    SECRETAIRE_CARD,
    cards,
    finish,
    fse_input,
    start_worker,
)

from billing.noemie import InvoiceOutcome, NoemieFile, NoemieInvoice, NoemiePayment, build_noemie
from client.fse_service import FseService
from client.store import Store, open_store
from client.store.cabinet import MemberRole

Opener = Callable[[str], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def posts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, Opener]]:
    """(the store's name for a worker, a function opening it on one more post)."""
    if request.param == "sqlite":
        db = str(tmp_path / "cabinet" / "sesam.db")
        (tmp_path / "cabinet").mkdir()
        url = ""
    else:
        url = request.getfixturevalue("pg_database")()
        db = url
    opened: list[Store] = []

    def open_post(name: str) -> Store:
        path = Path(db) if not url else tmp_path / name / "sesam.db"
        store = open_store(path, database_url=url)
        opened.append(store)
        return store

    yield db, open_post
    for store in opened:
        store.close()


def _yesterday() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def test_each_card_sees_only_the_accounts_it_works_for(posts: tuple[str, Opener]) -> None:
    _, open_post = posts
    post_a, post_b, post_c = open_post("a"), open_post("b"), open_post("c")
    for store, cps, beneficiary in (
        (post_a, "cps-generaliste", 0),
        (post_b, "cps-remplacant", 1),  # Thursday: MOREL replaces RENAUD
        (post_c, "cps-deux-cabinets", 2),
    ):
        c = cards(cps)
        FseService(store).create(fse_input(beneficiary, _yesterday()), c.cps, c.vitale)
    now = datetime.now(UTC)
    post_a.cabinet.add_member(SECRETAIRE_CARD, LEFEVRE, MemberRole.RECEPTIONIST, now)

    cabinet = post_a.cabinet
    renaud, morel = cabinet.viewer(RENAUD_CARD), cabinet.viewer(MOREL_CARD)
    lefevre, secretaire = cabinet.viewer(LEFEVRE_CARD), cabinet.viewer(SECRETAIRE_CARD)
    # The remplaçant billed under RENAUD's number: RENAUD sees it among his own.
    assert {(r.practitioner_id, r.number) for r in cabinet.fse_list(renaud)} == {
        (RENAUD, 1),
        (RENAUD, 2),
    }
    assert cabinet.fse_list(morel) == cabinet.fse_list(renaud)
    assert [(r.practitioner_id, r.number) for r in cabinet.fse_list(lefevre)] == [(LEFEVRE, 1)]
    assert cabinet.fse_list(secretaire) == cabinet.fse_list(lefevre)
    assert cabinet.fse_count(renaud) == 2 and cabinet.fse_count(lefevre) == 1
    assert cabinet.fse_list(cabinet.viewer("inconnu")) == []
    # Patients are shared: the family RENAUD and MOREL saw is found from LEFÈVRE's post.
    found = post_c.patients.starting_with("DURAND", digits=False, limit=10)
    assert len(found) >= 2


def test_a_receptionist_prepares_the_invoice_the_doctor_signs_on_his_post(
    posts: tuple[str, Opener],
) -> None:
    _, open_post = posts
    reception, doctor = open_post("accueil"), open_post("cabinet-2")
    now = datetime.now(UTC)
    # The cabinet's set-up: who works for whom (a doctor's CPS is also recorded the
    # first time it bills).
    reception.cabinet.add_member(RENAUD_CARD, RENAUD, MemberRole.TITULAIRE, now)
    reception.cabinet.add_member(SECRETAIRE_CARD, RENAUD, MemberRole.RECEPTIONIST, now)
    document = json.dumps({"patient": "famille", "actes": ["G"], "date": _yesterday()})
    reception.cabinet.address_draft(
        "d-1", document, addressed_to=RENAUD, prepared_by=SECRETAIRE_CARD, now=now
    )
    reception.cabinet.address_draft(
        "d-2", "{}", addressed_to=LEFEVRE, prepared_by=SECRETAIRE_CARD, now=now
    )

    # On the doctor's post: his draft, not his colleague's.
    (mine,) = doctor.cabinet.drafts_for(doctor.cabinet.viewer(RENAUD_CARD))
    assert (mine.id, mine.prepared_by, json.loads(mine.document)["actes"]) == (
        "d-1",
        SECRETAIRE_CARD,
        ["G"],
    )
    assert doctor.cabinet.drafts_for(doctor.cabinet.viewer(SECRETAIRE_CARD)) == [mine]
    # His CPS signs it there; the draft is gone for everybody.
    c = cards("cps-generaliste")
    row = FseService(doctor).create(fse_input(0, _yesterday()), c.cps, c.vitale)
    from client.store.kept import delete_draft

    delete_draft(doctor, "d-1")
    assert (row.practitioner_id, row.number) == (RENAUD, 1)
    assert reception.cabinet.drafts_for(reception.cabinet.viewer(SECRETAIRE_CARD)) == []


def test_a_returns_file_taken_by_three_posts_is_imported_once(
    posts: tuple[str, Opener], tmp_path: Path
) -> None:
    db, open_post = posts
    open_post("first")  # migrated once
    today = date.today()
    stray = NoemieInvoice(
        "5b4c9a3e-1111-4222-8333-444455556666", "lot-x", today, InvoiceOutcome.PAID
    )
    data = build_noemie(
        NoemieFile(
            "AMSIMUL01", "123456789", 7, today, payments=(NoemiePayment("VIR7", today, (stray,)),)
        )
    )
    file = tmp_path / "RSP7.noemie"
    file.write_bytes(data)
    workers = [start_worker("import", db, str(file), folder=tmp_path / f"p{n}") for n in range(3)]
    said = sorted(line for w in workers for line in finish(w))
    assert said == ["already", "already", "imported"]
    store = open_post("check")
    assert len(store.returns.unmatched()) == 1  # its one payment recorded once


def test_on_postgresql_the_server_itself_hides_other_practitioners_rows(
    pg_database: Callable[[], str], tmp_path: Path
) -> None:
    import psycopg

    url = pg_database()
    store = open_store(tmp_path / "a" / "sesam.db", database_url=url)
    for cps in ("cps-generaliste", "cps-deux-cabinets"):
        c = cards(cps)
        FseService(store).create(fse_input(0, _yesterday()), c.cps, c.vitale)
    store.close()
    # A post logs in as the cabinet's role, not a superuser (superusers bypass the policies).
    role = f"poste_{url.rsplit('/', 1)[1]}"
    with psycopg.connect(url, autocommit=True) as admin:
        for sql in (
            f"CREATE ROLE {role} LOGIN",
            f"GRANT USAGE, CREATE ON SCHEMA public TO {role}",
            f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {role}",
            f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {role}",
        ):
            admin.execute(sql.encode())
    post = open_store(tmp_path / "b" / "sesam.db", database_url=url.replace("sesam@", f"{role}@"))
    try:
        cabinet = post.cabinet
        cabinet.look_as(cabinet.viewer(LEFEVRE_CARD))
        # The store's ordinary queries, not the scoped ones: the server filtered them.
        assert [(r.practitioner_id, r.number) for r in post.fse_list()] == [(LEFEVRE, 1)]
        assert {lot.practitioner_id for lot in post.lots()} == {LEFEVRE}
        cabinet.look_as(cabinet.viewer("inconnu"))
        assert post.fse_list() == [] and post.lots() == []
        cabinet.look_as(None)  # the sender, the returns' import: the whole cabinet
        assert {r.practitioner_id for r in post.fse_list()} == {RENAUD, LEFEVRE}
    finally:
        post.close()
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP OWNED BY {role}".encode())
            admin.execute(f"DROP ROLE {role}".encode())
