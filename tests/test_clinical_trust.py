"""Every figure describes this patient under one study, or says whom it describes.

Treatments are options (not missing facts), whole-cohort figures are never the
patient's, the studies' own warnings travel with their figures in every format,
and values outside a cohort's observed range are flagged.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from clirun import DEMO, EXAMPLES, run, run_json
from conftest import ROSTER, ROSTER_STUDIES

from prognosis.engine.loader import bundled_rules_dir
from prognosis.engine.results import Result

Run = Callable[..., Result]

LUNG = {"histology": "leiomyosarcoma", "primary_site": "uterus", "lung_metastasis_count": 2,
        "lung_metastasis_max_diameter": "25 mm", "disease_free_interval": "400 days",
        "treatment_free_interval": "6 months", "extrapulmonary_metastases": False}
LIU = {"histology": "osteosarcoma", "metastasis_timing": "metachronous",
       "lung_metastasis_count": 2, "chemotherapy": True}
NCDB = {"histology": "leiomyosarcoma", "primary_site": "extremity",
        "metastasis_timing": "synchronous", "primary_surgery": True,
        "chemotherapy": False, "radiotherapy": False}


@pytest.mark.parametrize(("rule_set", "base", "field", "value", "status", "conditional",
                          "groups"), [
    # SLMS and Burkhard-Meier: surgical cohorts, conditional on a pulmonary metastasectomy.
    ("slms", LUNG, "pulmonary_metastasectomy", None, "complete",
     [("pulmonary_metastasectomy", True)], []),
    ("slms", LUNG, "pulmonary_metastasectomy", True, "complete", [], []),
    ("slms", LUNG, "pulmonary_metastasectomy", False, "not_applicable", [], []),
    ("slms", LUNG, "metastasectomy", False, "not_applicable", [], []),  # implies no lung one
    ("burkhard-meier-2025", LUNG, "pulmonary_metastasectomy", None, "complete",
     [("pulmonary_metastasectomy", True)], []),
    ("burkhard-meier-2025", LUNG, "pulmonary_metastasectomy", True, "complete", [], []),
    ("burkhard-meier-2025", LUNG, "pulmonary_metastasectomy", False, "not_applicable", [], []),
    # Liu: both arms as options when the lung resection is undecided.
    ("liu-2022", LIU, "pulmonary_metastasectomy", None, "complete", [],
     ["metastasectomy", "no_metastasectomy"]),
    ("liu-2022", LIU, "pulmonary_metastasectomy", True, "complete", [], []),
    # No lung resection and no decision on other sites: Liu's "chemotherapy alone" arm had
    # no metastasectomy at all, so the result assumes none.
    ("liu-2022", LIU, "pulmonary_metastasectomy", False, "complete",
     [("metastasectomy", False)], []),
    ("liu-2022", LIU | {"pulmonary_metastasectomy": False}, "metastasectomy", True,
     "not_applicable", [], []),
    # NCDB: metastasectomy at any site decides between its groups.
    ("abugideiri-2022", NCDB, "metastasectomy", None, "complete", [],
     ["metastasectomy", "sp_alone"]),
    ("abugideiri-2022", NCDB, "metastasectomy", True, "complete", [], []),
    ("abugideiri-2022", NCDB, "metastasectomy", False, "complete", [], []),
    ("abugideiri-2022", NCDB, "primary_surgery", False, "not_applicable", [], []),
])
def test_a_treatment_undecided_true_and_false(result_for: Run, rule_set: str,
                                              base: dict[str, Any], field: str, value: object,
                                              status: str, conditional: list[Any],
                                              groups: list[str]) -> None:
    fields = dict(base)
    if value is not None:
        fields[field] = value
    r = result_for(rule_set, **fields)
    assert r.status == status, r.reasons
    assert [(a.field, a.value) for a in r.conditional_on] == conditional
    assert [o.group for o in r.options] == groups
    if status == "not_applicable":
        assert (r.estimates, r.options, r.group, r.group_label) == ((), (), None, None)
    if groups:  # undecided: the group is open, its figures are under the options
        assert r.group is None and all(e.scope not in ("group", "subgroup")
                                       for e in r.estimates)
        assert r.reasons == ()  # an undecided treatment alone is not "incomplete"


def test_not_applicable_for_a_treatment_says_why(result_for: Run) -> None:
    r = result_for("slms", **LUNG, pulmonary_metastasectomy=False)
    assert r.reasons == ('the SLMS cohort had a pulmonary metastasectomy ("this cohort analyzed '
                         'only the surgery group"); its figures describe survival after '
                         'resection (pulmonary_metastasectomy is false)',)


def _all_results() -> list[dict[str, Any]]:
    out = []
    for path in sorted(EXAMPLES.glob("*.y*ml")) + sorted(EXAMPLES.glob("*.json")):
        out += run_json("compare", str(path), "--format", "json")["results"]
    return out


def test_whole_cohort_figures_are_never_the_patients_own() -> None:
    for r in _all_results():
        own = [*r["estimates"], *r["candidate_estimates"],
               *(e for o in r["options"] for e in (*o["estimates"], *o["candidate_estimates"]))]
        assert all(e["scope"] != "cohort" for e in own), r["rule_set"]
        assert all(e["scope"] == "cohort" for e in r["reference_estimates"]), r["rule_set"]
    librizzi = run_json("compare", str(EXAMPLES / "lms-bone-metastases.yaml"),
                        "--format", "json", "--study", "librizzi-2022")["results"][0]
    assert librizzi["estimates"] == []
    assert sorted(e["value"] for e in librizzi["reference_estimates"]
                  if e["for"]["cohort"].startswith("all 45")) == [18, 28.4, 51, 69.7, 82]


@pytest.mark.parametrize("how", ["table", "markdown"])
def test_whole_cohort_figures_stand_apart(how: str) -> None:
    code, out, _ = run("compare", str(EXAMPLES / "lms-bone-metastases.yaml"), "--format", how,
                       "--study", "librizzi-2022", width=400)
    assert code == 0
    flat = " ".join(out.replace("\\_", "_").split())
    assert "no survival figure published for patients like this one" in flat
    head, tail = flat.split("not this patient's figures (whole cohort, for reference):", 1)
    assert "82.0%" not in head and "2-y OS from initial diagnosis: 82.0%" in tail
    assert "[all 45 LMS patients with bone metastases, with or without a fracture]" in tail


# The studies' own warnings, worded as each rule set words them.
WARNINGS = {
    DEMO: ['the indication for metastasectomy "should be carefully considered"',
           "the score describes prognosis AFTER resection and does not estimate the benefit "
           "of surgery"],
    EXAMPLES / "relapsed-osteosarcoma.yaml": [
        "the difference is an association, confirmed by propensity-score methods, not a "
        "randomised comparison"],
    EXAMPLES / "lms-bone-metastases.yaml": [
        "counts from initial diagnosis, including the time before bone metastases appeared"],
}


@pytest.mark.parametrize("path", list(WARNINGS), ids=lambda p: p.name)
@pytest.mark.parametrize("how", ["table", "markdown", "explain", "html"])
def test_the_studies_warnings_reach_every_format(path: Path, how: str, tmp_path: Path) -> None:
    if how == "explain":
        code, out, _ = run("explain", str(path))
    elif how == "html":
        code, _, _ = run("compare", str(path), "--export", str(tmp_path / "r.html"))
        out = (tmp_path / "r.html").read_text()
        out = out.replace("&quot;", '"').replace("&#x27;", "'")
    else:
        code, out, _ = run("compare", str(path), "--format", how, width=200)
    assert code == 0
    flat = " ".join(out.replace("\\_", "_").split())
    if how == "html":
        import re

        flat = " ".join(re.sub(r"<[^>]+>", "", out).split())
    for warning in WARNINGS[path]:
        assert warning in flat, (how, warning)


@pytest.mark.parametrize(("changes", "flagged"), [
    ({"lung_metastasis_max_diameter": "110 mm"}, []),
    ({"lung_metastasis_max_diameter": "11.5 cm"}, [("lung_metastasis_max_diameter", 115.0)]),
    ({"lung_metastasis_max_diameter": "2 mm"}, [("lung_metastasis_max_diameter", 2.0)]),
    ({"lung_metastasis_count": 19}, []),
    ({"lung_metastasis_count": 20}, [("lung_metastasis_count", 20.0)]),
    ({"disease_free_interval": "8985 days"}, []),
    ({"disease_free_interval": "25 years"}, [("disease_free_interval", 9131.25)]),
])
def test_values_outside_the_slms_cohort_are_flagged(result_for: Run, changes: dict[str, Any],
                                                    flagged: list[Any]) -> None:
    """SLMS Table 1: largest nodule 3-110 mm, 1-19 nodules, DFI 0-8985 days."""
    r = result_for("slms", **(LUNG | changes))
    assert [(f.field, f.value) for f in r.outside_range] == flagged


def test_an_out_of_range_value_is_said_in_the_table() -> None:
    code, out, _ = run("compare", "-", "--study", "slms", width=200,
                       stdin="lung_metastasis_count: 25\nlung_metastasis_max_diameter: 12 cm\n"
                       "disease_free_interval: 100 days\n")
    assert code == 0
    flat = " ".join(out.split())
    assert ("outside the study: lung_metastasis_max_diameter 120 mm is outside the range "
            "observed in the study (3-110 mm; Table 1 (maximum tumor diameter, median 15, "
            "range 3-110 mm))") in flat
    assert "lung_metastasis_count 25 is outside the range observed in the study (1-19;" in flat


def test_no_range_is_invented_for_a_study_that_gives_none(library: Any) -> None:
    declared = {rs.id: [r.field for r in rs.observed_ranges] for rs in library.rule_sets}
    assert declared["slms"] == ["lung_metastasis_max_diameter", "lung_metastasis_count",
                                "disease_free_interval"]
    assert all(not fields for rid, fields in declared.items() if rid != "slms")


@pytest.fixture
def draft_rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), target, ignore=shutil.ignore_patterns("__*"))
    path = target / "liu-2022.yaml"
    path.write_text(path.read_text().replace("status: research", "status: draft", 1))
    return target


def test_a_draft_rule_set_is_marked_in_every_format(draft_rules: Path) -> None:
    patient = str(EXAMPLES / "relapsed-osteosarcoma.yaml")
    code, out, _ = run("compare", patient, "--rules", str(draft_rules), *ROSTER_STUDIES,
                       width=160)
    assert code == 0
    assert "what five studies observed" in out and "published" not in out.splitlines()[0]
    assert "[draft rule set]" in out
    code, md, _ = run("compare", patient, "--rules", str(draft_rules), "--format", "markdown")
    assert "### Liu 2022 (draft rule set)" in md
    assert "rule set: this rule set is a draft, not a reviewed encoding of the study" in md
    doc = run_json("compare", patient, "--rules", str(draft_rules), "--format", "json")
    assert {r["rule_set"]: r["rule_set_status"] for r in doc["results"]
            if r["rule_set"] in ROSTER} == {
        rule_set: "draft" if rule_set == "liu-2022" else "research" for rule_set in ROSTER}
    fhir = run_json("compare", patient, "--rules", str(draft_rules), "--format", "fhir")
    [liu] = [e["resource"] for e in fhir["entry"] if e["resource"]["id"].endswith("liu-2022")]
    assert liu["note"][0]["text"] == "This rule set is a draft."


@pytest.mark.parametrize("option", [["--margin", "lung_metastasis_max_diameter=2"],
                                    ["--what-if", "disease_free_interval=700"]])
def test_bare_numbers_are_refused_on_the_command_line_too(option: list[str]) -> None:
    code, _, err = run("compare", str(DEMO), *option)
    assert code == 2 and "has no unit" in err and "Traceback" not in err


def test_json_documents_options_and_scopes() -> None:
    doc = run_json("compare", "-", "--format", "json", "--study", "liu-2022",
                   stdin="histology: osteosarcoma\nmetastasis_timing: metachronous\n"
                   "lung_metastasis_count: 3\n")
    [liu] = doc["results"]
    assert liu["conditional_on"] == [{
        "field": "chemotherapy", "value": True, "label": "chemotherapy",
        "reason": "all 125 patients had chemotherapy at the pulmonary relapse (59 pulmonary "
                  "metastasectomy combined with chemotherapy, 66 chemotherapy alone); the "
                  "study says nothing of patients without it"}]
    assert [(o["assumes"], o["group"], [e["value"] for e in o["estimates"]])
            for o in liu["options"]] == [
        ([{"field": "pulmonary_metastasectomy", "value": True,
           "label": "pulmonary metastasectomy", "reason": None}], "metastasectomy",
         [68.4, 41.0, 24.9]),
        ([{"field": "metastasectomy", "value": False,
           "label": "no metastasectomy at any site", "reason": None}], "no_metastasectomy",
         [25.0, 0.0, 13.5])]
    assert liu["estimates"] == [] and liu["status"] == "complete"
    assert json.dumps(liu["options"][0]["estimates"][0]["scope"]) == '"group"'
