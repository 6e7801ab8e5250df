"""`prognosis compare`: every output format, the JSON contract, and every kind of bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from clirun import DEMO, EXAMPLES, ROOT, run
from conftest import ROSTER, ROSTER_STUDIES

from prognosis.cli.app import ExitCode

ANSI = re.compile(r"\x1b\[")


def compare_json(path: str | Path, *extra: str, stdin: str | None = None) -> dict:
    code, out, err = run("compare", str(path), "--format", "json", *extra, stdin=stdin)
    assert code == ExitCode.OK, err
    return json.loads(out)


def by_id(document: dict) -> dict[str, dict]:
    return {r["rule_set"]: r for r in document["results"]}


# --- formats -----------------------------------------------------------------

def test_table_shows_all_five_studies_within_100_columns_without_colour() -> None:
    code, out, _ = run("compare", str(DEMO))
    assert code == 0
    for name in ("SLMS 2021", "Burkhard-Meier", "Liu 2022", "NCDB", "LiBrizzi"):
        assert name in out
    assert "score 3 of 3" in out
    assert "10.5%" in out
    assert "not medical advice" in out
    assert "doi:10.1245/s10434-025-17450-2" in out
    assert not ANSI.search(out)
    assert max(len(line) for line in out.splitlines()) <= 100


def test_table_marks_unknown_factor_and_gives_the_reason() -> None:
    code, out, _ = run("compare", str(EXAMPLES / "ups-isolated-lung.yaml"))
    assert code == 0
    assert "? TFI > 12 months" in out
    assert "incomplete: TFI > 12 months: treatment_free_interval unknown" in out


def test_json_contract() -> None:
    doc = compare_json(DEMO, *ROSTER_STUDIES)
    assert doc["patient"]["lung_metastasis_max_diameter"] == 17.0  # "1.7 cm" in mm
    assert doc["patient"]["disease_free_interval"] == pytest.approx(700.0625)  # 23 months
    assert doc["units"]["disease_free_interval"] == "days"
    assert "id" not in doc["patient"] and doc["patient_id"] == "example-lms-lung"
    assert [r["rule_set"] for r in doc["results"]] == list(ROSTER)
    for result in doc["results"]:
        for key in ("rule_set", "title", "citation", "status", "reasons", "score",
                    "score_range", "group", "estimates", "factors", "caveats"):
            assert key in result, key
        assert result["status"] in ("complete", "incomplete", "not_applicable")
    slms = by_id(doc)["slms"]
    assert (slms["status"], slms["score"], slms["score_range"]) == ("complete", 3, [3, 3])
    [estimate] = slms["estimates"]
    assert estimate == estimate | {
        "endpoint": "overall_survival", "origin": "first pulmonary metastasectomy",
        "horizon_months": 36, "statistic": "survival_percent", "value": 10.5}
    assert isinstance(estimate["label"], str) and estimate["label"]
    dfi = next(f for f in slms["factors"] if f["id"] == "dfi_under_2_years")
    assert dfi["present"] is True and dfi["points"] == 1
    assert (dfi["effect"]["measure"], dfi["effect"]["value"], dfi["effect"]["ci"],
            dfi["effect"]["p"]) == ("OR", 4.22, [1.67, 10.7], 0.0023)
    bm = by_id(doc)["burkhard-meier-2025"]
    assert {f["id"]: f["present"] for f in bm["factors"]} == {
        "diameter_over_2cm": False, "tfi_over_12_months": True}
    assert bm["factors"][0]["effect"]["ci"] is None  # the abstract gives no CI
    liu = by_id(doc)["liu-2022"]
    assert liu["status"] == "not_applicable" and liu["score"] is None
    assert liu["estimates"] == [] and "osteosarcoma" in liu["reasons"][0]
    assert {c["id"] for c in liu["caveats"]} == {"three_or_more_lobes", "alp_over_2x_uln"}


def test_json_medians_are_months_with_null_horizon() -> None:
    doc = compare_json(EXAMPLES / "synchronous-extremity-sts.json")
    ncdb = by_id(doc)["abugideiri-2022"]
    assert (ncdb["group"], ncdb["subgroup"]) == ("metastasectomy", "sp_m_r")
    medians = {e["label"]: e for e in ncdb["estimates"] if e["statistic"] == "median_months"}
    main = medians["median OS from diagnosis, metastasectomy group"]
    assert main["value"] == pytest.approx(22.8) and main["horizon_months"] is None
    assert main["stated"] == "1.9 years"
    five_year = [e["value"] for e in ncdb["estimates"] if e["horizon_months"] == 60]
    assert five_year == [30.8, 56.1, 28.7]  # group, SP+M+R subgroup, adipocytic


def test_markdown_table() -> None:
    code, out, _ = run("compare", str(DEMO), *ROSTER_STUDIES, "--format", "markdown")
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == "## Patient example-lms-lung: what five published studies observed"
    studies = [line for line in lines if line.startswith("### ")]
    assert studies == ["### SLMS 2021", "### Burkhard-Meier 2025", "### Liu 2022",
                       "### NCDB (Abugideiri) 2022", "### LiBrizzi 2022"]
    slms = out.split("### SLMS 2021", 1)[1].split("### ", 1)[0]
    assert "- **Applies:** yes, if pulmonary metastasectomy" in slms
    assert "  - score 3 of 3" in slms and "  - 3-y OS from first pulmonary metastasectomy: 10.5%" \
        in slms
    assert "    - 3-y OS from first pulmonary metastasectomy: 48.9% [all 135 patients]" in slms
    # The study's own warnings, worded as the rule set words them.
    assert ("  - use: Factors were measured preoperatively; the score describes prognosis AFTER "
            "resection and does not estimate the benefit of surgery (no control group).") in slms
    assert ('  - figure: with a score of 2 or more the authors write that the indication for '
            'metastasectomy "should be carefully considered"') in slms
    assert "<br>" not in out and "<" not in out.replace("< 2", "").replace("<0.", "")
    assert "not medical advice" in out


def test_study_filter_and_stdin() -> None:
    doc = compare_json("-", "--study", "liu-2022", "--study", "slms",
                       stdin=(EXAMPLES / "relapsed-osteosarcoma.yaml").read_text())
    assert [r["rule_set"] for r in doc["results"]] == ["liu-2022", "slms"]
    liu = doc["results"][0]
    assert liu["group"] == "metastasectomy"
    assert [e["value"] for e in liu["estimates"]] == [68.4, 41.0, 24.9]
    assert {c["id"]: c["present"] for c in liu["caveats"]} == {
        "three_or_more_lobes": True, "alp_over_2x_uln": True}


def test_unknown_study_is_a_usage_error() -> None:
    code, _, err = run("compare", str(DEMO), "--study", "slmz")
    assert code == ExitCode.BAD_INPUT
    assert "unknown rule set 'slmz'" in err and "slms" in err


# --- bad input: exit 2, a message naming file and field, never a traceback -------

BAD_PATIENTS = {
    "negative length": ("lung_metastasis_max_diameter: -3 mm\n",
                        "lung_metastasis_max_diameter", "must be greater than 0 mm"),
    "negative interval": ("disease_free_interval: -10 days\n", "disease_free_interval",
                          "must not be less than 0"),
    "lobes 0": ("lung_lobes_involved: 0\n", "lung_lobes_involved", "less than 1"),
    "lobes 6": ("lung_lobes_involved: 6\n", "lung_lobes_involved", "more than 5"),
    "text for a number": ("lung_metastasis_count: several\n", "lung_metastasis_count",
                          "not a number"),
    "wrong unit kind": ("lung_metastasis_max_diameter: 15 kg\n",
                        "lung_metastasis_max_diameter", "allowed: mm, cm"),
    "duration unit for a length": ("primary_tumor_size: 3 months\n", "primary_tumor_size",
                                   "not a length unit"),
    "unknown histology": ("histology: fibrosarcoma\n", "histology",
                          "allowed: leiomyosarcoma, synovial_sarcoma"),
    "misspelt field": ("lung_metastasis_cout: 3\n", "lung_metastasis_cout",
                       "did you mean 'lung_metastasis_count'?"),
    "not a whole number": ("lung_metastasis_count: 2.5\n", "lung_metastasis_count",
                           "whole number"),
    "not true or false": ("metastasectomy: maybe\n", "metastasectomy", "true or false"),
    "contradiction": ("pathologic_fracture: true\nbone_metastases: false\n",
                      "bone_metastases", "implies bone_metastases: true"),
}


@pytest.mark.parametrize("name", list(BAD_PATIENTS))
def test_bad_patient_field(name: str, tmp_path: Path) -> None:
    text, field, message = BAD_PATIENTS[name]
    path = tmp_path / "patient.yaml"
    path.write_text("histology: leiomyosarcoma\n" + text if "histology" not in text else text)
    code, out, err = run("compare", str(path))
    assert code == ExitCode.BAD_INPUT
    assert out == ""
    assert str(path) in err and f"field '{field}'" in err and message in err
    assert "Traceback" not in err


@pytest.mark.parametrize(("text", "message"), [
    ("", "file is empty"),
    ("# only a comment\n", "file is empty"),
    ("- histology: leiomyosarcoma\n", "expected a mapping of field: value, got a list"),
    ("just text\n", "expected a mapping"),
    ("histology: [unclosed\n", ":2:1: YAML syntax error"),
    ("histology: leiomyosarcoma\nhistology: osteosarcoma\n",
     ":2:1: duplicate key 'histology' (first defined on line 1)"),
])
def test_bad_patient_file(text: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(text)
    code, _, err = run("compare", str(path))
    assert code == ExitCode.BAD_INPUT
    assert message in err and "Traceback" not in err


def test_yaml_tag_is_never_executed(tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    path = tmp_path / "p.yaml"
    path.write_text(f'histology: !!python/object/apply:os.system ["touch {marker}"]\n')
    code, _, err = run("compare", str(path))
    assert code == ExitCode.BAD_INPUT
    assert "YAML tag not allowed" in err
    assert not marker.exists()


def test_missing_file_and_directory(tmp_path: Path) -> None:
    code, _, err = run("compare", str(tmp_path / "none.yaml"))
    assert (code, "no such file" in err) == (ExitCode.BAD_INPUT, True)
    code, _, err = run("compare", str(tmp_path))
    assert (code, "is a directory" in err) == (ExitCode.BAD_INPUT, True)


def test_all_problems_of_a_file_are_reported_together(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text("histology: lms\nlung_lobes_involved: 9\nprimary_tumor_size: big\n")
    code, _, err = run("compare", str(path))
    assert code == ExitCode.BAD_INPUT
    assert f"{path}:2:1: field 'lung_lobes_involved'" in err
    assert f"{path}:3:1: field 'primary_tumor_size'" in err


def test_broken_rules_directory_is_reported_with_its_line(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    source = (ROOT / "rules" / "slms.yaml").read_text()
    (rules / "slms.yaml").write_text(source.replace("field: lung_metastasis_count, op: \">=\", "
                                                    "value: 6", "field: lung_metastasis_cout, "
                                                    "op: \">=\", value: 6"))
    code, _, err = run("compare", str(DEMO), "--rules", str(rules))
    assert code == ExitCode.BAD_INPUT
    assert re.search(r"slms\.yaml:\d+: field 'lung_metastasis_cout' is not declared", err)
    assert "did you mean 'lung_metastasis_count'" in err


def test_internal_error_exits_70_without_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    from prognosis.engine import evaluate

    def boom(self: object, patient: object) -> None:
        raise RuntimeError("simulated bug")

    monkeypatch.setattr(evaluate.Comparator, "evaluate", boom)
    code, out, err = run("compare", str(DEMO))
    assert code == ExitCode.INTERNAL_ERROR == 70
    assert "internal error: RuntimeError: simulated bug" in err
    assert "Traceback" not in err and out == ""


def test_help_and_version() -> None:
    code, out, _ = run("compare", "--help")
    assert code == 0 and "PATIENT is a YAML or JSON file" in out and "--format" in out
    code, out, _ = run("--version")
    assert code == 0 and "0.1.0" in out


def test_exit_codes_are_unique_and_distinct() -> None:
    """CI must tell "found problems" from "crashed": no two names share a value."""
    assert (ExitCode.OK, ExitCode.FINDINGS, ExitCode.BAD_INPUT, ExitCode.REJECTED_ROWS,
            ExitCode.INTERNAL_ERROR, ExitCode.INTERRUPTED) == (0, 1, 2, 3, 70, 130)
    assert (ExitCode.HUNG_UP, ExitCode.TERMINATED) == (129, 143)
    assert len(ExitCode.__members__) == len({int(code) for code in ExitCode})  # no aliases
