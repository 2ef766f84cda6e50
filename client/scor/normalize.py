"""Turn a scan or an imported file into a SCOR pièce justificative: a compact PDF.

Accepted input: any image Pillow reads (PNG, JPEG, TIFF, PNM from ``scanimage``...) or a
PDF (rasterised with poppler's ``pdftoppm``). Every page must be readable: not blank or
uniform, and scanned at ``min_dpi`` (200 by default, the CPAM SCOR sheets) or more.
Output: one PDF page per input page, at the page's physical size, either bitonal (CCITT
Group 4, the default: an A4 text page is a few tens of KB) or grey JPEG. Pages above
``max_dpi`` are downsampled to it.

Resolution of an image without resolution metadata (a phone photo) is inferred from its
long side as if it were an A4 sheet (297 mm). For a PDF, the resolution of its embedded
images (``pdfimages -list``) is checked; a PDF without images (made by software) is
rasterised at ``max_dpi``.
"""

from __future__ import annotations

import io
import logging
import re
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from fpdf import FPDF
from PIL import Image, ImageStat, UnidentifiedImageError

from client.bounded_read import read_bounded
from client.scor.errors import (
    BlankPageError,
    LowResolutionError,
    TooManyPagesError,
    UnreadableInputError,
)

logger = logging.getLogger(__name__)

Encoding = Literal["bitonal", "grey"]
A4_LONG_SIDE_INCH = 297 / 25.4
_PDF_MAGIC = b"%PDF-"
#: A scanned page at 300 dpi is a few MB; ten of them in a PDF stay far below.
MAX_INPUT_FILE = 50_000_000
# scanimage reports 199.9996 dpi for 200: compare with a little slack.
_DPI_SLACK = 0.5


@dataclass(frozen=True, slots=True)
class NormalizeOptions:
    """How pages are checked and encoded."""

    min_dpi: int = 200
    max_dpi: int = 300
    encoding: Encoding = "bitonal"
    jpeg_quality: int = 40
    max_pages: int = 10
    target_page_bytes: int = 100_000  # aim, not a limit: a larger page is logged


@dataclass(frozen=True, slots=True)
class NormalizedPj:
    """A PJ ready to be checked by the user and sent."""

    pdf: bytes
    pages: int
    dpi: int  # lowest output resolution among the pages
    encoding: Encoding

    @property
    def bytes_per_page(self) -> int:
        return len(self.pdf) // max(1, self.pages)


@dataclass(frozen=True, slots=True)
class _Page:
    image: Image.Image
    dpi: float


def _image_dpi(image: Image.Image) -> float:
    dpi = image.info.get("dpi")
    if dpi and float(dpi[0]) > 1 and float(dpi[1]) > 1:
        return min(float(dpi[0]), float(dpi[1]))
    return max(image.size) / A4_LONG_SIDE_INCH


def _frames(image: Image.Image) -> list[Image.Image]:
    frames = []
    for index in range(getattr(image, "n_frames", 1)):
        image.seek(index)
        frame = image.copy()
        frame.info = dict(image.info)
        frames.append(frame)
    return frames


def _pages_of_image(data: bytes, source: str) -> list[_Page]:
    try:
        image = Image.open(io.BytesIO(data))
        image.load()
        frames = _frames(image)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise UnreadableInputError(source) from exc
    except Exception as exc:
        # Pillow's format plugins raise whatever their parser hits on a damaged file
        # (KeyError, TypeError, EOFError, struct.error, DecompressionBombError...).
        raise UnreadableInputError(source) from exc
    return [_Page(frame, _image_dpi(frame)) for frame in frames]


def _pdf_image_dpi(path: Path) -> dict[int, float]:
    """Per page, the lowest resolution of its largest embedded image (pdfimages -list)."""
    done = subprocess.run(  # noqa: S603 - fixed program, path we wrote ourselves
        ["pdfimages", "-list", str(path)],  # noqa: S607 - poppler-utils on PATH
        capture_output=True,
        text=True,
        errors="replace",
        check=False,
        timeout=60,
    )
    best: dict[int, tuple[int, float]] = {}
    for line in done.stdout.splitlines()[2:]:
        cols = line.split()
        if len(cols) < 14 or not cols[0].isdigit() or cols[2] in ("smask", "stencil"):
            continue
        page, width, height = int(cols[0]), int(cols[3]), int(cols[4])
        ppi = min(float(cols[12]), float(cols[13]))
        area = width * height
        if page not in best or area > best[page][0]:
            best[page] = (area, ppi)
    return {page: ppi for page, (_, ppi) in best.items()}


def _pages_of_pdf(data: bytes, source: str, options: NormalizeOptions) -> list[_Page]:
    with tempfile.TemporaryDirectory(prefix="sesam-pj-") as tmp:
        pdf_path = Path(tmp) / "in.pdf"
        pdf_path.write_bytes(data)
        try:
            done = subprocess.run(  # noqa: S603 - fixed program and arguments
                [  # noqa: S607 - poppler-utils on PATH
                    "pdftoppm",
                    "-gray",
                    "-png",
                    "-r",
                    str(options.max_dpi),
                    "-l",
                    str(options.max_pages + 1),
                    str(pdf_path),
                    str(Path(tmp) / "page"),
                ],
                capture_output=True,
                text=True,
                errors="replace",  # poppler may quote bytes of the damaged file
                check=False,
                timeout=120,
            )
        except subprocess.TimeoutExpired as exc:
            raise UnreadableInputError(source) from exc
        rendered = sorted(
            Path(tmp).glob("page-*.png"), key=lambda p: int(re.findall(r"\d+", p.stem)[-1])
        )
        if done.returncode != 0 or not rendered:
            logger.info("pdftoppm failed on an imported PDF: %s", done.stderr.strip()[:200])
            raise UnreadableInputError(source)
        try:
            embedded = _pdf_image_dpi(pdf_path)
            pages = []
            for number, png in enumerate(rendered, start=1):
                image = Image.open(png)
                image.load()  # a huge page size: DecompressionBombError
                pages.append(_Page(image, embedded.get(number, float(options.max_dpi))))
        except (
            subprocess.TimeoutExpired,
            OSError,
            ValueError,
            Image.DecompressionBombError,
        ) as exc:
            raise UnreadableInputError(source) from exc
        return pages


