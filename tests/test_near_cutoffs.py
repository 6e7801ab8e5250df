"""Near a cut-off: every numeric cut-off of every bundled rule set, with a value exactly at,
just under and just over it; what changes on the other side; margins and --margin."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from clirun import DEMO, ROOT, run, run_json

from prognosis.engine.comparison import compare_patient
from prognosis.engine.evaluate import Comparator
from prognosis.engine.loader import RuleLibrary
from prognosis.engine.model import Atom, RuleSet
from prognosis.engine.near_cutoffs import NearCutoff, is_presence_test, margins_for
from prognosis.engine.patient import normalise

INEQUALITIES = ("<", "<=", ">", ">=")


def cutoffs(library: RuleLibrary) -> Iterator[tuple[RuleSet, Atom]]:
    for rs in library.rule_sets:
        for atom in rs.atoms():
            if atom.op in INEQUALITIES and not is_presence_test(atom,
                                                                 library.fields[atom.field]):
                yield rs, atom


def test_has_lung_metastases_is_no_cut_off(library: RuleLibrary) -> None:
    """count >= 1 only says the patient has lung metastases: a 2-nodule patient is not
    'near SLMS's >= 1'."""
    presence = [(rs.id, a.field, a.op, a.value) for rs in library.rule_sets for a in rs.atoms()
                if is_presence_test(a, library.fields[a.field])]
    assert presence and {p[1:] for p in presence} == {("lung_metastasis_count", ">=", 1.0)}
    raw = {"lung_metastasis_count": 2, "lung_metastasis_max_diameter": "8 mm",
           "disease_free_interval": "5 years"}
    patient = normalise(raw, library.fields, "two")
    comparison = compare_patient(Comparator(library.rule_sets), patient, library.fields,
                                 margins_for(library.fields))
    assert [n.threshold for n in comparison.near_cutoffs
            if n.field == "lung_metastasis_count"] == []


def _cases() -> list[tuple[str, str, float]]:
    from conftest import bundled_library

    cases = []
    for rs, atom in cutoffs(bundled_library()):
        for where in ("at", "under", "over"):
            cases.append((rs.id, atom.key, where))
    return cases  # type: ignore[return-value]


def _base_patient(rs: RuleSet) -> dict[str, Any]:
    """An example patient of the rule set whose result is not 'not applicable'."""
    example = next(e for e in rs.examples if e.expect["status"] != "not_applicable")
    return dict(example.patient)


def _set(raw: dict[str, Any], library: RuleLibrary, name: str, value: float) -> None:
    fdef = library.fields[name]
    if fdef.ratio:  # a derived ratio: set what it is derived from
        top, bottom = fdef.ratio
        raw[top], raw[bottom] = round(value * 100, 9), 100
    elif fdef.dimension is not None:
        raw[name] = f"{value!r} {fdef.dimension.canonical}"
    else:
        raw[name] = int(value) if fdef.type == "int" else value


def test_every_numeric_cut_off_is_covered() -> None:
    assert len(_cases()) >= 3 * 10


@pytest.mark.parametrize(("rule_set", "key", "where"), _cases())
def test_value_at_under_and_over_each_cut_off(library: RuleLibrary, rule_set: str, key: str,
                                              where: str) -> None:
    rs = next(r for r in library.rule_sets if r.id == rule_set)
    atom = next(a for a in rs.atoms() if a.key == key)
    fdef = library.fields[atom.field]
    margin = library.fields[atom.field].margin
    assert margin is not None, f"{atom.field} has no margin in fields.yaml"
    step = 1.0 if fdef.type == "int" else min(margin / 2, 0.1)
    threshold = float(atom.value)  # type: ignore[arg-type]
    value = {"at": threshold, "under": threshold - step, "over": threshold + step}[where]
    if (fdef.min is not None and value < fdef.min) or (fdef.max is not None and value > fdef.max):
        pytest.skip("outside what the field allows")
    raw = _base_patient(rs)
    _set(raw, library, atom.field, value)
    patient = normalise(raw, library.fields, "near")
    comparator = Comparator([rs])
    comparison = compare_patient(comparator, patient, library.fields, margins_for(library.fields))
    [near] = [n for n in comparison.near_cutoffs if n.field == atom.field
              and n.threshold == threshold and n.op == atom.op] or [None]
    [result] = comparison.results
    if near is None:  # only when the study applies on neither side
        assert result.status == "not_applicable"
        return
    ops = {"<": value < threshold, "<=": value <= threshold, ">": value > threshold,
           ">=": value >= threshold}
    assert near.holds is ops[atom.op]
    assert near.distance == pytest.approx(abs(value - threshold))
    assert near.value == pytest.approx(patient.values[atom.field])
    moved = {"<": near.moved_to < threshold, "<=": near.moved_to <= threshold,
             ">": near.moved_to > threshold, ">=": near.moved_to >= threshold}[atom.op]
    assert moved is not near.holds  # the value really went across
    assert abs(near.moved_to - threshold) <= 1  # and only just
    if near.factor is not None:
        assert near.other_side["present"] is (not near.this_side["present"])
    # The other side is what the engine says for the moved value.
    if not fdef.ratio:
        _set(raw, library, atom.field, near.moved_to)
    changed = normalise(raw, library.fields, "moved") if not fdef.ratio else None
    if changed is not None:
        [other] = comparator.evaluate(changed)
        if "score" in near.other_side:
            assert near.other_side["score"] == other.score
        if "status" in near.other_side:
            assert near.other_side["status"] == other.status


