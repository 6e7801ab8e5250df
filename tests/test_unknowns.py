"""A missing input is unknown, never absent: incomplete results, ranges and candidates."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from prognosis.engine.results import Result

Run = Callable[..., Result]

NCDB = {"histology": "synovial_sarcoma", "primary_site": "extremity",
        "metastasis_timing": "synchronous", "primary_surgery": True}
LIU = {"histology": "osteosarcoma", "metastasis_timing": "metachronous",
       "lung_metastasis_count": 2}


def test_slms_unknown_dfi_gives_a_range_and_candidates(result_for: Run) -> None:
    r = result_for("slms", lung_metastasis_count=2, lung_metastasis_max_diameter="18 mm")
    assert (r.status, r.score, r.score_range) == ("incomplete", None, (1, 2))
    assert r.factor("dfi_under_2_years").present is None
    assert r.factor("max_diameter_15mm_or_more").present is True
    assert r.factor("six_or_more_metastases").present is False
    assert r.estimates == ()
    assert [(e.selector.value, e.value) for e in r.candidate_estimates] == [(1, 63.2), (2, 39.0)]
    assert r.reasons == ("DFI < 2 years: disease_free_interval unknown",)
    assert r.to_dict()["factors"][0]["conditions"][0]["verdict"] is None


def test_explicit_null_is_the_same_as_absent(result_for: Run) -> None:
    absent = result_for("slms", lung_metastasis_count=2, lung_metastasis_max_diameter=18)
    null = result_for("slms", lung_metastasis_count=2, lung_metastasis_max_diameter=18,
                      disease_free_interval=None)
    assert absent.to_dict() == null.to_dict()


def test_slms_all_three_factors_unknown_span_the_whole_score(result_for: Run) -> None:
    r = result_for("slms", histology="leiomyosarcoma")
    assert (r.status, r.score, r.score_range) == ("incomplete", None, (0, 3))
    assert {f.id: f.present for f in r.factors} == {
        "dfi_under_2_years": None, "max_diameter_15mm_or_more": None,
        "six_or_more_metastases": None}
    assert r.population[0].holds is None
    assert r.reasons[0].startswith("applicability unknown: lung_metastasis_count not given")
    assert [e.value for e in r.candidate_estimates] == [89.5, 63.2, 39.0, 10.5]
    assert r.estimates == ()


@pytest.mark.parametrize(("known", "expected_range"), [
    ({"disease_free_interval": 100, "lung_metastasis_max_diameter": 20}, (2, 3)),
    ({"disease_free_interval": 5000, "lung_metastasis_max_diameter": 5}, (0, 1)),
])
def test_slms_unknown_count_leaves_population_and_one_point_open(
        result_for: Run, known: dict[str, Any], expected_range: tuple[int, int]) -> None:
    r = result_for("slms", **known)
    assert (r.status, r.score, r.score_range) == ("incomplete", None, expected_range)
    assert r.factor("six_or_more_metastases").present is None


def test_ncdb_unknown_chemotherapy_leaves_the_group_open(result_for: Run) -> None:
    r = result_for("abugideiri-2022", **NCDB, metastasectomy=False, radiotherapy=False)
    assert (r.status, r.group, r.subgroup) == ("incomplete", None, None)
    assert r.possible_groups == ("sp_alone", "nonsurgical_adjuvant", "sp_c")
    assert r.reasons == ("treatment group undetermined: chemotherapy unknown",)
    assert r.estimates == ()
    assert [(e.selector.value, e.value) for e in r.candidate_estimates
            if e.horizon_months == 60] == [("sp_alone", 12.6), ("nonsurgical_adjuvant", 20.7),
                                           ("sp_c", 14.0)]


def test_ncdb_known_group_with_unknown_subgroup_is_complete(result_for: Run) -> None:
    r = result_for("abugideiri-2022", **NCDB, metastasectomy=True, chemotherapy=False)
    assert (r.status, r.group, r.subgroup) == ("complete", "metastasectomy", None)
    assert r.possible_groups == ("sp_m_r",)
    assert [e.value for e in r.estimates if e.horizon_months == 60] == [30.8]
    assert [e.value for e in r.candidate_estimates if e.horizon_months == 60] == [56.1]


def test_unknown_covariate_does_not_make_a_result_incomplete(result_for: Run) -> None:
    r = result_for("abugideiri-2022", **(NCDB | {"histology": "liposarcoma"}),
                   metastasectomy=True)  # margins (a covariate) not given
    assert (r.status, r.reasons, r.group) == ("complete", (), "metastasectomy")
    assert (r.factor("margins_positive").present, r.factor("margins_negative").present) == (
        None, None)
    assert r.factor("histology_adipocytic").present is True
    assert [e.value for e in r.estimates if e.horizon_months == 60] == [30.8, 28.7]


def test_liu_unknown_metastasectomy_shows_both_arms(result_for: Run) -> None:
    r = result_for("liu-2022", **LIU)
    assert (r.status, r.group) == ("incomplete", None)
    assert r.possible_groups == ("metastasectomy", "no_metastasectomy")
    assert r.reasons == ("treatment group undetermined: metastasectomy unknown",)
    assert r.estimates == ()
    assert [(e.selector.value, e.horizon_months, e.value) for e in r.candidate_estimates] == [
        ("metastasectomy", 24, 68.4), ("metastasectomy", 60, 41.0),
        ("metastasectomy", None, 24.9), ("no_metastasectomy", 24, 25.0),
        ("no_metastasectomy", 60, 0.0), ("no_metastasectomy", None, 13.5)]
    assert {c.id: c.present for c in r.caveats} == {"three_or_more_lobes": None,
                                                    "alp_over_2x_uln": None}


def test_liu_ratio_unknown_when_only_alp_is_given(result_for: Run) -> None:
    r = result_for("liu-2022", **LIU, metastasectomy=True, alkaline_phosphatase=900)
    assert r.status == "complete"  # a caveat never makes a result incomplete
    assert r.caveat("alp_over_2x_uln").present is None


def test_unknown_population_field_is_incomplete_not_not_applicable(result_for: Run) -> None:
    r = result_for("librizzi-2022", bone_metastases=True, pathologic_fracture=True)
    assert (r.status, r.population[0].holds, r.population[1].holds) == ("incomplete", None,
                                                                          True)
    assert r.reasons == ("applicability unknown: histology not given (the study included "
                         "only leiomyosarcoma)",)
    assert r.factor("pathologic_fracture").present is True
    assert r.estimates == ()  # the population is not established
    assert sorted(e.value for e in r.candidate_estimates) == [18, 28.4, 51, 69.7, 82]


def test_a_false_population_condition_outweighs_an_unknown_one(result_for: Run) -> None:
    r = result_for("librizzi-2022", bone_metastases=False)
    assert r.status == "not_applicable"
    assert [p.holds for p in r.population] == [None, False]
    assert r.reasons == ("the study describes leiomyosarcoma metastatic to BONE "
                         "(bone_metastases is false)",)


def test_unknown_histology_for_burkhard_meier_is_incomplete(result_for: Run) -> None:
    r = result_for("burkhard-meier-2025", lung_metastasis_count=1,
                   extrapulmonary_metastases=False, lung_metastasis_max_diameter=25,
                   treatment_free_interval="2 years")
    assert r.status == "incomplete"
    assert r.reasons == ("applicability unknown: histology not given (the study enrolled only "
                         "leiomyosarcoma, synovial sarcoma and undifferentiated pleomorphic "
                         "sarcoma)",)
    assert (r.factor("diameter_over_2cm").present, r.factor("tfi_over_12_months").present) == (
        True, True)


def test_not_applicable_results_give_a_reason_and_no_numbers(
        results_for: Callable[..., dict[str, Result]]) -> None:
    results = results_for(histology="leiomyosarcoma", lung_metastasis_count=0,
                          metastasis_timing="metachronous", primary_site="uterus",
                          primary_surgery=True, bone_metastases=False,
                          disease_free_interval=100, lung_metastasis_max_diameter=30)
    for rule_set, r in results.items():
        assert r.status == "not_applicable", rule_set
        assert r.reasons, rule_set
        assert (r.score, r.score_range, r.group, r.subgroup) == (None, None, None, None)
        assert (r.possible_groups, r.estimates, r.candidate_estimates) == ((), (), ())
    assert results["slms"].reasons == (
        "the SLMS describes patients with pulmonary metastases (the cohort had 1-19) "
        "(lung_metastasis_count is 0)",)
    assert len(results["abugideiri-2022"].reasons) == 2  # primary site and timing
