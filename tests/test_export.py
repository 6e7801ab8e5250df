"""`compare --export`: the report a tumour board files, in HTML, PDF, SVG, Markdown and text."""

from __future__ import annotations

import dataclasses
import hashlib
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path

import pytest
from clirun import DEMO, EXAMPLES, ROOT, run

from prognosis.cli.render_panels import DISAGREE_TITLE, KIND_TITLE, near_cutoff_lines
from prognosis.cli.study_rows import applicability_unknown, study_rows, study_title
from prognosis.engine import text as words
from prognosis.engine.comparison import Comparison, compare_patient
from prognosis.engine.document import DISCLAIMER
from prognosis.engine.evaluate import Comparator
from prognosis.engine.loader import VERSION, RuleLibrary, bundled_rules_dir
from prognosis.engine.near_cutoffs import margins_for
from prognosis.engine.patient import normalise, read_patient_data

EPOCH = "1714521600"  # 2024-05-01T00:00:00Z
CREATED = "2024-05-01T00:00:00Z"
PATIENTS = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])
SPARSE = "id: sparse\nhistology: leiomyosarcoma\nlung_metastasis_count: 2\n"
UNDECIDED = ('{"histology": "liposarcoma", "primary_site": "extremity", "metastasis_timing": '
             '"synchronous", "primary_surgery": true}')
VOID = {"meta", "br", "hr", "img", "link", "input", "col", "wbr"}


@dataclasses.dataclass
class Node:
    tag: str
    attrs: dict[str, str | None]
    children: list[Node | str] = dataclasses.field(default_factory=list)

    def text(self) -> str:
        return " ".join(" ".join(c if isinstance(c, str) else c.text() for c in self.children)
                        .split())

    def iter(self, tag: str | None = None) -> Iterator[Node]:
        if tag in (None, self.tag):
            yield self
        for child in self.children:
            if isinstance(child, Node):
                yield from child.iter(tag)

    def find(self, tag: str, **attrs: str) -> Node:
        return next(n for n in self.iter(tag) if all(n.attrs.get(k) == v
                                                     for k, v in attrs.items()))


class _Tree(HTMLParser):
    """The page as a tree (the report is well formed: every element is closed)."""

    def __init__(self) -> None:
        super().__init__()
        self.root = Node("#document", {})
        self.stack = [self.root]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        node = Node(tag, dict(attrs))
        self.stack[-1].children.append(node)
        if tag not in VOID:
            self.stack.append(node)

    def handle_endtag(self, tag: str) -> None:
        assert self.stack[-1].tag == tag, f"</{tag}> closes <{self.stack[-1].tag}>"
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.stack[-1].children.append(data)


def parse(html: str) -> Node:
    tree = _Tree()
    tree.feed(html)
    tree.close()
    assert tree.stack == [tree.root], "unclosed elements"
    return tree.root


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def export(tmp_path: Path, name: str, *extra: str, patient: str = str(DEMO),
           stdin: str | None = None) -> tuple[str, str]:
    path = tmp_path / name
    code, out, err = run("compare", patient, "--export", str(path), *extra, stdin=stdin)
    assert code == 0, err
    assert f"report written to {path}" in err
    return path.read_text(encoding="utf-8"), out


def comparison_of(library: RuleLibrary, comparator: Comparator, patient: str,
                  stdin: str | None = None) -> Comparison:
    """What the CLI compares for `patient`, to tell what the report must hold."""
    if stdin is not None:
        import yaml

        raw, source = yaml.safe_load(stdin), "<stdin>"
    else:
        raw, source = read_patient_data(patient)
    person = normalise(raw, library.fields, source)
    return compare_patient(comparator, person, library.fields, margins_for(library.fields, ()))


def flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def sha(rule_set: str) -> str:
    return hashlib.sha256((bundled_rules_dir() / f"{rule_set}.yaml").read_bytes()).hexdigest()


# --- HTML: a designed document built from the comparison's structure --------------------

