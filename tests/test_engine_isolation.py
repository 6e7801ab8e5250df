"""Evaluating one patient never leaks into the next; properties of the SLMS score."""

from __future__ import annotations

from typing import Any

from helpers import comparator, evaluate, patient, result
from hypothesis import given, settings
from hypothesis import strategies as st

HIGH = {"lung_metastasis_count": 8, "lung_metastasis_max_diameter": 30,
        "disease_free_interval": 100, "histology": "leiomyosarcoma",
        "extrapulmonary_metastases": False, "treatment_free_interval": 500}
LOW = {"lung_metastasis_count": 1, "lung_metastasis_max_diameter": 5}


def test_a_b_a_gives_identical_results() -> None:
    first = [r.to_dict() for r in comparator().evaluate(patient(**HIGH))]
    comparator().evaluate(patient(**LOW))
    again = [r.to_dict() for r in comparator().evaluate(patient(**HIGH))]
    assert first == again


def test_facts_do_not_survive_into_the_next_patient() -> None:
    # LOW leaves DFI unknown: a leaked DFI of 100 days from HIGH would score a point.
    evaluate(**HIGH)
    r = result("slms", **LOW)
    assert r.factor("dfi_under_2_years").present is None
    assert r.score_range == (0, 1)


def test_more_patients_than_the_session_cap() -> None:
    """durable_rules caps live sessions at 1,024 per ruleset; each evaluation deletes its own."""
    for i in range(1_500):
        fields: dict[str, Any] = HIGH if i % 2 else LOW | {"disease_free_interval": 5000}
        assert result("slms", **fields).score == (3 if i % 2 else 0)


diameters = st.floats(min_value=0, max_value=120, allow_nan=False)
counts = st.integers(min_value=1, max_value=30)
intervals = st.floats(min_value=0, max_value=9000, allow_nan=False)


def slms_score(count: int, diameter: float, dfi: float) -> int:
    r = result("slms", lung_metastasis_count=count, lung_metastasis_max_diameter=diameter,
               disease_free_interval=dfi)
    assert r.score is not None
    return r.score


@settings(max_examples=150, deadline=None)
@given(counts, counts, diameters, diameters, intervals, intervals)
def test_worse_inputs_never_lower_the_score(c1: int, c2: int, d1: float, d2: float,
                                            t1: float, t2: float) -> None:
    low = slms_score(min(c1, c2), min(d1, d2), max(t1, t2))
    high = slms_score(max(c1, c2), max(d1, d2), min(t1, t2))
    assert high >= low


@settings(max_examples=150, deadline=None)
@given(counts, diameters, intervals)
def test_score_is_the_count_of_present_factors(count: int, diameter: float,
                                               dfi: float) -> None:
    expected = (dfi < 730) + (diameter >= 15) + (count >= 6)
    assert slms_score(count, diameter, dfi) == expected


@settings(max_examples=100, deadline=None)
@given(st.fixed_dictionaries({}, optional={"lung_metastasis_max_diameter": diameters,
                                           "disease_free_interval": intervals}), counts,
       st.sampled_from([(14.9, 15.0), (15.0, 14.9)]), st.sampled_from([(729.0, 730.0),
                                                                       (730.0, 729.0)]))
def test_score_range_contains_every_completion(known: dict, count: int,
                                               sizes: tuple[float, float],
                                               dfis: tuple[float, float]) -> None:
    r = result("slms", lung_metastasis_count=count, **known)
    assert r.score_range is not None
    for size in sizes:
        for dfi in dfis:
            filled = {"lung_metastasis_max_diameter": size, "disease_free_interval": dfi} | known
            score = slms_score(count, filled["lung_metastasis_max_diameter"],
                               filled["disease_free_interval"])
            assert r.score_range[0] <= score <= r.score_range[1]
