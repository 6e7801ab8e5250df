"""The disagreement panel: the 17 mm / 6 nodules / DFI 23 months vs TFI 13 months patient
(examples/lung-metastases-lms.yaml) and the other kinds, in every format."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from clirun import DEMO, EXAMPLES, run, run_json
from conftest import ROSTER, ROSTER_STUDIES

from prognosis.engine.loader import bundled_rules_dir

QUOTE = 'the size of resected lung metastases "might be a more relevant prognostic factor ' \
        'than their number"'


@pytest.fixture(scope="module")
def demo() -> dict[str, Any]:
    return run_json("compare", str(DEMO), *ROSTER_STUDIES, "--format", "json")


def of_kind(doc: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [d for d in doc["disagreements"] if d["kind"] == kind]


def test_worked_patient_has_each_kind_once_or_per_aspect(demo: dict[str, Any]) -> None:
    kinds = [d["kind"] for d in demo["disagreements"]]
    assert kinds == ["threshold", "statement", "different_quantity", "different_endpoint",
                     "different_population", "different_population"]
    for d in demo["disagreements"]:
        assert set(d) >= {"kind", "field", "message", "studies"}
        for s in d["studies"]:
            assert set(s) >= {"rule_set", "factor", "op", "threshold", "unit", "present",
                              "direction"}
            assert s["direction"] in ("adverse", "favourable", None)
        # Not-applicable studies never take part.
        assert {s["rule_set"] for s in d["studies"]} <= {"slms", "burkhard-meier-2025"}


def test_17_mm_is_adverse_for_the_slms_and_not_over_2_cm(demo: dict[str, Any]) -> None:
    [d] = of_kind(demo, "threshold")
    assert d["field"] == "lung_metastasis_max_diameter" and d["flagged"] is True
    slms, bm = d["studies"]
    assert (slms["rule_set"], slms["factor"], slms["op"], slms["threshold"], slms["unit"],
            slms["stated"], slms["present"], slms["direction"]) == (
        "slms", "max_diameter_15mm_or_more", ">=", 15.0, "mm", ">= 15 mm", True, "adverse")
    assert (bm["rule_set"], bm["factor"], bm["op"], bm["threshold"], bm["stated"],
            bm["present"], bm["direction"]) == (
        "burkhard-meier-2025", "diameter_over_2cm", ">", 20.0, "> 2 cm", False, "adverse")
    assert slms["effect"]["measure"] == "OR" and slms["effect"]["value"] == 3.86
    assert bm["effect"]["value"] == 5.6 and bm["effect"]["ci"] is None
    assert (slms["adverse_side"], bm["adverse_side"]) == (True, False)
    assert d["message"].startswith("lung_metastasis_max_diameter 1.7 cm (17 mm): on "
                                   "the adverse side for SLMS but not for Burkhard-Meier")


def test_burkhard_meier_on_number_is_quoted_not_strengthened(demo: dict[str, Any]) -> None:
    [d] = of_kind(demo, "statement")
    said, slms = d["studies"]
    assert d["field"] == "lung_metastasis_count"
    assert said["rule_set"] == "burkhard-meier-2025" and said["quote"] == QUOTE
    assert said["provenance"] == "Abstract (Conclusion)"
    assert (slms["rule_set"], slms["factor"], slms["present"], slms["threshold"]) == (
        "slms", "six_or_more_metastases", True, 6.0)
    assert QUOTE in d["message"]
    assert "not a finding that number is not prognostic" in d["message"]
    assert d["message"].count("not prognostic") == 1  # only where the note denies it


def test_dfi_and_tfi_are_named_as_different_quantities(demo: dict[str, Any]) -> None:
    [d] = of_kind(demo, "different_quantity")
    assert d["field"] == "disease_free_interval"
    dfi, tfi = d["studies"]
    assert (dfi["rule_set"], dfi["factor"], dfi["present"], dfi["direction"]) == (
        "slms", "dfi_under_2_years", True, "adverse")
    assert (tfi["rule_set"], tfi["factor"], tfi["present"], tfi["direction"]) == (
        "burkhard-meier-2025", "tfi_over_12_months", True, "favourable")
    message = d["message"]
    assert "disease_free_interval (primary resection to diagnosis of lung metastases) = " \
        "23 months (700.06 days)" in message
    assert "treatment_free_interval (treatment-free interval" in message
    assert "13 months (395.69 days)" in message
    assert "are different quantities" in message and "point different ways" in message


def test_estimates_from_different_origins_cannot_be_ranked(demo: dict[str, Any]) -> None:
    [d] = of_kind(demo, "different_endpoint")
    assert [s["rule_set"] for s in d["studies"]] == ["slms", "burkhard-meier-2025"]
    assert "both count from first pulmonary metastasectomy" in d["message"]
    assert "SLMS gives 3-year survival, Burkhard-Meier a median" in d["message"]
    assert "whole cohort" in d["message"]
    slms_estimates = d["studies"][0]["estimates"]
    assert [(e["horizon_months"], e["value"]) for e in slms_estimates] == [(36, 10.5)]


@pytest.mark.parametrize(("path", "fragment"), [
    (EXAMPLES / "synchronous-extremity-sts.json",
     "SLMS counts from first pulmonary metastasectomy, NCDB (Abugideiri) from initial "
     "diagnosis"),
    (EXAMPLES / "relapsed-osteosarcoma.yaml",
     "SLMS counts from first pulmonary metastasectomy, Liu from diagnosis of pulmonary "
     "relapse"),
])
def test_time_origins_are_named(path: Path, fragment: str) -> None:
    doc = run_json("compare", str(path), *ROSTER_STUDIES, "--format", "json")
    assert any(fragment in d["message"] for d in of_kind(doc, "different_endpoint"))


def test_nodule_size_and_primary_size_are_different_quantities() -> None:
    doc = run_json("compare", str(EXAMPLES / "synchronous-extremity-sts.json"),
                   *ROSTER_STUDIES, "--format", "json")
    [d] = of_kind(doc, "different_quantity")
    assert {d["field"], *(s["rule_set"] for s in d["studies"])} == {
        "lung_metastasis_max_diameter", "slms", "abugideiri-2022"}
    assert "primary_tumor_size (size of the primary tumour" in d["message"]


def test_populations_that_differ(demo: dict[str, Any]) -> None:
    aspects = {d["message"].split(" for the question")[0]: d
               for d in of_kind(demo, "different_population")}
    assert set(aspects) == {"The populations differ on extrapulmonary metastases",
                            "The populations differ on incomplete resection"}
    extra = aspects["The populations differ on extrapulmonary metastases"]
    assert extra["field"] == "extrapulmonary_metastases"
    assert [(s["rule_set"], s["admitted"]) for s in extra["studies"]] == [
        ("slms", True), ("burkhard-meier-2025", False)]
    assert "42 of 135 (31%)" in extra["message"] and "Table 1" in extra["message"]
    assert aspects["The populations differ on incomplete resection"]["field"] is None


def test_no_flag_when_both_studies_count_the_size_against_the_patient() -> None:
    patient = DEMO.read_text().replace("1.7 cm", "25 mm")
    doc = run_json("compare", "-", *ROSTER_STUDIES, "--format", "json", stdin=patient)
    [d] = of_kind(doc, "threshold")
    assert d["flagged"] is False
    assert [s["present"] for s in d["studies"]] == [True, True]


def test_a_single_applicable_study_has_no_disagreement() -> None:
    doc = run_json("compare", str(EXAMPLES / "lms-bone-metastases.yaml"),
                   *ROSTER_STUDIES, "--format", "json")
    assert doc["disagreements"] == []


def test_results_are_exactly_the_per_rule_set_contract(demo: dict[str, Any]) -> None:
    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.loader import load_library
    from prognosis.engine.patient import read_patient_file

    library = load_library()
    results = Comparator(library.select(ROSTER)).evaluate(read_patient_file(str(DEMO),
                                                                       library.fields))
    assert demo["results"] == [r.to_dict() for r in results]


def test_statements_come_from_the_rule_set_not_from_code(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), rules)
    bm = rules / "burkhard-meier-2025.yaml"
    text = bm.read_text()
    start = text.index("statements:")
    end = text.index("limitations:", start)
    bm.write_text(text[:start] + "statements: []\n\n" + text[end:])
    doc = run_json("compare", str(DEMO), *ROSTER_STUDIES, "--format", "json", "--rules", str(rules))
    assert of_kind(doc, "statement") == []


def test_panel_under_the_table_and_in_markdown() -> None:
    code, out, _ = run("compare", str(DEMO))
    assert code == 0
    flat = " ".join(out.split())
    assert "Where the studies disagree, and why" in flat
    assert "! cut-offs: lung_metastasis_max_diameter 1.7 cm (17 mm)" in flat
    assert QUOTE in flat
    assert flat.index("Where the studies disagree") > flat.index("LiBrizzi 2022")
    assert max(len(line) for line in out.splitlines()) <= 100
    code, md, _ = run("compare", str(DEMO), "--format", "markdown")
    assert "**Where the studies disagree, and why**" in md
    assert "- **!** *cut-offs*: lung_metastasis_max_diameter 1.7 cm (17 mm)" in md


AGREEING = ("histology: leiomyosarcoma\nprimary_site: uterus\nlung_metastasis_count: 2\n"
            "lung_metastasis_max_diameter: 25 mm\nextrapulmonary_metastases: false\n"
            "disease_free_interval: 5 years\ntreatment_free_interval: 6 months\n")


def test_agreements_are_listed_only_with_all_and_marked_in_json() -> None:
    """25 mm is on the adverse side for both SLMS (>= 15 mm) and Burkhard-Meier (> 2 cm)."""
    code, out, _ = run("compare", "-", stdin=AGREEING, width=200)
    assert code == 0
    assert "cut-offs: lung_metastasis_max_diameter" not in out
    code, out, _ = run("compare", "-", "--all", stdin=AGREEING, width=200)
    assert ("= agreement, cut-offs: lung_metastasis_max_diameter 25 mm. SLMS: largest nodule "
            ">= 15 mm holds, adverse; Burkhard-Meier: largest lesion > 2 cm holds, adverse.") in out
    doc = run_json("compare", "-", "--format", "json", stdin=AGREEING)
    [size] = [d for d in doc["disagreements"] if d["field"] == "lung_metastasis_max_diameter"
              and d["kind"] == "threshold"]
    assert (size["flagged"], size["agreement"]) == (False, True)
