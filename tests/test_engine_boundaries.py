"""Both sides of every cut-off, through the engine (durable_rules decides each comparison)."""

from __future__ import annotations

import pytest
from helpers import result

SLMS_BASE = {"lung_metastasis_count": 2, "lung_metastasis_max_diameter": 5,
             "disease_free_interval": 5000}


@pytest.mark.parametrize(("dfi", "point"), [
    (729, True), (729.99, True), (730, False), ("730 days", False), ("2 years", False),
    ("23 months", True), ("24 months", False), (0, True), ("1.99 years", True)])
def test_slms_dfi_under_730_days(dfi: object, point: bool) -> None:
    r = result("slms", **(SLMS_BASE | {"disease_free_interval": dfi}))
    assert r.factor("dfi_under_2_years").present is point
    assert r.score == int(point)


@pytest.mark.parametrize(("diameter", "point"), [
    (14.9, False), (15, True), ("15 mm", True), ("1.5 cm", True), ("1.49 cm", False),
    (15.1, True), ("14.99 mm", False)])
def test_slms_diameter_15mm_or_more(diameter: object, point: bool) -> None:
    r = result("slms", **(SLMS_BASE | {"lung_metastasis_max_diameter": diameter}))
    assert r.factor("max_diameter_15mm_or_more").present is point


@pytest.mark.parametrize(("count", "point"), [(1, False), (5, False), (6, True), (19, True)])
def test_slms_six_or_more_nodules(count: int, point: bool) -> None:
    r = result("slms", **(SLMS_BASE | {"lung_metastasis_count": count}))
    assert r.factor("six_or_more_metastases").present is point


@pytest.mark.parametrize(("fields", "score", "survival"), [
    ({}, 0, 89.5),
    ({"disease_free_interval": 100}, 1, 63.2),
    ({"disease_free_interval": 100, "lung_metastasis_max_diameter": 15}, 2, 39.0),
    ({"disease_free_interval": 100, "lung_metastasis_max_diameter": 15,
      "lung_metastasis_count": 6}, 3, 10.5),
])
def test_slms_score_to_three_year_survival(fields: dict, score: int, survival: float) -> None:
    """Published values: Yamamoto 2021, Results and Figure 3 (exact, no tolerance)."""
    r = result("slms", **(SLMS_BASE | fields))
    assert (r.status, r.score, r.score_range) == ("complete", score, (score, score))
    [estimate] = r.estimates
    assert (estimate.value, estimate.horizon_months, estimate.statistic) == (
        survival, 36, "survival_percent")
    assert estimate.origin == "first pulmonary metastasectomy"


BM_BASE = {"histology": "leiomyosarcoma", "lung_metastasis_count": 1,
           "extrapulmonary_metastases": False, "lung_metastasis_max_diameter": 10,
           "treatment_free_interval": 100}


@pytest.mark.parametrize(("diameter", "over"), [
    (20, False), ("2 cm", False), ("20 mm", False), (20.1, True), ("2.1 cm", True),
    (19.9, False)])
def test_burkhard_meier_diameter_over_2cm(diameter: object, over: bool) -> None:
    r = result("burkhard-meier-2025", **(BM_BASE | {"lung_metastasis_max_diameter": diameter}))
    assert r.factor("diameter_over_2cm").present is over
    assert r.caveat("systemic_therapy_trend_over_2cm").present is over


@pytest.mark.parametrize(("tfi", "over"), [
    ("12 months", False), (365.25, False), (365, False), (366, True), ("13 months", True),
    ("1 year", False), ("365.26 days", True)])
def test_burkhard_meier_tfi_over_12_months(tfi: object, over: bool) -> None:
    r = result("burkhard-meier-2025", **(BM_BASE | {"treatment_free_interval": tfi}))
    assert r.factor("tfi_over_12_months").present is over


LIU_BASE = {"histology": "osteosarcoma", "metastasis_timing": "metachronous",
            "lung_metastasis_count": 3, "metastasectomy": True}


@pytest.mark.parametrize(("lobes", "caveat"), [(1, False), (2, False), (3, True), (5, True)])
def test_liu_three_or_more_lobes(lobes: int, caveat: bool) -> None:
    r = result("liu-2022", **(LIU_BASE | {"lung_lobes_involved": lobes}))
    assert r.caveat("three_or_more_lobes").present is caveat


@pytest.mark.parametrize(("alp", "uln", "caveat"), [
    (240, 120, False), (241, 120, True), (239, 120, False), (0.6, 0.3, False),
    (200.0001, 100, True), (100, 100, False)])
def test_liu_alp_over_twice_uln(alp: float, uln: float, caveat: bool) -> None:
    r = result("liu-2022", **(LIU_BASE | {"alkaline_phosphatase": alp,
                                          "alkaline_phosphatase_uln": uln}))
    assert r.caveat("alp_over_2x_uln").present is caveat


NCDB_BASE = {"histology": "liposarcoma", "primary_site": "extremity",
             "metastasis_timing": "synchronous", "primary_surgery": True,
             "metastasectomy": False, "chemotherapy": False, "radiotherapy": False}
BANDS = ("primary_size_0_5cm", "primary_size_5_10cm", "primary_size_10_15cm",
         "primary_size_over_15cm")


@pytest.mark.parametrize(("size", "band"), [
    (0, "primary_size_0_5cm"), (50, "primary_size_0_5cm"), ("5 cm", "primary_size_0_5cm"),
    (50.1, "primary_size_5_10cm"), (100, "primary_size_5_10cm"),
    ("10 cm", "primary_size_5_10cm"), (100.1, "primary_size_10_15cm"),
    (150, "primary_size_10_15cm"), ("15 cm", "primary_size_10_15cm"),
    (150.1, "primary_size_over_15cm"), ("30 cm", "primary_size_over_15cm")])
def test_ncdb_size_bands_are_left_open(size: object, band: str) -> None:
    r = result("abugideiri-2022", **(NCDB_BASE | {"primary_tumor_size": size}))
    assert [b for b in BANDS if r.factor(b).present] == [band]


@pytest.mark.parametrize(("treatment", "group", "subgroup", "five_year"), [
    ({}, "sp_alone", None, [12.6, 28.7]),
    ({"metastasectomy": True}, "metastasectomy", None, [30.8, 28.7]),
    ({"metastasectomy": True, "radiotherapy": True}, "metastasectomy", "sp_m_r",
     [30.8, 56.1, 28.7]),
    ({"metastasectomy": True, "radiotherapy": True, "chemotherapy": True}, "metastasectomy",
     "sp_m_c_r", [30.8, 36.5, 28.7]),
    ({"chemotherapy": True}, "nonsurgical_adjuvant", "sp_c", [20.7, 14.0, 28.7]),
    ({"chemotherapy": True, "radiotherapy": True}, "nonsurgical_adjuvant", "sp_c_r",
     [20.7, 28.7]),
    ({"radiotherapy": True}, "nonsurgical_adjuvant", None, [20.7, 28.7]),
])
def test_ncdb_treatment_groups(treatment: dict, group: str, subgroup: str | None,
                               five_year: list[float]) -> None:
    """Published values: Abugideiri 2022, Results (Survival Analysis); SP+C+R has no 5-year
    figure in the text, so none is shown."""
    r = result("abugideiri-2022", **(NCDB_BASE | treatment))
    assert (r.status, r.group, r.subgroup) == ("complete", group, subgroup)
    assert [e.value for e in r.estimates if e.horizon_months == 60] == five_year
