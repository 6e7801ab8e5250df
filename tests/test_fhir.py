"""`compare --format fhir`: a FHIR R4 Bundle of RiskAssessments, validated by fhir.resources.

fhir.resources 6.4.0 (a test extra) provides the FHIR R4 (4.0.1) classes; its
pydantic models reject unknown elements, wrong types and missing required
elements, so validation is the library's, not ours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import fhir.resources
import pytest
from clirun import DEMO, EXAMPLES, run, run_json
from conftest import ROSTER_STUDIES
from fhir.resources.bundle import Bundle
from fhir.resources.operationoutcome import OperationOutcome
from fhir.resources.patient import Patient
from fhir.resources.riskassessment import RiskAssessment

EPOCH = "1714521600"
# Required bindings the library does not enforce (codes are only checked as text):
# RiskAssessment.status is ObservationStatus, Bundle.type is BundleType (R4).
OBSERVATION_STATUS = {"registered", "preliminary", "final", "amended", "corrected",
                      "cancelled", "entered-in-error", "unknown"}
BUNDLE_TYPE = {"document", "message", "transaction", "transaction-response", "batch",
               "batch-response", "history", "searchset", "collection"}


@pytest.fixture(autouse=True)
def _reproducible(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)


def bundle_for(path: str | Path, stdin: str | None = None) -> dict[str, Any]:
    data: dict[str, Any] = run_json("compare", str(path), *ROSTER_STUDIES, "--format", "fhir",
                                    stdin=stdin)
    Bundle.parse_obj(data)  # raises on anything FHIR R4 does not allow
    assert data["type"] in BUNDLE_TYPE
    [patient] = [e for e in data["entry"] if e["resource"]["resourceType"] == "Patient"]
    Patient.parse_obj(patient["resource"])
    ids = [e["resource"]["id"] for e in data["entry"]]
    assert len(set(ids)) == len(ids)  # unique per patient and rule set
    for entry in data["entry"]:
        if entry["resource"]["resourceType"] == "Patient":
            continue
        if entry["resource"]["resourceType"] == "OperationOutcome":
            OperationOutcome.parse_obj(entry["resource"])
            continue
        RiskAssessment.parse_obj(entry["resource"])
        assert entry["resource"]["status"] in OBSERVATION_STATUS
        assert entry["resource"]["subject"]["reference"] == patient["fullUrl"]
        outcomes = [(p["outcome"]["text"].split(" (")[0].split(" at ")[0],
                     p["whenRange"]["high"]["value"] if "median" not in p["outcome"]["text"]
                     else "median") for p in entry["resource"].get("prediction", [])]
        assert len(outcomes) == len(set(outcomes))  # at most one per outcome and horizon
        for prediction in entry["resource"].get("prediction", []):
            assert 0 <= prediction["probabilityDecimal"] <= 1
    return data


def assessments(bundle: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """RiskAssessments by rule set id (the resource id is '<patient>-<rule set>')."""
    return {e["resource"]["method"]["coding"][0]["code"]: e["resource"]
            for e in bundle["entry"] if e["resource"]["resourceType"] == "RiskAssessment"}


def notes(resource: dict[str, Any]) -> str:
    return " ".join(n["text"] for n in resource["note"])


def test_the_library_is_fhir_r4() -> None:
    assert fhir.resources.__fhir_version__ == "4.0.1"


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.y*ml")) + sorted(EXAMPLES.glob("*.json")),
                         ids=lambda p: p.name)
def test_every_example_gives_a_valid_bundle(path: Path) -> None:
    bundle = bundle_for(path)
    assert bundle["resourceType"] == "Bundle" and bundle["type"] == "collection"
    assert bundle["timestamp"] == "2024-05-01T00:00:00Z"
    assert len({e["fullUrl"] for e in bundle["entry"]}) == len(bundle["entry"])


def test_worked_patient_one_assessment_per_applicable_study() -> None:
    bundle = bundle_for(DEMO)
    found = assessments(bundle)
    assert list(found) == ["slms", "burkhard-meier-2025"]
    slms = found["slms"]
    # Conditional on an undecided pulmonary metastasectomy: preliminary, not final.
    assert slms["status"] == "preliminary"
    assert slms["id"] == "example-lms-lung-slms"
    assert slms["subject"]["display"] == "example-lms-lung"
    [patient] = [e["resource"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "Patient"]
    assert patient["id"] == "example-lms-lung"
    [coding] = slms["method"]["coding"]
    assert (coding["code"], coding["version"]) == ("slms", "1.0.0")
    assert slms["basis"][0]["display"].startswith("Yamamoto H")
    [prediction] = slms["prediction"]
    assert prediction["probabilityDecimal"] == 0.105
    assert prediction["whenRange"]["high"] == {"value": 36, "unit": "months",
                                               "system": "http://unitsofmeasure.org",
                                               "code": "mo"}
    assert prediction["outcome"]["text"] == ("alive at 36 months after first pulmonary "
                                             "metastasectomy (overall survival)")
    assert prediction["rationale"].endswith("assumes pulmonary metastasectomy")
    text = notes(slms)
    assert "Conditional: the study applies if pulmonary metastasectomy" in text
    assert "the score describes prognosis AFTER resection" in text
    # The whole cohort's 48.9% is a note saying whom it describes, never a prediction.
    assert "Whole-cohort figures (not this patient's): 3-y OS from first pulmonary " \
        "metastasectomy: 48.9% (all 135 patients)" in text
    for left_out in ("Liu 2022", "NCDB (Abugideiri) 2022", "LiBrizzi 2022"):
        assert left_out in text
    assert "Not applicable to this patient, so left out" in text
    assert "not medical advice" in text
    bm = found["burkhard-meier-2025"]
    assert bm["basis"][0]["identifier"] == {"system": "https://doi.org",
                                            "value": "10.1245/s10434-025-17450-2"}
    assert "prediction" not in bm  # the abstract gives no survival for a group
    assert "Whole-cohort figures (not this patient's)" in notes(bm) and "58.7" in notes(bm)
    assert "TFI > 12 months (HR 0.42): present" in notes(bm)


def test_incomplete_study_carries_its_score_range_in_a_note() -> None:
    bundle = bundle_for("-", stdin="id: p1\nlung_metastasis_count: 2\n"
                        "lung_metastasis_max_diameter: 18 mm\n")
    slms = assessments(bundle)["slms"]
    assert slms["status"] == "preliminary" and "prediction" not in slms
    text = notes(slms)
    assert "Incomplete: DFI < 2 years: disease_free_interval unknown" in text
    assert "Score 1-2 of 3 over every completion" in text
    assert "if 1: 3-year OS after first pulmonary metastasectomy, SLMS 1 63.2%" in text


def test_medians_and_two_horizons() -> None:
    liu = assessments(bundle_for(EXAMPLES / "relapsed-osteosarcoma.yaml"))["liu-2022"]
    predictions = [(p["probabilityDecimal"], p["whenRange"]["high"]["value"])
                   for p in liu["prediction"]]
    assert predictions == [(0.684, 24), (0.41, 60), (0.5, 24.9)]
    assert "after diagnosis of pulmonary relapse" in liu["prediction"][0]["outcome"]["text"]
    assert "median post relapse survival" in liu["prediction"][2]["outcome"]["text"]
    assert "Treatment group: pulmonary metastasectomy + chemotherapy." in notes(liu)


def left_out(bundle: dict[str, Any]) -> dict[str, str]:
    """The OperationOutcome's issues: rule set id -> why it does not apply."""
    [outcome] = [e["resource"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "OperationOutcome"]
    assert {(i["severity"], i["code"]) for i in outcome["issue"]} == {
        ("information", "informational")}
    return {i["details"]["coding"][0]["code"]: i["details"]["text"] for i in outcome["issue"]}


def test_patient_without_an_id_and_no_applicable_study() -> None:
    """No study applies: no RiskAssessment, and the OperationOutcome says why for each."""
    bundle = bundle_for("-", stdin="histology: osteosarcoma\nmetastasis_timing: synchronous\n"
                        "lung_metastasis_count: 0\n")
    assert [e["resource"]["resourceType"] for e in bundle["entry"]] == [
        "Patient", "OperationOutcome"]
    why = left_out(bundle)
    assert why["slms"] == ("SLMS 2021 does not apply to this patient: the SLMS describes "
                           "patients with pulmonary metastases (the cohort had 1-19) "
                           "(lung_metastasis_count is 0)")
    assert why["liu-2022"].startswith("Liu 2022 does not apply to this patient: ")
    assert len(why) == len(ROSTER_STUDIES) // 2
    bundle = bundle_for("-", stdin="lung_metastasis_count: 2\n")
    assert assessments(bundle)["slms"]["subject"]["display"] == "patient (no id given)"


def test_a_patient_id_that_is_no_fhir_id_is_kept_as_an_identifier() -> None:
    bundle = bundle_for("-", stdin="id: 'Smith, J (ward 3)'\nlung_metastasis_count: 2\n")
    [patient] = [e["resource"] for e in bundle["entry"]
                 if e["resource"]["resourceType"] == "Patient"]
    assert patient["identifier"][0]["value"] == "Smith, J (ward 3)"
    assert patient["id"].startswith("patient-")
    assert assessments(bundle)["slms"]["id"] == patient["id"] + "-slms"


def test_whole_cohort_and_subgroup_figures_are_no_predictions() -> None:
    """LiBrizzi's 82/51/18% describe all 45 patients (fracture or not): notes, not predictions.
    NCDB: the group's 5-year figure is the prediction; the subgroup's and the histology
    group's, at the same horizon, are notes saying whom they describe."""
    librizzi = assessments(bundle_for(EXAMPLES / "lms-bone-metastases.yaml"))["librizzi-2022"]
    assert "prediction" not in librizzi
    assert "5-y OS from initial diagnosis: 51.0% (all 45 LMS patients with bone metastases, " \
        "with or without a fracture)" in notes(librizzi)
    ncdb = assessments(bundle_for(EXAMPLES / "synchronous-extremity-sts.json"))["abugideiri-2022"]
    assert [(p["probabilityDecimal"], p["whenRange"]["high"]["value"])
            for p in ncdb["prediction"]] == [(0.308, 60), (0.5, 22.8)]
    text = notes(ncdb)
    assert "5-y OS from initial diagnosis: 56.1% (the SP+M+R (no chemotherapy) subgroup" in text
    assert "5-y OS from initial diagnosis: 28.7% (all treatment groups of adipocytic" in text


def test_undecided_treatments_are_options_in_notes() -> None:
    bundle = bundle_for("-", stdin="id: p2\nhistology: liposarcoma\nprimary_site: extremity\n"
                        "metastasis_timing: synchronous\nprimary_surgery: true\n"
                        "metastasectomy: false\nradiotherapy: false\n")
    ncdb = assessments(bundle)["abugideiri-2022"]
    text = notes(ncdb)
    assert "Option if chemotherapy: SP+C (no radiotherapy, no metastasectomy): 5-y OS" in text
    assert "Option if no chemotherapy: SP alone" in text
    # The group depends on the undecided chemotherapy, so no figure is the patient's own.
    assert "prediction" not in ncdb
    assert "5-y OS from initial diagnosis: 28.7% (all treatment groups of adipocytic" in text


def test_fhir_with_what_if_is_a_usage_error() -> None:
    code, _, err = run("compare", str(DEMO), "--format", "fhir",
                       "--what-if", "lung_metastasis_count=3")
    assert code == 2 and "cannot be combined with --format fhir" in err
