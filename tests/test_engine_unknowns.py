"""A missing input is unknown, never absent: incomplete results and score ranges."""

from __future__ import annotations

from helpers import evaluate, result


def test_unknown_dfi_gives_a_score_range_and_candidate_estimates() -> None:
    r = result("slms", lung_metastasis_count=2, lung_metastasis_max_diameter=18)
    assert (r.status, r.score, r.score_range) == ("incomplete", None, (1, 2))
    assert r.factor("dfi_under_2_years").present is None
    assert r.estimates == ()
    assert [(e.selector.value, e.value) for e in r.candidate_estimates] == [(1, 63.2),
                                                                           (2, 39.0)]
    assert r.reasons == ("DFI < 2 years: disease_free_interval unknown",)


def test_all_factors_unknown_spans_the_whole_score() -> None:
    r = result("slms", histology="leiomyosarcoma", lung_metastasis_count=None,
               bone_metastases=False)
    assert r.status == "incomplete"
    assert r.score_range == (0, 3)
    assert any("applicability unknown: lung_metastasis_count" in x for x in r.reasons)


def test_unknown_population_field_is_incomplete_not_not_applicable() -> None:
    r = result("librizzi-2022", bone_metastases=True, pathologic_fracture=True)
    assert r.status == "incomplete"
    assert any("histology" in x for x in r.reasons)
    assert r.estimates == () and len(r.candidate_estimates) == 5


def test_unknown_treatment_leaves_the_group_open() -> None:
    r = result("abugideiri-2022", histology="synovial_sarcoma", primary_site="extremity",
               metastasis_timing="synchronous", primary_surgery=True, metastasectomy=False,
               radiotherapy=False)
    assert (r.status, r.group) == ("incomplete", None)
    assert set(r.possible_groups) >= {"sp_alone", "nonsurgical_adjuvant"}
    assert "metastasectomy" not in r.possible_groups
    assert r.reasons == ("treatment group undetermined: chemotherapy unknown",)
    assert {e.value for e in r.candidate_estimates if e.horizon_months == 60} >= {12.6, 20.7}


def test_liu_without_treatment_shows_both_arms_as_candidates() -> None:
    r = result("liu-2022", histology="osteosarcoma", metastasis_timing="metachronous",
               lung_metastasis_count=2)
    assert (r.status, r.group) == ("incomplete", None)
    assert [e.value for e in r.candidate_estimates] == [68.4, 41.0, 24.9, 25.0, 0.0, 13.5]
    assert r.caveat("three_or_more_lobes").present is None


def test_unknown_covariate_does_not_make_a_result_incomplete() -> None:
    r = result("abugideiri-2022", histology="liposarcoma", primary_site="extremity",
               metastasis_timing="synchronous", primary_surgery=True, metastasectomy=True)
    assert r.status == "complete"
    assert r.factor("margins_positive").present is None


def test_not_applicable_gives_reasons_and_no_numbers() -> None:
    results = evaluate(histology="leiomyosarcoma", lung_metastasis_count=0,
                       bone_metastases=True, primary_site="uterus",
                       metastasis_timing="metachronous")
    for rule_set in ("slms", "burkhard-meier-2025", "liu-2022", "abugideiri-2022"):
        r = results[rule_set]
        assert r.status == "not_applicable", rule_set
        assert r.reasons and r.score is None and r.score_range is None
        assert r.estimates == () and r.candidate_estimates == ()
    assert results["librizzi-2022"].status == "incomplete"  # fracture unknown


def test_explicit_null_is_unknown() -> None:
    r = result("slms", lung_metastasis_count=2, lung_metastasis_max_diameter=None,
               disease_free_interval=100)
    assert r.score_range == (1, 2)
