"""Patient normalisation: units converted, aliases, implications, every problem collected."""

from __future__ import annotations

import pytest
from helpers import library, patient

from prognosis.engine.errors import InputError


@pytest.mark.parametrize("raw", [15, 15.0, "15", "15 mm", "1.5 cm", " 1.5cm ", "15.0mm"])
def test_length_units_are_equivalent(raw: object) -> None:
    assert patient(lung_metastasis_max_diameter=raw).values[
        "lung_metastasis_max_diameter"] == 15.0


@pytest.mark.parametrize(("raw", "days"), [
    ("2 years", 730.5), ("12 months", 365.25), ("400 days", 400.0), ("14 months", 426.125),
    ("1 week", 7.0), (730, 730.0), ("23 months", 700.0625), ("0 days", 0.0)])
def test_durations_in_days(raw: object, days: float) -> None:
    assert patient(disease_free_interval=raw).values["disease_free_interval"] == days


def test_aliases_and_case() -> None:
    p = patient(histology="LMS", primary_site="Head Neck", metastasis_timing="relapse")
    assert (p.values["histology"], p.values["primary_site"],
            p.values["metastasis_timing"]) == ("leiomyosarcoma", "head_neck", "metachronous")


def test_implications_fill_unstated_fields_and_are_shown_as_derived() -> None:
    p = patient(pathologic_fracture=True)
    assert p.values["bone_metastases"] is True
    assert p.values["extrapulmonary_metastases"] is True
    assert p.derived["bone_metastases"] == "implied by pathologic_fracture: true"
    q = patient(extrapulmonary_metastases=False)
    assert q.values["bone_metastases"] is False and q.values["pathologic_fracture"] is False


def test_ratio_is_derived_and_rounded() -> None:
    assert patient(alkaline_phosphatase=0.6, alkaline_phosphatase_uln=0.3).values[
        "alkaline_phosphatase_ratio"] == 2.0
    assert "alkaline_phosphatase_ratio" not in patient(alkaline_phosphatase=300).values


@pytest.mark.parametrize(("fields", "field", "fragment"), [
    ({"lung_metastasis_max_diameter": "-3 mm"}, "lung_metastasis_max_diameter", "less than 0"),
    ({"disease_free_interval": -1}, "disease_free_interval", "less than 0"),
    ({"lung_lobes_involved": 0}, "lung_lobes_involved", "less than 1"),
    ({"lung_lobes_involved": 6}, "lung_lobes_involved", "more than 5"),
    ({"lung_metastasis_count": "many"}, "lung_metastasis_count", "not a number"),
    ({"lung_metastasis_max_diameter": "15 kg"}, "lung_metastasis_max_diameter",
     "unit 'kg' is not a length unit; allowed: mm, cm"),
    ({"disease_free_interval": "3 cm"}, "disease_free_interval", "not a duration unit"),
    ({"histology": "chondrosarcoma"}, "histology", "allowed: leiomyosarcoma"),
    ({"histology": "leiomyosarcom"}, "histology", "did you mean 'leiomyosarcoma'?"),
    ({"lung_metastasis_count": 2.5}, "lung_metastasis_count", "whole number"),
    ({"alkaline_phosphatase_uln": 0}, "alkaline_phosphatase_uln", "greater than 0"),
    ({"alkaline_phosphatase": "300 mmol"}, "alkaline_phosphatase", "does not fit"),
    ({"disease_free_interval": float("nan")}, "disease_free_interval", "finite"),
    ({"alkaline_phosphatase_ratio": 2}, "alkaline_phosphatase_ratio", "derived"),
    ({"lung_metastasis_cnt": 2}, "lung_metastasis_cnt", "did you mean 'lung_metastasis_count'"),
    ({"metastasectomy": "maybe"}, "metastasectomy", "true or false"),
    ({"lung_metastasis_count": True}, "lung_metastasis_count", "whole number"),
])
def test_rejected_values_name_the_field(fields: dict, field: str, fragment: str) -> None:
    with pytest.raises(InputError) as caught:
        patient(**fields)
    [problem] = caught.value.problems
    assert problem.field == field
    assert fragment in problem.message


def test_every_problem_is_collected() -> None:
    with pytest.raises(InputError) as caught:
        patient(lung_lobes_involved=9, histology="x", primary_tumor_size="big")
    assert sorted(p.field or "" for p in caught.value.problems) == [
        "histology", "lung_lobes_involved", "primary_tumor_size"]


def test_contradiction_is_rejected() -> None:
    with pytest.raises(InputError) as caught:
        patient(pathologic_fracture=True, bone_metastases=False)
    assert "pathologic_fracture: true implies bone_metastases: true" in str(caught.value)


@pytest.mark.parametrize("data", [None, [], "text", 5])
def test_non_mapping_is_rejected(data: object) -> None:
    from prognosis.engine.patient import normalise

    with pytest.raises(InputError):
        normalise(data, library().fields, "x")


def test_a_date_where_a_number_is_needed_is_named_as_a_date() -> None:
    import datetime as dt

    with pytest.raises(InputError) as caught:
        patient(disease_free_interval=dt.date(2020, 1, 1))
    assert "got 2020-01-01 (a date)" in caught.value.problems[0].message


def test_package_version_matches_the_cache_key_version() -> None:
    from importlib.metadata import version

    from prognosis.engine.loader import VERSION

    assert version("prognosis-comparator") == VERSION
