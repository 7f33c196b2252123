"""Answer-key reports as scans: `render.report_pdf` rasterised with PDFium, then degraded like a real scan.

The fonts are Debian's CJK font packages (`.ci/run` installs them): Ming/Song (AR PL UMing), Kai (AR PL
UKai) and Hei (WenQuanYi Zen Hei, WenQuanYi Micro Hei), embedded in the PDF so that the raster does not
depend on the machine's font fallback. A `Scan` names every degradation, so a failing case can be rebuilt.

`image_report_pdf(key)` / `image_report_png(key)` give the bytes of an image-only report (no text layer),
e.g. for the demo portal.
"""

from __future__ import annotations

import io
import random
import time
from dataclasses import dataclass
from pathlib import Path

from demo import render

FONT_DIR = Path("/usr/share/fonts/truetype")
FONTS = {
    "uming": FONT_DIR / "arphic" / "uming.ttc",  # fonts-arphic-uming: 明体/宋体 style, like most reports
    "ukai": FONT_DIR / "arphic" / "ukai.ttc",  # fonts-arphic-ukai: 楷体
    "zenhei": FONT_DIR / "wqy" / "wqy-zenhei.ttc",  # fonts-wqy-zenhei: 黑体
    "microhei": FONT_DIR / "wqy" / "wqy-microhei.ttc",  # fonts-wqy-microhei: 黑体 (hinted differently)
}


@dataclass(frozen=True)
class Scan:
    """How a page is scanned: resolution, rotation (degrees, counter-clockwise), JPEG quality (None: PNG),
    Gaussian noise (standard deviation in grey levels) and blur radius (pixels)."""

    font: str = "uming"
    dpi: int = 200
    rotation: float = 0.0
    jpeg: int | None = None
    noise: float = 0.0
    blur: float = 0.0
    seed: int = 0

    @property
    def name(self) -> str:
        parts = [self.font, f"{self.dpi}dpi"]
        parts += [f"rot{self.rotation:g}"] if self.rotation else []
        parts += [f"jpeg{self.jpeg}"] if self.jpeg else []
        parts += [f"noise{self.noise:g}"] if self.noise else []
        parts += [f"blur{self.blur:g}"] if self.blur else []
        return "-".join(parts)

    @property
    def degraded(self) -> bool:
        return bool(self.rotation or self.jpeg or self.noise or self.blur)


def pdf_pages(data: bytes, dpi: int) -> list:
    """Rasterise every page of a PDF (PIL images, greyscale)."""
    import pypdfium2

    pdf = pypdfium2.PdfDocument(data)
    try:
        return [page.render(scale=dpi / 72, grayscale=True).to_pil().convert("L") for page in pdf]
    finally:
        pdf.close()


def degrade(image, scan: Scan):
    """Rotate, blur, add noise and JPEG-compress a clean page, as a scanner and an upload would."""
    import numpy as np
    from PIL import Image, ImageFilter

    if scan.rotation:
        image = image.rotate(scan.rotation, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    if scan.blur:
        image = image.filter(ImageFilter.GaussianBlur(scan.blur))
    if scan.noise:
        rng = np.random.default_rng(scan.seed)
        pixels = np.asarray(image, dtype=np.float32) + rng.normal(0, scan.noise, (image.height, image.width))
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))
    if scan.jpeg:
        out = io.BytesIO()
        image.save(out, format="JPEG", quality=scan.jpeg)
        image = Image.open(io.BytesIO(out.getvalue()))
        image.load()
    return image


def report_pages(key: dict, scan: Scan) -> list:
    """The key's report as scanned pages (PIL images)."""
    pdf = render.report_pdf(key, font=str(FONTS[scan.font]))
    return [degrade(page, scan) for page in pdf_pages(pdf, scan.dpi)]


