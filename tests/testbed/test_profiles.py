from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from testbed import nir
from testbed.cards.profiles import (
    CpsProfile,
    ProfileError,
    VitaleProfile,
    load_all,
    load_profile,
    load_profile_file,
    parse_profile,
    profile_names,
)

TODAY = "20261122"
REQUIRED = {
    "vitale-famille",
    "vitale-ald",
    "vitale-c2s",
    "vitale-expiree",
    "vitale-abimee",
    "vitale-msa",
    "cps-generaliste",
    "cps-deux-cabinets",
    "cps-remplacant",
    "cpe-secretaire",
    "cps-bloquee",
    "cps-revoquee",
    "cps-expiree-cert",
}


def _vitale(name: str) -> VitaleProfile:
    profile = load_profile(name)
    assert isinstance(profile, VitaleProfile)
    return profile


def _cps(name: str) -> CpsProfile:
    profile = load_profile(name)
    assert isinstance(profile, CpsProfile)
    return profile


def test_every_required_profile_ships_and_validates() -> None:
    assert set(profile_names()) >= REQUIRED
    assert set(load_all()) == set(profile_names())


def test_every_nir_has_a_valid_key() -> None:
    for profile in load_all().values():
        if isinstance(profile, VitaleProfile):
            assert nir.is_valid(profile.assure.nir)
            assert all(nir.is_valid(b.nir) for b in profile.beneficiaires)


def test_cards_are_valid_today_and_for_years_except_the_expired_one() -> None:
    in_three_years = str(int(TODAY) + 30000)
    for name, profile in load_all().items():
        if not isinstance(profile, VitaleProfile):
            continue
        if name == "vitale-expiree":
            assert profile.valid_to < TODAY
            continue
        assert profile.valid_from <= TODAY and profile.valid_to > in_three_years, name
        for b in profile.beneficiaires:
            assert any(p.start <= TODAY <= p.end for p in b.amo), (name, b.prenom)


def test_family_has_twins_told_apart_by_rang_and_a_conjoint() -> None:
    famille = _vitale("vitale-famille")
    assert len(famille.beneficiaires) == 5  # the assuré and 4 bénéficiaires
    twins = [b for b in famille.beneficiaires if b.naissance == "20190708"]
    assert sorted(b.rang for b in twins) == ["1", "2"]
    assert twins[0].nir == twins[1].nir
    conjoint = [b for b in famille.beneficiaires if b.qualite == "02"]
    assert len(conjoint) == 1 and conjoint[0].naissance < "20080101"
    assert (famille.assure.regime, famille.assure.caisse) == ("01", "751")


def test_two_destination_organisms_exist() -> None:
    msa = _vitale("vitale-msa")
    famille = _vitale("vitale-famille")
    assert msa.assure.regime == "02"
    assert (msa.assure.regime, msa.assure.caisse) != (famille.assure.regime, famille.assure.caisse)
    assert msa.assure.nir[5:7] == "2A"  # Corsica exercises the key substitution


def test_ald_and_c2s_coverages() -> None:
    ald = _vitale("vitale-ald").beneficiaires[0]
    assert [c.kind for c in ald.coverages] == ["ALD"]
    assert ald.coverages[0].start <= TODAY <= ald.coverages[0].end
    for b in _vitale("vitale-c2s").beneficiaires:
        assert [c.kind for c in b.coverages] == ["C2S"]
        assert b.amc is not None and b.amc.contract == "C2S" and b.amc.tiers_payant


def test_damaged_card_declares_its_damage() -> None:
    assert _vitale("vitale-abimee").damage == {"nir": "truncated", "rights": "6F00"}


def test_cps_profiles() -> None:
    assert len(_cps("cps-deux-cabinets").situations) == 2
    remplacant = _cps("cps-remplacant").situations[0]
    assert remplacant.mode == "4" and remplacant.replacement_number
    cpe = _cps("cpe-secretaire")
    assert cpe.holder.card_type == "2" and not cpe.has_signing_key
    assert not cpe.situations[0].may_sign_fse
    assert _cps("cps-bloquee").pin_tries_left == 0
    generaliste = _cps("cps-generaliste")
    assert generaliste.situations[0].specialty == "01"
    assert generaliste.situations[0].sector == "1"
    assert (generaliste.pin, generaliste.puk) == ("1234", "12345678")


def _raw(name: str) -> dict[str, Any]:
    path = Path(__file__).parents[2] / "testbed/cards/profiles" / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d["assure"].__setitem__("nir", "180057511204500"), "assure.nir"),
        (lambda d: d["beneficiaires"][1].pop("naissance"), "beneficiaires[1].naissance"),
        (lambda d: d.__setitem__("valid_to", "20261332"), "valid_to"),
        (lambda d: d.__setitem__("serial", "0102"), "serial"),
        (
            lambda d: d["beneficiaires"][0]["rights"]["amo"][0].__setitem__("end", "20000101"),
            "beneficiaires[0].rights.amo[0].end",
        ),
        (lambda d: d.__setitem__("damage", {"photo": "6F00"}), "damage.photo"),
        (lambda d: d.__setitem__("kind", "mifare"), "kind"),
    ],
)
def test_bad_vitale_profile_error_names_the_field(mutate: Any, field: str) -> None:
    data = copy.deepcopy(_raw("vitale-famille"))
    mutate(data)
    with pytest.raises(ProfileError) as caught:
        parse_profile("broken", data)
    assert caught.value.field == field
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda d: d.__setitem__("pin", "12a4"), "pin"),
        (
            lambda d: d["situations"][0].__setitem__(
                "billing_key", str((int(d["situations"][0]["billing_key"]) + 1) % 10)
            ),
            "situations[0].billing_key",
        ),
        (
            lambda d: d["situations"][0].pop("replacement_number"),
            "situations[0].replacement_number",
        ),
        (lambda d: d["holder"].__setitem__("card_type", "9"), "holder.card_type"),
        (lambda d: d.__setitem__("pin_tries_left", 4), "pin_tries_left"),
    ],
)
def test_bad_cps_profile_error_names_the_field(mutate: Any, field: str) -> None:
    data = copy.deepcopy(_raw("cps-remplacant"))
    mutate(data)
    with pytest.raises(ProfileError) as caught:
        parse_profile("broken", data)
    assert caught.value.field == field


def test_unreadable_and_unknown_profiles(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    with pytest.raises(ProfileError, match="unreadable"):
        load_profile_file(broken)
    with pytest.raises(ProfileError, match="no such profile"):
        load_profile("vitale-inexistante")
