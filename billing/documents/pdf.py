"""A small PDF layer over fpdf2: A4 pages, French text, boxes, tables and signature boxes.

Core PDF fonts (Helvetica) cover Latin-1, which is every French letter except "œ"; the
euro sign is outside it, so amounts are written with "EUR". ``latin1`` folds the few
characters outside Latin-1 so that text never fails to print. Documents are
deterministic: the creation date is the document's own date, not the clock.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Literal

logger = logging.getLogger(__name__)

_FOLD = {
    "€": "EUR",
    "œ": "oe",
    "Œ": "OE",
    "’": "'",
    "‘": "'",
    "“": '"',
    "”": '"',
    "–": "-",
    "—": "-",
    "…": "...",
    "\u202f": " ",
    "\u2009": " ",
}

Align = Literal["L", "C", "R"]


def latin1(text: str) -> str:
    """Text the core fonts can print: French letters kept, the rest folded."""
    out = []
    for char in text:
        char = _FOLD.get(char, char)
        try:
            char.encode("latin-1")
        except UnicodeEncodeError:
            char = unicodedata.normalize("NFKD", char).encode("latin-1", "ignore").decode("latin-1")
            char = char or "?"
        out.append(char)
    return "".join(out)


class PdfPage:
    """A4 portrait document with the handful of drawing helpers the forms need."""

    MARGIN = 12.0

    def __init__(self, title: str, *, created: date) -> None:
        # fpdf2 takes ~0.2 s to import: only when a document is drawn, not in every
        # ``sesam`` command that merely imports the documents' models.
        from fpdf import FPDF

        self._pdf = FPDF(orientation="P", unit="mm", format="A4")
        self._pdf.set_margins(self.MARGIN, self.MARGIN, self.MARGIN)
        self._pdf.set_auto_page_break(auto=True, margin=self.MARGIN)
        self._pdf.set_title(latin1(title))
        self._pdf.set_creator("sesam-client")
        self._pdf.set_creation_date(datetime(created.year, created.month, created.day, tzinfo=UTC))
        self._pdf.add_page()
        self._pdf.set_font("Helvetica", size=9)

    @property
    def width(self) -> float:
        """Usable width between the margins, in mm."""
        return float(self._pdf.epw)

    @property
    def y(self) -> float:
        return float(self._pdf.get_y())

    def title(self, text: str, subtitle: str = "") -> None:
        """Centred heading, with an optional smaller line under it."""
        self._pdf.set_font("Helvetica", "B", 14)
        self._pdf.cell(0, 8, latin1(text), align="C", new_x="LMARGIN", new_y="NEXT")
        if subtitle:
            self._pdf.set_font("Helvetica", "", 9)
            self._pdf.cell(0, 5, latin1(subtitle), align="C", new_x="LMARGIN", new_y="NEXT")
        self._pdf.set_font("Helvetica", "", 9)
        self._pdf.ln(2)

    def letterhead(self, lines: Sequence[str]) -> None:
        """The cabinet's letterhead, top left: its name in bold, then address and phone."""
        for index, line in enumerate(lines):
            self._pdf.set_font("Helvetica", "B" if index == 0 else "", 10 if index == 0 else 9)
            self._pdf.cell(0, 4.5, latin1(line), new_x="LMARGIN", new_y="NEXT")
        self._pdf.set_font("Helvetica", "", 9)
        if lines:
            self._pdf.ln(3)

    def banner(self, text: str) -> None:
        """A framed, bold line that must not be missed (mode dégradé, duplicata)."""
        self._pdf.set_font("Helvetica", "B", 10)
        self._pdf.multi_cell(0, 6, latin1(text), border=1, align="C", new_x="LMARGIN", new_y="NEXT")
        self._pdf.set_font("Helvetica", "", 9)
        self._pdf.ln(2)

    def section(self, text: str) -> None:
        """A shaded section header, as the cerfa's grey bands."""
        self._pdf.ln(1)
        self._pdf.set_fill_color(220, 220, 220)
        self._pdf.set_font("Helvetica", "B", 9)
        self._pdf.cell(0, 5, latin1(text), border=1, fill=True, new_x="LMARGIN", new_y="NEXT")
        self._pdf.set_font("Helvetica", "", 9)

    def fields(self, rows: Sequence[tuple[str, str]], *, label_width: float = 55.0) -> None:
        """Label: value lines inside a frame."""
        for label, value in rows:
            self._pdf.set_font("Helvetica", "B", 9)
            self._pdf.cell(label_width, 5, latin1(label), border="L")
            self._pdf.set_font("Helvetica", "", 9)
            self._pdf.multi_cell(
                0, 5, latin1(value) or " ", border="R", new_x="LMARGIN", new_y="NEXT"
            )
        self._pdf.cell(0, 0, "", border="T", new_x="LMARGIN", new_y="NEXT")

    def checkbox(self, checked: bool, label: str) -> None:
        """A drawn box, with "[X]"/"[ ]" also in the text layer so that it can be read back."""
        x, y = self._pdf.get_x(), self._pdf.get_y()
        self._pdf.rect(x, y + 0.8, 3.4, 3.4)
        if checked:
            self._pdf.line(x, y + 0.8, x + 3.4, y + 4.2)
            self._pdf.line(x, y + 4.2, x + 3.4, y + 0.8)
        self._pdf.set_x(x + 5)
        mark = "[X]" if checked else "[ ]"
        self._pdf.cell(0, 5, latin1(f"{mark} {label}"), new_x="LMARGIN", new_y="NEXT")

    def table(
        self,
        headers: Sequence[str],
        rows: Sequence[Sequence[str]],
        widths: Sequence[float],
        aligns: Sequence[Align] | None = None,
        *,
        row_height: float = 6.0,
    ) -> None:
        """A bordered table; a row that would cross the page bottom starts a new page."""
        aligns = aligns or ["L"] * len(headers)
        self._pdf.set_font("Helvetica", "B", 8)
        self._pdf.set_fill_color(235, 235, 235)
        for header, width in zip(headers, widths, strict=True):
            self._pdf.cell(width, 6, latin1(header), border=1, align="C", fill=True)
        self._pdf.ln(6)
        self._pdf.set_font("Helvetica", "", 9)
        line = 4.5
        for row in rows:
            # Long labels (« Consultation de référence du médecin généraliste ») wrap inside
            # their cell; the row is as high as its tallest cell.
            texts = [latin1(value) for value in row]
            counts = [self._line_count(t, w - 2, line) for t, w in zip(texts, widths, strict=True)]
            height = max(row_height, max(counts) * line + 1.5)
            if self._pdf.will_page_break(height):
                self._pdf.add_page()
            x0, y0 = self._pdf.get_x(), self._pdf.get_y()
            x = x0
            for text, width, align, count in zip(texts, widths, aligns, counts, strict=True):
                self._pdf.rect(x, y0, width, height)
                self._pdf.set_xy(x + 1, y0 + (height - count * line) / 2)
                self._pdf.multi_cell(width - 2, line, text, align=align)
                x += width
            self._pdf.set_xy(x0, y0 + height)

    def _line_count(self, text: str, width: float, line: float) -> int:
        """How many lines ``text`` takes in a cell ``width`` wide (at least one)."""
        lines = self._pdf.multi_cell(width, line, text, dry_run=True, output="LINES")
        return max(1, len(lines)) if isinstance(lines, list) else 1

    def text(self, text: str, *, bold: bool = False, size: float = 9, align: Align = "L") -> None:
        """A paragraph that wraps."""
        self._pdf.set_font("Helvetica", "B" if bold else "", size)
        self._pdf.multi_cell(0, 5, latin1(text), align=align, new_x="LMARGIN", new_y="NEXT")
        self._pdf.set_font("Helvetica", "", 9)

    def signature_boxes(self, labels: Sequence[str], *, height: float = 28.0) -> None:
        """Side-by-side framed boxes for handwritten signatures, each with its caption."""
        if self._pdf.will_page_break(height + 8):
            self._pdf.add_page()
        gap = 4.0
        width = (self.width - gap * (len(labels) - 1)) / len(labels)
        x0, y0 = self._pdf.l_margin, self._pdf.get_y() + 2
        for i, label in enumerate(labels):
            x = x0 + i * (width + gap)
            self._pdf.rect(x, y0, width, height)
            self._pdf.set_xy(x + 1, y0 + 1)
            self._pdf.set_font("Helvetica", "B", 8)
            self._pdf.multi_cell(width - 2, 4, latin1(label))
        self._pdf.set_font("Helvetica", "", 9)
        self._pdf.set_xy(x0, y0 + height + 2)

    def spacer(self, height: float = 2.0) -> None:
        self._pdf.ln(height)

    def output(self) -> bytes:
        """The finished PDF."""
        return bytes(self._pdf.output())
