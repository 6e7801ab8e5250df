"""`prognosis compare --what-if`: the changed patient beside the original, and the changes."""

from __future__ import annotations

from typing import Any

import pytest
from clirun import DATED, DEMO, run, run_json


def what_if(*changes: str, stdin: str | None = None, path: str = str(DEMO)) -> dict[str, Any]:
    args = ["compare", path, "--format", "json"]
    for change in changes:
        args += ["--what-if", change]
    return run_json(*args, stdin=stdin)  # type: ignore[no-any-return]


def test_json_has_both_comparisons_and_the_changes() -> None:
    doc = what_if("lung_metastasis_max_diameter=14 mm")
    assert set(doc) >= {"original", "what_if", "changes"}
    assert doc["original"] == run_json("compare", str(DEMO), "--format", "json")
    assert doc["what_if"]["patient"]["lung_metastasis_max_diameter"] == 14.0
    assert doc["inputs"] == [{"field": "lung_metastasis_max_diameter", "from": 17.0,
                              "to": 14.0, "from_given": "1.7 cm", "to_given": "14 mm"}]
    changes = {(c["rule_set"], c["key"]): (c["from"], c["to"]) for c in doc["changes"]}
    assert changes[("slms", "score")] == (3, 2)
    assert changes[("slms", "factors.max_diameter_15mm_or_more")] == (True, False)
    assert changes[("slms", "estimates")] == (
        ["3-year OS after first pulmonary metastasectomy, SLMS 3: 10.5"],
        ["3-year OS after first pulmonary metastasectomy, SLMS 2: 39"])
    for c in doc["changes"]:
        assert set(c) == {"rule_set", "key", "from", "to"}
    # 14 mm is no longer within 3 mm of 2 cm: one fewer near-cut-off flag on that field.
    assert len([n for n in doc["what_if"]["near_cutoffs"]
                if n["field"] == "lung_metastasis_max_diameter"]) == 1


def test_several_changes_and_unknown() -> None:
    doc = what_if("lung_metastasis_max_diameter=2.5cm", "treatment_free_interval=unknown")
    changes = {(c["rule_set"], c["key"]): (c["from"], c["to"]) for c in doc["changes"]}
    assert changes[("burkhard-meier-2025", "factors.diameter_over_2cm")] == (False, True)
    assert changes[("burkhard-meier-2025", "factors.tfi_over_12_months")] == (True, None)
    assert changes[("burkhard-meier-2025", "status")] == ("complete", "incomplete")
    assert changes[("burkhard-meier-2025", "caveats.systemic_therapy_trend_over_2cm")] == (
        False, True)
    assert "treatment_free_interval" not in doc["what_if"]["patient"]


def test_a_caveat_changes_by_its_label_in_the_text() -> None:
    code, out, _ = run("compare", str(DEMO), "--what-if", "lung_metastasis_max_diameter=2.5cm",
                       width=200)
    assert code == 0
    assert ('- Burkhard-Meier: caveat "systemic therapy, lesions > 2 cm: DFS trend '
            '(not significant)": absent -> present') in out.splitlines()
    assert "systemic_therapy_trend_over_2cm" not in out


def test_no_change_gives_no_changes() -> None:
    assert what_if("lung_metastasis_max_diameter=18mm")["changes"] == []


def test_changing_the_interval_replaces_the_dates() -> None:
    doc = what_if("disease_free_interval=3 years", stdin=DATED, path="-")
    assert doc["dropped"] == ["primary_resection_date", "lung_metastasis_diagnosis_date"]
    assert doc["what_if"]["patient"]["disease_free_interval"] == 1095.75
    assert "disease_free_interval" not in doc["what_if"]["derived"]


def test_changing_a_date_derives_the_interval_again() -> None:
    doc = what_if("primary_resection_date=2021-06-01",
                  stdin=DATED + "disease_free_interval: 700 days\n", path="-")
    assert doc["dropped"] == ["disease_free_interval"]
    assert doc["what_if"]["patient"]["disease_free_interval"] == 1065.0
    changes = {(c["rule_set"], c["key"]): c for c in doc["changes"]}
    assert changes[("slms", "factors.dfi_under_2_years")]["to"] is False


@pytest.mark.parametrize(("change", "message"), [
    ("lung_metastasis_diameter=2cm", "did you mean 'lung_metastasis_max_diameter'?"),
    ("lung_metastasis_max_diameter=2 kg", "not a length unit"),
    ("histology=fibrosarcoma", "allowed: leiomyosarcoma"),
    ("alkaline_phosphatase_ratio=3", "not a patient field that can be changed"),
    ("lung_metastasis_max_diameter", "expected FIELD=VALUE"),
    ("lung_lobes_involved=9", "must not be more than 5"),
])
def test_bad_what_if_is_bad_input(change: str, message: str) -> None:
    code, out, err = run("compare", str(DEMO), "--what-if", change)
    assert code == 2 and out == ""
    assert "--what-if" in err and message in err and "Traceback" not in err