def _blank_reason(grey: Image.Image) -> str | None:
    # On the full image: thin pen strokes vanish in a reduced copy. "Ink" is anything
    # clearly darker than paper; a page with almost none (or almost only ink) is unreadable.
    stat = ImageStat.Stat(grey)
    histogram = grey.histogram()
    total = sum(histogram) or 1
    ink = sum(histogram[:160]) / total
    if stat.stddev[0] < 4.0:
        return "noire" if stat.mean[0] < 128 else "blanche"
    if ink < 0.0005:
        return "blanche"
    if ink > 0.97:
        return "noire"
    return None


def _otsu(grey: Image.Image) -> int:
    histogram = grey.histogram()
    total = sum(histogram)
    sum_all = sum(i * h for i, h in enumerate(histogram))
    weight_bg = 0
    sum_bg = 0.0
    best, threshold = -1.0, 128
    for level in range(256):
        weight_bg += histogram[level]
        if weight_bg == 0:
            continue
        weight_fg = total - weight_bg
        if weight_fg == 0:
            break
        sum_bg += level * histogram[level]
        mean_bg = sum_bg / weight_bg
        mean_fg = (sum_all - sum_bg) / weight_fg
        between = weight_bg * weight_fg * (mean_bg - mean_fg) ** 2
        if between > best:
            best, threshold = between, level
    return threshold


def _encode(grey: Image.Image, options: NormalizeOptions) -> bytes:
    buffer = io.BytesIO()
    if options.encoding == "bitonal":
        threshold = _otsu(grey)
        bitonal = grey.point(lambda v: 255 if v > threshold else 0).convert("1")
        bitonal.save(buffer, format="TIFF", compression="group4")
    else:
        grey.save(buffer, format="JPEG", quality=options.jpeg_quality, optimize=True)
    return buffer.getvalue()


def _build_pdf(encoded: Sequence[tuple[bytes, int, int, float]], created: datetime) -> bytes:
    pdf = FPDF(unit="mm")
    pdf.set_creator("sesam-client SCOR")
    pdf.set_title("Pièce justificative SCOR")
    pdf.set_creation_date(created)
    pdf.set_auto_page_break(False)
    for data, width_px, height_px, dpi in encoded:
        width_mm, height_mm = width_px / dpi * 25.4, height_px / dpi * 25.4
        pdf.add_page(format=(width_mm, height_mm))
        pdf.image(io.BytesIO(data), x=0, y=0, w=width_mm, h=height_mm)
    return bytes(pdf.output())


def normalize_bytes(
    data: bytes,
    source: str = "document",
    options: NormalizeOptions = NormalizeOptions(),
    *,
    created: datetime | None = None,
) -> NormalizedPj:
    """Check and convert an image or PDF into a PJ PDF.

    :raises UnreadableInputError: not an image nor a PDF.
    :raises BlankPageError: a page is blank, black or uniform.
    :raises LowResolutionError: a page is below ``options.min_dpi``.
    :raises TooManyPagesError: more than ``options.max_pages`` pages.
    """
    if not data:
        raise UnreadableInputError(source)
    if data.startswith(_PDF_MAGIC):
        pages = _pages_of_pdf(data, source, options)
    else:
        pages = _pages_of_image(data, source)
    if len(pages) > options.max_pages:
        raise TooManyPagesError(len(pages), options.max_pages)
    encoded: list[tuple[bytes, int, int, float]] = []
    for number, page in enumerate(pages, start=1):
        if page.dpi + _DPI_SLACK < options.min_dpi:
            raise LowResolutionError(number, page.dpi, options.min_dpi)
        grey = page.image.convert("L")
        reason = _blank_reason(grey)
        if reason:
            raise BlankPageError(number, reason)
        dpi = page.dpi
        # Grey JPEG grows with the square of the resolution: keep it at the minimum.
        ceiling = options.max_dpi if options.encoding == "bitonal" else options.min_dpi
        if dpi > ceiling + _DPI_SLACK:
            scale = ceiling / dpi
            grey = grey.resize(
                (max(1, round(grey.width * scale)), max(1, round(grey.height * scale))),
                Image.Resampling.LANCZOS,
            )
            dpi = float(ceiling)
        encoded.append((_encode(grey, options), grey.width, grey.height, dpi))
    pdf = _build_pdf(encoded, created or datetime.now(UTC))
    result = NormalizedPj(
        pdf=pdf,
        pages=len(encoded),
        dpi=round(min(e[3] for e in encoded)),
        encoding=options.encoding,
    )
    if result.bytes_per_page > options.target_page_bytes:
        logger.warning(
            "PJ larger than aimed: %d bytes per page (aim %d)",
            result.bytes_per_page,
            options.target_page_bytes,
        )
    return result


def normalize_file(
    path: Path,
    options: NormalizeOptions = NormalizeOptions(),
    *,
    created: datetime | None = None,
) -> NormalizedPj:
    """``normalize_bytes`` on a file's content.

    :raises InputFileError: the file cannot be read, is not a regular file or is too large.
    """
    # Bounded; a device or a FIFO is refused (InputFileError, in French) before any read.
    data = read_bounded(path, MAX_INPUT_FILE)
    return normalize_bytes(data, path.name, options, created=created)
