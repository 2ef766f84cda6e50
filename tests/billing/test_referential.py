"""The dated tariff referential: every seed amount, the dated changes, local rows, search."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from pricing_support import S001, S002, SEEDS, error_codes, price_of, referential, seed_line

from billing.referential import (
    NotInForceError,
    Referential,
    ReferentialDataError,
    UnknownCodeError,
    parse_local_rows,
)

# (code, date of care, specialty, zone, amount, seed file, line, words of that line)
SEED_AMOUNTS = [
    ("G", "2025-03-10", "01", "metropole", "30.00", S002, 3249, "revalorisée à 30 €"),
    ("CNP", "2025-03-10", "33", "metropole", "52.00", S002, 3250, "revalorisée à 52 €"),
    ("CS", "2025-03-10", "70", "metropole", "35.00", S002, 3251, "revalorisée à 35 €"),
    ("CS", "2025-03-10", "34", "metropole", "35.00", S002, 3252, "revalorisées à 35 €"),
    ("CS", "2025-03-10", "31", "metropole", "35.00", S002, 3252, "revalorisées à 35 €"),
    ("COE", "2025-03-10", "12", "metropole", "60.00", S002, 3272, "tarif de 60 €"),
    ("COD", "2025-03-10", "01", "metropole", "35.00", S002, 3273, "COD valorisé à 35 €"),
    ("COB", "2025-03-10", "01", "metropole", "30.00", S002, 3273, "COB valorisé à 30€"),
    ("COH", "2025-03-10", "12", "metropole", "50.00", S002, 3273, "valorisé à 50 €"),
    ("COK", "2025-03-10", "12", "metropole", "35.00", S002, 3273, "COK pour les enfants de 2"),
    ("COG", "2025-03-10", "12", "metropole", "31.50", S002, 3273, "valorisé à 31,5 €"),
    ("MEG", "2025-03-10", "01", "metropole", "5.00", S002, 3279, "MEG de 5 €"),
    ("CEH", "2025-03-10", "12", "metropole", "40.00", S002, 3281, "moins de 2 ans à 40 €"),
    ("CEK", "2025-03-10", "12", "metropole", "35.00", S002, 3281, "moins de 6 ans à 35 €"),
    ("CEG", "2025-03-10", "12", "metropole", "31.50", S002, 3281, "plus à 31,50 €"),
    ("MP", "2025-03-10", "33", "metropole", "15.00", S002, 3285, "portée à 15 €"),
    ("MAF", "2025-03-10", "33", "metropole", "25.00", S002, 3295, "valorisées à 25 €"),
    ("MPF", "2025-03-10", "33", "metropole", "25.00", S002, 3295, "valorisées à 25 €"),
    ("GL1", "2025-03-10", "01", "metropole", "60.00", S002, 3299, "valeur de 60 euros"),
    ("GL2", "2025-03-10", "01", "metropole", "60.00", S002, 3299, "valeur de 60 euros"),
    ("GL3", "2025-03-10", "01", "metropole", "60.00", S002, 3299, "valeur de 60 euros"),
    ("CDE", "2025-03-10", "05", "metropole", "60.00", S002, 3309, "à 60€"),
    ("MCE", "2025-03-10", "42", "metropole", "28.50", S002, 3310, "revalorisé à 28,5€"),
    ("APC", "2025-03-10", "03", "metropole", "60.00", S002, 3318, "APC est revalorisé à 60 €"),
    ("APY", "2025-03-10", "34", "metropole", "67.50", S002, 3318, "revalorisé à 67,5€"),
    ("APU", "2025-03-10", "03", "metropole", "74.00", S002, 3318, "revalorisé à 74 €"),
    ("CEP", "2025-03-10", "12", "metropole", "60.00", S002, 3327, "valorisée 60€"),
    ("MRT", "2025-03-10", "01", "metropole", "15.00", S002, 2105, "montant de 15 euros"),
    ("MDM", "2025-03-10", "01", "metropole", "15.00", S002, 3335, "valorisée à 15€"),
    ("IKM", "2025-03-10", "01", "metropole", "1.00", S002, 3336, "revalorisés à 1€ en métropole"),
    ("IKM", "2025-03-10", "01", "971", "1.20", S002, 3341, "1,20 € en Guadeloupe"),
    ("IKM", "2025-03-10", "01", "974", "1.30", S002, 3341, "1,30 € en Guyane"),
    ("IK", "2025-03-10", "01", "972", "0.75", S002, 3340, "0,75 € en Guadeloupe"),
    ("IK", "2025-03-10", "01", "976", "0.80", S002, 3340, "0,80 € en Guyane"),
    ("HS", "2025-03-10", "01", "metropole", "23.00", S002, 3348, "valeur de 23€"),
    ("U03", "2025-03-10", "01", "metropole", "40.00", S002, 3357, "40€ pour les U03"),
    ("U45", "2025-03-10", "01", "metropole", "50.00", S002, 3357, "50€ pour les U45"),
    ("MVU", "2025-03-10", "01", "metropole", "20.00", S002, 3358, "hauteur de 20€"),
    # The physician requis bills TE2 at 23 € [002 L3543]; the dentists' 20 € is theirs only.
    ("TE2", "2025-03-10", "01", "metropole", "23.00", S002, 3543, "hauteur de 23 euros"),
    ("TE2", "2025-03-10", "19", "metropole", "20.00", S001, 80, "20 € par acte"),
    ("RQD", "2025-03-10", "19", "metropole", "10.00", S001, 91, "10 € par télé-expertise"),
    ("BDC", "2025-06-01", "19", "metropole", "40.00", S002, 1894, "40 euros (BDC)"),
    ("BDC", "2024-06-01", "18", "metropole", "30.00", S002, 1889, "30 euros (BDC)"),
    ("BDC", "2025-06-01", "18", "metropole", "40.00", S002, 1894, "40 euros (BDC)"),
    ("BR2", "2024-06-01", "18", "metropole", "42.00", S002, 1890, "42 euros (BR2)"),
    ("BR2", "2025-06-01", "18", "metropole", "52.00", S002, 1896, "52 euros (BR2)"),
    ("BR4", "2024-06-01", "18", "metropole", "54.00", S002, 1891, "54 euros (BR4)"),
    ("BR4", "2025-06-01", "18", "metropole", "64.00", S002, 1897, "64 euros (BR4)"),
    ("BRP", "2024-06-01", "18", "metropole", "54.00", S002, 1892, "54 euros (BRP)"),
    ("BRP", "2025-06-01", "18", "metropole", "64.00", S002, 1898, "64 euros (BRP)"),
    ("HBLD045", "2025-03-10", "18", "metropole", "25.00", S002, 1835, "tarif de 25 euros"),
    ("HBFD006", "2026-01-01", "18", "metropole", "36.00", S002, 1837, "fixé à 36 euros"),
    ("HBLD006", "2026-01-01", "18", "metropole", "30.00", S002, 1839, "fixé à 30 euros"),
    ("HBLD425", "2025-12-31", "18", "metropole", "279.50", S002, 1809, "279,50 €"),
    ("HBLD099", "2026-01-01", "18", "metropole", "279.50", S002, 1809, "HBLD099 et HBLD426"),
    ("HBLD426", "2026-01-01", "18", "metropole", "279.50", S002, 1809, "HBLD099 et HBLD426"),
]


@pytest.mark.parametrize(
    ("code", "on", "specialty", "zone", "amount", "seed", "line", "quote"), SEED_AMOUNTS
)
def test_every_seed_amount_prices_at_a_date_where_it_is_in_force(
    code: str, on: str, specialty: str, zone: str, amount: str, seed: str, line: int, quote: str
) -> None:
    row = referential().lookup(code, date.fromisoformat(on), specialty=specialty, zone=zone)
    assert row.amount == Decimal(amount)
    assert row.source_file == seed
    invoice = price_of([code], on=on, specialty=specialty, zone=zone)
    assert invoice.lines[0].amount == Decimal(amount)
    assert invoice.lines[0].reimbursement_base == Decimal(amount)


@pytest.mark.parametrize(
    ("seed", "line", "quote"), sorted({(s, ln, q) for *_, s, ln, q in SEED_AMOUNTS})
)
def test_the_table_quotes_the_seed_line_it_cites(seed: str, line: int, quote: str) -> None:
    # The seeds live in the team's shared folder beside the repository (as in CI).
    assert SEEDS.exists(), f"seed texts not found in {SEEDS}"
    assert quote in seed_line(seed, line)


# (consultation, specialty, amount with the MCS, seed line, words) — the MCS is priced only in
# association, as the difference the convention gives [002 L3250-3252].
MCS_ASSOCIATIONS = [
    ("CNP", "33", "57.00", 3250, "soit 57 € en association avec la MCS"),
    ("CNP", "32", "57.00", 3250, "soit 57 € en association avec la MCS"),
    ("CS", "70", "40.00", 3251, "soit 40 € en association avec la MCS"),
    ("CS", "79", "40.00", 3251, "soit 40 € en association avec la MCS"),
    ("CS", "34", "40.00", 3252, "soit 40 € en association avec la MCS"),
    ("CS", "31", "40.00", 3252, "soit 40 € en association avec la MCS"),
]


@pytest.mark.parametrize(("consultation", "specialty", "total", "line", "quote"), MCS_ASSOCIATIONS)
def test_the_mcs_with_the_reference_consultation_is_priced(
    consultation: str, specialty: str, total: str, line: int, quote: str
) -> None:
    assert quote in seed_line(S002, line)
    invoice = price_of([consultation, "MCS"], specialty=specialty)
    assert invoice.valid, [e.message for e in invoice.errors]
    assert invoice.total_fees == Decimal(total)
    assert invoice.lines[1].amount == Decimal(total) - invoice.lines[0].amount


def test_the_mcs_alone_or_with_another_act_has_no_amount() -> None:
    assert error_codes(price_of(["MCS"], specialty="33")) == {"MISSING_TARIFF"}
    assert "MISSING_TARIFF" in error_codes(price_of(["APC", "MCS"], specialty="03"))
    # the day before the convention's amounts, the association has no amount either
    assert "MISSING_TARIFF" in error_codes(
        price_of(["CNP", "MCS"], specialty="33", on="2024-12-21")
    )


def test_every_packaged_amount_is_in_the_seed_table() -> None:
    """Data and table cannot drift apart: a new amount needs a seed quote here."""
    packaged = {(r.code, r.amount) for r in referential().rows if r.amount is not None}
    tabled = {(code, Decimal(amount)) for code, _, _, _, amount, *_ in SEED_AMOUNTS}
    tabled.add(("MCS", Decimal("5.00")))  # MCS_ASSOCIATIONS
    assert packaged == tabled


def test_every_row_names_its_seed_file_and_lines() -> None:
    ref = referential()
    known = {source.file for source in ref.sources}
    for row in ref.rows:
        assert row.source_file in known, row
        assert row.source_lines, row


def test_the_referential_is_versioned_and_shows_its_sources_and_caveats() -> None:
    ref = referential()
    assert ref.version
    files = {source.file: source for source in ref.sources}
    assert "tarifs cibles" in files[S002].caveat  # draft text [002 L3233]
    assert "IA" in files[S001].caveat  # AI simplification [001 L7-8]


# (code, date, specialty, expected amount or error class name) — digest §7.2 item 2
DATED_CHANGES = [
    ("BDC", "2024-12-31", "18", "30.00"),  # [002 L1889]
    ("BDC", "2025-01-01", "18", "40.00"),  # [002 L1894]
    ("BR2", "2024-12-31", "18", "42.00"),
    ("BR2", "2025-01-01", "18", "52.00"),
    ("HBFD006", "2025-12-31", "18", None),  # old amount not in the seeds [002 L1837]
    ("HBFD006", "2026-01-01", "18", "36.00"),
    ("HBLD006", "2025-12-31", "18", "NotInForceError"),  # covered from 2026 [002 L1839]
    ("HBLD006", "2026-01-01", "18", "30.00"),
    ("HBLD425", "2025-12-31", "18", "279.50"),  # deleted from 2026 [002 L1809, L1999]
    ("HBLD425", "2026-01-01", "18", "NotInForceError"),
    ("HBLD099", "2025-12-31", "18", "NotInForceError"),  # created 2026 [002 L1809, L2000]
    ("HBLD426", "2026-01-01", "18", "279.50"),
    ("MPC", "2025-03-10", "03", "NotInForceError"),  # deleted [002 L3242]
    ("MPC", "2024-12-21", "03", None),  # in force until the convention, amount not given
    ("MPC", "2024-12-22", "03", "NotInForceError"),
    # the convention's amounts start on 2024-12-22 [002 L3228]; before: no amount
    ("G", "2024-12-21", "01", None),
    ("G", "2024-12-22", "01", "30.00"),
    ("GL1", "2024-12-21", "01", "NotInForceError"),  # a creation [002 L3299]
    ("GL1", "2024-12-22", "01", "60.00"),
    ("CEP", "2024-12-21", "12", "NotInForceError"),  # a creation [002 L3327]
    ("MDM", "2024-12-21", "01", "NotInForceError"),  # a creation [002 L3335]
    ("MVU", "2024-12-21", "01", "NotInForceError"),  # a creation [002 L3358]
    ("TE2", "2024-12-21", "01", None),  # the physicians' TE2 existed, amount not given
    ("TE2", "2024-12-22", "01", "23.00"),
    ("TE2", "2025-01-17", "19", "NotInForceError"),  # dental avenant, JORF 18/01/2025 [001 L1]
    ("TE2", "2025-01-18", "19", "20.00"),
    ("RQD", "2025-01-17", "19", "NotInForceError"),
    ("RQD", "2025-01-18", "19", "10.00"),
    ("RQD", "2025-03-10", "01", None),  # physician requérant: NGAP 14.9.6, no amount
    ("HBLD045", "2024-12-31", "18", None),  # extended to 3-24 years from 2025 [002 L1841]
    ("HBLD045", "2025-01-01", "18", "25.00"),
    # before the first date the seeds vouch for (28/04/2024 [002 L1676]): no amount
    ("BDC", "2024-04-27", "18", None),
    ("BDC", "2024-04-28", "18", "30.00"),
    ("HBLD425", "2024-04-27", "18", None),
    ("MGM", "2025-03-10", "70", "NotInForceError"),
    ("NFE", "2025-03-10", "12", "NotInForceError"),  # deleted [002 L3283]
    ("XYZ", "2025-03-10", "01", "UnknownCodeError"),
]


@pytest.mark.parametrize(("code", "on", "specialty", "expected"), DATED_CHANGES)
def test_the_date_of_care_picks_the_row(
    code: str, on: str, specialty: str, expected: str | None
) -> None:
    ref = referential()
    when = date.fromisoformat(on)
    if expected in ("NotInForceError", "UnknownCodeError"):
        with pytest.raises((NotInForceError, UnknownCodeError)) as caught:
            ref.lookup(code, when, specialty=specialty)
        assert type(caught.value).__name__ == expected
        assert code in str(caught.value)
        return
    row = ref.lookup(code, when, specialty=specialty)
    assert row.amount == (None if expected is None else Decimal(expected))


def test_a_removed_code_says_from_when_in_french() -> None:
    with pytest.raises(NotInForceError) as caught:
        referential().lookup("HBLD425", date(2026, 1, 1))
    assert "01/01/2026" in str(caught.value)
    assert "n'est plus en vigueur" in str(caught.value)


def test_a_code_not_yet_created_says_when_it_starts() -> None:
    with pytest.raises(NotInForceError) as caught:
        referential().lookup("HBLD006", date(2025, 6, 1))
    assert "n'entre en vigueur que le 01/01/2026" in str(caught.value)


def test_specialty_picks_the_row_where_amounts_differ() -> None:
    ref = referential()
    assert ref.lookup("CS", date(2025, 3, 10), specialty="70").amount == Decimal("35.00")
    assert ref.lookup("CS", date(2025, 3, 10), specialty="03").amount is None
    assert ref.lookup("IKM", date(2025, 3, 10), zone="973").amount == Decimal("1.30")
    assert ref.lookup("IK", date(2025, 3, 10)).amount is None  # métropole: not in the seeds


@pytest.mark.parametrize("zone", ["971", "972", "973", "974", "976"])
def test_the_conventions_consultations_have_no_amount_outside_metropole(zone: str) -> None:
    """[002 L3232]: the chapter's tariffs are the Métropole's; the DROM's are in an annex."""
    assert "Métropole" in seed_line(S002, 3232)
    ref = referential()
    row = ref.lookup("G", date(2025, 3, 10), specialty="01", zone=zone)
    assert row.amount is None
    assert "L3232" in row.missing_note
    invoice = price_of(["G"], zone=zone)
    assert error_codes(invoice) == {"MISSING_TARIFF"}
    assert "L3232" in invoice.errors[0].message
    # the kilometric allowances of the DROM do have amounts [002 L3340-3341]
    visit = price_of(["G", "IKM"], zone=zone)
    assert visit.lines[1].amount in (Decimal("1.20"), Decimal("1.30"))


