"""A remplaçant bills under the replaced doctor's number (issue #26): the doctor's
identity stays his in the store, whoever bills first; the FSE says who signed, and the
remplaçant is recorded as such — on both backends."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from cabinet_support import MOREL_CARD, RENAUD, RENAUD_CARD, cards, fse_input

from client.fse_service import FseService
from client.store import Store, open_store
from client.store.cabinet import MemberRole
from client.store.rows import FseRow
from client.usecases import scope


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    url = "" if request.param == "sqlite" else request.getfixturevalue("pg_database")()
    opened = open_store(tmp_path / "sesam.db", database_url=url)
    yield opened
    opened.close()


def _bill(store: Store, cps: str, beneficiary: int) -> FseRow:
    c = cards(cps)
    day = (date.today() - timedelta(days=1)).isoformat()
    return FseService(store).create(fse_input(beneficiary, day), c.cps, c.vitale)


def _identity(store: Store) -> tuple[str, str, str]:
    record = store.people.practitioner(RENAUD)
    assert record is not None
    return record.national_id, record.last_name, record.first_name


def _roles(store: Store) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for card in (RENAUD_CARD, MOREL_CARD):
        found[card] = set(store.cabinet.viewer(card).practitioner_ids)
    return found


BillingOrder = Callable[[Store], tuple[FseRow, FseRow]]


def _titulaire_first(store: Store) -> tuple[FseRow, FseRow]:
    own = _bill(store, "cps-generaliste", 0)
    return own, _bill(store, "cps-remplacant", 1)


def _remplacant_first(store: Store) -> tuple[FseRow, FseRow]:
    replaced = _bill(store, "cps-remplacant", 1)
    return _bill(store, "cps-generaliste", 0), replaced


@pytest.mark.parametrize("order", [_titulaire_first, _remplacant_first])
def test_the_replaced_doctor_keeps_his_identity_and_the_fse_says_who_signed(
    store: Store, order: BillingOrder
) -> None:
    doctor = cards("cps-generaliste").cps.identity
    own, replaced = order(store)

    # The number is the doctor's, and so is the identity recorded under it.
    assert (own.practitioner_id, replaced.practitioner_id) == (RENAUD, RENAUD)
    assert _identity(store) == (RENAUD_CARD, doctor.nom, doctor.prenom)
    # The remplaçant's FSE says he signed it (his card, his own number), the doctor's not.
    signed = replaced.fse().body.practitioner
    assert signed.national_id == MOREL_CARD and signed.replacement is not None
    assert signed.replacement.number == "759876543"
    assert own.fse().body.practitioner.replacement is None
    # Recorded as the doctor's remplaçant: both cards see the doctor's accounts.
    assert _roles(store) == {RENAUD_CARD: {RENAUD}, MOREL_CARD: {RENAUD}}
    rows = store.db.query(
        "SELECT member_id, role FROM cabinet_members WHERE practitioner_id = ?", [RENAUD]
    )
    assert {(r["member_id"], r["role"]) for r in rows} == {
        (RENAUD_CARD, MemberRole.TITULAIRE.value),
        (MOREL_CARD, MemberRole.REMPLACANT.value),
    }


def test_a_remplacant_billing_first_never_passes_for_the_doctor(store: Store) -> None:
    _bill(store, "cps-remplacant", 1)
    # The doctor's identity is not known yet: blank, never the remplaçant's.
    assert _identity(store) == ("", "", "")
    assert scope.viewer_for(store, MOREL_CARD) is None  # alone with his remplaçant