def image_bytes(image, scan: Scan) -> bytes:
    """One page as a JPEG (when the scan is JPEG-compressed) or PNG file, with its DPI recorded."""
    out = io.BytesIO()
    if scan.jpeg:
        image.save(out, format="JPEG", quality=scan.jpeg, dpi=(scan.dpi, scan.dpi))
    else:
        image.save(out, format="PNG", dpi=(scan.dpi, scan.dpi))
    return out.getvalue()


def images_pdf(images: list, dpi: int) -> bytes:
    """An image-only PDF: each image one page at `dpi` (what a scanner writes); no text layer."""
    out = io.BytesIO()
    first, *rest = [image.convert("L") for image in images]
    fixed = time.gmtime(1704067200)  # 2024-01-01: the same images give the same bytes (the demo portal is committed)
    first.save(out, format="PDF", resolution=dpi, save_all=True, append_images=rest, creationDate=fixed, modDate=fixed)
    return out.getvalue()


def image_report_pdf(key: dict, scan: Scan | None = None) -> bytes:
    """An answer key (or any dict of the same shape) as an image-only PDF report."""
    scan = scan or Scan(dpi=150, rotation=0.7, jpeg=75, noise=4, seed=1)
    return images_pdf(report_pages(key, scan), scan.dpi)


def image_report_png(key: dict, scan: Scan | None = None, page: int = 0) -> bytes:
    """One page of the report (by default the first) as a PNG/JPEG attachment."""
    scan = scan or Scan(dpi=200)
    return image_bytes(report_pages(key, scan)[page], scan)


def stress(count: int, seed: int = 5) -> list[Scan]:
    """Scans worse than issue 17's ranges (100–150 DPI, JPEG 25–45, noise 8–14, blur 0.8–1.2 px): where OCR
    fails, so the benchmark shows failures coming out NULL and flagged, not as wrong numbers."""
    rng = random.Random(seed)
    return [
        Scan(
            font=list(FONTS)[index % len(FONTS)],
            dpi=rng.choice([100, 120, 150]),
            rotation=round(rng.choice([-1, 1]) * rng.uniform(0.5, 2.5), 2),
            jpeg=rng.randint(25, 45),
            noise=round(rng.uniform(8, 14), 1),
            blur=round(rng.uniform(0.8, 1.2), 2),
            seed=100 + index,
        )
        for index in range(count)
    ]


def variants(count: int, seed: int = 17) -> list[Scan]:
    """`count` degraded scans drawn over the ranges of issue 17: 150/200/300 DPI, JPEG 50–90, 0.5–2° either
    way, noise 0–8, blur 0–0.8 px, every font."""
    rng = random.Random(seed)
    out = []
    for index in range(count):
        out.append(
            Scan(
                font=list(FONTS)[index % len(FONTS)],
                dpi=rng.choice([150, 200, 300]),
                rotation=round(rng.choice([-1, 1]) * rng.uniform(0.5, 2.0), 2),
                jpeg=rng.randint(50, 90),
                noise=round(rng.uniform(0, 8), 1),
                blur=round(rng.uniform(0, 0.8), 2),
                seed=index,
            )
        )
    return out


def synthetic_key(report) -> dict:
    """An answer-key-shaped dict from a demo-portal report (`crawler/synthetic.py`'s `Report`, whose
    applications table is keyed column → row), so the demo can publish it as a scan with `image_report_pdf`."""
    applications: dict[str, dict[str, object]] = {}
    for column, rows in report.applications.items():
        for row, value in rows.items():
            applications.setdefault(row, {})[column] = value
    active = {row: {col: _number(value) for col, value in cols.items()} for row, cols in report.active.items()}
    return {
        "template": report.version,
        "agency": report.unit,
        "year": report.year,
        "tables": {"active_disclosure": active, "applications": applications, "review_litigation": report.review},
    }


def _number(text: object) -> object:
    """Demo cells are strings ("3", "+2", "12.5", ""): the renderer prints them as they are."""
    if not isinstance(text, str) or not text.strip():
        return None if isinstance(text, str) else text
    try:
        return int(text)
    except ValueError:
        try:
            return float(text)
        except ValueError:
            return text
