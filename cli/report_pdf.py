"""`compare --export FILE.pdf`: the HTML report laid out on A4 by WeasyPrint.

WeasyPrint (the `pdf` extra, also part of `cohort`) writes real text, so the PDF
is searchable and its text selectable, and it needs no browser. It is optional:
without it, or without the system's Pango it loads, the export stops with a
message saying what to install (exit 2) and writes nothing.
"""

from __future__ import annotations

from prognosis.engine.errors import InputError, Problem

INSTALL = ("PDF export needs WeasyPrint: pip install 'prognosis-comparator[pdf]' (it also "
           "needs the system's Pango library, e.g. apt-get install libpango-1.0-0); or "
           "export .html and print it to PDF from a browser")


def render_pdf(page: str, path: str) -> bytes:
    """The PDF of an HTML page (A4 and margins come from the page's @page rule; title,
    creator and creation date from its meta tags, so the same page gives the same bytes)."""
    try:
        from weasyprint import HTML
    except (ImportError, OSError) as exc:  # OSError: WeasyPrint found no Pango
        raise InputError([Problem(path, f"{INSTALL} ({type(exc).__name__}: {exc})")]) from None
    # Tagged: headings, tables and lists stay structure for screen readers and copied text.
    pdf = HTML(string=page).write_pdf(pdf_tags=True)
    assert isinstance(pdf, bytes)
    return pdf