def test_html_is_a_self_contained_a4_document(tmp_path: Path) -> None:
    html, out = export(tmp_path, "report.html")
    page = parse(html)
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    tags = {n.tag for n in page.iter()}
    assert not tags & {"script", "link", "img", "iframe", "object", "embed"}
    assert not any("src" in n.attrs or "style" in n.attrs for n in page.iter())
    style = page.find("style").text()
    assert "url(" not in style and "@import" not in style
    assert re.search(r"@page \{ size: A4;", style) and "@media print" in style
    assert page.find("title").text() == "Prognosis comparison report: example-lms-lung"
    assert page.find("h1").text() == "Prognosis comparison report: example-lms-lung"
    assert "pre" not in tags  # not a terminal dump
    assert "score 3 of 3" in out  # the usual output still goes to stdout


@pytest.mark.parametrize("patient", [*PATIENTS, "-"], ids=lambda p: getattr(p, "name", "sparse"))
def test_html_has_a_section_per_study_with_its_rows_and_warnings(
        tmp_path: Path, patient: Path | str, library: RuleLibrary,
        comparator: Comparator) -> None:
    stdin = SPARSE if patient == "-" else None
    html, _ = export(tmp_path, "report.html", patient=str(patient), stdin=stdin)
    page = parse(html)
    comparison = comparison_of(library, comparator, str(patient), stdin)
    units, notes = comparison.units(), comparison.patient.notes
    studies = page.find("section", id="studies")
    assert [h.text() for h in studies.iter("h3")] == [study_title(r)
                                                      for r in comparison.results]
    sections = [s for s in studies.iter("section") if "study" in (s.attrs.get("class") or "")]
    assert len(sections) == len(comparison.results)
    for r, section in zip(comparison.results, sections, strict=True):
        assert section.find("h3").text() == study_title(r)
        rows = section.find("table")
        expected = study_rows(r, units, notes)
        assert [th.text() for th in rows.iter("th")] == [row.label for row in expected]
        for row in expected:
            for line in row.lines:
                assert flat(line) in rows.text(), line
        # Every study's own warnings, each with its kind (a study whose applicability is
        # unknown shows only what it needs, as in every format).
        shown = [] if applicability_unknown(r) else words.warnings(r, units, notes)
        assert ("Warnings" in [row.label for row in expected]) == bool(shown)
        for w in shown:
            assert flat(f"{words.WARNING_LABEL[w.kind]}: {w.text}") in section.text()
    assert flat(DISCLAIMER) in page.find("header").text()


def test_html_inputs_table_as_given_and_as_understood(tmp_path: Path, library: RuleLibrary,
                                                      comparator: Comparator) -> None:
    html, _ = export(tmp_path, "report.html")
    comparison = comparison_of(library, comparator, str(DEMO))
    table = parse(html).find("section", id="inputs").find("table")
    rows = [[cell.text() for cell in tr.iter() if cell.tag in ("th", "td")]
            for tr in table.find("tbody").iter("tr")]
    assert ["lung_metastasis_max_diameter", "1.7 cm = 17 mm"] in rows
    assert ["bone_metastases", "false (derived: implied by extrapulmonary_metastases: false)"
            ] in rows
    # A row per line of the text layer's inputs, the field's name in a cell of its own.
    assert [": ".join(row) for row in rows] == comparison.inputs()
    assert rows[-1][0].startswith("undecided treatments (shown as options): ")


def test_html_panels_sources_and_rule_sets(tmp_path: Path, library: RuleLibrary,
                                          comparator: Comparator) -> None:
    html, _ = export(tmp_path, "report.html")
    page = parse(html)
    comparison = comparison_of(library, comparator, str(DEMO))
    disagree = page.find("section", id="disagreements")
    assert disagree.find("h2").text() == DISAGREE_TITLE
    assert [li.text() for li in disagree.iter("li")] == [
        flat(f"{KIND_TITLE[d.kind]}: {d.message}") for d in comparison.disagreements]
    assert len(comparison.disagreements) == 6 and all(d.flagged for d in comparison.disagreements)
    near = page.find("section", id="near-cutoffs")
    assert [li.text() for li in near.iter("li")] == [
        flat(line[2:]) for line in near_cutoff_lines(comparison.near_cutoffs)]
    assert "lung_metastasis_max_diameter 1.7 cm is 0.2 cm from SLMS's >= 15 mm" in near.text()
    links = [a.attrs["href"] for a in page.find("section", id="sources").iter("a")]
    assert links == [f"https://doi.org/{rs.citation.doi}" for rs in comparison.rule_sets
                     if rs.citation.doi]
    assert "https://doi.org/10.1245/s10434-025-17450-2" in links
    rule_sets = page.find("section", id="rule-sets").text()
    for rs in comparison.rule_sets:
        assert (f"{rs.id} {rs.version} {rs.status} {rs.reviewed.isoformat()} sha256 "
                f"{sha(rs.id)}") in rule_sets
    assert f"Created {CREATED} by prognosis-comparator {VERSION}" in page.find("header").text()


