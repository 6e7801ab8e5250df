"""Render the HTML and PDF reports and fail on a blank page, overflow or a page wider than A4.

Run by `make test-browser` (not by pytest: CI machines need not have a browser).
It writes the HTML and the PDF (WeasyPrint) report of the worked patient and of the
example with the longest report, then for each:
- HTML in Debian's headless chromium at 1280 px (a desktop) and 794 px (the width of
  A4 at 96 dpi): a probe copy, whose only addition is a script recording the
  document's scrollWidth, must not be wider than the window;
- a screenshot at 1280 px must not be blank (enough non-background pixels);
- chromium's print of the HTML and our own PDF: every page A4 (poppler's pdfinfo), and every
  page rendered by poppler's pdftoppm must have ink (not blank) and none in the
  outer strip of its right margin (text running off the page).
Usage: python tests/browser/check_report.py [CHROMIUM]
"""

from __future__ import annotations

import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# The worked patient, and the longest report (a treatment left undecided: seven options).
PATIENTS = (ROOT / "examples" / "lung-metastases-lms.yaml",
            ROOT / "examples" / "synchronous-extremity-sts.json")
WIDTH = 1280
A4_PX = 794  # 210 mm at 96 px per inch
A4 = (595.28, 841.89)  # points
DPI = 50  # pdftoppm's resolution for the page checks
RIGHT_STRIP_MM = 6  # the report's right page margin is 14 mm: this strip must stay empty
MIN_INK_PAGE = 0.005
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--hide-scrollbars"]
PROBE = ("<script>document.body.setAttribute('data-scroll-width', "
         "document.documentElement.scrollWidth);</script>")


def png_pixels(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and unfiltered rows (8-bit RGB or RGBA) of a PNG, with no library."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
    pos, idat, header = 8, b"", b""
    while pos < len(data):
        length, kind = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            header = chunk
        elif kind == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), f"unexpected PNG format {depth}/{colour}"
    bpp = 3 if colour == 2 else 4
    raw = zlib.decompress(idat)
    stride = width * bpp
    rows: list[bytes] = []
    previous = bytearray(stride)
    for y in range(height):
        kind = raw[y * (stride + 1)]
        row = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            left = row[i - bpp] if i >= bpp else 0
            up = previous[i]
            corner = previous[i - bpp] if i >= bpp else 0
            if kind == 1:
                row[i] = (row[i] + left) & 0xFF
            elif kind == 2:
                row[i] = (row[i] + up) & 0xFF
            elif kind == 3:
                row[i] = (row[i] + (left + up) // 2) & 0xFF
            elif kind == 4:
                p = left + up - corner
                pa, pb, pc = abs(p - left), abs(p - up), abs(p - corner)
                pred = left if pa <= pb and pa <= pc else up if pb <= pc else corner
                row[i] = (row[i] + pred) & 0xFF
        rows.append(bytes(row[j] for j in range(stride) if j % bpp < 3))
        previous = row
    return width, height, rows


def ink_fraction(png: bytes) -> float:
    """The share of pixels that differ from the page's background (the top-left pixel)."""
    width, height, rows = png_pixels(png)
    background = rows[0][:3]
    ink = sum(1 for row in rows for x in range(0, len(row), 3) if row[x:x + 3] != background)
    return ink / (width * height)


def chromium(binary: str, profile: str, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([binary, *FLAGS, f"--user-data-dir={profile}", *args],
                          capture_output=True, text=True, timeout=120, check=False)


def scroll_width(binary: str, work: Path, html: str, width: int) -> int | None:
    probe = work / f"probe-{width}.html"
    probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")
    dom = chromium(binary, tempfile.mkdtemp(dir=work), f"--window-size={width},1000",
                   "--dump-dom", probe.as_uri())
    found = re.search(r'data-scroll-width="(\d+)"', dom.stdout)
    return int(found.group(1)) if found else None


def check_pdf(pdf: Path, name: str, failures: list[str]) -> None:
    """Every page A4, drawn on, and nothing in the outer RIGHT_STRIP of its right margin."""
    data = pdf.read_bytes() if pdf.exists() else b""
    if not data.startswith(b"%PDF"):
        failures.append(f"{name}: no PDF written")
        return
    info = subprocess.run(["pdfinfo", "-f", "1", "-l", "9999", str(pdf)], capture_output=True,
                          text=True, check=True).stdout
    boxes = [(float(w), float(h)) for w, h in
             re.findall(r"^Page\s+\d+ size:\s+([\d.]+) x ([\d.]+) pts", info, re.M)]
    wide = [(w, h) for w, h in boxes if abs(w - A4[0]) > 2 or abs(h - A4[1]) > 2]
    print(f"{name}: {len(boxes)} page(s), all A4: {not wide and bool(boxes)}")
    if not boxes or wide:
        failures.append(f"{name}: pages that are not A4 (595 x 842 pt): {wide[:2] or 'none'}")
    stem = pdf.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(DPI), str(pdf), str(stem)], check=True)
    pages = sorted(pdf.parent.glob(f"{stem.name}-*.png"))
    if len(pages) != len(boxes):
        failures.append(f"{name}: pdftoppm drew {len(pages)} page(s) of {len(boxes)}")
    strip = round(RIGHT_STRIP_MM / 25.4 * DPI)
    for number, page in enumerate(pages, start=1):
        png = page.read_bytes()
        width, _, rows = png_pixels(png)
        ink = ink_fraction(png)
        edge = sum(1 for row in rows for x in range((width - strip) * 3, width * 3, 3)
                   if row[x:x + 3] != b"\xff\xff\xff")
        print(f"{name} page {number}: {ink:.1%} drawn, {edge} pixel(s) in the right margin")
        if ink < MIN_INK_PAGE:
            failures.append(f"{name} page {number} looks blank ({ink:.2%} drawn)")
        if edge:
            failures.append(f"{name} page {number}: {edge} pixel(s) drawn in the outer "
                            f"{RIGHT_STRIP_MM} mm of the right margin (overflow)")


