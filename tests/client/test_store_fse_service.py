"""FSE use cases with in-process emulated cards: which mode, which patient, which practitioner,
and what is refused before anything is stored."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fse_cards_support import cards, fse_input

from billing.fse import ModeUnavailableError, SecuringMode
from client.fse_service import FseInputError, FseService, FseServiceError, PricingRejectedError
from client.store import Store, open_store
from testbed import pki
from testbed.vitale_keys import verify_certification

IDENTITY = {
    "nir": "282096912301858",
    "birth_date": "1982-09-03",
    "qualite": "00",
    "identification": "adri",
    "adri_reference": "ADRI-42",
    "organism": {"regime": "01", "caisse": "691", "centre": "6911"},
}


def count(store: Store) -> int:
    return int(store.db.execute("SELECT COUNT(*) FROM fse").fetchone()[0])


def test_the_vitale_certification_is_the_cards_and_checks_with_the_mother_key(
    store: Store,
) -> None:
    c = cards()
    row = FseService(store).create(fse_input(4), c.cps, c.vitale)
    fse = row.fse()
    assert fse.body.beneficiary.rang == "2" and fse.body.beneficiary.birth_date == "20190708"
    assert verify_certification(
        pki.vitale_mother_key(), bytes.fromhex(row.vitale_serial), fse.digest, fse.certification
    )


def test_no_vitale_card_and_no_choice_is_refused_not_downgraded(store: Store) -> None:
    c = cards(vitale_profile=None)
    with pytest.raises(ModeUnavailableError, match="dégradé"):
        FseService(store).create(fse_input(0), c.cps, None)
    with pytest.raises(ModeUnavailableError, match="motif"):
        FseService(store).create(fse_input(0, mode="degrade"), c.cps, None)
    assert count(store) == 0


def test_sans_vitale_uses_the_typed_or_adri_identity(store: Store) -> None:
    c = cards(vitale_profile=None)
    row = FseService(store).create(fse_input(mode="sans_vitale", identity=IDENTITY), c.cps, None)
    body = row.fse().body
    assert body.mode is SecuringMode.SANS_VITALE and row.vitale_certification == ""
    assert body.beneficiary.identification.value == "adri"
    assert body.beneficiary.adri_reference == "ADRI-42"
    assert body.organism.key == "01-691-6911"


def test_degrade_with_a_typed_identity_lands_in_a_degrade_lot(store: Store) -> None:
    c = cards(vitale_profile=None)
    service = FseService(store)
    row = service.create(
        fse_input(mode="degrade", degrade_reason="carte oubliée", identity=IDENTITY), c.cps, None
    )
    assert row.vitale_certification == "" and row.degrade_reason == "carte oubliée"
    lot = store.lot_by_id(row.lot_id or "")
    assert lot.mode == "degrade"
    [closed] = service.close_lots(c.session, c.cps, all_lots=True)
    document = json.loads(row.fse().canonical())
    assert document["vitale_certification"] == ""
    assert closed.lot.id == lot.id


def test_a_family_card_needs_the_beneficiary_to_be_named(store: Store) -> None:
    c = cards()
    with pytest.raises(FseServiceError, match="5 bénéficiaires"):
        FseService(store).create(fse_input(None), c.cps, c.vitale)  # type: ignore[arg-type]
    row = FseService(store).create(
        fse_input({"birth_date": "2019-07-08", "rang": "2"}),  # type: ignore[arg-type]
        c.cps,
        c.vitale,
    )
    assert row.fse().body.beneficiary.rang == "2"


def test_two_situations_need_a_choice_and_each_bills_under_its_own_number(store: Store) -> None:
    c = cards("cps-deux-cabinets")
    service = FseService(store)
    with pytest.raises(FseServiceError, match="plusieurs situations"):
        service.create(fse_input(0), c.cps, c.vitale)
    first = service.create(fse_input(0, situation=1), c.cps, c.vitale)
    second = service.create(fse_input(0, situation=2), c.cps, c.vitale)
    assert first.practitioner_id != second.practitioner_id
    assert (first.number, second.number) == (1, 1)  # numbered per practitioner


def test_a_remplacant_bills_under_the_titulaire_with_his_number(store: Store) -> None:
    c = cards("cps-remplacant")
    body = FseService(store).create(fse_input(0), c.cps, c.vitale).fse().body
    assert body.practitioner.practitioner_id == "751234568"
    assert body.practitioner.replacement is not None
    assert body.practitioner.replacement.number == "759876543"
    assert body.practitioner.practice_mode == "4"


def test_a_staff_card_cannot_bill(store: Store) -> None:
    c = cards("cpe-secretaire")
    with pytest.raises(FseServiceError, match="habilitée"):
        FseService(store).create(fse_input(0), c.cps, c.vitale)
    assert count(store) == 0


def test_an_invoice_the_rules_reject_is_neither_secured_nor_stored(store: Store) -> None:
    c = cards()
    with pytest.raises(PricingRejectedError):
        FseService(store).create(fse_input(0, acts=[{"code": "ZZZ999"}]), c.cps, c.vitale)
    assert count(store) == 0
    assert store.counters("751234568")[0] == 0


def test_malformed_fse_keys_are_input_errors() -> None:
    with pytest.raises(FseInputError, match="mode"):
        fse_input(0, mode="papier")
    with pytest.raises(FseInputError, match=r"identity\.nir"):
        fse_input(0, identity={**IDENTITY, "nir": "123"})


def test_an_expired_vitale_card_cannot_secure(store: Store) -> None:
    c = cards(vitale_profile="vitale-expiree")
    with pytest.raises(FseServiceError, match="pas valable"):
        FseService(store).create(fse_input(0), c.cps, c.vitale)
    assert count(store) == 0


def test_a_cps_with_an_expired_certificate_leaves_its_lots_open(store: Store) -> None:
    c = cards("cps-expiree-cert")
    service = FseService(store)
    row = service.create(fse_input(0), c.cps, c.vitale)
    with pytest.raises(FseServiceError, match="reste ouvert"):
        service.close_lots(c.session, c.cps, all_lots=True)
    lot = store.lot_by_id(row.lot_id or "")
    assert lot.state.value == "open" and not lot.signed


def test_a_cps_closes_only_the_lots_of_its_own_situations(store: Store) -> None:
    mine, other = cards(), cards("cps-deux-cabinets")
    service = FseService(store)
    service.create(fse_input(0), mine.cps, mine.vitale)
    assert service.close_lots(other.session, other.cps, all_lots=True) == []
    assert len(service.close_lots(mine.session, mine.cps, all_lots=True)) == 1


def test_a_lot_closed_by_another_process_meanwhile_is_skipped_not_an_error(
    store: Store, tmp_path: Path
) -> None:
    """The app and a `sesam lot close` may close lots at the same time: the second one to
    take the write lock finds the lot closed and goes on with the others."""
    c = cards()
    service = FseService(store)
    service.create(fse_input(1), c.cps, c.vitale)
    stale = service.lots_to_close(
        True, {s.billing_number + s.billing_key for s in c.cps.situations}
    )
    other = open_store(tmp_path / "sesam.db")  # the other process's connection
    try:
        [closed_elsewhere] = FseService(other).close_lots(c.session, c.cps, all_lots=True)
    finally:
        other.close()
    service.lots_to_close = lambda *_: stale  # type: ignore[method-assign]
    assert service.close_lots(c.session, c.cps, all_lots=True) == []
    (lot,) = store.lots()
    assert lot.id == closed_elsewhere.lot.id
    assert store.lot_der(lot.id) is not None  # signed once, by the process that closed it


def test_the_database_is_free_while_the_card_certifies(
    store: Store, tmp_path: Path, store_backend: str
) -> None:
    """A slow card must not hold the database: the sender (another connection) writes
    while the Vitale works; a failure at the card leaves its number unused, never reused."""
    other = open_store(tmp_path / "sesam.db")
    # Would fail at once if the lock were held (the writers' lock on PostgreSQL).
    wait_none = (
        "SET lock_timeout = 1" if store_backend == "postgresql" else "PRAGMA busy_timeout = 0"
    )
    other.db.execute(wait_none)
    seen: list[bool] = []

    def meanwhile() -> None:
        seen.append(store.db.conn.in_transaction)
        with other.write():
            other.db.execute(
                "INSERT INTO sync_state (key, value) VALUES ('probe', '1') "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value"
            )

    c = cards()
    try:
        service = FseService(store, before_certify=meanwhile)
        first = service.create(fse_input(1), c.cps, c.vitale)

        def card_pulled() -> None:
            raise FseServiceError("carte retirée")

        service.before_certify = card_pulled
        with pytest.raises(FseServiceError):
            service.create(fse_input(1), c.cps, c.vitale)
        service.before_certify = None
        third = service.create(fse_input(1), c.cps, c.vitale)
    finally:
        other.close()
    assert seen == [False]
    assert count(store) == 2 and third.number == first.number + 2
