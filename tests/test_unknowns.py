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
    absent = result_for("slms", lung_metastasis_count=2, lung_metastasis_max_diameter="18 mm")
    null = result_for("slms", lung_metastasis_count=2, lung_metastasis_max_diameter="18 mm",
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
    ({"disease_free_interval": "100 days", "lung_metastasis_max_diameter": "20 mm"}, (2, 3)),
    ({"disease_free_interval": "5000 days", "lung_metastasis_max_diameter": "5 mm"}, (0, 1)),
])
def test_slms_unknown_count_leaves_population_and_one_point_open(
        result_for: Run, known: dict[str, Any], expected_range: tuple[int, int]) -> None:
    r = result_for("slms", **known)
    assert (r.status, r.score, r.score_range) == ("incomplete", None, expected_range)
    assert r.factor("six_or_more_metastases").present is None


def test_ncdb_undecided_chemotherapy_gives_two_options_not_an_incomplete_result(
        result_for: Run) -> None:
    """An undecided treatment is no missing fact: each choice is an option, side by side."""
    r = result_for("abugideiri-2022", **NCDB, metastasectomy=False, radiotherapy=False)
    assert (r.status, r.group, r.subgroup, r.reasons) == ("complete", None, None, ())
    assert r.conditional_on == ()
    assert r.estimates == () and r.candidate_estimates == ()
    assert [([(a.field, a.value, a.label) for a in o.assumes], o.status, o.group, o.subgroup,
             [(e.selector.value, e.value) for e in o.estimates if e.horizon_months == 60])
            for o in r.options] == [
        ([("chemotherapy", True, "chemotherapy")], "complete", "nonsurgical_adjuvant", "sp_c",
         [("nonsurgical_adjuvant", 20.7), ("sp_c", 14.0)]),
        ([("chemotherapy", False, "no chemotherapy")], "complete", "sp_alone", None,
         [("sp_alone", 12.6)])]
    assert r.possible_groups == ("nonsurgical_adjuvant", "sp_c", "sp_alone")


def test_ncdb_known_group_with_undecided_subgroup_keeps_the_group_figures(
        result_for: Run) -> None:
    """Radiotherapy undecided: the group's figures hold whatever the option; the subgroup's
    only under its option."""
    r = result_for("abugideiri-2022", **NCDB, metastasectomy=True, chemotherapy=False)
    assert (r.status, r.group, r.subgroup) == ("complete", "metastasectomy", None)
    assert [e.value for e in r.estimates if e.horizon_months == 60] == [30.8]
    assert r.candidate_estimates == ()
    assert [([(a.field, a.value) for a in o.assumes], o.subgroup,
             [e.value for e in o.estimates if e.horizon_months == 60]) for o in r.options] == [
        ([("radiotherapy", True)], "sp_m_r", [56.1]), ([("radiotherapy", False)], None, [])]


def test_unknown_covariate_does_not_make_a_result_incomplete(result_for: Run) -> None:
    r = result_for("abugideiri-2022", **(NCDB | {"histology": "liposarcoma"}),
                   metastasectomy=True)  # margins (a covariate) not given
    assert (r.status, r.reasons, r.group) == ("complete", (), "metastasectomy")
    assert (r.factor("margins_positive").present, r.factor("margins_negative").present) == (
        None, None)
    assert r.factor("histology_adipocytic").present is True
    assert [e.value for e in r.estimates if e.horizon_months == 60] == [30.8, 28.7]


def test_liu_undecided_metastasectomy_shows_both_arms_if_chemotherapy(result_for: Run) -> None:
    r = result_for("liu-2022", **LIU)
    assert (r.status, r.group, r.reasons) == ("complete", None, ())
    assert [(a.field, a.value, a.label) for a in r.conditional_on] == [
        ("chemotherapy", True, "chemotherapy")]
    assert r.conditional_on[0].reason.startswith("all 125 patients had chemotherapy")
    assert r.estimates == () and r.candidate_estimates == ()
    assert [([(a.field, a.value) for a in o.assumes], o.group,
             [(e.horizon_months, e.value) for e in o.estimates]) for o in r.options] == [
        ([("pulmonary_metastasectomy", True)], "metastasectomy",
         [(24, 68.4), (60, 41.0), (None, 24.9)]),
        ([("metastasectomy", False)], "no_metastasectomy",
         [(24, 25.0), (60, 0.0), (None, 13.5)])]
    assert {c.id: c.present for c in r.caveats} == {"three_or_more_lobes": None,
                                                    "alp_over_2x_uln": None}