AGREEING = ("histology: leiomyosarcoma\nprimary_site: uterus\nlung_metastasis_count: 2\n"
            "lung_metastasis_max_diameter: 25 mm\nextrapulmonary_metastases: false\n"
            "disease_free_interval: 5 years\ntreatment_free_interval: 6 months\n")


@pytest.mark.parametrize("name", ["report.html", "report.md", "report.txt"])
def test_agreements_only_with_all_and_marked(tmp_path: Path, name: str) -> None:
    """25 mm is on the adverse side for both SLMS (>= 15 mm) and Burkhard-Meier (> 2 cm)."""
    agreement = ("cut-offs: lung_metastasis_max_diameter 25 mm. SLMS: largest nodule >= 15 mm "
                 "holds, adverse; Burkhard-Meier: largest lesion > 2 cm holds, adverse.")
    report, _ = export(tmp_path, name, patient="-", stdin=AGREEING)
    assert "lung_metastasis_max_diameter 25 mm. SLMS" not in flat(report)
    report, _ = export(tmp_path, name, "--all", patient="-", stdin=AGREEING)
    if name.endswith(".html"):
        items = parse(report).find("section", id="disagreements").iter("li")
        marked = [li for li in items if li.attrs.get("class") == "agreement"]
        assert [li.text() for li in marked] == [f"agreement, {agreement}"]
    elif name.endswith(".md"):
        assert "- (agreement) *cut-offs*: " + agreement.split(": ", 1)[1] in flat(report)
    else:
        assert f"= agreement, {agreement}" in flat(report)


def test_html_summary_says_whether_each_study_applies(tmp_path: Path) -> None:
    """One row per study asked for (the studies are named: the rows pin what each says of
    this patient, so a study added to rules/ does not change them)."""
    html, _ = export(tmp_path, "report.html", "--study", "slms", "--study", "burkhard-meier-2025",
                     "--study", "liu-2022", "--study", "abugideiri-2022",
                     "--study", "librizzi-2022")
    summary = parse(html).find("table", **{"class": "summary"})
    rows = [[c.text() for c in tr.iter() if c.tag in ("th", "td")]
            for tr in summary.find("tbody").iter("tr")]
    assert rows == [
        ["SLMS 2021", "yes, if pulmonary metastasectomy", "score 3 of 3",
         "3-y OS from first pulmonary metastasectomy: 10.5% [patients with score 3]"],
        ["Burkhard-Meier 2025", "yes, if pulmonary metastasectomy", "risk signals (no score)",
         "no survival figure published for patients like this one"],
        ["Liu 2022", "no: histology is leiomyosarcoma", "", ""],
        ["NCDB (Abugideiri) 2022", "no: primary_site is uterus; metastasis_timing is "
         "metachronous", "", ""],
        ["LiBrizzi 2022", "no: bone_metastases is false", "", ""]]


def test_html_summary_of_options(tmp_path: Path) -> None:
    """A treatment left undecided: a line per option; the options' figures stay below."""
    html, _ = export(tmp_path, "report.html", "--study", "abugideiri-2022", patient="-",
                     stdin=UNDECIDED)
    page = parse(html)
    [row] = page.find("table", **{"class": "summary"}).find("tbody").iter("tr")
    study, applies, outcome, figures = (c.text() for c in row.iter() if c.tag in ("th", "td"))
    assert (study, applies) == ("NCDB (Abugideiri) 2022", "yes")
    assert outcome.startswith("options (treatment undecided): if metastasectomy (any site), "
                              "chemotherapy, radiotherapy to the primary: SP+M+C+R ")
    assert outcome.endswith("if no metastasectomy at any site, no chemotherapy, no "
                            "radiotherapy to the primary: SP alone")
    assert figures == (
        "5-y OS from initial diagnosis: 28.7% [all treatment groups of adipocytic (liposarcoma) "
        "histology (not this patient's treatment)] median OS from initial diagnosis: 2.3 y "
        "(27.6 mo) [all treatment groups of adipocytic (liposarcoma) histology (not this "
        "patient's treatment)] 7 options, each with its figures: see below")
    section = page.find("section", id="study-abugideiri-2022").text()
    assert "if no metastasectomy at any site, no chemotherapy, no radiotherapy to the primary: " \
        "5-y OS from initial diagnosis: 12.6%" in section


