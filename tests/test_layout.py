"""The comparison reads in one pass at any width: no word broken, nothing cut, nothing wider
than the terminal, at 80, 100, 120 and 160 columns, with and without colour."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from clirun import EXAMPLES, run
from rich.console import Console

from prognosis.cli.render_table import render_table
from prognosis.cli.study_rows import study_rows, study_subtitle, study_title
from prognosis.engine.comparison import compare_patient
from prognosis.engine.evaluate import Comparator
from prognosis.engine.loader import load_library
from prognosis.engine.near_cutoffs import margins_for
from prognosis.engine.patient import normalise, read_patient_data

WIDTHS = (80, 100, 120, 160)
SPARSE = "histology: leiomyosarcoma\nlung_metastasis_count: 3\n"
PATIENTS = [*sorted(EXAMPLES.glob("*.y*ml")), *sorted(EXAMPLES.glob("*.json"))]


def _words_of(path: Path | None) -> list[str]:
    """Every word the study blocks must show whole, from the same rows they are drawn from."""
    library = load_library()
    raw, source = (read_patient_data(str(path)) if path else
                   (__import__("yaml").safe_load(SPARSE), "<sparse>"))
    patient = normalise(raw, library.fields, source)
    comparison = compare_patient(Comparator(library.rule_sets), patient, library.fields,
                                 margins_for(library.fields))
    words: list[str] = []
    for r in comparison.results:
        words += study_title(r).split() + study_subtitle(r).split()
        for row in study_rows(r, comparison.units(), patient.notes):
            words += [row.label]
            for line in row.lines:
                words += line.split()
    return words


@pytest.mark.parametrize("width", WIDTHS)
@pytest.mark.parametrize("path", [*PATIENTS, None], ids=lambda p: p.name if p else "sparse")
def test_no_word_is_broken_and_nothing_is_cut(path: Path | None, width: int) -> None:
    args = ["compare", str(path)] if path else ["compare", "-"]
    code, out, err = run(*args, stdin=None if path else SPARSE, width=width)
    assert code == 0, err
    tokens = set(out.split())
    broken = [w for w in _words_of(path) if w not in tokens]
    assert broken == []
    assert "…" not in out
    assert max(len(line.rstrip()) for line in out.splitlines()) <= width


def test_colour_and_no_colour_give_the_same_text(monkeypatch: pytest.MonkeyPatch) -> None:
    library = load_library()
    raw, source = read_patient_data(str(EXAMPLES / "lung-metastases-lms.yaml"))
    patient = normalise(raw, library.fields, source)
    comparison = compare_patient(Comparator(library.rule_sets), patient, library.fields,
                                 margins_for(library.fields))
    outputs = []
    for no_color in (False, True):
        buffer = io.StringIO()
        console = Console(file=buffer, width=100, no_color=no_color, force_terminal=True,
                          color_system=None if no_color else "truecolor")
        render_table(console, patient, comparison.results, inputs=comparison.inputs(),
                     units=comparison.units())
        outputs.append(buffer.getvalue())
    import re

    plain = re.sub(r"\x1b\[[0-9;]*m", "", outputs[0])
    assert plain == outputs[1]


def test_a_study_whose_applicability_is_unknown_shows_what_it_needs_and_no_figures() -> None:
    code, out, _ = run("compare", "-", "--study", "abugideiri-2022", stdin=SPARSE, width=160)
    assert code == 0
    block = out.split("NCDB (Abugideiri) 2022", 1)[1].split("+ present", 1)[0]
    lines = [line.strip() for line in block.splitlines() if line.strip()]
    assert any(line.startswith("Applies   needs primary_site (the NCDB cohort had soft")
               for line in lines)
    options = [line for line in lines if line.startswith(("Options", "if "))]
    assert [line.rsplit(": ", 1)[-1] for line in options] == [
        "SP+M+C+R", "SP + metastasectomy, with or without C and/or R",
        "SP+M+R (no chemotherapy)", "SP+C+R (no metastasectomy)",
        "SP+C (no radiotherapy, no metastasectomy)",
        "SP + chemotherapy and/or radiotherapy, no metastasectomy", "SP alone"]
    assert "Figures" not in block and "%" not in block


@pytest.mark.parametrize("width", WIDTHS)
def test_on_a_terminal_a_number_never_parts_from_its_unit(width: int) -> None:
    """"0.3 / cm" at 80 columns: a number and its unit stay on one line (cli/wrap.py), on a
    terminal and piped alike, and are printed with a plain space."""
    import itertools
    import re

    from prognosis.cli.render_panels import rich_panels

    library = load_library()
    raw, source = read_patient_data(str(EXAMPLES / "lung-metastases-lms.yaml"))
    patient = normalise(raw, library.fields, source)
    comparison = compare_patient(Comparator(library.rule_sets), patient, library.fields,
                                 margins_for(library.fields))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, force_terminal=True, color_system=None)
    panels = rich_panels(patient, comparison.units(), comparison.disagreements,
                         comparison.near_cutoffs)
    render_table(console, patient, comparison.results, panels, comparison.inputs(),
                 comparison.units())
    lines = buffer.getvalue().splitlines()
    parted = [(a.rstrip(), b.lstrip()) for a, b in itertools.pairwise(lines)
              if re.search(r"\d$", a.rstrip())
              and re.match(r"(mm|cm|days?|months?|years?|mo)\b", b.lstrip())]
    assert parted == []
    assert "\u00a0" not in buffer.getvalue()


def test_a_wrapped_citation_stays_indented_under_its_study() -> None:
    """The Sources block at 80 columns: each study's line starts at 2, its wrapped lines at
    4 (they began at the margin, read as new entries)."""
    code, out, _ = run("compare", str(EXAMPLES / "lung-metastases-lms.yaml"), width=80)
    assert code == 0
    block = out.split("\nSources:\n", 1)[1].split("\nResearch and teaching aid", 1)[0]
    lines = block.splitlines()
    starts = [line for line in lines if not line.startswith("    ")]
    assert starts and all(line.startswith("  ") and line[2] != " " for line in starts)
    assert len(lines) > len(starts)  # some citations wrap ...
    assert lines[0] in starts  # ... under a study's first line
    assert max(map(len, lines)) <= 80


@pytest.mark.parametrize(("text", "glued"), [
    ("lesions > 2 cm: DFS trend", "lesions > 2\u00a0cm: DFS trend"),  # a label's colon
    ('"largest lesion > 2 cm" absent', '"largest lesion > 2\u00a0cm" absent'),  # its quote
    ("6 months, 2 years.", "6\u00a0months, 2\u00a0years."),
    ("2 cmx", "2 cmx"),  # not a unit
])
def test_a_unit_stays_with_its_number_before_any_punctuation(text: str, glued: str) -> None:
    from prognosis.engine.text import glue_units

    assert glue_units(text) == glued
