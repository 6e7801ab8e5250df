"""Every check has a failing fixture (a broken copy of a bundled rule file) and a passing
one (the bundled rules themselves, which must stay clean)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prognosis.engine.checks import CHECKS, Finding, run_checks
from prognosis.engine.checks.collect import collect
from prognosis.engine.loader import bundled_rules_dir

RULES = bundled_rules_dir()

# check id -> (file, text to replace, replacement, message fragment, severity)
FAILING: dict[str, list[tuple[str, str, str, str, str]]] = {
    "yaml-syntax": [("slms", "model: score", "model: [score", "YAML syntax error", "error")],
    "input-limit": [("slms", "model: score", "model: &m [score, *m]", "alias *m refers to "
                     "itself", "error"),
                    ("slms", "model: score", "model: " + "[" * 70 + "]" * 70,
                     "nested more than 64 levels deep", "error")],
    "duplicate-key": [("slms", "model: score\n", "model: score\nmodel: group\n",
                       "duplicate key 'model'", "error")],
    "schema": [
        ("slms", "model: score", "modle: score", "unknown key 'modle'", "error"),
        ("slms", "  n: 135", "  n: many", "cohort.n: must be a whole number", "error"),
        ("slms", "short_name: SLMS\n", "", "missing required key 'short_name'", "error"),
    ],
    "unknown-field": [("slms", "field: disease_free_interval,", "field: disease_free_intervall,",
                       "did you mean 'disease_free_interval'?", "error")],
    "enum-value": [("liu-2022", "value: osteosarcoma}", "value: osteosarcomaa}",
                    "'osteosarcomaa' is not allowed", "error")],
    "estimate-scope": [("slms", "    scope: cohort\n", "    scope: score\n",
                        "has scope cohort, not 'score'", "error"),
                       ("librizzi-2022", "    label: 5-year OS from INITIAL diagnosis, LMS with "
                        "bone metastases\n    scope: cohort\n", "    label: x\n    scope: group\n",
                        "has scope cohort, not 'group'", "error")],
    "unit-dimension": [("burkhard-meier-2025", "value: 2, unit: cm}", "value: 2}",
                        "needs a unit: a length is never assumed to be in mm", "error"),
                       ("burkhard-meier-2025", "value: 2, unit: cm}", "value: 2, unit: kg}",
                        "unit 'kg' is not a length unit", "error")],
    "operator-type": [("liu-2022", 'field: histology, op: "=="', 'field: histology, op: "<"',
                       "'<' needs a numeric field", "error")],
    "id-filename": [("slms", "id: slms\n", "id: slms2\n", "differs from its file name",
                     "error")],
    "duplicate-id": [("slms", "- id: six_or_more_metastases", "- id: dfi_under_2_years",
                      "duplicate factor id 'dfi_under_2_years'", "error")],
    "consistency": [("slms", "for: {score: 3}", "for: {score: 4}", "outside 0..3", "error")],
    "unsatisfiable": [
        ("slms", 'when: {field: lung_metastasis_count, op: ">=", value: 1}',
         'when: {all: [{field: lung_metastasis_count, op: ">", value: 20}, '
         '{field: lung_metastasis_count, op: "<", value: 10}]}', "can never hold", "error"),
        ("liu-2022", 'field: lung_lobes_involved, op: ">=", value: 3',
         'field: lung_lobes_involved, op: ">=", value: 6', "caveat 'three_or_more_lobes' can "
         "never hold", "error"),
    ],
    "never-fires": [("abugideiri-2022", "value: [liposarcoma]}", "value: [osteosarcoma]}",
                     "factor 'histology_adipocytic' can never hold for a patient in the "
                     "population", "error")],
    "band-coverage": [
        ("abugideiri-2022", 'op: ">", value: 5, unit: cm}', 'op: ">", value: 6, unit: cm}',
         "gap between bands 'primary_size_0_5cm' [0, 50] and 'primary_size_5_10cm' (60, 100]",
         "error"),
        ("abugideiri-2022", 'op: ">", value: 5, unit: cm}', 'op: ">=", value: 5, unit: cm}',
         "overlap", "error"),
        ("abugideiri-2022", 'when: {field: primary_tumor_size, op: ">", value: 15, unit: cm}',
         'when: {all: [{field: primary_tumor_size, op: ">", value: 15, unit: cm}, '
         '{field: primary_tumor_size, op: "<=", value: 40, unit: cm}]}',
         "stop at 400; values above are uncovered", "error"),
    ],
    "group-overlap": [("liu-2022", 'label: chemotherapy alone\n    when: {field: '
                       'pulmonary_metastasectomy, op: "==", value: false}',
                       'label: chemotherapy alone\n    when: {field: '
                       'pulmonary_metastasectomy, op: "==", value: true}',
                       "groups 'metastasectomy' and "
                       "'no_metastasectomy' can both hold", "error")],
    "score-mapping": [("slms", "for: {score: 2}", "for: {score: 1}",
                       "score 2 is reachable but has no estimate", "error")],
    "percent-range": [("slms", "value: 89.5", "value: 189.5", "189.5 is outside 0-100",
                       "error")],
    "effect-values": [
        ("slms", "ci: [1.67, 10.70]", "ci: [10.70, 1.67]", "are not ordered", "error"),
        ("slms", "ci: [1.67, 10.70]", "ci: [5, 10.70]", "lies outside its CI", "error"),
        ("liu-2022", "value: 0.185", "value: -0.185", "must be greater than 0", "error"),
    ],
    "monotonic-estimates": [("slms", "value: 10.5", "value: 45.0",
                             "higher at score 3 (45) than at score 2 (39)", "warning")],
    "missing-provenance": [("slms", "    provenance: Results (cut-off 6 by ROC, c-index 0.64); "
                            "Table 3\n", "", "'six_or_more_metastases' has no provenance",
                            "error")],
    "citation-doi": [("slms", "  note: accepted manuscript; the source text gives no DOI\n", "",
                      "citation has no DOI", "warning")],
    "lifecycle": [("slms", "status: research", "status: draft", "status is 'draft'", "warning"),
                  ("slms", "status: research", "status: retired", "should not be used",
                   "warning")],
    "suppression": [("slms", "model: score\n", "model: score  # prognosis: ignore[schema]\n",
                     "suppression of schema gives no reason", "error"),
                    ("slms", "model: score\n", "model: score  # prognosis: ignore[schemas] x\n",
                     "unknown check id(s): schemas", "error")],
    "todo": [("slms", "label: DFI < 2 years", "label: TODO DFI < 2 years", "TODO left in",
              "warning")],
    "statement-field": [("burkhard-meier-2025", "about_field: lung_metastasis_count",
                         "about_field: lung_metastasis_cout",
                         "did you mean 'lung_metastasis_count'?", "error")],
    "population-aspect": [("slms", "about: incomplete_resection", "about: incomplete_resections",
                           "'incomplete_resections' is declared by no other rule set", "info")],
    "examples": [
        ("slms", "      status: complete\n      score: 3\n", "      status: complete\n"
         "      score: 2\n", "example 'all three factors (score 3)': score: expected 2, got 3",
         "error"),
        ("abugideiri-2022", "subgroup: sp_m_r", "subgroup: sp_m_c_r",
         "subgroup: expected sp_m_c_r, got sp_m_r", "error"),
        ("librizzi-2022", "factors: {pathologic_fracture: null}",
         "factors: {pathologic_fracture: false}",
         "factors.pathologic_fracture: expected false, got null (unknown)", "error"),
    ],
}


def _write(tmp_path: Path, name: str, old: str, new: str) -> Path:
    shutil.copy(RULES / "fields.yaml", tmp_path / "fields.yaml")
    text = (RULES / f"{name}.yaml").read_text()
    assert old in text, f"fixture out of date: {old!r} not in {name}.yaml"
    path = tmp_path / f"{name}.yaml"
    path.write_text(text.replace(old, new, 1))
    return path


def _findings(*paths: Path) -> list[Finding]:
    return run_checks(collect(list(paths)))


CASES = [(check_id, case) for check_id, cases in FAILING.items() for case in cases]


@pytest.mark.parametrize(("check_id", "case"), CASES,
                         ids=[f"{c}-{i}" for i, (c, _) in enumerate(CASES)])
def test_failing_fixture(check_id: str, case: tuple[str, str, str, str, str],
                         tmp_path: Path) -> None:
    name, old, new, fragment, severity = case
    path = _write(tmp_path, name, old, new)
    found = [f for f in _findings(path) if f.check == check_id]
    assert found, f"no {check_id} finding"
    assert any(fragment in f.message for f in found), [f.message for f in found]
    assert all(f.path == str(path) and f.line and f.line >= 1 for f in found)
    assert {f.severity for f in found if fragment in f.message} == {severity}


def test_passing_fixture_the_bundled_rules_are_clean() -> None:
    findings = _findings(RULES)
    assert [f for f in findings if f.severity != "info"] == []
    assert {f.check for f in findings} == {"field-meaning"}


def test_every_check_has_a_failing_fixture_and_documentation() -> None:
    tested = set(FAILING) | {"fields-file", "field-meaning", "read-error", "unit-table"}
    assert tested == set(CHECKS)
    for c in CHECKS.values():
        assert len(c.doc) > 30, c.id


def test_finding_line_points_at_the_broken_item(tmp_path: Path) -> None:
    path = _write(tmp_path, "slms", "value: 89.5", "value: 189.5")
    [finding] = [f for f in _findings(path) if f.check == "percent-range"]
    line = path.read_text().splitlines()[finding.line - 1]
    assert line.strip() == "value: 189.5"  # the edited line itself
    assert finding.text().startswith(f"{path}:{finding.line}:")
    assert finding.text().endswith("[percent-range]")


def test_fields_file_check(tmp_path: Path) -> None:
    path = _write(tmp_path, "slms", "id: slms", "id: slms")
    fields = tmp_path / "fields.yaml"
    fields.write_text(fields.read_text().replace("lms: leiomyosarcoma", "lms: leiomyo"))
    found = [f for f in _findings(path) if f.check == "fields-file"]
    assert len(found) == 1 and "alias 'lms' points at 'leiomyo'" in found[0].message
    assert found[0].path == str(fields)


def test_field_meaning_across_rule_sets(tmp_path: Path) -> None:
    nc = _write(tmp_path, "abugideiri-2022", "model: group\n", "model: group\nfield_meanings:\n"
                "  metastasectomy: surgery to any non-primary site\n")
    liu = _write(tmp_path, "liu-2022", "model: group\n", "model: group\nfield_meanings:\n"
                 "  metastasectomy: pulmonary metastasectomy\n")
    found = [f for f in _findings(nc, liu) if f.check == "field-meaning"
             and "metastasectomy" in f.message]
    assert {f.path for f in found} == {str(nc), str(liu)}
    assert all(f.severity == "info" for f in found)


def test_non_monotonic_reason_silences_the_warning(tmp_path: Path) -> None:
    path = _write(tmp_path, "slms", "    value: 10.5\n", "    value: 45.0\n"
                  "    non_monotonic_reason: as published (Figure 3)\n")
    assert [f for f in _findings(path) if f.check == "monotonic-estimates"] == []


def test_duplicate_rule_set_id_across_files(tmp_path: Path) -> None:
    first = _write(tmp_path, "slms", "id: slms", "id: slms")
    other = tmp_path / "copy"
    other.mkdir()
    second = other / "slms.yaml"
    second.write_text(first.read_text())
    found = [f for f in _findings(first, second) if f.check == "duplicate-id"]
    assert len(found) == 1 and f"also used by {first}" in found[0].message


def test_five_different_problems_in_one_file_are_all_reported_in_one_run(
        tmp_path: Path) -> None:
    """Two duplicate keys, a schema error, a unit error, a logic error and a missing
    provenance: one run reports each (a duplicate key no longer hides the rest)."""
    path = _write(tmp_path, "burkhard-meier-2025", "value: 2, unit: cm}", "value: 2, unit: kg}")
    text = path.read_text()
    for old, new in (
        ("short_name: Burkhard-Meier\n", "short_name: Burkhard-Meier\nshort_name: BM\n"),
        ("title: ", "title: A second title\ntitle: "),
        ("version: 1.0.0", "version: one"),
        ('field: treatment_free_interval, op: ">", value: 12, unit: months}',
         'all: [{field: treatment_free_interval, op: ">", value: 12, unit: months}, '
         '{field: treatment_free_interval, op: "<", value: 6, unit: months}]}'),
    ):
        assert old in text, old
        text = text.replace(old, new, 1)
    lines = text.splitlines(keepends=True)
    provenance = next(i for i, line in enumerate(lines) if line.startswith("    provenance:"))
    path.write_text("".join(lines[:provenance] + lines[provenance + 1:]))
    found = [f for f in _findings(path) if f.severity != "info"]
    assert sorted((f.check, f.message) for f in found) == [
        ("duplicate-key", "duplicate key 'short_name' (first defined on line 7)"),
        ("duplicate-key", "duplicate key 'title' (first defined on line 9)"),
        ("missing-provenance", "'diameter_over_2cm' has no provenance"),
        ("schema", "version: 'one' does not match ^\\d+\\.\\d+\\.\\d+$"),
        ("unit-dimension", "field 'lung_metastasis_max_diameter': threshold 2 kg: unit 'kg' "
                           "is not a length unit; allowed: mm, cm, millimeter, millimeters, "
                           "millimetre, millimetres, centimeter, centimeters, centimetre, "
                           "centimetres"),
        ("unsatisfiable", "factor 'tfi_over_12_months' can never hold: no value of its "
                          "fields satisfies it"),
    ]


def test_an_unreadable_file_is_a_read_error(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("id: caf\xe9\n".encode("latin-1"))
    [found] = _findings(path)
    assert (found.check, found.severity) == ("read-error", "error")
    assert found.message.startswith("not UTF-8 text")


def test_unit_table_check(tmp_path: Path) -> None:
    path = _write(tmp_path, "slms", "id: slms", "id: slms")
    fields = tmp_path / "fields.yaml"
    assert _findings(path) and not [f for f in _findings(path) if f.check == "unit-table"]
    text = fields.read_text()
    assert "month: 30.4375," in text
    fields.write_text(text.replace("month: 30.4375,", "month: 30,", 1))
    [found] = [f for f in _findings(path) if f.check == "unit-table"]
    assert found.path == str(fields) and found.severity == "error"
    assert found.message == ("the calendar units of duration disagree on the length of a "
                             "month (month: 30 days per month; months, mo, mos, year, years, y, "
                             "yr, yrs: 30.4375 days per month)")


def test_one_file_checked_alone_is_compared_with_its_siblings() -> None:
    """pre-commit passes one file: its population aspects are shared with the rule sets
    beside it, so no false 'declared by no other rule set'."""
    findings = _findings(RULES / "slms.yaml")
    assert [f for f in findings if f.check == "population-aspect"] == []
