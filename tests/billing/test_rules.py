# Over 500 lines: one table of the convention's rule cases, a row per case with its seed line.
"""The convention's rules, one table row per case, each with the seed line it comes from.

Every case states the exact set of error codes the invoice must carry (empty: valid).
"""

from __future__ import annotations

from typing import Any

import pytest
from pricing_support import error_codes, price_of

from billing.request import Act, HistoryEntry
from billing.rules import ErrorCode

AGE = "AGE_CONDITION"
SPE = "SPECIALTY_NOT_ALLOWED"
CUMUL = "NOT_CUMULABLE"
FREQ = "FREQUENCY_LIMIT"
ONA = "OVERRUN_NOT_ALLOWED"
CAP = "OVERRUN_CAP_EXCEEDED"
NIF = "NOT_IN_FORCE"
UNK = "UNKNOWN_CODE"
MISS = "MISSING_TARIFF"


def hist(code: str, on: str, n: int = 1, requested: str | None = None) -> list[HistoryEntry]:
    from datetime import date

    return [HistoryEntry(date.fromisoformat(on), code, 1, requested) for _ in range(n)]


def act(code: str, **kw: Any) -> Act:
    from decimal import Decimal

    if "coefficient" in kw:
        kw["coefficient"] = Decimal(kw["coefficient"])
    return Act(code, **kw)