def test_table_side_by_side_with_changes_marked() -> None:
    code, out, _ = run("compare", str(DEMO), "--what-if", "lung_metastasis_max_diameter=14mm")
    assert code == 0
    assert "Patient example-lms-lung: what if" in out
    assert "lung_metastasis_max_diameter   1.7 cm (17 mm)" in out and "* 14 mm" in out
    row = next(line for line in out.splitlines() if "score 3 of 3" in line)
    assert "* score 2 of 3" in row  # original left, changed right, on one line
    # the changes by the study's short name and the rule set's labels, not ids
    assert "- SLMS: score: 3 -> 2" in out
    assert '- SLMS: "largest nodule >= 15 mm": present -> absent' in out
    assert "max_diameter_15mm_or_more" not in out and "slms:" not in out
    assert "not medical advice" in out
    assert max(len(line) for line in out.splitlines()) <= 100


def test_the_two_sides_stay_aligned_when_one_gains_a_line() -> None:
    """An unknown DFI makes the SLMS incomplete: the changed side gains a line (the reason)
    and loses a figure; each line faces its counterpart or an empty cell."""
    from prognosis.cli.what_if import aligned
    from prognosis.engine.comparison import compare_patient
    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.loader import load_library
    from prognosis.engine.near_cutoffs import margins_for
    from prognosis.engine.patient import normalise

    library = load_library()
    [slms] = library.select(["slms"])
    comparator = Comparator([slms])
    base = {"lung_metastasis_count": 6, "lung_metastasis_max_diameter": "17 mm",
            "disease_free_interval": "23 months"}
    a = compare_patient(comparator, normalise(base, library.fields), library.fields,
                        margins_for(library.fields)).results[0]
    b = compare_patient(comparator, normalise({**base, "disease_free_interval": None},
                                              library.fields), library.fields,
                        margins_for(library.fields)).results[0]
    rows = aligned(a, b, {})
    assert ("Score", "score 3 of 3", "score 2-3 of 3 (incomplete)") in rows
    assert ("", None, "incomplete: DFI < 2 years: disease_free_interval unknown") in rows
    assert ("Factors", "+ DFI < 2 years [1 pt] (OR 4.22 (1.67-10.7), p=0.0023, 3-year "
            "mortality)", "? DFI < 2 years [1 pt] (OR 4.22 (1.67-10.7), p=0.0023, 3-year "
            "mortality)") in rows
    # Same label, same line on both sides wherever nothing changed.
    assert all(left == right for label, left, right in rows if label == "Warnings")


def test_markdown_bolds_what_changed() -> None:
    code, out, _ = run("compare", str(DEMO), "--format", "markdown",
                       "--what-if", "lung_metastasis_max_diameter=14mm")
    assert code == 0
    assert "| lung_metastasis_max_diameter | 1.7 cm (17 mm) | **14 mm** |" in out
    assert "**score 2 of 3**" in out
    assert "- SLMS: score: 3 -> 2" in out
    assert '- SLMS: "largest nodule >= 15 mm": present -> absent' in out


def test_a_what_if_keeps_the_studies_warnings_beside_their_figures() -> None:
    code, out, _ = run("compare", str(DEMO), "--what-if", "disease_free_interval=25 months")
    assert code == 0
    flat = " ".join(out.split())
    assert "SLMS's own warnings (both sides):" in flat
    assert ('- figure: with a score of 2 or more the authors write that the indication for '
            'metastasectomy "should be carefully considered"') in flat


def test_options_and_conditions_change_in_the_clinicians_words() -> None:
    """As the study blocks say them: each choice by its words (fields.yaml), each option's
    finest group by its label; never `field=true` or a group id."""
    from clirun import EXAMPLES

    code, out, _ = run("compare", str(EXAMPLES / "relapsed-osteosarcoma.yaml"), "--what-if",
                       "pulmonary_metastasectomy=", width=300)
    assert code == 0
    lines = out.splitlines()
    assert "- SLMS: conditional on: none -> [pulmonary metastasectomy]" in lines
    assert ("- Liu: options: none -> [if pulmonary metastasectomy: pulmonary metastasectomy"
            " + chemotherapy; if no metastasectomy at any site: chemotherapy alone]") in lines
    assert "=true" not in out and "pulmonary_metastasectomy" not in out.split("Changes")[1]