@pytest.mark.parametrize(("treatment", "status", "group"), [
    ({"pulmonary_metastasectomy": True, "chemotherapy": True}, "complete", "metastasectomy"),
    ({"metastasectomy": False, "chemotherapy": True}, "complete", "no_metastasectomy"),
    ({"pulmonary_metastasectomy": True, "chemotherapy": False}, "not_applicable", None),
    ({"pulmonary_metastasectomy": False, "chemotherapy": False}, "not_applicable", None),
    # A metastasectomy elsewhere without the lung one: in neither arm (the paper's 66 had
    # chemotherapy alone).
    ({"metastasectomy": True, "pulmonary_metastasectomy": False, "chemotherapy": True},
     "not_applicable", None),
])
def test_liu_decided_treatments_show_only_their_arm(result_for: Run, treatment: dict[str, Any],
                                                    status: str, group: str | None) -> None:
    r = result_for("liu-2022", **(LIU | treatment))
    assert (r.status, r.group, r.options, r.conditional_on) == (status, group, (), ())


def test_liu_ratio_unknown_when_only_alp_is_given(result_for: Run) -> None:
    r = result_for("liu-2022", **LIU, metastasectomy=True, alkaline_phosphatase=900)
    assert r.status == "complete"  # a caveat never makes a result incomplete
    assert r.caveat("alp_over_2x_uln").present is None


def test_unknown_population_field_is_incomplete_not_not_applicable(result_for: Run) -> None:
    r = result_for("librizzi-2022", bone_metastases=True, pathologic_fracture=True)
    assert (r.status, [p.holds for p in r.population]) == ("incomplete", [None, True, None])
    assert r.reasons == ("applicability unknown: histology not given (the study included "
                         "only leiomyosarcoma)",
                         "applicability unknown: primary_site not given (primary "
                         "leiomyosarcoma of bone was excluded (7 of 396 patients))")
    assert r.factor("pathologic_fracture").present is True
    # Its survival figures are the whole 45-patient cohort's (fracture or not): references.
    assert r.estimates == () and r.candidate_estimates == ()
    assert sorted(e.value for e in r.reference_estimates
                  if e.selector.value.startswith("all 45")) == [18, 28.4, 51, 69.7, 82]


def test_a_false_population_condition_outweighs_an_unknown_one(result_for: Run) -> None:
    r = result_for("librizzi-2022", bone_metastases=False)
    assert r.status == "not_applicable"
    assert [p.holds for p in r.population] == [None, False, None]
    assert r.reasons == ("the study describes leiomyosarcoma metastatic to BONE "
                         "(bone_metastases is false)",)


def test_unknown_histology_for_burkhard_meier_is_incomplete(result_for: Run) -> None:
    r = result_for("burkhard-meier-2025", lung_metastasis_count=1, primary_site="trunk",
                   extrapulmonary_metastases=False, lung_metastasis_max_diameter="25 mm",
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
                          disease_free_interval="100 days")
    for rule_set, r in results.items():
        assert r.status == "not_applicable", rule_set
        assert r.reasons, rule_set
        assert (r.score, r.score_range, r.group, r.group_label, r.subgroup) == (
            None, None, None, None, None)
        assert r.to_dict()["group_label"] is None and r.options == ()
        assert (r.possible_groups, r.estimates, r.candidate_estimates) == ((), (), ())
    assert results["slms"].reasons == (
        "the SLMS describes patients with pulmonary metastases (the cohort had 1-19) "
        "(lung_metastasis_count is 0)",)
    assert len(results["abugideiri-2022"].reasons) == 2  # primary site and timing
