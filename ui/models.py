"""Large lists as Qt model/view: rows are fetched by pages as the view scrolls to them.

A page's table is a :class:`LazyTable` (a QTableView) over a :class:`LazyRowsModel`: the
model asks its source for ``BATCH`` rows at a time (Qt's canFetchMore/fetchMore, driven by
the view when its last row comes into sight) and formats only those. No widget item per
cell: with 1 M FSE the list opens with its first page, and the calls per row stay few
(see docs/upstream-faults.md for the PySide6 release that lost a reference per item call).

A source is called ``source(offset, limit, deliver)`` and calls ``deliver(rows)`` at once
(rows already in memory) or later on the GUI thread (a query on the database thread,
through the TaskRunner: the GUI never waits for it); ``deliver(None)`` when it failed.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, overload

from ui.qt import (
    QAbstractItemView,
    QAbstractTableModel,
    QBrush,
    QHeaderView,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    Qt,
    QTableView,
    QTimer,
)
from ui.translation import tr

BATCH = 200  # rows per fetch: a few screens, formatted in well under a frame

T = TypeVar("T")  # a row object: a store row, a view's dataclass, ...

Deliver = Callable[[Sequence[T] | None], None]
Source = Callable[[int, int, Deliver[T]], None]  # (offset, limit, deliver)
AnyIndex = QModelIndex | QPersistentModelIndex

_RIGHT = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
_LEFT = Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter
# The roles a model answers, as the ints Qt passes: a view paints asking 7 roles of every
# visible cell, so the others return at once and no enum is looked up per call (issue #27).
_TEXT_ROLES = frozenset({Qt.ItemDataRole.DisplayRole.value, Qt.ItemDataRole.ToolTipRole.value})
_ALIGN_ROLE = Qt.ItemDataRole.TextAlignmentRole.value
_FOREGROUND_ROLE = Qt.ItemDataRole.ForegroundRole.value
_USER_ROLE = Qt.ItemDataRole.UserRole.value
_ANSWERED = _TEXT_ROLES | {_ALIGN_ROLE, _FOREGROUND_ROLE, _USER_ROLE}


@dataclass(frozen=True, slots=True)
class Column(Generic[T]):
    """A column: its title (untranslated) and how a row object becomes its text."""

    title: str
    text: Callable[[T], str]
    align_right: bool = False


def list_source(rows: Sequence[T]) -> Source[T]:
    """A source over rows already read (the page's view was loaded on the db thread)."""

    def source(offset: int, limit: int, deliver: Deliver[T]) -> None:
        deliver(rows[offset : offset + limit])

    return source


RELEASE_SLICE = 500  # rows freed per turn of the event loop (well under a millisecond)


def _release_later(*lists: list[Any]) -> None:
    """Free the rows of a replaced list a slice at a time from the event loop: freeing a
    few thousand row objects at once held the GUI thread for milliseconds (issue #27). Not
    on a thread of its own: its Python would take the GIL from every paint meanwhile."""
    for rows in lists:
        if rows:
            del rows[-RELEASE_SLICE:]
            QTimer.singleShot(0, lambda: _release_later(*lists))
            return


class Prepared(Sequence[T], Generic[T]):
    """Rows with their cells' texts (and colours) formatted by :meth:`LazyRowsModel.prepare`
    on the thread that read them: the GUI thread only appends them. Issue #27: formatting
    200-row pages on the GUI thread, while the database thread held the GIL, stalled the
    queue page's event loop for 70 ms on a 100 000-FSE store."""

    __slots__ = ("brushes", "columns", "rows", "texts")

    def __init__(
        self,
        columns: Sequence[Column[T]],
        rows: Sequence[T],
        texts: Sequence[tuple[str, ...]],
        brushes: Sequence[QBrush | None] | None,
    ) -> None:
        self.columns, self.rows, self.texts, self.brushes = columns, rows, texts, brushes

    def __len__(self) -> int:
        return len(self.rows)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> Prepared[T]: ...

    def __getitem__(self, index: int | slice) -> T | Prepared[T]:
        if isinstance(index, slice):
            brushes = None if self.brushes is None else self.brushes[index]
            return Prepared(self.columns, self.rows[index], self.texts[index], brushes)
        return self.rows[index]


class LazyRowsModel(QAbstractTableModel, Generic[T]):
    """Rows of a source, ``BATCH`` at a time, their texts computed once when fetched."""

    def __init__(
        self,
        columns: Sequence[Column[T]],
        parent: QObject | None = None,
        foreground: Callable[[T], QBrush | None] | None = None,
        batch: int = BATCH,
    ) -> None:
        super().__init__(parent)
        self.columns = list(columns)
        self._titles = [tr(c.title) for c in self.columns]
        self._foreground = foreground
        self._batch = batch
        self._source: Source[T] = list_source([])
        self._total = 0
        self._generation = 0  # a reset makes the answers still on their way obsolete
        self._pending = False
        self._rows: list[T] = []
        self._texts: list[tuple[str, ...]] = []
        self._brushes: list[QBrush | None] = []
        self._right = [c.align_right for c in self.columns]

    # --- content -------------------------------------------------------------------
    def reset(self, source: Source[T], total: int, first: Sequence[T] = ()) -> None:
        """Show another list of ``total`` rows, of which ``first`` are already read;
        without them the first page is asked for at once."""
        self.beginResetModel()
        self._source, self._total = source, total
        self._generation += 1
        self._pending = False
        if len(self._rows) > self._batch:  # a list scrolled through: freed elsewhere
            _release_later(self._rows, self._texts, self._brushes)
        self._rows, self._texts, self._brushes = [], [], []
        self._add(first[:total])
        self.endResetModel()
        if not self._rows:
            self.fetchMore(QModelIndex())

    def set_rows(self, rows: Sequence[T]) -> None:
        """Show rows already read (fetched from memory by pages all the same)."""
        self.reset(list_source(rows), len(rows))

    @property
    def total(self) -> int:
        """Rows of the whole list (fetched or not)."""
        return self._total

    def row_object(self, row: int) -> T | None:
        """The row object shown at ``row`` (fetched), or None."""
        return self._rows[row] if 0 <= row < len(self._rows) else None

    @property
    def pending(self) -> bool:
        """A page was asked for and has not come yet."""
        return self._pending

    def text(self, row: int, column: int) -> str:
        """The text shown in a cell, fetching the rows up to it when they are in memory."""
        while row >= len(self._rows) and self.canFetchMore(QModelIndex()):
            self.fetchMore(QModelIndex())
            if self._pending:  # read on another thread: not there yet
                break
        return self._texts[row][column]

    # --- QAbstractTableModel -------------------------------------------------------
    def rowCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008 - Qt's signature
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: AnyIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self.columns)

    def canFetchMore(self, parent: AnyIndex) -> bool:
        return not parent.isValid() and not self._pending and len(self._rows) < self._total

    def fetchMore(self, parent: AnyIndex) -> None:
        if parent.isValid() or self._pending:
            return
        start = len(self._rows)
        if start >= self._total:
            return
        generation = self._generation
        self._pending = True

        def deliver(rows: Sequence[T] | None) -> None:
            if generation != self._generation:  # the list was replaced meanwhile
                return
            self._pending = False
            if rows is None:  # failed: the next scroll asks again
                return
            if not rows:  # the list shrank since it was counted: stop asking
                self._total = len(self._rows)
                return
            end = len(self._rows) + len(rows) - 1
            self.beginInsertRows(QModelIndex(), len(self._rows), end)
            self._add(rows)
            self.endInsertRows()

        self._source(start, min(self._batch, self._total - start), deliver)

    def prepare(self, rows: Sequence[T]) -> Prepared[T]:
        """``rows`` formatted for this model on the calling thread: call it on the worker
        that read them (the columns' texts are plain Python, translations included), and
        hand the result to the model (``deliver``, ``reset``) instead of the rows."""
        listed = list(rows)
        texts = [tuple(c.text(r) for c in self.columns) for r in listed]
        brushes = None if self._foreground is None else [self._foreground(r) for r in listed]
        return Prepared(self.columns, listed, texts, brushes)

    def _add(self, rows: Sequence[T]) -> None:
        ready = (
            rows
            if isinstance(rows, Prepared) and rows.columns is self.columns
            else self.prepare(rows)  # rows in memory, or formatted for other columns
        )
        self._rows.extend(ready.rows)
        self._texts.extend(ready.texts)
        if ready.brushes is not None:
            self._brushes.extend(ready.brushes)

    # object: what Qt wraps in a QVariant (a str, an alignment, a brush, the row object)
    def data(self, index: AnyIndex, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if role not in _ANSWERED or not index.isValid():
            return None
        if role in _TEXT_ROLES:  # the tooltip: the whole text of an elided cell
            return self._texts[index.row()][index.column()]
        if role == _ALIGN_ROLE:
            return _RIGHT if self._right[index.column()] else _LEFT
        if role == _FOREGROUND_ROLE:
            return self._brushes[index.row()] if self._brushes else None
        return self._rows[index.row()]  # UserRole

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> object:
        if (
            role == Qt.ItemDataRole.DisplayRole
            and orientation == Qt.Orientation.Horizontal
            and 0 <= section < len(self._titles)
        ):
            return self._titles[section]
        return None


#: Digits a number column shows whole: 1 000 000 FSE is a cabinet's ten years (issue #27).
NUMBER_DIGITS = 7
#: A cell's margins and grid line around its text, with room to spare (pixels).
CELL_PADDING = 16


class LazyTable(QTableView, Generic[T]):
    """A read-only, row-selecting table over a :class:`LazyRowsModel`."""

    def __init__(
        self,
        columns: Sequence[Column[T]],
        foreground: Callable[[T], QBrush | None] | None = None,
        headers: bool = True,
    ) -> None:
        super().__init__()
        self.rows: LazyRowsModel[T] = LazyRowsModel(columns, self, foreground)
        self.setModel(self.rows)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.verticalHeader().setVisible(False)
        # Rows of one line: the view need not measure each row's text.
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        header = self.horizontalHeader()
        header.setSectionResizeMode(len(columns) - 1, QHeaderView.ResizeMode.Stretch)
        header.setVisible(headers)
        self.setAlternatingRowColors(True)

    def set_rows(self, rows: Sequence[T]) -> None:
        """Show these rows (by pages)."""
        self.rows.set_rows(rows)

    def set_source(self, source: Source[T], total: int, first: Sequence[T] = ()) -> None:
        """Show a list of ``total`` rows read by pages from ``source``."""
        self.rows.reset(source, total, first)

    def fit_digits(self, column: int, digits: int = NUMBER_DIGITS) -> None:
        """Widen ``column`` to show a number of ``digits`` digits whole, in this font: the
        FSE and lot numbers of a ten-year store (« 1000000 », not « 100… »)."""
        needed = self.fontMetrics().horizontalAdvance("0" * digits) + CELL_PADDING
        self.setColumnWidth(column, max(self.columnWidth(column), needed))

    def row_count(self) -> int:
        """Rows of the whole list shown (fetched or not)."""
        return self.rows.total

    def text(self, row: int, column: int = 0) -> str:
        """The text of a cell (what the user reads)."""
        return self.rows.text(row, column)

    def current_object(self) -> T | None:
        """The row object of the current row, or None."""
        index = self.currentIndex()
        return self.rows.row_object(index.row()) if index.isValid() else None

    def select_row(self, row: int) -> None:
        """Make ``row`` the current, selected row (fetching up to it)."""
        self.rows.text(row, 0)
        self.setCurrentIndex(self.rows.index(row, 0))
