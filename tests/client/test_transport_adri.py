"""ADRi through the real HTTPS transport and the ``sesam rights`` command: rights at a date,
twins told apart by rang, an FSE identity marked "adri", and no payment guarantee."""

from __future__ import annotations

import json
from datetime import date

import pytest
from am_support import client_settings, write_settings
from test_replay_e2e import sesam

from client.adri import PAYMENT_NOTICE, RightsNotFoundError, RightsQueryError, query_rights
from client.fse_service import parse_fse_input
from client.transport import HttpsTransport


def test_twins_are_told_apart_by_rang(am) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    emma = query_rights(transport, "1 80 05 75 112 045 89", "2019-07-08", "1", date(2026, 11, 16))
    lea = query_rights(transport, "180057511204589", "20190708", "2", date(2026, 11, 16))
    assert (emma.first_name, lea.first_name) == ("EMMA", "LÉA")
    assert emma.amo_open and not emma.payment_guaranteed


def test_identity_for_an_fse_sans_vitale(am) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    rights = query_rights(transport, "180057511204589", "19800512", "1", date(2026, 11, 16))
    parsed = parse_fse_input(
        {
            "date_of_care": "2026-11-16",
            "practitioner": {},
            "patient": {},
            "acts": [{"code": "G"}],
            "mode": "sans_vitale",
            "identity": rights.identity_input(),
        }
    )
    assert parsed.identity is not None
    assert parsed.identity.beneficiary.identification.value == "adri"
    assert parsed.identity.beneficiary.adri_reference == rights.reference


def test_unknown_person_and_malformed_question(am) -> None:  # type: ignore[no-untyped-def]
    transport = HttpsTransport(client_settings(am.url))
    with pytest.raises(RightsNotFoundError):
        query_rights(transport, "180057511204589", "19800512", "3", date(2026, 11, 16))
    with pytest.raises(RightsQueryError):
        query_rights(transport, "12345", "19800512", "1", date(2026, 11, 16))


def test_sesam_rights_command(am, tmp_path) -> None:  # type: ignore[no-untyped-def]
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    write_settings(data_dir, client_settings(am.url))
    shown = sesam(
        data_dir,
        "rights",
        "180057511204589",
        "--birth-date",
        "2019-07-08",
        "--rank",
        "2",
        "--date",
        "2026-11-16",
    )
    assert shown.returncode == 0, shown.stderr
    assert "LÉA" in shown.stdout and "ouverts" in shown.stdout
    assert PAYMENT_NOTICE in shown.stdout
    as_json = sesam(
        data_dir, "rights", "180057511204589", "--birth-date", "2019-07-08", "--rank", "2", "--json"
    )
    assert json.loads(as_json.stdout)["garantie_de_paiement"] is False
    bad = sesam(data_dir, "rights", "123", "--birth-date", "2019-07-08")
    assert bad.returncode == 2 and "NIR" in bad.stderr
    unknown = sesam(data_dir, "rights", "180057511204589", "--birth-date", "2000-01-01")
    assert unknown.returncode == 1 and "Aucun bénéficiaire" in unknown.stderr
