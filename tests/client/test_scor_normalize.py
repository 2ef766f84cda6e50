"""Scan (SANE test backend) or import → a compact PDF pièce justificative at 200 dpi or more;
unreadable input is rejected with a French message that says what to do."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageDraw
from scor_support import pdftotext, qpdf_check, sane_scan

from billing.documents import ActLine, CareSheet, Patient, Practitioner, render_feuille_de_soins
from client.scor import scan
from client.scor.errors import (
    BlankPageError,
    LowResolutionError,
    ScannerError,
    TooManyPagesError,
    UnreadableInputError,
)
from client.scor.normalize import NormalizeOptions, normalize_bytes, normalize_file


def images_of(pdf: bytes, tmp: Path) -> list[list[str]]:
    path = tmp / "pj.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(
        ["pdfimages", "-list", str(path)], capture_output=True, text=True, check=True
    )
    return [line.split() for line in out.stdout.splitlines()[2:]]


def a4_page(dpi: int = 300) -> Image.Image:
    """A white A4 page with text-like strokes and a signature scrawl."""
    width, height = round(8.27 * dpi), round(11.69 * dpi)
    page = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(page)
    for row in range(40):
        y = int(height * 0.08) + row * int(height * 0.02)
        draw.text((int(width * 0.08), y), f"Ligne {row} - Feuille de soins - G 30,00 EUR", fill=0)
        draw.line((int(width * 0.08), y + 14, int(width * 0.9), y + 14), fill=90, width=2)
    draw.line((width * 0.6, height * 0.9, width * 0.8, height * 0.86), fill=0, width=5)
    return page


def png_bytes(image: Image.Image, dpi: float | None) -> bytes:
    buf = io.BytesIO()
    if dpi is None:
        image.save(buf, format="PNG")
    else:
        image.save(buf, format="PNG", dpi=(dpi, dpi))
    return buf.getvalue()


# --- SANE ------------------------------------------------------------------------------


def test_sane_lists_the_test_backend() -> None:
    names = [d.name for d in scan.list_devices()]
    assert "test:0" in names


def test_scan_from_sane_test_backend_becomes_a_valid_compact_pj(tmp_path: Path) -> None:
    image = scan.scan_page("test:0")  # test backend: Grid picture, 200 dpi (scan.options_for)
    pj = normalize_bytes(image, "scan test:0")
    qpdf_check(pj.pdf, tmp_path)
    assert pj.pages == 1 and pj.dpi >= 200 and pj.encoding == "bitonal"
    listed = images_of(pj.pdf, tmp_path)
    assert len(listed) == 1
    assert listed[0][8] == "ccitt"  # CCITT Group 4 inside the PDF
    assert int(listed[0][12]) >= 200 and int(listed[0][13]) >= 200
    assert pj.bytes_per_page <= 100_000


def test_blank_scan_is_rejected(tmp_path: Path) -> None:
    blank = sane_scan(tmp_path, picture="Solid white")
    with pytest.raises(BlankPageError) as caught:
        normalize_file(blank)
    assert caught.value.page == 1
    assert "page 1 est blanche" in str(caught.value)
    assert "numérisez à nouveau" in str(caught.value)


def test_black_scan_is_rejected(tmp_path: Path) -> None:
    black = sane_scan(tmp_path, picture="Solid black")
    with pytest.raises(BlankPageError, match="noire"):
        normalize_file(black)


def test_low_resolution_scan_is_rejected(tmp_path: Path) -> None:
    low = sane_scan(tmp_path, resolution=100)
    with pytest.raises(LowResolutionError) as caught:
        normalize_file(low)
    assert caught.value.dpi == pytest.approx(100, abs=1)
    assert "au moins 200 ppp" in str(caught.value)


def test_unknown_device_says_what_to_do() -> None:
    with pytest.raises(ScannerError) as caught:
        scan.scan_page("nosuchbackend:0")
    assert "sesam scor devices" in str(caught.value)
    assert caught.value.detail  # what SANE said, for the log


# --- import ------------------------------------------------------------------------------


def test_imported_a4_png_at_300_dpi_is_compact(tmp_path: Path) -> None:
    path = tmp_path / "feuille.png"
    path.write_bytes(png_bytes(a4_page(300), 300))
    pj = normalize_file(path)
    qpdf_check(pj.pdf, tmp_path)
    assert pj.dpi == 300 and pj.bytes_per_page <= 100_000
    # The PDF page has the paper's physical size (A4: 595 x 842 pt).
    (tmp_path / "pj.pdf").write_bytes(pj.pdf)
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "pj.pdf")], capture_output=True, text=True, check=True
    ).stdout
    assert "595.44 x 841.68 pts" in info or "(A4)" in info


def test_high_resolution_photo_is_downsampled(tmp_path: Path) -> None:
    pj = normalize_bytes(png_bytes(a4_page(600), 600), "photo.png")
    assert pj.dpi == 300
    listed = images_of(pj.pdf, tmp_path)
    assert int(listed[0][12]) == 300


def test_grey_jpeg_encoding(tmp_path: Path) -> None:
    pj = normalize_bytes(png_bytes(a4_page(300), 300), "f.png", NormalizeOptions(encoding="grey"))
    qpdf_check(pj.pdf, tmp_path)
    listed = images_of(pj.pdf, tmp_path)
    assert listed[0][8] == "jpeg" and listed[0][5] == "gray"
    assert int(listed[0][12]) == 200  # grey is kept at the minimum resolution


def test_image_without_resolution_is_taken_as_an_a4_sheet() -> None:
    assert normalize_bytes(png_bytes(a4_page(250), None), "photo.png").dpi == 250
    with pytest.raises(LowResolutionError):
        normalize_bytes(png_bytes(a4_page(100), None), "vignette.png")


def test_imported_pdf_of_the_printed_sheet_is_rasterised(tmp_path: Path) -> None:
    from datetime import date
    from decimal import Decimal

    sheet = CareSheet(
        practitioner=Practitioner("Martin", "Élodie", "751234567"),
        patient=Patient("Lefèvre", "Zoé", "2850675123456 42", "12/06/1985"),
        acts=(ActLine(date(2026, 11, 9), "G", Decimal("30.00")),),
        date_emission=date(2026, 11, 9),
        degrade=True,
    )
    path = tmp_path / "fs.pdf"
    path.write_bytes(render_feuille_de_soins(sheet))
    pj = normalize_file(path)
    qpdf_check(pj.pdf, tmp_path)
    assert pj.pages == 1 and pj.dpi == 300 and pj.bytes_per_page <= 100_000
    # The PJ is an image: no text layer, the content is what was scanned.
    assert pdftotext(pj.pdf, tmp_path).strip() == ""


def test_pdf_of_a_low_resolution_scan_is_rejected(tmp_path: Path) -> None:
    # A scanner's PDF embedding a 100 dpi image: rasterising it at 300 would hide the loss.
    from fpdf import FPDF

    pdf = FPDF(unit="mm", format="A4")
    pdf.add_page()
    pdf.image(io.BytesIO(png_bytes(a4_page(100), 100)), x=0, y=0, w=210, h=297)
    with pytest.raises(LowResolutionError):
        normalize_bytes(bytes(pdf.output()), "scan.pdf")


def test_not_an_image_is_rejected_with_a_clear_message(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("ceci n'est pas une image")
    with pytest.raises(UnreadableInputError) as caught:
        normalize_file(path)
    assert "« notes.txt » n'est ni une image ni un PDF" in str(caught.value)
    with pytest.raises(UnreadableInputError):
        normalize_bytes(b"%PDF-1.4 broken", "cassé.pdf")
    with pytest.raises(UnreadableInputError):
        normalize_bytes(b"", "vide.png")


def test_too_many_pages_are_rejected() -> None:
    frames = [a4_page(200) for _ in range(3)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], dpi=(200, 200))
    with pytest.raises(TooManyPagesError):
        normalize_bytes(buf.getvalue(), "liasse.tif", NormalizeOptions(max_pages=2))
    assert normalize_bytes(buf.getvalue(), "liasse.tif").pages == 3