def check_patient(binary: str, patient: Path, work: Path, failures: list[str]) -> None:
    """The HTML and PDF reports of one patient, in the browser and on paper."""
    prognosis = Path(sys.executable).parent / "prognosis"
    report, ours = work / "report.html", work / "report.pdf"
    env = {**os.environ, "SOURCE_DATE_EPOCH": "1714521600"}
    for path in (report, ours):
        subprocess.run([str(prognosis), "compare", str(patient), "--export", str(path)],
                       check=True, capture_output=True, env=env)
    html = report.read_text(encoding="utf-8")

    for width in (WIDTH, A4_PX):
        found = scroll_width(binary, work, html, width)
        if found is None:
            failures.append(f"no DOM from chromium at {width} px")
        elif found > width:
            failures.append(f"the page overflows at {width} px: scrollWidth {found}")
        else:
            print(f"scrollWidth {found} px <= {width} px")

    shot = work / "report.png"
    chromium(binary, tempfile.mkdtemp(dir=work), f"--window-size={WIDTH},1600",
             f"--screenshot={shot}", report.as_uri())
    if not shot.exists():
        failures.append("chromium wrote no screenshot")
    else:
        ink = ink_fraction(shot.read_bytes())
        width = png_pixels(shot.read_bytes())[0]
        print(f"screenshot {width} px wide, {ink:.1%} of it drawn")
        if width != WIDTH:
            failures.append(f"screenshot is {width} px wide, not {WIDTH}")
        if ink < 0.02:
            failures.append(f"the page looks blank ({ink:.2%} of pixels drawn)")
        keep = os.environ.get("PROGNOSIS_KEEP_SCREENSHOT")
        if keep and patient == PATIENTS[0]:
            Path(keep).write_bytes(shot.read_bytes())

    printed = work / "printed.pdf"
    chromium(binary, tempfile.mkdtemp(dir=work), "--no-pdf-header-footer",
             f"--print-to-pdf={printed}", report.as_uri())
    check_pdf(printed, "chromium's print of the HTML", failures)
    check_pdf(ours, "the PDF export", failures)


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/chromium"
    failures: list[str] = []
    for patient in PATIENTS:
        print(f"== {patient.name}")
        with tempfile.TemporaryDirectory(prefix="prognosis-browser-") as tmp:
            found: list[str] = []
            check_patient(binary, patient, Path(tmp), found)
            failures += [f"{patient.name}: {f}" for f in found]
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
