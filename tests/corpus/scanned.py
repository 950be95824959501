"""A scanned copy of a labelled report: what a portal publishes when an office prints its
report, scans it and uploads the scan (an image-only PDF, or one image).

Each page of the report's PDF is rendered at a scanner's resolution, turned by a small
random angle, given sensor noise, specks and a slightly uneven exposure, and compressed as
JPEG, then the pages are bound into a PDF that holds only images (no text layer). The same
seed gives the same bytes. Used by ``tests/test_ocr.py`` and ``bench/accuracy.py --ocr``;
the labels are the source report's own ``expected.json`` values, never the parser's output.

    .venv/bin/python tests/corpus/scanned.py tests/corpus/pdf_mc2022/report.pdf /tmp/scan.pdf
"""
from __future__ import annotations

import io
import random
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

DPI = 200


def scan_page(image, rng: random.Random, max_angle: float = 1.5, noise: float = 14.0):
    """One rendered page (PIL, RGB or L) → a grey scan of it (PIL, L)."""
    import numpy as np
    from PIL import Image

    page = image.convert("L")
    angle = rng.uniform(-max_angle, max_angle)
    page = page.rotate(angle, resample=Image.BICUBIC, expand=False, fillcolor=255)
    array = np.asarray(page, dtype=np.float32)
    generator = np.random.default_rng(rng.randrange(1 << 30))
    h, w = array.shape
    exposure = np.linspace(rng.uniform(-18, 0), rng.uniform(-18, 0), w, dtype=np.float32)[None, :]
    array = array + exposure + generator.normal(0, noise, array.shape).astype(np.float32)
    specks = generator.random(array.shape) < 0.0015
    array[specks] = generator.uniform(0, 120, int(specks.sum()))
    return Image.fromarray(np.clip(array, 0, 255).astype(np.uint8), "L")


def scan_pdf(pdf: bytes, seed: int = 0, dpi: int = DPI, quality: int = 70) -> bytes:
    """A text PDF → an image-only PDF of its scanned pages."""
    import pypdfium2

    rng = random.Random(seed)
    document = pypdfium2.PdfDocument(pdf)
    pages = [scan_page(document[i].render(scale=dpi / 72).to_pil(), rng) for i in range(len(document))]
    document.close()
    out = io.BytesIO()
    jpegs = []
    for page in pages:   # JPEG-compressed first, as a scanner's PDF holds them
        buffer = io.BytesIO()
        page.save(buffer, "JPEG", quality=quality)
        buffer.seek(0)
        from PIL import Image
        jpegs.append(Image.open(buffer))
    jpegs[0].save(out, "PDF", resolution=dpi, save_all=True, append_images=jpegs[1:])
    return out.getvalue()


def scan_image(pdf: bytes, seed: int = 0, page: int = 0, dpi: int = DPI, kind: str = "PNG") -> bytes:
    """One page of a text PDF → one scanned image (PNG or JPEG bytes)."""
    import pypdfium2

    document = pypdfium2.PdfDocument(pdf)
    scanned = scan_page(document[page].render(scale=dpi / 72).to_pil(), random.Random(seed))
    document.close()
    out = io.BytesIO()
    scanned.save(out, kind, **({"quality": 80} if kind == "JPEG" else {}))
    return out.getvalue()


def to_pdf(source: Path) -> bytes:
    """A labelled report's source as a PDF: a PDF as is, a DOCX through LibreOffice, an
    HTML page printed by Chromium."""
    if source.suffix == ".pdf":
        return source.read_bytes()
    with tempfile.TemporaryDirectory() as tmp:
        if source.suffix == ".docx":
            office = shutil.which("soffice") or shutil.which("libreoffice")
            subprocess.run([office, "--headless", f"-env:UserInstallation=file://{tmp}/profile",
                            "--convert-to", "pdf", "--outdir", tmp, str(source)],
                           check=True, capture_output=True, timeout=180)
            return (Path(tmp) / (source.stem + ".pdf")).read_bytes()
        target = Path(tmp) / "page.pdf"
        subprocess.run(["/usr/bin/chromium", "--headless", "--no-sandbox", "--disable-gpu",
                        f"--user-data-dir={tmp}/chrome", "--no-pdf-header-footer",
                        f"--print-to-pdf={target}", source.resolve().as_uri()],
                       check=True, capture_output=True, timeout=120)
        return target.read_bytes()


if __name__ == "__main__":
    Path(sys.argv[2]).write_bytes(scan_pdf(to_pdf(Path(sys.argv[1])), seed=int(sys.argv[3]) if len(sys.argv) > 3 else 0))
