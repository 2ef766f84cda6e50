"""Figure: one SCOR page, scan to PDF: time and size of an A4 page at 200 dpi.

The scan comes from SANE's ``test`` backend through the product's ``scan_page`` (A4, grey,
200 dpi); a second input is a synthetic A4 feuille de soins (text, boxes, a handwritten-like
signature) at 200 dpi, closer to what is really scanned than the test backend's grid.
"""

from __future__ import annotations

import io
import logging
import random
import shutil
import time
from typing import Any

from benchmarks.common import Figure, NotMeasured, RunContext, Stats, require

logger = logging.getLogger(__name__)

NAME = "scor"
GOAL_S = 1.0
GOAL_BYTES = 100_000
DPI = 200
A4_MM = (210, 297)


def synthetic_page(seed: int = 1) -> bytes:
    """An A4 page at 200 dpi that looks like a filled-in cerfa: PNG bytes with its dpi."""
    from PIL import Image, ImageDraw

    rng = random.Random(seed)  # noqa: S311 - page content, not a secret
    width, height = round(A4_MM[0] / 25.4 * DPI), round(A4_MM[1] / 25.4 * DPI)
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    y = 120
    while y < height - 200:
        if rng.random() < 0.15:
            draw.rectangle([100, y, width - 100, y + 90], outline=30, width=3)
            y += 110
            continue
        x = 110
        while x < width - 200:
            word = rng.randint(3, 12) * 14
            draw.rectangle([x, y, x + word, y + 22], fill=rng.randint(20, 70))
            x += word + 18
        y += 44
    points = [(width - 700 + i * 9, height - 300 + int(40 * rng.random())) for i in range(60)]
    draw.line(points, fill=10, width=4)
    # Scanner noise: a few thousand grey specks.
    for _ in range(4000):
        px, py = rng.randrange(width), rng.randrange(height)
        page.putpixel((px, py), rng.randint(150, 235))
    buffer = io.BytesIO()
    page.save(buffer, format="PNG", dpi=(DPI, DPI))
    return buffer.getvalue()


def _sane_page() -> bytes:
    scan = require("client.scor.scan", "scan_page", "ScanOptions", "TEST_BACKEND_OPTIONS")
    if shutil.which("scanimage") is None:
        raise NotMeasured("scanimage (sane-utils) is not installed")
    options = scan.ScanOptions(
        resolution=DPI,
        mode="Gray",
        extra=("--test-picture", "Grid", "-x", str(A4_MM[0]), "-y", str(A4_MM[1])),
    )
    return bytes(scan.scan_page("test:0", options))


def run(ctx: RunContext) -> list[Figure]:
    normalize = require("client.scor.normalize", "normalize_bytes", "NormalizeOptions")
    repeat = ctx.scaled(full=10, quick=4, tiny=1)
    figures = []

    def scan_and_normalize() -> Any:
        return normalize.normalize_bytes(_sane_page(), "scan", normalize.NormalizeOptions())

    inputs: list[tuple[str, Any]] = [("SANE test scan, A4 200 dpi", scan_and_normalize)]
    page = synthetic_page()
    inputs.append(
        (
            "synthetic cerfa page, A4 200 dpi (normalize only)",
            lambda: normalize.normalize_bytes(page, "page.png", normalize.NormalizeOptions()),
        )
    )
    for label, fn in inputs:
        samples, sizes = [], []
        for _ in range(repeat):
            start = time.perf_counter()
            pj = fn()
            samples.append(time.perf_counter() - start)
            sizes.append(pj.bytes_per_page)
        stats = Stats.of(samples)
        size = max(sizes)
        figures.append(
            Figure(
                figure=f"SCOR page: {label}",
                unit="s",
                value=stats.median,
                goal=f"≤ {GOAL_S:.0f} s and ≤ {GOAL_BYTES // 1000} KB/page",
                met=stats.median <= GOAL_S and size <= GOAL_BYTES,
                sizes={"dpi": DPI, "pages": 1, "format": "A4"},
                extra={"bytes_per_page": size, "timing": stats.ms(), "encoding": pj.encoding},
            )
        )
    return figures
