"""Bad card answers: the card layer parses them or raises a ``CardError``, never anything
else, and never hangs (TLV, APDU and T=0 procedure bytes, carte Vitale, CPS)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from fuzz_support import fuzz_settings, must_parse_or_raise, mutated
from hypothesis import given
from hypothesis import strategies as st

from cardio import apdu, cps, layout, tlv, vitale
from cardio.connection import CardConnection
from cardio.errors import CardError
from testbed import pki
from testbed.cards.cps import CpsCard
from testbed.cards.emulated_connection import EmulatedConnection
from testbed.cards.profiles import CpsProfile, VitaleProfile, load_profile
from testbed.cards.vitale import VitaleCard

VITALE_PROFILES = ("vitale-famille", "vitale-ald", "vitale-c2s", "vitale-msa")
CPS_PROFILES = ("cps-generaliste", "cps-deux-cabinets", "cps-remplacant")
SW_SAMPLES = (0x9000, 0x6100, 0x6110, 0x61FF, 0x6C00, 0x6C10, 0x6282, 0x6B00, 0x6A82,
              0x6982, 0x6983, 0x63C0, 0x63C2, 0x6A88, 0x6F00, 0x0000, 0xFFFF)  # fmt: skip

status_words = st.one_of(st.sampled_from(SW_SAMPLES), st.integers(0, 0xFFFF))


class RandomCard(CardConnection):
    """A card that answers whatever hypothesis draws: random data and status words."""

    def __init__(self, data: st.DataObject) -> None:
        self.data = data
        self.commands = 0

    @property
    def atr(self) -> bytes:
        return layout.VITALE_ATR

    @property
    def reader(self) -> str:
        return "Fuzz 00"

    def transmit(self, apdu_bytes: bytes) -> tuple[bytes, int]:
        self.commands += 1
        assert self.commands < 1000, "the host never stops sending"
        body = self.data.draw(st.binary(max_size=300), label="response")
        return body, self.data.draw(status_words, label="sw")


class DamagingConnection(CardConnection):
    """A real emulated card whose answers to some commands are damaged on the way."""

    def __init__(self, inner: EmulatedConnection, data: st.DataObject) -> None:
        self.inner = inner
        self.data = data
        self.damaged = set(data.draw(st.sets(st.integers(0, 12), min_size=1, max_size=3)))
        self.index = 0

    @property
    def atr(self) -> bytes:
        return self.inner.atr

    @property
    def reader(self) -> str:
        return self.inner.reader

    def transmit(self, apdu_bytes: bytes) -> tuple[bytes, int]:
        body, sw = self.inner.transmit(apdu_bytes)
        index, self.index = self.index, self.index + 1
        if index in self.damaged:
            body = self.data.draw(mutated(body), label=f"answer {index}")
            if self.data.draw(st.booleans(), label="sw changed"):
                sw = self.data.draw(status_words, label="sw")
        return body, sw


@pytest.fixture(scope="module")
def fuzz_cards(testbed_dir: Path) -> dict[str, Callable[[], EmulatedConnection]]:
    """Factories of fresh emulated cards (profiles and keys loaded once)."""
    factories: dict[str, Callable[[], EmulatedConnection]] = {}
    mother = pki.vitale_mother_key(testbed_dir)
    for name in VITALE_PROFILES:
        vprofile = load_profile(name)
        assert isinstance(vprofile, VitaleProfile)
        factories[name] = lambda p=vprofile: EmulatedConnection(VitaleCard(p, mother))
    for name in CPS_PROFILES:
        cprofile = load_profile(name)
        assert isinstance(cprofile, CpsProfile)
        key = pki.card_private_key(name, testbed_dir)
        cert = pki.card_certificate(name, testbed_dir)
        factories[name] = lambda p=cprofile, k=key, c=cert: EmulatedConnection(CpsCard(p, k, c))
    return factories


@pytest.fixture(scope="module")
def fuzz_vitale_files(
    fuzz_cards: dict[str, Callable[[], EmulatedConnection]],
) -> dict[str, tuple[bytes, bytes, bytes, bytes]]:
    """The four files of each emulated Vitale as the card gives them."""
    files = {}
    for name in VITALE_PROFILES:
        conn = fuzz_cards[name]()
        apdu.exchange(conn, apdu.CommandApdu(0x00, layout.INS_SELECT, 0, 0, layout.VITALE_MF))
        identity = apdu.read_file(conn, sfi=layout.VITALE_SFI_IDENTITY)
        apdu.exchange(conn, apdu.select_aid(layout.VITALE_AID))
        card = apdu.read_file(conn, sfi=layout.VITALE_SFI_CARD)
        nir = apdu.read_file(conn, sfi=layout.VITALE_SFI_NIR)
        rights = apdu.read_file(conn, sfi=layout.VITALE_SFI_RIGHTS)
        vitale.parse_card(identity, card, nir, rights)  # the seeds themselves are valid
        files[name] = (identity, card, nir, rights)
    return files


# --- TLV and APDU ------------------------------------------------------------------------


def _walk(elements: list[tlv.Tlv]) -> None:
    for element in elements:
        element.text()
        if element.constructed:
            _walk(element.children())


@fuzz_settings(long_weight=1.0)
@given(raw=st.binary(max_size=600))
def test_tlv_decode_of_arbitrary_bytes(fuzz_count, raw: bytes) -> None:
    fuzz_count("cardio.tlv.decode")
    must_parse_or_raise(lambda: _walk(tlv.decode(raw)), CardError)


@fuzz_settings(long_weight=1.0)
@given(raw=st.binary(max_size=300))
def test_command_apdu_parse_of_arbitrary_bytes(fuzz_count, raw: bytes) -> None:
    fuzz_count("cardio.apdu.CommandApdu.parse")
    parsed = must_parse_or_raise(lambda: apdu.CommandApdu.parse(raw), CardError)
    if parsed is not None:
        assert parsed.to_bytes() == raw or raw[4:5] == b"\x00"  # Le 00 reads back as 256


@fuzz_settings(weight=0.5, long_weight=0.5)
@given(sw=st.integers(0, 0xFFFF))
def test_every_status_word_is_ok_or_a_card_error(fuzz_count, sw: int) -> None:
    fuzz_count("cardio.apdu.check")
    try:
        apdu.check(sw, apdu.read_binary(0x80, 0))
    except CardError:
        assert sw != 0x9000
    else:
        assert sw == 0x9000


@fuzz_settings(long_weight=0.25)
@given(data=st.data(), sfi=st.one_of(st.none(), st.integers(1, 30)))
def test_t0_exchange_and_file_read_over_a_random_card(fuzz_count, data, sfi) -> None:
    fuzz_count("cardio.apdu.transmit/read_file")
    conn = RandomCard(data)
    must_parse_or_raise(lambda: apdu.exchange(conn, apdu.select_aid(layout.VITALE_AID)), CardError)
    must_parse_or_raise(lambda: apdu.read_file(conn, sfi=sfi), CardError)


# --- carte Vitale -------------------------------------------------------------------------


@fuzz_settings(long_weight=0.4)
@given(data=st.data())
def test_vitale_reader_over_a_random_card(fuzz_count, data) -> None:
    fuzz_count("cardio.vitale.VitaleReader.read (random card)")
    must_parse_or_raise(lambda: vitale.VitaleReader(RandomCard(data)).read(), CardError)


@fuzz_settings(long_weight=0.08)
@given(data=st.data(), name=st.sampled_from(VITALE_PROFILES))
def test_vitale_reader_over_damaged_answers_of_real_cards(
    fuzz_count, fuzz_cards, data, name
) -> None:
    fuzz_count("cardio.vitale.VitaleReader.read (damaged answers)")
    conn = DamagingConnection(fuzz_cards[name](), data)
    must_parse_or_raise(lambda: vitale.VitaleReader(conn).read(), CardError)


@fuzz_settings(long_weight=0.1)
@given(data=st.data(), name=st.sampled_from(VITALE_PROFILES))
def test_vitale_files_damaged(fuzz_count, fuzz_vitale_files, data, name) -> None:
    fuzz_count("cardio.vitale.parse_card")
    files = list(fuzz_vitale_files[name])
    for index in data.draw(st.sets(st.integers(0, 3), min_size=1), label="files damaged"):
        files[index] = data.draw(mutated(files[index], max_ops=6), label=f"file {index}")
    must_parse_or_raise(lambda: vitale.parse_card(*files), CardError)


# --- CPS ------------------------------------------------------------------------------------


@fuzz_settings(long_weight=0.1)
@given(data=st.data(), name=st.sampled_from(CPS_PROFILES))
def test_cps_reading_over_damaged_answers_of_real_cards(fuzz_count, fuzz_cards, data, name) -> None:
    fuzz_count("cardio.cps.CpsSession read/certificate (damaged answers)")
    session = cps.CpsSession(DamagingConnection(fuzz_cards[name](), data))
    must_parse_or_raise(session.read, CardError)
    must_parse_or_raise(session.certificate_der, CardError)
    must_parse_or_raise(session.pin_tries_left, CardError)


@fuzz_settings(long_weight=0.3)
@given(data=st.data())
def test_cps_reading_over_a_random_card(fuzz_count, data) -> None:
    fuzz_count("cardio.cps.CpsSession read/certificate (random card)")
    session = cps.CpsSession(RandomCard(data))
    must_parse_or_raise(session.read, CardError)
    must_parse_or_raise(session.certificate_der, CardError)


@fuzz_settings(long_weight=1.0)
@given(raw=st.binary(max_size=400))
def test_cps_identity_and_situations_of_arbitrary_bytes(fuzz_count, raw: bytes) -> None:
    fuzz_count("cardio.cps.parse_identity/parse_situations")
    must_parse_or_raise(lambda: cps.parse_identity(raw), CardError)
    must_parse_or_raise(lambda: cps.parse_situations(raw), CardError)


def test_a_superscript_digit_in_the_rang_is_a_malformed_card(fuzz_vitale_files) -> None:
    """Found by fuzzing: "²" passes str.isdigit() but not int()."""
    identity, card, nir, rights = fuzz_vitale_files["vitale-famille"]
    damaged = nir.replace(bytes([layout.TAG_RANG, 1, 0x31]), bytes([layout.TAG_RANG, 1, 0xB2]), 1)
    assert damaged != nir
    with pytest.raises(CardError):
        vitale.parse_card(identity, card, damaged, rights)