# (case id, source, request arguments, expected error codes)
CASES: list[tuple[str, str, dict[str, Any], set[str]]] = [
    # ---- a plain valid invoice ----
    (
        "contract example",
        "ticket",
        {
            "codes": ["G", act("HS", coefficient="0.5")],
            "overrun": ("DE", "10.00"),
            "history": [("2025-01-05", "TE2")],
        },
        set(),
    ),
    (
        "contract example with IKM: no visit",
        "002 L3336, L3244",
        {"codes": ["G", act("HS", coefficient="0.5"), act("IKM", quantity=12)]},
        {CUMUL},
    ),
    # ---- age conditions (digest §7.3) ----
    ("MEG under 6", "002 L3279", {"codes": ["G", "MEG"], "birth": "2019-03-11"}, set()),
    ("MEG at 6", "002 L3279", {"codes": ["G", "MEG"], "birth": "2019-03-10"}, {AGE}),
    ("COD under 6", "002 L3273", {"codes": ["COD"], "birth": "2020-01-01"}, set()),
    ("COD at 6", "002 L3273", {"codes": ["COD"], "birth": "2019-01-01"}, {AGE}),
    ("COB under 6", "002 L3273", {"codes": ["COB"], "birth": "2020-01-01"}, {AGE}),
    ("COH at 2", "002 L3273", {"codes": ["COH"], "specialty": "12", "birth": "2023-03-10"}, {AGE}),
    ("COK at 1", "002 L3273", {"codes": ["COK"], "specialty": "12", "birth": "2024-01-01"}, {AGE}),
    ("COK at 5", "002 L3273", {"codes": ["COK"], "specialty": "12", "birth": "2020-01-01"}, set()),
    ("COG at 5", "002 L3273", {"codes": ["COG"], "specialty": "12", "birth": "2020-01-01"}, {AGE}),
    ("CEH at 1", "002 L3281", {"codes": ["CEH"], "specialty": "12", "birth": "2024-01-01"}, set()),
    ("CEK at 6", "002 L3281", {"codes": ["CEK"], "specialty": "12", "birth": "2019-01-01"}, {AGE}),
    ("CEG at 6", "002 L3281", {"codes": ["CEG"], "specialty": "12", "birth": "2019-01-01"}, set()),
    ("GL1 at 79", "002 L3299-3300", {"codes": ["GL1"], "birth": "1945-03-11"}, {AGE}),
    ("GL1 at 80", "002 L3299-3300", {"codes": ["GL1"], "birth": "1945-03-10"}, set()),
    (
        "MP at 25",
        "002 L3285",
        {"codes": ["CNP", "MP"], "specialty": "33", "birth": "1999-06-01"},
        set(),
    ),
    (
        "MP at 26",
        "002 L3285",
        {"codes": ["CNP", "MP"], "specialty": "33", "birth": "1998-06-01"},
        {AGE},
    ),
    ("MVU at 74", "002 L3358", {"codes": ["U03", "MVU"], "birth": "1950-06-01"}, {AGE}),
    ("MVU at 75", "002 L3358", {"codes": ["U03", "MVU"], "birth": "1950-01-01"}, set()),
    (
        "COE at 5 days",
        "002 L3272",
        {"codes": ["COE"], "specialty": "12", "birth": "2025-03-05"},
        set(),
    ),
    (
        "COE at 3 months",
        "002 L3272",
        {"codes": ["COE"], "specialty": "12", "birth": "2024-12-01"},
        {AGE},
    ),
    (
        "COE in the 9th month",
        "002 L3272",
        {"codes": ["COE"], "specialty": "12", "birth": "2024-06-20"},
        set(),
    ),
    (
        "BDC at 30",
        "002 L1853, L1859",
        {"codes": ["BDC"], "specialty": "18", "birth": "1995-01-01"},
        {AGE},
    ),
    (
        "BDC at 30, pregnant",
        "002 L1949, L1969",
        {"codes": ["BDC"], "specialty": "18", "birth": "1995-01-01", "maternity": True},
        set(),
    ),
    (
        "BDC at 4 in 2024",
        "002 L1857",
        {"codes": ["BDC"], "specialty": "18", "on": "2024-06-01", "birth": "2020-01-01"},
        {AGE},
    ),
    (
        "BDC at 6 in 2024",
        "002 L1857",
        {"codes": ["BDC"], "specialty": "18", "on": "2024-06-01", "birth": "2018-01-01"},
        set(),
    ),
    (
        "BDC at 4 in 2025",
        "002 L1859",
        {"codes": ["BDC"], "specialty": "18", "birth": "2021-01-01"},
        set(),
    ),
    (
        "HBLD045 at 2",
        "002 L1835",
        {"codes": ["HBLD045"], "specialty": "18", "birth": "2023-01-01"},
        {AGE},
    ),
    # ---- who may bill what ----
    ("G by a cardiologist", "002 L3244", {"codes": ["G"], "specialty": "03"}, {SPE}),
    ("CS by a GP", "002 L3246", {"codes": ["CS"], "specialty": "01"}, {SPE}),
    ("CNP by a GP", "002 L3245", {"codes": ["CNP"], "specialty": "01"}, {SPE}),
    ("CEH by a GP", "002 L3281", {"codes": ["CEH"], "birth": "2024-01-01"}, {SPE}),
    ("CDE by a GP", "002 L3309", {"codes": ["CDE"]}, {SPE}),
    ("MP by a GP", "002 L3285", {"codes": ["G", "MP"], "birth": "2005-01-01"}, {SPE}),
    ("BDC by a GP", "002 L1750-1753", {"codes": ["BDC"], "birth": "2015-01-01"}, {SPE}),
    ("TE2 by a dentist", "001 L78", {"codes": ["TE2"], "specialty": "19"}, set()),
    (
        "BDC by a dentist",
        "002 L1750-1753",
        {"codes": ["BDC"], "specialty": "19", "birth": "2015-01-01"},
        set(),
    ),
    ("TE2 by a cardiologist", "001 L78", {"codes": ["TE2"], "specialty": "03"}, set()),
    ("APY by a cardiologist", "002 L3318-3319", {"codes": ["APY"], "specialty": "03"}, {SPE}),
    ("APY by a geriatrician", "002 L3319", {"codes": ["APY"], "specialty": "34"}, set()),
    (
        "GL1 not by the treating doctor",
        "002 L3299",
        {"codes": ["GL1"], "treating": False, "birth": "1940-01-01"},
        {SPE},
    ),
    (
        "MRT not by the treating doctor",
        "002 L2105",
        {"codes": ["G", "MRT"], "treating": False},
        {SPE},
    ),
    (
        "SNP by the treating doctor",
        "002 L2082",
        {"codes": ["G", "SNP"], "treating": True},
        {SPE, MISS},
    ),
    (
        "SNP by a psychiatrist",
        "002 L2091",
        {"codes": ["CNP", "SNP"], "specialty": "33", "treating": False},
        {SPE, MISS},
    ),
    ("C in sector 1", "002 L3247", {"codes": ["C"]}, {SPE, MISS}),
    (
        "G in sector 2 without OPTAM, with DP",
        "002 L3243-3247",
        {"codes": ["G"], "sector": "2", "overrun": ("DP", "5.00")},
        {SPE},
    ),
    (
        "G in sector 2 with OPTAM, with DP",
        "002 L3243",
        {"codes": ["G"], "sector": "2", "optam": True, "overrun": ("DP", "5.00")},
        set(),
    ),
    ("G in sector 2 at tarif opposable", "002 L3243", {"codes": ["G"], "sector": "2"}, set()),
    # ---- non-cumulable pairs (digest §7.5) ----
    (
        "CEH with MCS",
        "002 L3281",
        {"codes": ["CEH", "MCS"], "specialty": "12", "birth": "2024-01-01"},
        {CUMUL, MISS},
    ),
    (
        "BDC with CS",
        "002 L1875",
        {"codes": ["BDC", "CS"], "specialty": "18", "birth": "2015-01-01"},
        {CUMUL, MISS},
    ),
    (
        "BDC with BR2",
        "002 L1889-1898",
        {"codes": ["BDC", "BR2"], "specialty": "18", "birth": "2015-01-01"},
        {CUMUL, FREQ},
    ),
    (
        "BDC with two CCAM acts",
        "002 L1875",
        {"codes": ["BDC", "HBLD045", "HBJA003"], "specialty": "18", "birth": "2015-01-01"},
        {CUMUL, MISS},
    ),
    (
        "BDC with one CCAM act",
        "002 L1875",
        {"codes": ["BDC", "HBLD045"], "specialty": "18", "birth": "2015-01-01"},
        set(),
    ),
    (
        "MSH with MIC",
        "002 L3306",
        {"codes": ["G", "MSH", "MIC"], "birth": "1940-01-01"},
        {CUMUL, MISS},
    ),
    # ---- frequency limits over the history (digest §7.4) ----
    (
        "TE2 fifth in the year",
        "001 L81",
        {"codes": ["TE2"], "specialty": "19", "history": hist("TE2", "2025-01-05", 4)},
        {FREQ},
    ),
    (
        "TE2 fourth in the year",
        "001 L81",
        {"codes": ["TE2"], "specialty": "19", "history": hist("TE2", "2025-01-05", 3)},
        set(),
    ),
    (
        "TE2 after four last year",
        "001 L81",
        {"codes": ["TE2"], "specialty": "19", "history": hist("TE2", "2024-12-30", 4)},
        set(),
    ),
    (
        "TE2 by a physician, fifth",
        "NGAP 14.9.4",
        {"codes": ["TE2"], "history": hist("TE2", "2025-02-01", 4)},
        {FREQ},
    ),
    (
        "RQD fifth to the same requis",
        "001 L92",
        {
            "codes": [act("RQD", requested_practitioner="A")],
            "specialty": "19",
            "history": hist("RQD", "2025-02-01", 4, "A"),
        },
        {FREQ},
    ),
    (
        "RQD to another requis",
        "001 L92",
        {
            "codes": [act("RQD", requested_practitioner="B")],
            "specialty": "19",
            "history": hist("RQD", "2025-02-01", 4, "A"),
        },
        set(),
    ),
    (
        "CEP fourth in the year",
        "002 L3328",
        {
            "codes": ["CEP"],
            "specialty": "12",
            "birth": "2015-01-01",
            "history": hist("CEP", "2025-01-10", 3),
        },
        {FREQ},
    ),
    (
        "GL1 twice in the year",
        "002 L3305",
        {"codes": ["GL1"], "birth": "1940-01-01", "history": hist("GL1", "2025-01-10")},
        {FREQ},
    ),
    (
        "GL2 after a GL1",
        "002 L3305",
        {"codes": ["GL2"], "birth": "1940-01-01", "history": hist("GL1", "2025-01-10")},
        set(),
    ),
    (
        "two GL3 in one invoice",
        "002 L3305",
        {"codes": ["GL3", "GL3"], "birth": "1940-01-01"},
        {FREQ},
    ),
    (
        "SNP 21st in the week",
        "002 L2085",
        {"codes": ["G", "SNP"], "treating": False, "history": hist("SNP", "2025-03-11", 20)},
        {FREQ, MISS},
    ),
    (
        "SNP after 20 last week",
        "002 L2085",
        {"codes": ["G", "SNP"], "treating": False, "history": hist("SNP", "2025-03-09", 20)},
        {MISS},
    ),
    (
        "HS 31st patient of the day",
        "002 L3351",
        {"codes": ["HS"], "history": hist("HS", "2025-03-10", 30)},
        {FREQ},
    ),
    (
        "HS 30th patient of the day",
        "002 L3351",
        {"codes": ["HS"], "history": hist("HS", "2025-03-10", 29)},
        set(),
    ),
    (
        "EBD twice in the year after the birthday",
        "002 L1908",
        {
            "codes": ["BDC"],
            "specialty": "18",
            "on": "2026-05-01",
            "birth": "2010-06-01",
            "history": hist("BDC", "2025-07-01"),
        },
        {FREQ},
    ),
    (
        "EBD in the next year of age",
        "002 L1908",
        {
            "codes": ["BR2"],
            "specialty": "18",
            "on": "2026-06-02",
            "birth": "2010-06-01",
            "history": hist("BDC", "2025-07-01"),
        },
        set(),
    ),
    # ---- overruns (digest §3.2, §3.4, §7.5) ----
    (
        "DE in sector 2",
        "002 L262",
        {"codes": ["G"], "sector": "2", "optam": True, "overrun": ("DE", "10.00")},
        {ONA},
    ),
    (
        "DE on a majoration",
        "002 L262",
        {"codes": ["MEG", "G"], "birth": "2022-01-01", "overrun": ("DE", "10.00")},
        {ONA},
    ),
    (
        "DE for a C2S patient",
        "002 L1695, L3923",
        {"codes": ["G"], "c2s": True, "overrun": ("DE", "10.00")},
        {ONA},
    ),
    (
        "DE on COE (tarif opposable only)",
        "002 L3272",
        {"codes": ["COE"], "birth": "2025-03-05", "overrun": ("DE", "5.00")},
        {ONA},
    ),
    (
        "DA by a GP",
        "002 L272",
        {"codes": ["G"], "pathway": "out", "overrun": ("DA", "3.00")},
        {ONA},
    ),
    (
        "DA by a specialist in the pathway",
        "002 L272",
        {"codes": ["CS"], "specialty": "70", "overrun": ("DA", "5.00")},
        {ONA},
    ),
    (
        "DA for a child under 16",
        "002 L272",
        {
            "codes": ["CS"],
            "specialty": "70",
            "pathway": "out",
            "birth": "2012-01-01",
            "overrun": ("DA", "5.00"),
        },
        {ONA},
    ),
    (
        "DA for a C2S patient",
        "002 L272",
        {
            "codes": ["CS"],
            "specialty": "70",
            "pathway": "out",
            "c2s": True,
            "overrun": ("DA", "5.00"),
        },
        {ONA},
    ),
    (
        "DA in sector 2",
        "002 L272",
        {
            "codes": ["CS"],
            "specialty": "70",
            "sector": "2",
            "pathway": "out",
            "overrun": ("DA", "5.00"),
        },
        {ONA},
    ),
    (
        "DA with MCS",
        "002 L3267",
        {"codes": ["CS", "MCS"], "specialty": "70", "pathway": "out", "overrun": ("DA", "5.00")},
        {ONA},
    ),
    (
        "DA at the cap",
        "002 L274",
        {"codes": ["CS"], "specialty": "70", "pathway": "out", "overrun": ("DA", "7.00")},
        set(),
    ),
    (
        "DA above the cap",
        "002 L274",
        {"codes": ["CS"], "specialty": "70", "pathway": "out", "overrun": ("DA", "7.01")},
        {CAP},
    ),
    (
        "DA on a stomatologist's dental act: still in the pathway",
        "002 L1757-1758, L272",
        {
            "codes": ["HBLD045"],
            "specialty": "18",
            "pathway": "out",
            "birth": "2005-01-01",
            "overrun": ("DA", "4.37"),
        },
        {ONA},
    ),
    ("DP in sector 1", "ticket", {"codes": ["G"], "overrun": ("DP", "5.00")}, {ONA}),
    (
        "DP in an emergency",
        "002 L295",
        {
            "codes": ["CS"],
            "specialty": "70",
            "sector": "2",
            "optam": True,
            "pathway": "emergency",
            "overrun": ("DP", "5.00"),
        },
        {ONA},
    ),
    (
        "ED on a bridge",
        "002 L1782",
        {"codes": ["HBLD425"], "specialty": "18", "overrun": ("ED", "300.00")},
        set(),
    ),
    (
        "ED on the EBD",
        "002 L1782, L1887",
        {"codes": ["BDC"], "specialty": "18", "birth": "2015-01-01", "overrun": ("ED", "10.00")},
        {ONA},
    ),
    ("ED by a GP", "002 L1782", {"codes": ["G"], "overrun": ("ED", "10.00")}, {ONA}),
    (
        "ED for a C2S patient",
        "002 L1782",
        {"codes": ["HBLD425"], "specialty": "18", "c2s": True, "overrun": ("ED", "100.00")},
        {ONA},
    ),
    (
        "ED up to the billing limit",
        "002 L1839",
        {"codes": ["HBLD006"], "specialty": "18", "on": "2026-02-01", "overrun": ("ED", "120.00")},
        set(),
    ),
    (
        "ED above the billing limit",
        "002 L1839",
        {"codes": ["HBLD006"], "specialty": "18", "on": "2026-02-01", "overrun": ("ED", "120.01")},
        {CAP},
    ),
    # ---- codes not in force, unknown, without a tariff ----
    (
        "HBLD425 in 2026",
        "002 L1809, L1999",
        {"codes": ["HBLD425"], "specialty": "18", "on": "2026-01-01"},
        {NIF},
    ),
    (
        "HBLD099 in 2025",
        "002 L1809",
        {"codes": ["HBLD099"], "specialty": "18", "on": "2025-12-31"},
        {NIF},
    ),
    ("MPC deleted", "002 L3242", {"codes": ["MPC"], "specialty": "03"}, {NIF}),
    (
        "HS with the old coefficient 0.8",
        "002 L3349",
        {"codes": [act("HS", coefficient="0.8")]},
        {NIF},
    ),
    ("HS with coefficient 0.25", "002 L3349", {"codes": [act("HS", coefficient="0.25")]}, set()),
    (
        "C with a coefficient",
        "002 L3348",
        {"codes": [act("C", coefficient="0.8")], "sector": "2"},
        {NIF, MISS},
    ),
    ("unknown code", "—", {"codes": ["G", "ZZZ"]}, {UNK}),
    ("CS of a cardiologist", "002 L3246", {"codes": ["CS"], "specialty": "03"}, {MISS}),
    ("VG without an amount", "002 L3244", {"codes": ["VG"]}, {MISS}),
    ("RQD of a physician", "002 L3547", {"codes": ["RQD"]}, {MISS}),
    (
        "TC2 outside a téléconsultation",
        "002 L2089",
        {"codes": ["TC2"], "specialty": "33"},
        {"TELECONSULTATION", MISS},
    ),
]


