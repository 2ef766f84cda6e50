"""The AMC part on the FSE: priced by the card's contract under the cabinet's convention,
in tiers payant only when the card and the convention allow it and there is a part to pay;
the conventions table seeded and editable; the yearly ceiling counts what was billed.

Emulated cards in-process (``am_support.open_cabinet``), a real SQLite store."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from am_support import CARE_DATE, open_cabinet

from client.fse_service import FseService, parse_fse_input
from client.store import Store
from client.store.rows import FseRow

D = Decimal
NOW = datetime.now(UTC)


def _fse(
    store: Store, profile: str, tp_amc: bool = True, codes: tuple[str, ...] = ("G",)
) -> FseRow:
    cabinet = open_cabinet(profile)
    request = parse_fse_input(
        {
            "date_of_care": CARE_DATE.isoformat(),
            "acts": [{"code": c} for c in codes],
            "beneficiary": 0,
            "tiers_payant": {"amo": True, "amc": tp_amc},
            "situation": 1,
        }
    )
    return FseService(store).create(request, cabinet.cps, cabinet.vitale)


def test_the_conventions_table_starts_from_its_seed_file(store: Store) -> None:
    numbers = [c.amc_number for c in store.amc_conventions.conventions()]
    assert numbers == ["44300002", "60000003", "77500001"]
    assert store.amc_conventions.convention("31234567") is None  # the family's mutuelle


def test_gestion_unique_contract_bills_its_part_in_tiers_payant(store: Store) -> None:
    row = _fse(store, "vitale-amc-unique")  # RESP150: 150 % of the base, AMO included
    assert (row.total_fees, row.amo, row.amc, row.patient_remainder) == (
        D("30.00"),
        D("19.00"),
        D("9.00"),
        D("2.00"),  # the participation forfaitaire: never the AMC's
    )
    assert row.tiers_payant_amc


def test_a_card_without_tiers_payant_leaves_the_amc_part_to_the_patient(store: Store) -> None:
    row = _fse(store, "vitale-amc-sans-tp")  # FORF50: 50 € per act, within the TM
    assert row.amc == D("9.00") and row.patient_remainder == D("2.00")
    assert not row.tiers_payant_amc  # asked, refused by the card: the patient pays it


def test_an_expired_contract_prices_no_amc_part(store: Store) -> None:
    row = _fse(store, "vitale-amc-expiree")
    assert row.amc == D("0.00") and row.patient_remainder == D("11.00")
    assert not row.tiers_payant_amc


def test_without_convention_no_amc_part_and_no_tiers_payant_amc(store: Store) -> None:
    row = _fse(store, "vitale-famille")  # a mutuelle the cabinet has no convention with
    assert row.amc == D("0.00") and not row.tiers_payant_amc


def test_a_convention_edited_without_tiers_payant_keeps_the_part_but_not_the_tp(
    store: Store,
) -> None:
    store.amc_conventions.set_convention("44300002", "Santé Plus", "REMB", False, NOW)
    row = _fse(store, "vitale-amc-separee")
    assert row.amc == D("9.00") and not row.tiers_payant_amc
    assert store.amc_conventions.remove_convention("44300002")
    assert not store.amc_conventions.remove_convention("44300002")
    again = _fse(store, "vitale-amc-separee")
    assert again.amc == D("0.00")


def test_the_yearly_ceiling_counts_the_fse_already_billed(store: Store) -> None:
    # FORF50: at most 300 € a year; each G pays 9 €. 33 consultations = 297 €, then 3 € left.
    for _ in range(33):
        _fse(store, "vitale-amc-sans-tp", tp_amc=False)
    patient = _fse(store, "vitale-amc-sans-tp", tp_amc=False)
    assert patient.amc == D("3.00") and patient.patient_remainder == D("8.00")
    assert store.amc_conventions.amc_used_in_year("nobody", CARE_DATE.year) == D("0.00")


def test_adri_answer_carries_the_same_contract_as_the_card() -> None:
    from datetime import date

    from cardio.vitale_values import AmcGestion, AmcService
    from client.usecases.rights import adri_amc
    from testbed.am.adri import Directory

    directory = Directory()
    doc = directory.answer("188021305501259", "19880213", "1", date.today())
    assert doc is not None
    amc = adri_amc(doc["amc"])
    assert amc is not None and amc.organism == "44300002" and amc.contract_type == "RESP200"
    assert amc.gestion is AmcGestion.SEPAREE and amc.tiers_payant_for(AmcService.BIOLOGIE)
    assert adri_amc({"organisme": "1", "debut": "pas une date"}) is None  # nothing guessed
