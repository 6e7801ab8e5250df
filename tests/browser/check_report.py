"""Render the HTML report in headless Chromium at 1280 px; fail on a blank or overflowing page.

Run by `make test-browser` (not by pytest: CI machines need not have a browser).
It writes the report of the worked patient, then with Debian's chromium:
- dumps the DOM of a probe copy whose only addition is a script recording the
  document's scrollWidth, which must not exceed the 1280 px viewport;
- takes a screenshot, which must not be blank (enough non-background pixels);
- prints to PDF, which must be A4.
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
PATIENT = ROOT / "examples" / "lung-metastases-lms.yaml"
WIDTH = 1280
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


def main() -> int:
    binary = sys.argv[1] if len(sys.argv) > 1 else "/usr/bin/chromium"
    prognosis = Path(sys.executable).parent / "prognosis"
    failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="prognosis-browser-") as tmp:
        work = Path(tmp)
        report = work / "report.html"
        env = {**os.environ, "SOURCE_DATE_EPOCH": "1714521600"}
        subprocess.run([str(prognosis), "compare", str(PATIENT), "--export", str(report)],
                       check=True, capture_output=True, env=env)
        html = report.read_text(encoding="utf-8")
        probe = work / "probe.html"
        probe.write_text(html.replace("</body>", PROBE + "</body>"), encoding="utf-8")

        dom = chromium(binary, tempfile.mkdtemp(dir=tmp), f"--window-size={WIDTH},1000",
                       "--dump-dom", probe.as_uri())
        found = re.search(r'data-scroll-width="(\d+)"', dom.stdout)
        if not found:
            failures.append(f"no DOM from chromium: {dom.stderr[-500:]}")
        elif int(found.group(1)) > WIDTH:
            failures.append(f"the page overflows: scrollWidth {found.group(1)} > {WIDTH} px")
        else:
            print(f"scrollWidth {found.group(1)} px <= {WIDTH} px")

        shot = work / "report.png"
        chromium(binary, tempfile.mkdtemp(dir=tmp), f"--window-size={WIDTH},1600",
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
            if keep:
                Path(keep).write_bytes(shot.read_bytes())

        pdf = work / "report.pdf"
        chromium(binary, tempfile.mkdtemp(dir=tmp), "--no-pdf-header-footer",
                 f"--print-to-pdf={pdf}", report.as_uri())
        if not pdf.exists() or not pdf.read_bytes().startswith(b"%PDF"):
            failures.append("chromium printed no PDF")
        else:
            boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)", pdf.read_bytes())
            pages = len(boxes)
            a4 = all(abs(float(w) - 595.28) < 2 and abs(float(h) - 841.89) < 2 for w, h in boxes)
            print(f"PDF: {pages} page(s), A4: {a4}")
            if not pages or not a4:
                failures.append(f"the PDF is not A4: {boxes[:2]!r}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