@pytest.mark.parametrize(
    ("source", "arguments", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES]
)
def test_rule_table(source: str, arguments: dict[str, Any], expected: set[str]) -> None:
    invoice = price_of(**arguments)
    assert error_codes(invoice) == expected, [e.message for e in invoice.errors]
    assert invoice.valid is (not expected)


def test_every_error_code_is_exercised_by_the_table() -> None:
    exercised = set().union(*(expected for *_, expected in CASES))
    assert exercised == {code.value for code in ErrorCode}


def test_messages_are_french_and_name_the_act() -> None:
    invoice = price_of(["G", "MEG"], birth="2010-01-01")
    (error,) = invoice.errors
    assert error.act_index == 1
    assert error.act_code == "MEG"
    assert "réservé aux patients de moins de 6 ans" in error.message
    assert "le patient a 15 ans" in error.message


def test_the_da_cap_message_gives_the_highest_allowed_amount() -> None:
    invoice = price_of(["CS"], specialty="70", pathway="out", overrun=("DA", "9.00"))
    (error,) = invoice.errors
    assert "au plus 7,00\u00a0€" in error.message  # 35 € + 17,5 % = 41,13 → 42 € [002 L274]


def test_an_overrun_without_acts_is_refused() -> None:
    from pricing_support import make_request, referential

    from billing.pricing import price

    request = make_request([], overrun=("DE", "5.00"))
    invoice = price(request, referential())
    assert error_codes(invoice) == {ONA}
    assert invoice.errors[0].act_index is None


# The DA cap on a technical act: no packaged CCAM act outside dentistry (whose practitioners
# stay in the parcours [002 L1757]), so a cabinet's local CCAM row stands in.
@pytest.mark.parametrize(("da", "expected"), [("4.37", set()), ("4.38", {CAP})])
def test_the_da_on_a_technical_act_is_capped_at_17_5_percent(da: str, expected: set[str]) -> None:
    from pricing_support import make_request, referential

    from billing.pricing import price
    from billing.referential import parse_local_rows

    local = parse_local_rows("code;montant\nZZQP001;25,00\n", "tarifs-locaux.csv")
    request = make_request(["ZZQP001"], specialty="70", pathway="out", overrun=("DA", da))
    invoice = price(request, referential().with_local(local))
    assert error_codes(invoice) == expected  # 17,5 % of 25,00 € = 4,375 → 4,37 [002 L276]