def test_sparse_report_says_what_a_study_needs_and_shows_no_figures(tmp_path: Path) -> None:
    html, _ = export(tmp_path, "report.html", patient="-", stdin=SPARSE)
    studies = parse(html).find("section", id="studies")
    ncdb = studies.find("section", id="study-abugideiri-2022")
    assert [th.text() for th in ncdb.iter("th")] == ["Applies", "Options"]
    assert ncdb.find("td").text().startswith("needs primary_site")
    slms = studies.find("section", id="study-slms")
    assert "Figures" in [th.text() for th in slms.iter("th")]


def test_html_escapes_data(tmp_path: Path) -> None:
    html, _ = export(tmp_path, "report.html", patient="-",
                     stdin='id: "<script>alert(1)</script> & <b>"\nhistology: leiomyosarcoma\n')
    page = parse(html)
    assert not any(n.tag in ("script", "b") for n in page.iter())
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;b&gt;" in html
    assert page.find("h1").text() == \
        "Prognosis comparison report: <script>alert(1)</script> & <b>"


def test_reports_are_reproducible_with_source_date_epoch(tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch
                                                         ) -> None:
    first, _ = export(tmp_path, "a.html")
    second, _ = export(tmp_path, "b.html")
    assert first == second
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1714608000")
    third, _ = export(tmp_path, "c.html")
    assert third != first and "2024-05-02T00:00:00Z" in third
    assert third.replace("2024-05-02T00:00:00Z", CREATED) == first


# --- PDF: the HTML laid out on A4 by WeasyPrint -----------------------------------------

def test_pdf_is_a4_with_selectable_text(tmp_path: Path, library: RuleLibrary,
                                        comparator: Comparator) -> None:
    pytest.importorskip("weasyprint", reason="PDF export needs the pdf extra (WeasyPrint)")
    from pypdf import PdfReader

    path = tmp_path / "report.pdf"
    code, _, err = run("compare", str(DEMO), "--export", str(path))
    assert code == 0, err
    reader = PdfReader(path)
    assert len(reader.pages) >= 2
    for pdf_page in reader.pages:  # A4 is 595.28 x 841.89 points
        box = pdf_page.mediabox
        assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert reader.metadata is not None
    assert reader.metadata.title == "Prognosis comparison report: example-lms-lung"
    assert reader.metadata.creation_date is not None
    assert reader.metadata.creation_date.isoformat() == "2024-05-01T00:00:00+00:00"
    assert "/StructTreeRoot" in reader.trailer["/Root"]  # tagged: structure, not just ink
    text = flat(" ".join(p.extract_text() for p in reader.pages))
    assert "Prognosis comparison report: example-lms-lung" in text
    assert f"Created {CREATED}" in text
    comparison = comparison_of(library, comparator, str(DEMO))
    applicable = [r for r in comparison.results if r.status != "not_applicable"]
    assert [r.short_name for r in applicable] == ["SLMS", "Burkhard-Meier"]
    for r in applicable:
        for e in (*r.estimates, *r.reference_estimates):
            assert flat(words.estimate_phrase(e)) in text, e
    assert "3-y OS from first pulmonary metastasectomy: 10.5%" in text
    assert ("with a score of 2 or more the authors write that the indication for "
            'metastasectomy "should be carefully considered"') in text
    assert "It is not medical advice" in text


