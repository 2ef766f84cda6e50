"""A prepared invoice is billed once (issue #26), whichever posts open it: the draft is
taken in the FSE's own transaction. Two posts securing it at the same time: the first
stores its FSE, the second stores nothing (its number recorded unused, with the reason)
and says so; a post that opens it after it was billed is stopped before any number is
handed out; an FSE kept on a post while the server was gone takes its draft when it is
replayed, or is dropped if another post billed the draft meanwhile. On both backends."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from cabinet_support import RENAUD, SECRETAIRE_CARD, cards, fse_input

from client.fse_service import FseService
from client.offline_journal import FseKeptOfflineError, OfflineJournal
from client.store import Store, open_store
from client.store.cabinet import DraftAlreadyBilledError
from client.store.errors import DatabaseUnavailableError
from client.store.rows import FseRow

Opener = Callable[[str], Store]


@pytest.fixture(params=["sqlite", "postgresql"])
def posts(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Opener]:
    url = "" if request.param == "sqlite" else request.getfixturevalue("pg_database")()
    opened: list[Store] = []

    def open_post(name: str) -> Store:
        path = tmp_path / "cabinet.db" if not url else tmp_path / name / "sesam.db"
        store = open_store(path, database_url=url)
        opened.append(store)
        return store

    yield open_post
    for store in opened:
        store.close()


def _day() -> str:
    return (date.today() - timedelta(days=1)).isoformat()


def _prepared(store: Store) -> str:
    store.cabinet.address_draft(
        "d-1",
        json.dumps({"patient_name": "PIERRE DURAND", "acts": [{"code": "G"}]}),
        addressed_to=RENAUD,
        prepared_by=SECRETAIRE_CARD,
        now=datetime.now(UTC),
    )
    return "d-1"


def _secure(
    store: Store, draft_id: str, before_certify: Callable[[], None] | None = None
) -> FseRow:
    c = cards("cps-generaliste")
    service = FseService(store, before_certify=before_certify)
    return service.create(fse_input(0, _day()), c.cps, c.vitale, draft_id=draft_id)


def test_two_posts_securing_the_same_draft_bill_it_once(posts: Opener) -> None:
    post_a, post_b = posts("a"), posts("b")
    draft = _prepared(post_a)
    won: list[FseRow] = []

    def post_b_bills_it_meanwhile() -> None:  # while post A's Vitale certifies
        won.append(_secure(post_b, draft))

    with pytest.raises(DraftAlreadyBilledError, match="facturée sur un autre poste"):
        _secure(post_a, draft, before_certify=post_b_bills_it_meanwhile)

    stored = post_a.fse_list()
    assert [(r.practitioner_id, r.number) for r in stored] == [(RENAUD, 2)]  # post B's
    assert stored[0].fse_uuid == won[0].fse_uuid
    assert not post_a.cabinet.draft_waiting(draft)
    # Post A's number was handed out before it lost: recorded unused, with the reason.
    (gap,) = post_a.cabinet.gaps(RENAUD)
    assert gap.number == 1 and "DraftAlreadyBilledError" in gap.reason


def test_a_draft_billed_on_another_post_is_refused_before_any_number(posts: Opener) -> None:
    post_a, post_b = posts("a"), posts("b")
    draft = _prepared(post_a)
    _secure(post_b, draft)
    with pytest.raises(DraftAlreadyBilledError):
        _secure(post_a, draft)
    assert [r.number for r in post_a.fse_list()] == [1]
    assert post_a.cabinet.gaps(RENAUD) == []  # no number spent on it


def _kept_offline(post: Store, draft: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Post A secures the draft; the server goes away as the FSE is written: kept on the
    post (its journal), the draft still waiting."""

    def server_gone(*_args: object, **_kwargs: object) -> None:
        raise DatabaseUnavailableError(detail="connexion perdue")

    with monkeypatch.context() as patch:
        patch.setattr(post, "insert_fse", server_gone)
        with pytest.raises(FseKeptOfflineError):
            _secure(post, draft)
    assert post.cabinet.draft_waiting(draft) and post.fse_list() == []


def test_a_kept_fse_takes_its_draft_when_replayed(
    posts: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_a = posts("a")
    draft = _prepared(post_a)
    _kept_offline(post_a, draft, monkeypatch)

    journal = OfflineJournal.beside(post_a)
    done = journal.replay(post_a, FseService(post_a).rules, datetime.now(UTC))
    assert (done.stored, done.billed_elsewhere) == (1, 0)
    assert [(r.practitioner_id, r.number) for r in post_a.fse_list()] == [(RENAUD, 1)]
    assert not post_a.cabinet.draft_waiting(draft)  # billed: gone from every list


def test_a_kept_fse_whose_draft_was_billed_meanwhile_is_not_stored(
    posts: Opener, monkeypatch: pytest.MonkeyPatch
) -> None:
    post_a, post_b = posts("a"), posts("b")
    draft = _prepared(post_a)
    _kept_offline(post_a, draft, monkeypatch)
    journal = OfflineJournal.beside(post_a)
    if OfflineJournal.beside(post_b).path == journal.path:
        # One SQLite file: one folder, one journal — the other "post" replays it first
        # (the kept FSE takes its draft) and is refused: billed once all the same.
        with pytest.raises(DraftAlreadyBilledError):
            _secure(post_b, draft)
        assert [(r.number, r.practitioner_id) for r in post_a.fse_list()] == [(1, RENAUD)]
        assert not journal.path.exists() and not post_a.cabinet.draft_waiting(draft)
        return
    billed = _secure(post_b, draft)  # the server back, post B bills it first

    done = journal.replay(post_a, FseService(post_a).rules, datetime.now(UTC))
    assert (done.stored, done.billed_elsewhere, done.waiting) == (0, 1, 0)
    assert [r.fse_uuid for r in post_a.fse_list()] == [billed.fse_uuid]  # once
    (gap,) = post_a.cabinet.gaps(RENAUD)
    assert gap.number == 1 and "facturée sur un autre poste" in gap.reason
    assert not journal.path.exists()