def test_a_local_row_prices_the_consultation_in_a_drom() -> None:
    local = parse_local_rows("code;montant;zone\nG;32,00;972\n", "tarifs-locaux.csv")
    ref = referential().with_local(local)
    assert ref.lookup("G", date(2025, 3, 10), specialty="01", zone="972").amount == Decimal("32.00")
    # a local row of another zone does not price the Métropole
    assert ref.lookup("G", date(2025, 3, 10), specialty="01").amount == Decimal("30.00")


# --- local rows ---------------------------------------------------------------------------

LOCAL = """code;libelle;montant;debut;fin;specialites;zone;note
MCS;Majoration de coordination spécialiste;5,00;2025-01-01;;;;avenant
G;Consultation de référence;31.50;2026-07-01;;;;nouvel avenant
NEW1;Acte créé avant la mise à jour;12;;;;;
"""


def local_referential() -> Referential:
    return referential().with_local(parse_local_rows(LOCAL, "tarifs-locaux.csv"))


def test_a_local_row_prices_a_code_the_seeds_do_not() -> None:
    row = local_referential().lookup("MCS", date(2025, 3, 10), specialty="03")
    assert row.amount == Decimal("5.00")
    assert row.local
    assert row.billers == ("SPE",)  # packaged conditions kept
    assert "tarifs-locaux.csv" in row.source