def test_pdf_without_weasyprint_is_a_clear_error(tmp_path: Path) -> None:
    """Without the extra, a message says what to install: exit 2, no traceback, no file."""
    path = tmp_path / "report.pdf"
    script = ("import sys; sys.modules['weasyprint'] = None\n"
              "from prognosis.cli.main import main\n"
              f"sys.argv = ['prognosis', 'compare', {str(DEMO)!r}, '--export', {str(path)!r}]\n"
              "main()\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          cwd=ROOT, check=False)
    assert done.returncode == 2, done.stderr
    assert "PDF export needs WeasyPrint: pip install 'prognosis-comparator[pdf]'" in \
        flat(done.stderr)
    assert "Traceback" not in done.stderr
    assert not path.exists() and not list(tmp_path.iterdir())


# --- SVG, Markdown, text ----------------------------------------------------------------

def test_svg_report_has_no_window_chrome(tmp_path: Path) -> None:
    svg, _ = export(tmp_path, "report.svg")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "score 3 of 3" in flat(texts) and "It is not medical advice" in flat(texts)
    assert "url(\"https" not in svg  # no web fonts: a filed report fetches nothing
    assert not list(root.iter("{http://www.w3.org/2000/svg}circle"))  # no fake buttons
    assert not any(r.get("rx") for r in root.iter("{http://www.w3.org/2000/svg}rect"))
    assert "#ff5f57" not in svg and "#febc2e" not in svg and "#28c840" not in svg


def test_markdown_report_is_headings_and_lists(tmp_path: Path) -> None:
    md, _ = export(tmp_path, "report.md")
    assert md.startswith("# Prognosis comparison report: example-lms-lung")
    assert f"Created {CREATED} by prognosis-comparator {VERSION}" in md
    assert "- lung\\_metastasis\\_max\\_diameter: 1.7 cm = 17 mm" in md
    assert "### SLMS 2021" in md and "### LiBrizzi 2022" in md
    assert ("  - use: Factors were measured preoperatively; the score describes prognosis AFTER "
            "resection and does not estimate the benefit of surgery (no control group).") in md
    assert "**Where the studies disagree, and why**" in md
    assert "**Near a cut-off (margins are tool conventions, not evidence)**" in md
    assert f"- slms 1.0.0, research, reviewed 2026-11-23, sha256 `{sha('slms')}`" in md
    assert "- burkhard-meier-2025: https://doi.org/10.1245/s10434-025-17450-2" in md
    assert "not medical advice" in md
    assert not re.search(r"</?[A-Za-z][^>]*>", md)  # no HTML tags (no <br>)
    assert not any(line.lstrip().startswith("|") for line in md.splitlines())  # no tables


def test_text_report(tmp_path: Path) -> None:
    text, _ = export(tmp_path, "report.txt")
    assert "\x1b[" not in text
    body = flat(text)
    for fragment in (f"Created {CREATED} by prognosis-comparator {VERSION}",
                     "lung_metastasis_max_diameter: 1.7 cm = 17 mm", "score 3 of 3", "10.5%",
                     "[all 135 patients]", "Where the studies disagree, and why",
                     "doi.org/10.1016/j.jtcvs.2020.10.137", "It is not medical advice"):
        assert fragment in body, fragment
    assert f"slms 1.0.0, research, reviewed 2026-11-23 sha256 {sha('slms')}" in body
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize(("args", "message"), [
    (["--export", "report.docx"], "must end in .html, .pdf, .svg, .md, .txt"),
    (["--export", "/nonexistent-dir/report.html"], "cannot write the report"),
    (["--export", "r.html", "--what-if", "lung_metastasis_count=3"],
     "cannot be combined with --export"),
])
def test_bad_export_is_bad_input(args: list[str], message: str) -> None:
    code, _, err = run("compare", str(DEMO), *args)
    assert code == 2 and message in err and "Traceback" not in err


def test_bad_source_date_epoch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    code, _, err = run("compare", str(DEMO), "--export", str(tmp_path / "r.html"))
    assert code == 2 and "SOURCE_DATE_EPOCH" in err
    assert not list(tmp_path.iterdir())


def test_compare_json_names_rule_set_hashes_and_tool(library: RuleLibrary) -> None:
    from clirun import run_json

    doc = run_json("compare", str(DEMO), "--format", "json")
    assert [r["id"] for r in doc["rule_sets"]] == [rs.id for rs in library.rule_sets]
    for r, rs in zip(doc["rule_sets"], library.rule_sets, strict=True):
        assert (r["version"], r["status"], r["sha256"]) == (rs.version, rs.status, sha(rs.id))
    assert doc["tool"] == {"name": "prognosis-comparator", "version": VERSION}
