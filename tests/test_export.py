"""`compare --export`: the report a tumour board files, in HTML, SVG, Markdown and text."""

from __future__ import annotations

import hashlib
import re
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest
from clirun import DEMO, run

from prognosis.engine.loader import VERSION, bundled_rules_dir

EPOCH = "1714521600"  # 2024-05-01T00:00:00Z
CREATED = "2024-05-01T00:00:00Z"
RULE_SETS = ("slms", "burkhard-meier-2025", "liu-2022", "abugideiri-2022", "librizzi-2022")


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.style = ""
        self._in_style = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.style += data
        else:
            self.text.append(data)


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def export(tmp_path: Path, name: str, *extra: str) -> tuple[str, str]:
    path = tmp_path / name
    code, out, err = run("compare", str(DEMO), "--export", str(path), *extra)
    assert code == 0, err
    assert f"report written to {path}" in err
    return path.read_text(encoding="utf-8"), out


def flat(text: str) -> str:
    return " ".join(text.replace("\xa0", " ").split())


def assert_report_content(text: str) -> None:
    for fragment in (
        f"Created {CREATED} by prognosis-comparator {VERSION}",
        "lung_metastasis_max_diameter: 1.7 cm = 17 mm",  # as given and as understood
        "disease_free_interval: 23 months = 700.06 days (compared in months",
        "score 3 of 3", "10.5%", "yes, if",
        "[all 135 patients]",  # a whole-cohort figure says whom it describes
        # The study's own warnings travel with its figures.
        "the score describes prognosis AFTER resection and does not estimate the benefit of "
        "surgery",
        'the indication for metastasectomy "should be carefully considered"',
        "Where the studies disagree, and why",
        "on the adverse side for SLMS but not for Burkhard-Meier",
        '"might be a more relevant prognostic factor than their number"',
        "Near a cut-off (margins are tool conventions, not evidence)",
        "lung_metastasis_max_diameter 1.7 cm is 0.2 cm from SLMS's >= 15 mm",
        "doi:10.1245/s10434-025-17450-2", "https://doi.org/10.1016/j.jtcvs.2020.10.137",
        "It is not medical advice",
    ):
        assert fragment in text, fragment
    for rule_set in RULE_SETS:
        sha = hashlib.sha256((bundled_rules_dir() / f"{rule_set}.yaml").read_bytes()).hexdigest()
        assert f"{rule_set} 1.0.0, research, reviewed 2026-11-23 sha256 {sha}" in text


def test_html_report_content_and_self_contained(tmp_path: Path) -> None:
    html, out = export(tmp_path, "report.html")
    page = _Page()
    page.feed(html)
    assert_report_content(flat("".join(page.text)))
    tags = {tag for tag, _ in page.tags}
    assert "script" not in tags and "link" not in tags and "img" not in tags
    assert not any("src" in attrs for _, attrs in page.tags)
    assert "url(" not in page.style and "@import" not in page.style
    assert re.search(r"@page \{ size: A4;", page.style)
    assert "@media print" in page.style
    title = next(i for i, (tag, _) in enumerate(page.tags) if tag == "title")
    assert page.tags[title][0] == "title"
    assert html.startswith("<!DOCTYPE html>") and '<html lang="en">' in html
    assert "Prognosis comparison report: example-lms-lung" in html
    assert "score 3 of 3" in out  # the usual output still goes to stdout


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


def test_svg_report(tmp_path: Path) -> None:
    svg, _ = export(tmp_path, "report.svg")
    root = ET.fromstring(svg)
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    texts = "".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))
    assert "score 3 of 3" in flat(texts) and "It is not medical advice" in flat(texts)
    assert "url(\"https" not in svg  # no web fonts: a filed report fetches nothing


def test_markdown_report(tmp_path: Path) -> None:
    md, _ = export(tmp_path, "report.md")
    assert md.startswith("# Prognosis comparison report: example-lms-lung")
    assert f"Created {CREATED} by prognosis-comparator {VERSION}" in md
    assert "- lung\\_metastasis\\_max\\_diameter: 1.7 cm = 17 mm" in md
    assert ("  - use: Factors were measured preoperatively; the score describes prognosis AFTER "
            "resection and does not estimate the benefit of surgery (no control group).") in md
    assert "**Where the studies disagree, and why**" in md
    assert "**Near a cut-off (margins are tool conventions, not evidence)**" in md
    sha = hashlib.sha256((bundled_rules_dir() / "slms.yaml").read_bytes()).hexdigest()
    assert f"| slms | 1.0.0 | research | 2026-11-23 | `{sha}` |" in md
    assert "burkhard-meier-2025 https://doi.org/10.1245/s10434-025-17450-2" in md
    assert "not medical advice" in md


def test_text_report(tmp_path: Path) -> None:
    text, _ = export(tmp_path, "report.txt")
    assert "\x1b[" not in text
    assert_report_content(flat(text))
    assert max(len(line) for line in text.splitlines()) <= 100


@pytest.mark.parametrize(("args", "message"), [
    (["--export", "report.pdf"], "must end in .html, .svg, .md, .txt"),
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


def test_compare_json_names_rule_set_hashes_and_tool() -> None:
    from clirun import run_json

    doc = run_json("compare", str(DEMO), "--format", "json")
    assert [r["id"] for r in doc["rule_sets"]] == list(RULE_SETS)
    for r in doc["rule_sets"]:
        sha = hashlib.sha256((bundled_rules_dir() / f"{r['id']}.yaml").read_bytes()).hexdigest()
        assert (r["version"], r["status"], r["sha256"]) == ("1.0.0", "research", sha)
    assert doc["tool"] == {"name": "prognosis-comparator", "version": VERSION}
