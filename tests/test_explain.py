"""`prognosis explain`: inputs as given and normalised, every condition with the patient's
value and verdict, score arithmetic, mapping to estimates, provenance, forest plot."""

from __future__ import annotations

from typing import Any

import pytest
from clirun import DEMO, EXAMPLES, run, run_json

from prognosis.cli.forest import forest_lines

WIDE = 400  # these tests read whole trace lines; wrapping has its own tests (test_explain_wrap)


@pytest.fixture(scope="module")
def demo_text() -> str:
    code, out, err = run("explain", str(DEMO), width=WIDE)
    assert code == 0, err
    return out


@pytest.fixture(scope="module")
def demo_json() -> dict[str, Any]:
    return run_json("explain", str(DEMO), "--format", "json")  # type: ignore[no-any-return]


def test_inputs_as_given_and_normalised(demo_text: str) -> None:
    assert "  lung_metastasis_max_diameter: 1.7 cm -> 17 mm\n" in demo_text
    assert "  disease_free_interval: 23 months -> 700.0625 days\n" in demo_text
    assert "  lung_metastasis_count: 6\n" in demo_text
    assert "  bone_metastases: false (derived: implied by extrapulmonary_metastases: false)" \
        in demo_text


def test_conditions_with_value_and_verdict(demo_text: str) -> None:
    # Given in months, compared with the paper's "2 years" in months (24), not in days.
    assert ("      disease_free_interval < 24 months (stated: < 2 years): patient 23 months "
            "-> true") in demo_text
    assert ("      lung_metastasis_max_diameter > 20 mm (stated: > 2 cm): patient 17 mm -> false"
            in demo_text)
    assert "      histology == osteosarcoma: patient leiomyosarcoma -> false" in demo_text


def test_score_arithmetic_and_mapping_with_provenance(demo_text: str) -> None:
    assert ("  Score: 1 (dfi_under_2_years) + 1 (max_diameter_15mm_or_more) + "
            "1 (six_or_more_metastases) = 3 of 3") in demo_text
    assert ("    => score 3 -> overall survival from first pulmonary metastasectomy: 10.5% at "
            "36 months  [Results; Figure 3 legend; Abstract (Results); Discussion]") in demo_text
    assert "       score 2 -> overall survival" in demo_text  # the rest of the mapping, unmarked
    assert ("      OR 4.22 (1.67-10.7), p=0.0023, 3-year mortality, multivariable logistic "
            "regression  [Table 3; Abstract (Results)]") in demo_text
    assert "HR 5.6 (no CI published), p<0.001" in demo_text


def test_forest_plot_of_what_holds(demo_text: str) -> None:
    plot = demo_text.split("Effect sizes of what holds for the patient")[1]
    rows = [line for line in plot.splitlines() if "SLMS:" in line or "Burkhard-Meier:" in line]
    assert len(rows) == 4  # three SLMS factors and TFI > 12 months (size > 2 cm does not hold)
    assert all("|" in r or "[" in r for r in rows)
    assert "HR 0.42 (no CI)" in rows[3] and "o" in rows[3]
    assert "0.5" in plot and "  1  " in plot.replace("+", " ")


def test_json_trace_has_provenance_for_every_number(demo_json: dict[str, Any]) -> None:
    for rs in demo_json["rule_sets"]:
        assert rs["cohort"]["provenance"]
        for item in (*rs["population"], *rs["factors"], *rs["groups"], *rs["estimates"],
                     *rs["reference_estimates"]):
            assert item["provenance"], (rs["rule_set"], item)
        for f in rs["factors"]:
            for e in f["effects"]:
                assert e["provenance"]
    slms = demo_json["rule_sets"][0]
    assert slms["score"]["terms"] == [
        {"factor": "dfi_under_2_years", "points": 1, "verdict": True},
        {"factor": "max_diameter_15mm_or_more", "points": 1, "verdict": True},
        {"factor": "six_or_more_metastases", "points": 1, "verdict": True}]
    assert [e["applies"] for e in slms["estimates"]] == [False, False, False, True]
    inputs = {row["field"]: row for row in demo_json["inputs"]}
    assert inputs["lung_metastasis_max_diameter"]["conversion"] == "1.7 cm -> 17 mm"
    assert inputs["lung_metastasis_max_diameter"]["value"] == 17.0
    assert [(r["rule_set"], r["item"]) for r in demo_json["forest"]] == [
        ("slms", "dfi_under_2_years"), ("slms", "max_diameter_15mm_or_more"),
        ("slms", "six_or_more_metastases"), ("burkhard-meier-2025", "tfi_over_12_months")]