def test_a_local_row_is_dated_too() -> None:
    ref = local_referential()
    assert ref.lookup("MCS", date(2024, 12, 31), specialty="03").amount is None
    assert ref.lookup("G", date(2026, 6, 30)).amount == Decimal("30.00")
    newer = ref.lookup("G", date(2026, 7, 1))
    assert newer.amount == Decimal("31.50")
    assert newer.local


def test_a_new_code_can_be_billed_from_the_local_file() -> None:
    row = local_referential().lookup("NEW1", date(2025, 3, 10))
    assert row.amount == Decimal("12.00")
    assert row.local


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("code;libelle\nG;x\n", "colonnes obligatoires absentes : montant"),
        ("code;montant\nG;trente\n", "ligne 2 : montant illisible"),
        ("code;montant\nG;-1\n", "ligne 2 : montant manquant ou négatif"),
        ("code;montant;debut\nG;1;10/03/2025\n", "ligne 2 : date illisible"),
        ("code;montant;debut;fin\nG;1;2025-03-10;2025-01-01\n", "précède"),
    ],
)
def test_a_broken_local_file_names_the_line(text: str, words: str) -> None:
    with pytest.raises(ReferentialDataError) as caught:
        parse_local_rows(text, "tarifs-locaux.csv")
    assert words in str(caught.value)


def test_the_local_file_accepts_commas_as_separator() -> None:
    rows = parse_local_rows("code,montant\nMCS,5.00\n", "tarifs-locaux.csv")
    assert rows[0].amount == Decimal("5.00")


# --- search -------------------------------------------------------------------------------


def test_search_by_code_prefix_puts_the_code_first() -> None:
    found = referential().search("g", date(2025, 3, 10))
    assert found[0].code == "G"
    assert {"GL1", "GL2", "GL3"} <= {row.code for row in found}


def test_search_by_label_ignores_accents() -> None:
    codes = {row.code for row in referential().search("prevention", date(2025, 3, 10))}
    assert "BDC" in codes


def test_search_shows_only_what_is_billable_at_the_date() -> None:
    ref = referential()
    assert "HBLD099" not in {r.code for r in ref.search("HBLD", date(2025, 6, 1))}
    assert "HBLD099" in {r.code for r in ref.search("HBLD", date(2026, 1, 1))}
    assert "MPC" not in {r.code for r in ref.search("MP", date(2025, 6, 1))}


def test_search_finds_local_codes() -> None:
    assert local_referential().search("NEW", date(2025, 3, 10))[0].code == "NEW1"
