"""One text layer: outside engine/text.py, no module that shows a comparison formats a number
itself, and none parses another format's words back.

The modules below turn results into what a clinician reads (terminal, Markdown, reports,
explain, what-if, FHIR notes, panels). They take numbers, values with units, thresholds as
the paper states them, estimate phrases and reasons from prognosis.engine.text; a format
spec in an f-string (`:g`, `:.1f`) or a helper of their own would be a second way to say
the same thing.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHOWING = [
    "cli/formatting.py", "cli/render_panels.py", "cli/render_table.py",
    "cli/render_markdown.py", "cli/what_if.py", "cli/study_rows.py", "cli/render_explain.py",
    "cli/forest.py", "engine/explain.py", "engine/fhir.py", "engine/disagreements.py",
    "engine/near_cutoffs.py", "engine/what_if.py", "engine/results.py", "engine/evaluate.py",
    "engine/options.py", "engine/comparison.py", "engine/document.py",
    "cli/board/view.py", "cli/board/app.py", "cli/board/form.py",
    "cli/export.py", "cli/report_html.py",
]
FORMAT_SPEC = re.compile(r"\{[^{}:]*:[<>^]?[+ -]?\d*(?:\.\d+)?[gfe%]\}")
OWN_HELPERS = {"number_text", "_num"}


@pytest.mark.parametrize("name", SHOWING)
def test_no_module_that_shows_results_formats_a_number(name: str) -> None:
    source = (ROOT / name).read_text()
    assert FORMAT_SPEC.findall(source) == []
    defined = {node.name for node in ast.walk(ast.parse(source))
               if isinstance(node, ast.FunctionDef)}
    assert defined & OWN_HELPERS == set()


@pytest.mark.parametrize("name", SHOWING)
def test_no_format_parses_the_engines_words_back(name: str) -> None:
    source = (ROOT / name).read_text()
    assert 'startswith("applicability unknown")' not in source
    assert ".stated.split(" not in source


def test_the_scan_would_catch_a_format_spec() -> None:
    assert FORMAT_SPEC.findall('f"{value:g} mm {x:.1f}% {y:>8.2f}"') == [
        "{value:g}", "{x:.1f}", "{y:>8.2f}"]
