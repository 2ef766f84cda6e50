from __future__ import annotations

from collections.abc import Callable

import pytest

from cardio import layout
from cardio.errors import CardRemovedError
from testbed.cards.cps import pin_block
from testbed.cards.emulated_connection import EmulatedConnection

Connect = Callable[[str], EmulatedConnection]
SELECT_APP = bytes.fromhex("00A4040C0D") + layout.CPS_AID


def test_transmit_is_raw_no_t0_help(emulated: Connect) -> None:
    conn = emulated("vitale-famille")
    conn.transmit(bytes.fromhex("00A40000023F00"))
    data, sw = conn.transmit(bytes.fromhex("00B0820000"))
    assert data == b"" and sw >> 8 == 0x6C  # the connection does not resend with Le


def test_removal_mid_exchange_raises_card_removed(emulated: Connect) -> None:
    conn = emulated("cps-generaliste")
    conn.remove_after(1)
    assert conn.transmit(SELECT_APP)[1] == layout.SW_OK
    with pytest.raises(CardRemovedError):
        conn.transmit(bytes.fromhex("0020000108") + pin_block("1234"))
    assert conn.removed
    with pytest.raises(CardRemovedError):
        conn.transmit(SELECT_APP)


def test_removal_forgets_the_pin(emulated: Connect) -> None:
    conn = emulated("cps-generaliste")
    conn.transmit(SELECT_APP)
    assert conn.transmit(bytes.fromhex("0020000108") + pin_block("1234"))[1] == layout.SW_OK
    conn.remove()
    again = EmulatedConnection(conn.card)  # reinserted: a new power session
    again.transmit(SELECT_APP)
    assert again.transmit(bytes.fromhex("00200001"))[1] == 0x63C3


def test_close_is_idempotent_and_ends_the_channel(emulated: Connect) -> None:
    conn = emulated("vitale-ald")
    with conn:
        assert conn.atr == layout.VITALE_ATR
        assert conn.reader
    conn.close()
    with pytest.raises(CardRemovedError):
        conn.transmit(bytes.fromhex("00A40000023F00"))
