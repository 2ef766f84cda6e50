"""The desk's invoice: the bénéficiaire held as himself, the payment modes the law imposes,
what the patient pays now, the date of care checked, rule messages in words."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from client import desk
from client.desk import Invoice, InvoiceAct, InvoicePatient, PaymentMode

TODAY = dt.date.today()


@dataclass(frozen=True)
class Coverage:
    kind: str


@dataclass(frozen=True)
class Amc:
    organism: str = "31234567"
    tiers_payant: bool = True


@dataclass(frozen=True)
class Rights:
    amo: bool = True
    coverages: tuple[Coverage, ...] = ()
    amc: Amc | None = None


@dataclass(frozen=True)
class Person:
    prenom: str = "SOPHIE"
    nom: str = "LEROY"
    nom_usage: str = "DURAND"
    birth_date_raw: str = "19820903"
    birth_date: dt.date = dt.date(1982, 9, 3)
    nir: str = "2820969123018"
    nir_key: str = "58"
    rang: str = "1"
    qualite: str = "02"
    kinds: tuple[str, ...] = ()
    amc: Amc | None = field(default=None)

    def rights_at(self, _day: dt.date) -> Rights:
        return Rights(True, tuple(Coverage(k) for k in self.kinds), self.amc)


def invoice(person: Person, *acts: InvoiceAct, payment: PaymentMode = PaymentMode.DIRECT):
    patient = InvoicePatient(desk.PatientSource.VITALE, person)
    return Invoice(patient, TODAY, tuple(acts) or (InvoiceAct("G"),), payment)


@dataclass(frozen=True)
class Priced:
    total_fees: Decimal
    amo: Decimal
    amc: Decimal


def test_the_header_names_the_patient_his_age_the_day_and_the_payment() -> None:
    patient = InvoicePatient("vitale", Person())
    day = dt.date(2026, 12, 5)
    assert desk.invoice_header(patient, day, "tiers payant AMO") == (
        "Facture pour SOPHIE DURAND, 44 ans — soins du 05/12/2026 — tiers payant AMO"
    )


@pytest.mark.parametrize(
    ("kinds", "acts", "forced", "law"),
    [
        (("C2S",), (InvoiceAct("G"),), PaymentMode.TIERS_PAYANT_AMO_AMC, "L.861-3"),
        (("MAT",), (InvoiceAct("G"),), PaymentMode.TIERS_PAYANT_AMO, "L.162-1-21"),
        (("ATMP",), (InvoiceAct("G"),), PaymentMode.TIERS_PAYANT_AMO, "L.432-1"),
        (("ALD",), (InvoiceAct("G", ald=True),), PaymentMode.TIERS_PAYANT_AMO, "ALD"),
    ],
)
def test_mandatory_tiers_payant_is_forced_and_explained(kinds, acts, forced, law) -> None:
    bill = invoice(Person(kinds=kinds), *acts)
    choice = desk.payment_choice(bill)
    assert choice.forced is forced
    assert PaymentMode.DIRECT not in choice.allowed
    assert law in choice.reason
    assert desk.effective_payment(bill) is forced  # paiement direct asked, refused


def test_an_ald_patient_pays_directly_for_care_unrelated_to_the_ald() -> None:
    bill = invoice(Person(kinds=("ALD",)), InvoiceAct("G", ald=False))
    assert desk.payment_choice(bill).forced is None
    assert desk.pricing_draft(bill).ald is False  # no exoneration for a cold
    related = invoice(Person(kinds=("ALD",)), InvoiceAct("G", ald=True))
    assert desk.pricing_draft(related).ald is True
    mixed = invoice(Person(kinds=("ALD",)), InvoiceAct("G", ald=True), InvoiceAct("MEG"))
    assert "deux factures" in desk.mixed_ald_message(mixed)


def test_amo_and_amc_only_where_the_complementaire_agrees() -> None:
    without = desk.payment_choice(invoice(Person(amc=Amc(tiers_payant=False))))
    assert PaymentMode.TIERS_PAYANT_AMO_AMC not in without.allowed
    agreed = desk.payment_choice(invoice(Person(amc=Amc(tiers_payant=True))))
    assert PaymentMode.TIERS_PAYANT_AMO_AMC in agreed.allowed
    bill = invoice(Person(), payment=PaymentMode.TIERS_PAYANT_AMO_AMC)
    assert desk.effective_payment(bill) is PaymentMode.DIRECT


def test_what_the_patient_pays_now() -> None:
    priced = Priced(Decimal("30.00"), Decimal("19.00"), Decimal("9.00"))
    assert desk.to_collect(PaymentMode.DIRECT, priced) == Decimal("30.00")
    assert desk.to_collect(PaymentMode.TIERS_PAYANT_AMO, priced) == Decimal("11.00")
    assert desk.to_collect(PaymentMode.TIERS_PAYANT_AMO_AMC, priced) == Decimal("2.00")


def test_the_fse_request_names_the_beneficiary_not_a_list_position() -> None:
    request = desk.fse_request(invoice(Person(), payment=PaymentMode.TIERS_PAYANT_AMO))
    assert request.beneficiary == {"rang": "1", "birth_date": "19820903", "prenom": "SOPHIE"}
    assert (request.tiers_payant.amo, request.tiers_payant.amc) == (True, False)


def test_a_future_date_is_refused_and_a_late_one_warned() -> None:
    with pytest.raises(desk.DeskError, match="futur"):
        desk.check_care_date(TODAY + dt.timedelta(days=1), TODAY, 3)
    assert desk.check_care_date(TODAY, TODAY, 3) == ""
    late = desk.check_care_date(TODAY - dt.timedelta(days=30), TODAY, 3)
    assert "délai réglementaire de transmission (3 jours ouvrés" in late
    assert "R.161-47" in late


def test_rule_messages_name_the_convention_not_a_file() -> None:
    raw = "MEG : moins de 6 ans (002_43679c6e4e635b7a.txt L3279) ; voir [002 L3244-3247]."
    text = desk.readable_rule_message(raw)
    assert ".txt" not in text and "L3279" not in text
    assert (
        text == "MEG : moins de 6 ans (convention médicale 2024) ; voir [convention médicale 2024]."
    )
