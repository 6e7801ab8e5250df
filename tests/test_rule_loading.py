"""Loading rule sets: order, unit conversion of thresholds, and broken rule files."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from conftest import ROSTER

from prognosis.engine.errors import InputError, Problem, RuleSetError
from prognosis.engine.loader import (
    RuleLibrary,
    build_rule_set,
    bundled_rules_dir,
    load_library,
)
from prognosis.engine.model import Atom, RuleSet
from prognosis.engine.yamlio import parse_yaml

COUNT_ATOM = 'when: {field: lung_metastasis_count, op: ">=", value: 6}'
SIZE_ATOM = "value: 15, unit: mm}"


@pytest.fixture(scope="module")
def slms_text() -> str:
    return (bundled_rules_dir() / "slms.yaml").read_text(encoding="utf-8")


def line_of(text: str, fragment: str) -> int:
    """The 1-based line of the only occurrence of `fragment`."""
    assert text.count(fragment) == 1
    return text[:text.index(fragment)].count("\n") + 1


def build(text: str, library: RuleLibrary, source: str = "slms.yaml") -> RuleSet:
    return build_rule_set(parse_yaml(text, source), library.fields, source, "0" * 64)


def problems(text: str, library: RuleLibrary) -> list[Problem]:
    with pytest.raises(RuleSetError) as caught:
        build(text, library)
    return caught.value.problems


def atoms_by_field(rs: RuleSet) -> dict[str, list[Atom]]:
    found: dict[str, list[Atom]] = {}
    for atom in rs.atoms():
        found.setdefault(atom.field, []).append(atom)
    return found


def test_the_roster_is_the_golden_list(library: RuleLibrary) -> None:
    """The one place that names every bundled study: a new study is added here."""
    assert tuple(rs.id for rs in library.rule_sets) == ROSTER
    assert all(len(rs.sha256) == 64 for rs in library.rule_sets)
    assert {rs.id: rs.max_score() for rs in library.rule_sets}["slms"] == 3


def test_display_order_comes_from_the_rule_files(rules_copy: Path,
                                                 library: RuleLibrary) -> None:
    """display_order first; studies without one follow by citation year, then id."""
    first, second = library.rule_sets[0], library.rule_sets[1]
    for rs, order in ((first, second.display_order), (second, first.display_order)):
        edit(rules_copy / f"{rs.id}.yaml", f"display_order: {rs.display_order}\n",
             f"display_order: {order}\n")
    ids = [rs.id for rs in load_library(rules_copy).rule_sets]
    assert ids[:2] == [second.id, first.id]
    for rs in library.rule_sets:  # none has an order now: by year, then id
        path = rules_copy / f"{rs.id}.yaml"
        path.write_text("\n".join(line for line in path.read_text().splitlines()
                                  if not line.startswith("display_order:")) + "\n")
    ids = [rs.id for rs in load_library(rules_copy).rule_sets]
    assert ids == [rs.id for rs in sorted(library.rule_sets,
                                          key=lambda r: (r.citation.year, r.id))]


def test_select_keeps_the_order_asked_and_rejects_unknown_ids(library: RuleLibrary) -> None:
    assert [rs.id for rs in library.select(["liu-2022", "slms", "liu-2022"])] == [
        "liu-2022", "slms"]
    assert library.select([]) == library.rule_sets
    with pytest.raises(RuleSetError) as caught:
        library.select(["slms", "smls"])
    [problem] = caught.value.problems
    assert problem.message.startswith("unknown rule set 'smls'; available: slms, ")


@pytest.mark.parametrize(("rule_set", "field", "op", "value", "unit", "stated"), [
    ("burkhard-meier-2025", "lung_metastasis_max_diameter", ">", 20.0, "mm", (2, "cm")),
    ("burkhard-meier-2025", "treatment_free_interval", ">", 365.25, "days", (12, "months")),
    ("slms", "disease_free_interval", "<", 730.0, "days", (2, "years")),
    ("slms", "lung_metastasis_max_diameter", ">=", 15.0, "mm", (15, "mm")),
    ("slms", "lung_metastasis_count", ">=", 6.0, None, (6, None)),
    ("liu-2022", "alkaline_phosphatase_ratio", ">", 2.0, None, (2, None)),
    ("abugideiri-2022", "primary_tumor_size", ">", 150.0, "mm", (15, "cm")),
])
def test_thresholds_are_stored_in_canonical_units(library: RuleLibrary, rule_set: str,
                                                  field: str, op: str, value: float,
                                                  unit: str | None, stated: tuple[Any, Any]
                                                  ) -> None:
    [rs] = library.select([rule_set])
    matching = [a for a in atoms_by_field(rs)[field] if a.op == op and a.value == value]
    [atom] = matching
    assert isinstance(atom.value, float)
    assert (atom.unit, (atom.stated_value, atom.stated_unit)) == (unit, stated)


@pytest.mark.parametrize(("rule_set", "field", "days", "months", "same_as"), [
    ("slms", "disease_free_interval", 730.0, 24.0, (730.0, "days")),  # Results: 2 y = 730 d
    ("burkhard-meier-2025", "treatment_free_interval", 365.25, 12.0, None),
])
def test_duration_thresholds_keep_the_papers_days_and_months(
        library: RuleLibrary, rule_set: str, field: str, days: float, months: float,
        same_as: tuple[float, str] | None) -> None:
    [rs] = library.select([rule_set])
    [atom] = atoms_by_field(rs)[field]
    assert (atom.value, atom.months, atom.same_as) == (days, months, same_as)


def test_ncdb_size_bands_are_stored_in_mm(library: RuleLibrary) -> None:
    [rs] = library.select(["abugideiri-2022"])
    assert sorted((a.op, a.value) for a in atoms_by_field(rs)["primary_tumor_size"]) == [
        ("<=", 50.0), ("<=", 100.0), ("<=", 150.0), (">", 50.0), (">", 100.0), (">", 150.0)]


def test_an_unchanged_copy_builds(slms_text: str, library: RuleLibrary) -> None:
    rs = build(slms_text, library)
    assert (rs.id, len(rs.factors), len(rs.estimates)) == ("slms", 3, 4)


def test_misspelt_field_is_named_with_its_line(slms_text: str, library: RuleLibrary) -> None:
    assert COUNT_ATOM in slms_text
    text = slms_text.replace(COUNT_ATOM, COUNT_ATOM.replace("_count", "_cout"))
    [problem] = problems(text, library)
    assert problem.message == ("field 'lung_metastasis_cout' is not declared in fields.yaml "
                               "(did you mean 'lung_metastasis_count'?)")
    assert (problem.line, problem.code, problem.path) == (
        line_of(slms_text, COUNT_ATOM), "unknown-field", "slms.yaml")


def test_unit_of_the_wrong_dimension_is_named_with_its_line(slms_text: str,
                                                            library: RuleLibrary) -> None:
    text = slms_text.replace(SIZE_ATOM, "value: 15, unit: kg}")
    [problem] = problems(text, library)
    assert problem.field == "lung_metastasis_max_diameter"
    assert "unit 'kg' is not a length unit; allowed: mm, cm" in problem.message
    assert (problem.line, problem.code) == (line_of(slms_text, SIZE_ATOM), "unit-dimension")


def test_problems_of_one_file_are_collected_together(slms_text: str,
                                                     library: RuleLibrary) -> None:
    text = slms_text.replace(SIZE_ATOM, "value: 15, unit: kg}").replace(
        COUNT_ATOM, COUNT_ATOM.replace("_count", "_cout"))
    assert [(p.line, p.code) for p in problems(text, library)] == [
        (line_of(slms_text, SIZE_ATOM), "unit-dimension"),
        (line_of(slms_text, COUNT_ATOM), "unknown-field")]


def test_unknown_key_is_named_with_its_line(slms_text: str, library: RuleLibrary) -> None:
    text = slms_text.replace("model: score\n", "model: score\nflavour: spicy\n")
    [problem] = problems(text, library)
    assert "unknown key 'flavour'" in problem.message
    assert (problem.line, problem.col, problem.code) == (line_of(text, "flavour"), 1, "schema")


def test_factor_id_must_be_unique(slms_text: str, library: RuleLibrary) -> None:
    text = slms_text.replace("id: six_or_more_metastases", "id: dfi_under_2_years")
    # the case_mix item that names the renamed factor is reported too
    assert [p.message for p in problems(text, library)] == [
        "case_mix 'nodules_6_or_more' names unknown factor 'six_or_more_metastases'",
        "duplicate factor id 'dfi_under_2_years'"]


def test_rule_set_id_must_match_its_file_name(slms_text: str, library: RuleLibrary) -> None:
    with pytest.raises(RuleSetError) as caught:
        build(slms_text, library, source="rules/sarcoma.yaml")
    [problem] = caught.value.problems
    assert problem.code == "id-filename"
    assert "rule set id 'slms' differs from its file name 'sarcoma.yaml'" in problem.message


def test_duplicate_key_is_rejected_with_its_line(slms_text: str) -> None:
    text = slms_text.replace("short_name: SLMS\n", "short_name: SLMS\ntitle: again\n")
    first, second = line_of(text, "title: again"), line_of(text, "\ntitle: Sarcoma") + 1
    with pytest.raises(InputError) as caught:
        parse_yaml(text, "slms.yaml")
    [problem] = caught.value.problems
    assert problem.message == f"duplicate key 'title' (first defined on line {first})"
    assert (problem.line, problem.col, problem.code) == (second, 1, "duplicate-key")


@pytest.fixture
def rules_copy(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), target, ignore=shutil.ignore_patterns("__*", "schema"))
    return target


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_a_copied_library_loads_like_the_bundled_one(rules_copy: Path,
                                                     library: RuleLibrary) -> None:
    copy = load_library(rules_copy)
    assert [rs.id for rs in copy.rule_sets] == [rs.id for rs in library.rule_sets]
    assert [rs.sha256 for rs in copy.rule_sets] == [rs.sha256 for rs in library.rule_sets]


def test_library_collects_problems_of_every_file(rules_copy: Path) -> None:
    liu_line = line_of((rules_copy / "liu-2022.yaml").read_text(), "field: lung_lobes_involved")
    slms_line = line_of((rules_copy / "slms.yaml").read_text(), COUNT_ATOM)
    edit(rules_copy / "slms.yaml", COUNT_ATOM, COUNT_ATOM.replace("_count", "_cout"))
    edit(rules_copy / "liu-2022.yaml", "field: lung_lobes_involved", "field: lung_lobes")
    with pytest.raises(RuleSetError) as caught:
        load_library(rules_copy)
    assert sorted((Path(p.path).name, p.line, p.code) for p in caught.value.problems) == [
        ("liu-2022.yaml", liu_line, "unknown-field"), ("slms.yaml", slms_line, "unknown-field")]


def test_library_collects_a_duplicate_key_with_the_other_problems(rules_copy: Path) -> None:
    edit(rules_copy / "slms.yaml", "short_name: SLMS\n", "short_name: SLMS\ntitle: again\n")
    edit(rules_copy / "liu-2022.yaml", "field: lung_lobes_involved", "field: lung_lobes")
    with pytest.raises(InputError) as caught:
        load_library(rules_copy)
    assert sorted(Path(p.path).name for p in caught.value.problems) == [
        "liu-2022.yaml", "slms.yaml"]