def _near(doc: dict[str, Any], field: str, rule_set: str) -> list[dict[str, Any]]:
    return [n for n in doc["near_cutoffs"] if n["field"] == field and n["rule_set"] == rule_set]


def test_worked_patient_flags_and_their_other_side() -> None:
    doc = run_json("compare", str(DEMO), "--format", "json")
    flagged = [(n["field"], n["rule_set"], n["threshold"]) for n in doc["near_cutoffs"]]
    assert flagged == [
        ("lung_metastasis_count", "slms", 6.0),
        ("lung_metastasis_max_diameter", "slms", 15.0),
        ("lung_metastasis_max_diameter", "burkhard-meier-2025", 20.0),
        ("disease_free_interval", "slms", 730.0),
        ("treatment_free_interval", "burkhard-meier-2025", 365.25),
    ]
    [size] = _near(doc, "lung_metastasis_max_diameter", "slms")
    assert set(size) >= {"field", "value", "threshold", "rule_set", "factor", "distance",
                         "other_side"}
    assert (size["value"], size["distance"], size["factor"], size["unit"]) == (
        17.0, 2.0, "max_diameter_15mm_or_more", "mm")
    assert size["other_side"]["present"] is False and size["other_side"]["score"] == 2
    assert [e["value"] for e in size["other_side"]["estimates"]] == [39.0]
    [dfi] = _near(doc, "disease_free_interval", "slms")
    # 23 months is compared with "2 years" in months: 1 month (30.4375 days) from it.
    assert dfi["distance"] == pytest.approx(30.4375) and dfi["other_side"]["score"] == 2
    [over] = _near(doc, "lung_metastasis_max_diameter", "burkhard-meier-2025")
    assert over["other_side"]["present"] is True
    assert over["other_side"]["caveats"] == {"systemic_therapy_trend_over_2cm": True}
    [tfi] = _near(doc, "treatment_free_interval", "burkhard-meier-2025")
    assert tfi["distance"] == pytest.approx(30.4375)  # exactly the 1-month margin: included
    assert doc["margins"]["lung_metastasis_max_diameter"] == 3.0


def test_not_applicable_on_both_sides_is_left_out() -> None:
    doc = run_json("compare", str(DEMO), "--format", "json")
    assert _near(doc, "lung_lobes_involved", "liu-2022") == []  # 2 lobes, but not osteosarcoma


@pytest.mark.parametrize(("margin", "expected"), [
    ("lung_metastasis_max_diameter=1mm", 0),
    ("lung_metastasis_max_diameter=2 mm", 1),
    ("lung_metastasis_max_diameter=0.3 cm", 2),
])
def test_margin_option_with_units(margin: str, expected: int) -> None:
    doc = run_json("compare", str(DEMO), "--format", "json", "--margin", margin)
    assert len([n for n in doc["near_cutoffs"]
                if n["field"] == "lung_metastasis_max_diameter"]) == expected


def test_margin_in_months_for_an_interval() -> None:
    doc = run_json("compare", str(DEMO), "--format", "json",
                   "--margin", "disease_free_interval=2 weeks")
    assert _near(doc, "disease_free_interval", "slms") == []
    assert doc["margins"]["disease_free_interval"] == 14.0


@pytest.mark.parametrize(("margin", "message"), [
    ("lung_metastasis_diameter=2mm", "did you mean 'lung_metastasis_max_diameter'?"),
    ("lung_metastasis_max_diameter=-2mm", ">= 0"),
    ("lung_metastasis_max_diameter=2 kg", "not a length unit"),
    ("lung_metastasis_max_diameter", "expected FIELD=VALUE"),
    ("histology=1", "only numeric fields have a margin"),
])
def test_bad_margin_is_bad_input(margin: str, message: str) -> None:
    code, _, err = run("compare", str(DEMO), "--margin", margin)
    assert code == 2
    assert "--margin" in err and message in err and "Traceback" not in err


