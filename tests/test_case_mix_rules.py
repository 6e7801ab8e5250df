"""The `case_mix` key of a rule set: each item names exactly one factor, group or
condition, with a count out of a denominator; mistakes are reported with their line."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from prognosis.engine.errors import RuleSetError
from prognosis.engine.loader import RuleLibrary, build_rule_set, bundled_rules_dir
from prognosis.engine.model import Atom
from prognosis.engine.yamlio import parse_yaml

ITEM = "  - {id: nodules_6_or_more, factor: six_or_more_metastases, label: \">= 6 lung " \
       "metastases\", count: 33, of: 135, provenance: \"Table 2 (9 + 24)\"}"


def _slms() -> str:
    text = (bundled_rules_dir() / "slms.yaml").read_text(encoding="utf-8")
    assert ITEM in text
    return text


def _problems(text: str, library: RuleLibrary) -> list[str]:
    with pytest.raises(RuleSetError) as caught:
        build_rule_set(parse_yaml(text, "slms.yaml"), library.fields, "slms.yaml", "0" * 64)
    return [p.message for p in caught.value.problems]


def test_every_bundled_case_mix_item_resolves_to_a_condition(library: RuleLibrary) -> None:
    by_id = {rs.id: rs for rs in library.rule_sets}
    slms = {c.id: c for c in by_id["slms"].case_mix}
    assert (slms["dfi_under_2y"].count, slms["dfi_under_2y"].of) == (99, 135)
    assert slms["nodules_6_or_more"].when == next(
        f.when for f in by_id["slms"].factors if f.id == "six_or_more_metastases")
    leiomyosarcoma = slms["leiomyosarcoma"].when
    assert isinstance(leiomyosarcoma, Atom) and leiomyosarcoma.field == "histology"
    for rs in library.rule_sets:
        for item in rs.case_mix:
            assert 0 <= item.count <= item.of and item.provenance, (rs.id, item.id)


@pytest.mark.parametrize("replacement, message", [
    (ITEM.replace("factor: six_or_more_metastases", "factor: nope"),
     "case_mix 'nodules_6_or_more' names unknown factor 'nope'"),
    (ITEM.replace("factor: six_or_more_metastases", "group: nope"),
     "case_mix 'nodules_6_or_more' names unknown group 'nope'"),
    (ITEM.replace("factor: six_or_more_metastases, ", ""),
     "case_mix 'nodules_6_or_more' needs exactly one of factor, group, when"),
    (ITEM.replace("factor: six_or_more_metastases",
                  "factor: six_or_more_metastases, group: x"),
     "case_mix 'nodules_6_or_more' needs exactly one of factor, group, when"),
    (ITEM.replace("count: 33", "count: 136"),
     "case_mix 'nodules_6_or_more': count 136 of 135 is not a share (need 0 <= count <= of, "
     "of >= 1)"),
])
def test_bad_case_mix_items_are_reported(library: RuleLibrary, replacement: str,
                                         message: str) -> None:
    assert _problems(_slms().replace(ITEM, replacement), library) == [message]


def test_a_count_equal_to_its_denominator_is_allowed(library: RuleLibrary) -> None:
    text = _slms().replace(ITEM, ITEM.replace("count: 33", "count: 135"))
    rs = build_rule_set(parse_yaml(text, "slms.yaml"), library.fields, "slms.yaml", "0" * 64)
    assert {c.id: c.count for c in rs.case_mix}["nodules_6_or_more"] == 135


def test_a_case_mix_item_without_provenance_is_an_error(tmp_path: Path) -> None:
    from prognosis.engine.checks import run_checks
    from prognosis.engine.checks.collect import collect

    shutil.copy(bundled_rules_dir() / "fields.yaml", tmp_path / "fields.yaml")
    path = tmp_path / "slms.yaml"
    path.write_text(_slms().replace(ITEM, ITEM.replace(', provenance: "Table 2 (9 + 24)"', "")))
    found = [f for f in run_checks(collect([path])) if f.check == "missing-provenance"]
    assert [(f.message, f.severity) for f in found] == [
        ("'nodules_6_or_more' has no provenance", "error")]
    assert found[0].line == _slms().splitlines().index(ITEM) + 1
