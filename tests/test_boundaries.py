"""Both sides of every cut-off, evaluated through the Comparator (durable_rules decides)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prognosis.engine.results import Result

Run = Callable[..., Result]

# -- SLMS: DFI < 730 days, largest nodule >= 15 mm, >= 6 nodules -----------------------
# The base patient scores 0: DFI long, nodule small, few nodules.
SLMS = {"lung_metastasis_count": 2, "lung_metastasis_max_diameter": "10 mm",
        "disease_free_interval": "3000 days"}


def slms(result_for: Run, **changes: Any) -> Result:
    r = result_for("slms", **(SLMS | changes))
    assert r.status == "complete" and r.reasons == ()
    return r


@pytest.mark.parametrize(("dfi", "point"), [
    ("729 days", True), ("729.5 days", True), ("729.99 days", True), ("23 months", True),
    ("23.99 months", True), ("1.99 years", True), ("0 days", True), ("730 days", False),
    ("2 years", False), ("24 months", False), ("24.01 months", False), ("731 days", False),
    ({"value": 729, "unit": "days"}, True), ({"value": 24, "unit": "months"}, False)])
def test_slms_disease_free_interval(result_for: Run, dfi: object, point: bool) -> None:
    r = slms(result_for, disease_free_interval=dfi)
    assert r.factor("dfi_under_2_years").present is point
    assert (r.score, r.score_range) == (int(point), (int(point), int(point)))


@pytest.mark.parametrize(("diameter", "point"), [
    ("14.9 mm", False), ("14.99 mm", False), ("1.49 cm", False), ("0.1 mm", False),
    ({"value": 14.9, "unit": "mm"}, False), ("15 mm", True), ("15.0 mm", True),
    ("1.5 cm", True), ("15.1 mm", True), ({"value": 1.5, "unit": "cm"}, True)])
def test_slms_largest_nodule(result_for: Run, diameter: object, point: bool) -> None:
    r = slms(result_for, lung_metastasis_max_diameter=diameter)
    assert r.factor("max_diameter_15mm_or_more").present is point
    assert r.score == int(point)


@pytest.mark.parametrize(("count", "point"), [(1, False), (5, False), (6, True), (7, True),
                                              (19, True)])
def test_slms_number_of_nodules(result_for: Run, count: int, point: bool) -> None:
    r = slms(result_for, lung_metastasis_count=count)
    assert r.factor("six_or_more_metastases").present is point
    assert r.score == int(point)


def test_slms_population_needs_at_least_one_nodule(result_for: Run) -> None:
    assert slms(result_for, lung_metastasis_count=1).population[0].holds is True
    r = result_for("slms", lung_metastasis_count=0, disease_free_interval="3000 days")
    assert (r.status, r.score, r.score_range) == ("not_applicable", None, None)


def test_a_measured_nodule_means_at_least_one(result_for: Run) -> None:
    """The count unknown, a largest nodule given: '>= 1 nodule' holds, '>= 6' stays open."""
    r = result_for("slms", lung_metastasis_max_diameter="10 mm",
                   disease_free_interval="3000 days")
    assert r.population[0].holds is True
    assert r.factor("six_or_more_metastases").present is None
    assert (r.status, r.score_range) == ("incomplete", (0, 1))
    assert r.population[0].detail == "lung_metastasis_count at least 1"


def test_a_measured_nodule_beside_a_count_of_zero_is_a_contradiction(
        make_patient: Callable[..., Any]) -> None:
    from prognosis.engine.errors import InputError

    with pytest.raises(InputError, match="implies lung_metastasis_count of at least 1, but "
                       "lung_metastasis_count is 0"):
        make_patient(lung_metastasis_count=0, lung_metastasis_max_diameter="10 mm")


@pytest.mark.parametrize(("changes", "score", "survival"), [
    ({}, 0, 89.5),
    ({"disease_free_interval": "729 days"}, 1, 63.2),
    ({"lung_metastasis_max_diameter": "15 mm"}, 1, 63.2),
    ({"lung_metastasis_count": 6}, 1, 63.2),
    ({"disease_free_interval": "23 months", "lung_metastasis_max_diameter": "1.5 cm"}, 2, 39.0),
    ({"lung_metastasis_max_diameter": "15 mm", "lung_metastasis_count": 6}, 2, 39.0),
    ({"disease_free_interval": "729 days", "lung_metastasis_max_diameter": "15 mm",
      "lung_metastasis_count": 6}, 3, 10.5),
])
def test_slms_score_gives_its_three_year_survival(result_for: Run, changes: dict[str, Any],
                                                  score: int, survival: float) -> None:
    r = slms(result_for, **changes)
    assert (r.score, r.score_range, r.max_score) == (score, (score, score), 3)
    assert sum(1 for f in r.factors if f.present) == score
    [estimate] = r.estimates
    assert (estimate.value, estimate.horizon_months, estimate.statistic, estimate.endpoint) == (
        survival, 36, "survival_percent", "overall_survival")
    assert estimate.origin == "first pulmonary metastasectomy"
    assert estimate.selector.value == score
    assert r.candidate_estimates == ()


# -- Burkhard-Meier 2025: diameter > 2 cm, TFI > 12 months ------------------------------
BM = {"histology": "leiomyosarcoma", "primary_site": "uterus", "lung_metastasis_count": 2,
      "extrapulmonary_metastases": False, "lung_metastasis_max_diameter": "10 mm",
      "treatment_free_interval": "100 days"}


@pytest.mark.parametrize(("diameter", "over"), [
    ("20 mm", False), ("2 cm", False), ("19.9 mm", False),
    ("20.1 mm", True), ("2.01 cm", True), ("2.5 cm", True)])
def test_burkhard_meier_diameter_over_2cm(result_for: Run, diameter: object,
                                          over: bool) -> None:
    r = result_for("burkhard-meier-2025", **(BM | {"lung_metastasis_max_diameter": diameter}))
    assert r.status == "complete"
    assert r.factor("diameter_over_2cm").present is over
    assert r.caveat("systemic_therapy_trend_over_2cm").present is over


@pytest.mark.parametrize(("tfi", "over"), [
    ("12 months", False), ("365 days", False), ("365.25 days", False), ("1 year", False),
    ("11.99 months", False), ("365.26 days", True), ("366 days", True), ("13 months", True),
    ("12.01 months", True)])
def test_burkhard_meier_tfi_over_12_months(result_for: Run, tfi: object, over: bool) -> None:
    r = result_for("burkhard-meier-2025", **(BM | {"treatment_free_interval": tfi}))
    assert r.status == "complete"
    assert r.factor("tfi_over_12_months").present is over
    assert (r.score, r.score_range, r.estimates) == (None, None, ())


# -- Liu 2022: >= 3 lobes, ALP > 2 x ULN ---------------------------------------------------
LIU = {"histology": "osteosarcoma", "metastasis_timing": "metachronous",
       "lung_metastasis_count": 3, "pulmonary_metastasectomy": True, "chemotherapy": True,
       "lung_lobes_involved": 1,
       "alkaline_phosphatase": 100, "alkaline_phosphatase_uln": 120}


@pytest.mark.parametrize(("lobes", "caveat"), [(1, False), (2, False), (3, True), (5, True)])
def test_liu_lobes(result_for: Run, lobes: int, caveat: bool) -> None:
    r = result_for("liu-2022", **(LIU | {"lung_lobes_involved": lobes}))
    assert (r.status, r.group) == ("complete", "metastasectomy")
    assert r.caveat("three_or_more_lobes").present is caveat


@pytest.mark.parametrize(("alp", "uln", "caveat"), [
    (240, 120, False), (0.6, 0.3, False), (239, 120, False), (200, 100, False),
    (241, 120, True), (200.0001, 100, True), (200.1, 100, True), (500, 120, True)])
def test_liu_alp_over_twice_uln(result_for: Run, alp: float, uln: float, caveat: bool) -> None:
    r = result_for("liu-2022", **(LIU | {"alkaline_phosphatase": alp,
                                         "alkaline_phosphatase_uln": uln}))
    assert r.status == "complete"
    assert r.caveat("alp_over_2x_uln").present is caveat


@pytest.mark.parametrize(("metastasectomy", "group", "two_year"), [
    (True, "metastasectomy", 68.4), (False, "no_metastasectomy", 25.0)])
def test_liu_arms_give_their_estimates(result_for: Run, metastasectomy: bool, group: str,
                                       two_year: float) -> None:
    r = result_for("liu-2022", **(LIU | {"pulmonary_metastasectomy": metastasectomy}))
    assert (r.status, r.group, r.possible_groups) == ("complete", group, ())
    assert [e.value for e in r.estimates if e.horizon_months == 24] == [two_year]


# -- Abugideiri 2022 (NCDB): primary tumour size bands, left-open -------------------------
NCDB = {"histology": "liposarcoma", "primary_site": "extremity",
        "metastasis_timing": "synchronous", "primary_surgery": True,
        "metastasectomy": False, "chemotherapy": False, "radiotherapy": False}
BANDS = ("primary_size_0_5cm", "primary_size_5_10cm", "primary_size_10_15cm",
         "primary_size_over_15cm")


@pytest.mark.parametrize(("size", "band"), [
    ("0 mm", "primary_size_0_5cm"), ("50 mm", "primary_size_0_5cm"),
    ("5 cm", "primary_size_0_5cm"), ("50.1 mm", "primary_size_5_10cm"),
    ("100 mm", "primary_size_5_10cm"), ("10 cm", "primary_size_5_10cm"),
    ("100.1 mm", "primary_size_10_15cm"), ("150 mm", "primary_size_10_15cm"),
    ("15 cm", "primary_size_10_15cm"), ("150.1 mm", "primary_size_over_15cm"),
    ("40 cm", "primary_size_over_15cm")])
def test_ncdb_primary_size_band(result_for: Run, size: object, band: str) -> None:
    r = result_for("abugideiri-2022", **(NCDB | {"primary_tumor_size": size}))
    assert (r.status, r.group) == ("complete", "sp_alone")
    assert {b: r.factor(b).present for b in BANDS} == {b: b == band for b in BANDS}


def test_ncdb_unknown_size_leaves_every_band_unknown(result_for: Run) -> None:
    r = result_for("abugideiri-2022", **NCDB)
    assert r.status == "complete"  # a covariate never makes a result incomplete
    assert {r.factor(b).present for b in BANDS} == {None}


ADIPOCYTIC = ("histology_adipocytic", 28.7)  # the base patient's liposarcoma, its own series


@pytest.mark.parametrize(("treatment", "group", "subgroup", "five_year"), [
    ({}, "sp_alone", None, [("sp_alone", 12.6)]),
    ({"metastasectomy": True}, "metastasectomy", None, [("metastasectomy", 30.8)]),
    ({"metastasectomy": True, "radiotherapy": True}, "metastasectomy", "sp_m_r",
     [("metastasectomy", 30.8), ("sp_m_r", 56.1)]),
    ({"metastasectomy": True, "radiotherapy": True, "chemotherapy": True}, "metastasectomy",
     "sp_m_c_r", [("metastasectomy", 30.8), ("sp_m_c_r", 36.5)]),
    ({"chemotherapy": True}, "nonsurgical_adjuvant", "sp_c",
     [("nonsurgical_adjuvant", 20.7), ("sp_c", 14.0)]),
    ({"chemotherapy": True, "radiotherapy": True}, "nonsurgical_adjuvant", "sp_c_r",
     [("nonsurgical_adjuvant", 20.7)]),
    ({"radiotherapy": True}, "nonsurgical_adjuvant", None, [("nonsurgical_adjuvant", 20.7)]),
])
def test_ncdb_treatment_groups(result_for: Run, treatment: dict[str, Any], group: str,
                               subgroup: str | None, five_year: list[tuple[str, float]]) -> None:
    """Published values: Abugideiri 2022, Results (Survival Analysis); SP+C+R has no 5-year
    figure in the text, so none is shown."""
    r = result_for("abugideiri-2022", **(NCDB | treatment))
    assert (r.status, r.group, r.subgroup) == ("complete", group, subgroup)
    assert [(e.selector.value, e.value) for e in r.estimates
            if e.horizon_months == 60] == [*five_year, ADIPOCYTIC]