def test_panel_under_the_table() -> None:
    code, out, _ = run("compare", str(DEMO))
    assert code == 0
    flat = " ".join(out.split())
    assert "Near a cut-off (margins are tool conventions, not evidence)" in flat
    # Shown in the unit the value was given in (1.7 cm), the cut-off as the paper states it.
    # What would change, in the rule set's own words for its factors (not their ids).
    assert ("! lung_metastasis_max_diameter 1.7 cm is 0.2 cm from SLMS's >= 15 mm (margin "
            '0.3 cm); if it were under 15 mm: "largest nodule >= 15 mm" present -> absent; '
            "score 3 -> 2" in flat)
    assert "max_diameter_15mm_or_more" not in flat and "dfi_under_2_years" not in flat
    assert ("! disease_free_interval 23 months is 1 month from SLMS's < 2 years (margin 1 "
            "month)") in flat
    assert "! lung_metastasis_count 6 is exactly at SLMS's >= 6" in flat


def test_readme_documents_every_margin_as_a_convention(library: RuleLibrary) -> None:
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## The patient file", 1)[1].split("\n## ", 1)[0]
    assert "conventions of this tool, not evidence" in section
    rows = {m.group(1): m.group(2) for m in re.finditer(
        r"^\| `([a-z_]+)` \|[^|]*\|[^|]*\|([^|]*)\|$", section, re.M)}
    for f in library.fields.input_fields():
        margin = rows[f.name].strip()
        if f.margin is None:
            assert margin == "", f.name
        else:
            assert f.amount(margin) == f.margin, (f.name, margin)
    fields_yaml = (Path(library.fields.source)).read_text()
    assert "MARGINS ARE TOOL CONVENTIONS, NOT EVIDENCE" in fields_yaml


def test_near_cutoff_is_plain_data() -> None:
    assert NearCutoff.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_change_phrases_name_factors_and_groups_by_their_labels() -> None:
    """Factors and groups by the rule set's labels; a caveat (no label) and anything the
    labels miss by its id; options name their group's label too."""
    import dataclasses

    from prognosis.cli.render_panels import change_phrases
    from prognosis.engine.near_cutoffs import NearCutoff

    near = NearCutoff(
        field="x", value=1.0, threshold=1.0, unit=None, op=">=", stated_value=1,
        stated_unit=None, rule_set="r", short_name="R", factor="big", uses=("factor:big",),
        distance=0.0, margin=1.0, holds=True, moved_to=0.9,
        this_side={"present": True, "group": "a", "subgroup": "a1",
                   "factors": {"small": False}, "caveats": {"warn": True},
                   "options": [{"assumes": {"surgery": True}, "group": "a", "score": None}]},
        other_side={"present": False, "group": "b", "subgroup": "b1",
                    "factors": {"small": True}, "caveats": {"warn": False},
                    "options": [{"assumes": {"surgery": True}, "group": "b", "score": None}]},
        labels={"factor:big": "big one", "group:a": "Group A", "group:b": "Group B",
                "group:a1": "A, first"})
    assert change_phrases(near) == [
        '"big one" present -> absent', "group Group A -> Group B",
        "subgroup A, first -> b1",  # b1 has no label: its id
        "options if surgery yes: Group A -> if surgery yes: Group B",
        "small absent -> present",  # no label: its id
        "caveat warn present -> absent"]
    assert change_phrases(dataclasses.replace(near, labels={}))[:2] == [
        "big present -> absent", "group a -> b"]
    # A caveat the rule set labels, and a treatment choice, in the rule set's own words.
    labelled = dataclasses.replace(near, labels={
        **near.labels, "caveat:warn": "a warning", "treatment:surgery:yes": "surgery"})
    assert change_phrases(labelled)[3:] == [
        "options if surgery: Group A -> if surgery: Group B", "small absent -> present",
        'caveat "a warning" present -> absent']


def test_rule_set_labels_name_caveats_and_treatment_choices(library: RuleLibrary) -> None:
    """Every label a change list may use, from the rule set: factors, groups, the caveats
    it labels, and each treatment's words for yes and no (fields.yaml)."""
    from prognosis.engine.near_cutoffs import rule_set_labels

    for rs in library.rule_sets:
        labels = rule_set_labels(rs)
        assert {k for k in labels if k.startswith("caveat:")} == {
            f"caveat:{c.id}" for c in rs.caveats if c.label}
        assert {k: v for k, v in labels.items() if k.startswith("treatment:")} == {
            **{f"treatment:{t.field}:yes": t.labels[0] for t in rs.treatments},
            **{f"treatment:{t.field}:no": t.labels[1] for t in rs.treatments}}
    bm = rule_set_labels(library.select(["burkhard-meier-2025"])[0])
    assert bm["caveat:systemic_therapy_trend_over_2cm"] == (
        "systemic therapy, lesions > 2 cm: DFS trend (not significant)")
    slms = rule_set_labels(library.select(["slms"])[0])
    assert (slms["treatment:pulmonary_metastasectomy:yes"],
            slms["treatment:pulmonary_metastasectomy:no"]) == (
        "pulmonary metastasectomy", "no pulmonary metastasectomy")
