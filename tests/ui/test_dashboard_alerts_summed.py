"""Issue #27: the dashboard of a store with many refused lots shows one line « 22 lots
refusés… » (not 22 lines to lay out and read); a double click on it lists them there, one
line per lot, in red."""

from __future__ import annotations

from datetime import UTC, datetime

from billing.arl import Arl, ArlStatus, motif
from client.alert_summaries import ONE_BY_ONE
from client.sender import Sender
from client.store import Store
from client.transport import LotAnswer
from tests.client.am_support import FakeClock, client_settings, close_lots, create_fse, open_cabinet
from ui.qt import Qt

LOTS = ONE_BY_ONE + 2


class _Refusing:
    """The concentrator refusing every lot (ARL négatif, motif A05)."""

    def send_lot(self, lot_id: str, der: bytes) -> LotAnswer:
        received = datetime.now(UTC).replace(microsecond=0)
        arl = Arl(f"ARL-{lot_id[:8]}", lot_id, ArlStatus.NEGATIVE, received, 1, (motif("A05"),))
        return LotAnswer(arl=arl)


def _refuse_lots(store: Store) -> None:
    """``LOTS`` lots of one FSE each, sent and refused by the concentrator (ARL négatif)."""
    cabinet, clock = open_cabinet(), FakeClock()
    create_fse(store, cabinet, LOTS, clock, lot_size=1)
    close_lots(store, cabinet, clock)
    settings = client_settings("https://127.0.0.1:1")
    Sender(store, _Refusing(), settings=settings, clock=clock).run()  # type: ignore[arg-type]


def _texts(page) -> list[str]:  # type: ignore[no-untyped-def]
    return [page.alerts.item(i).text() for i in range(page.alerts.count())]


def test_many_refused_lots_are_one_line_listed_on_double_click(qtbot, ctx, window) -> None:  # type: ignore[no-untyped-def]
    ctx.db.submit(_refuse_lots).result()
    window.start()
    window.go_to(2)
    page = window.dashboard_page
    qtbot.waitUntil(lambda: page.view is not None, timeout=10000)
    summed = [t for t in _texts(page) if t.startswith(f"{LOTS} lots refusés")]
    assert len(summed) == 1, _texts(page)
    assert "double-clic" in summed[0] and "sesam alerts --detail lot_refuse" in summed[0]
    assert not [t for t in _texts(page) if t.startswith("Lot n° ")]

    row = _texts(page).index(summed[0])
    item = page.alerts.item(row)
    qtbot.waitUntil(lambda: page.alerts.visualItemRect(item).height() > 0, timeout=5000)
    page.alerts.scrollToItem(item)
    where = page.alerts.visualItemRect(item).center()
    # A user's double click: the first press chooses the line, the second opens it.
    qtbot.mouseClick(page.alerts.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.mouseDClick(page.alerts.viewport(), Qt.MouseButton.LeftButton, pos=where)
    qtbot.waitUntil(
        lambda: len([t for t in _texts(page) if t.startswith("Lot n° ")]) == LOTS, timeout=10000
    )
    texts = _texts(page)
    assert not [t for t in texts if t.startswith(f"{LOTS} lots refusés")]  # replaced in place
    listed = [page.alerts.item(i) for i in range(row, row + LOTS)]
    assert all("refusé par le concentrateur (ARL négatif)" in i.text() for i in listed)
    assert {i.foreground().color().name() for i in listed} == {"#b3261e"}  # urgent: red
    # Laid out, not a blank list: each line has its place, the list scrolls to the last.
    qtbot.waitUntil(
        lambda: all(page.alerts.visualItemRect(i).height() > 0 for i in listed), timeout=5000
    )
    page.alerts.scrollToItem(listed[-1])
    assert page.alerts.verticalScrollBar().maximum() > 0