def test_unknown_input_gives_unknown_verdicts_and_a_range() -> None:
    trace = run_json("explain", str(EXAMPLES / "ups-isolated-lung.yaml"), "--format", "json",
                     "--study", "burkhard-meier-2025")
    [bm] = trace["rule_sets"]
    tfi = next(f for f in bm["factors"] if f["id"] == "tfi_over_12_months")
    assert tfi["verdict"] is None and tfi["conditions"][0]["patient"] == "unknown"
    code, out, _ = run("explain", "-", "--study", "slms",
                       stdin="lung_metastasis_count: 2\nlung_metastasis_max_diameter: 18 mm\n",
                       width=WIDE)
    assert code == 0
    assert "? (dfi_under_2_years) + 1 (max_diameter_15mm_or_more) + 0 " \
           "(six_or_more_metastases) = 1 to 2" in out


def test_groups_and_their_effects_in_the_forest() -> None:
    trace = run_json("explain", str(EXAMPLES / "synchronous-extremity-sts.json"), "--format",
                     "json", "--study", "abugideiri-2022")
    [ncdb] = trace["rule_sets"]
    assert (ncdb["group"], ncdb["subgroup"]) == ("metastasectomy", "sp_m_r")
    assert any(r["item"] == "metastasectomy" and r["value"] == 0.45 for r in trace["forest"])
    code, out, _ = run("explain", str(EXAMPLES / "synchronous-extremity-sts.json"),
                       "--study", "abugideiri-2022", width=WIDE)
    assert code == 0
    assert "  Groups (patient: metastasectomy, subgroup sp_m_r)" in out


def test_dates_are_shown_with_the_derived_interval() -> None:
    code, out, _ = run("explain", "-", "--study", "slms", stdin=(
        "lung_metastasis_count: 2\nprimary_resection_date: 2022-06-01\n"
        "lung_metastasis_diagnosis_date: 2024-05-01\n"), width=WIDE)
    assert code == 0
    assert "  primary_resection_date: 2022-06-01\n" in out
    assert "  disease_free_interval: 700 days (derived: lung_metastasis_diagnosis_date - " \
           "primary_resection_date" in out


def test_bad_input_is_exit_2() -> None:
    code, _, err = run("explain", "-", stdin="lung_metastasis_count: many\n")
    assert code == 2 and "field 'lung_metastasis_count'" in err


def test_forest_lines_scale_reference_and_arrows() -> None:
    rows = [{"value": 2.0, "ci": [1.0, 4.0]}, {"value": 0.5, "ci": None},
            {"value": 125.0, "ci": [5.3, 2998.0]}]
    lines = forest_lines(rows, width=41)
    one = lines[1].index("|")  # the reference line at 1 (row 0's CI starts exactly there)
    assert lines[0][one] == "[" and lines[0].index("o") > one
    assert lines[1].index("o") < one and "[" not in lines[1]
    assert lines[2].rstrip().endswith(">")  # the CI runs off the right of the axis
    assert len(lines) == 5 and set(lines[3]) <= {"-", "+"}
    assert "1" in lines[4] and "100" in lines[4]
    assert forest_lines([]) == []


def test_a_caveat_is_explained_with_its_label() -> None:
    """As a factor is: its id, then the rule set's short name for it."""
    from clirun import EXAMPLES, run

    code, out, _ = run("explain", str(EXAMPLES / "ups-isolated-lung.yaml"), width=300)
    assert code == 0
    assert ("    systemic_therapy_trend_over_2cm (systemic therapy, lesions > 2 cm: DFS trend "
            "(not significant)) -> true: For lesions > 2 cm") in out
    code, out, _ = run("rules", "show", "liu-2022", width=300)
    assert code == 0
    assert ('  - alp_over_2x_uln "ALP > 2x ULN: metastasectomy advantage not significant" '
            "(when") in out
