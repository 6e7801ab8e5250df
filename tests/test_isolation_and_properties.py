"""One patient never leaks into the next; monotonicity and range properties of the SLMS."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import example, given, settings
from hypothesis import strategies as st

from prognosis.engine.evaluate import Comparator
from prognosis.engine.patient import Patient
from prognosis.engine.results import Result

Run = Callable[..., Result]

# Patient A: every SLMS factor present, in the Burkhard-Meier population, NCDB metastasectomy.
A = {"id": "A", "histology": "leiomyosarcoma", "lung_metastasis_count": 8,
     "lung_metastasis_max_diameter": "3 cm", "disease_free_interval": "6 months",
     "extrapulmonary_metastases": False, "treatment_free_interval": "14 months",
     "primary_site": "extremity", "metastasis_timing": "synchronous", "primary_surgery": True,
     "pulmonary_metastasectomy": True, "chemotherapy": False, "radiotherapy": False}
# Patient B: every SLMS factor absent; many fields differ from A, some are unknown.
B = {"id": "B", "histology": "osteosarcoma", "lung_metastasis_count": 1,
     "lung_metastasis_max_diameter": "4 mm", "disease_free_interval": "5 years",
     "metastasis_timing": "metachronous", "metastasectomy": True, "lung_lobes_involved": 4,
     "alkaline_phosphatase": 500, "alkaline_phosphatase_uln": 120}


def dicts(comparator: Comparator, patient: Patient) -> list[dict[str, Any]]:
    return [r.to_dict() for r in comparator.evaluate(patient)]


def test_a_then_b_then_a_gives_identical_results(comparator: Comparator,
                                                 make_patient: Callable[..., Patient]) -> None:
    a, b = make_patient(**A), make_patient(**B)
    first = dicts(comparator, a)
    between = dicts(comparator, b)
    again = dicts(comparator, a)
    assert first == again
    assert first != between
    a_by_id = {d["rule_set"]: d for d in first}
    b_by_id = {d["rule_set"]: d for d in between}
    assert [a_by_id[i]["status"] for i in ("slms", "burkhard-meier-2025", "liu-2022",
                                           "abugideiri-2022", "librizzi-2022")] == [
        "complete", "complete", "not_applicable", "complete", "not_applicable"]
    assert (a_by_id["slms"]["score"], b_by_id["slms"]["score"]) == (3, 0)


def test_known_values_of_one_patient_do_not_fill_the_unknowns_of_the_next(
        result_for: Run) -> None:
    assert result_for("slms", **A).score == 3
    r = result_for("slms", lung_metastasis_count=2)  # DFI and diameter unknown
    assert (r.status, r.score_range) == ("incomplete", (0, 2))
    assert r.factor("dfi_under_2_years").present is None
    assert r.factor("max_diameter_15mm_or_more").present is None


def test_more_evaluations_than_the_durable_session_cap(
        comparator: Comparator, make_patient: Callable[..., Patient]) -> None:
    """durable_rules allows 1,024 live sessions per ruleset: each evaluation must clean up."""
    high = make_patient(**A)
    low = make_patient(**(A | {"lung_metastasis_count": 2, "lung_metastasis_max_diameter": "10 mm",
                               "disease_free_interval": "3 years",
                               "treatment_free_interval": "6 months"}))
    for i in range(1_500):
        odd = i % 2 == 1
        results = {r.rule_set: r for r in comparator.evaluate(high if odd else low)}
        slms, bm = results["slms"], results["burkhard-meier-2025"]
        ncdb = results["abugideiri-2022"]
        assert (slms.status, slms.score) == ("complete", 3 if odd else 0), i
        assert [e.value for e in slms.estimates] == [10.5 if odd else 89.5], i
        assert bm.factor("diameter_over_2cm").present is odd, i
        assert bm.factor("tfi_over_12_months").present is odd, i
        assert ncdb.group == "metastasectomy", i


# -- SLMS properties ----------------------------------------------------------------------

# Values on and around every cut-off, and anywhere in a wide range.
diameters = st.one_of(st.sampled_from([0.1, 14.9, 14.99, 15.0, 15.01, 20.0]),
                      st.floats(min_value=0.001, max_value=200, allow_nan=False))
counts = st.one_of(st.sampled_from([1, 5, 6, 7]), st.integers(min_value=1, max_value=40))
intervals = st.one_of(st.sampled_from([0.0, 729.0, 729.99, 730.0, 730.5]),
                      st.floats(min_value=0, max_value=20_000, allow_nan=False))


def slms_result(result_for: Run, **fields: Any) -> Result:
    """The SLMS result; the strategies draw diameters in mm and intervals in days."""
    units = {"lung_metastasis_max_diameter": "mm", "disease_free_interval": "days"}
    return result_for("slms", **{k: f"{v!r} {units[k]}" if k in units else v
                                 for k, v in fields.items()})


def slms_score(result_for: Run, count: int, diameter: float, dfi: float) -> int:
    r = slms_result(result_for, lung_metastasis_count=count, lung_metastasis_max_diameter=diameter,
                    disease_free_interval=dfi)
    assert r.status == "complete" and r.score is not None
    return r.score


@settings(max_examples=150, deadline=None)
@given(counts, counts, diameters, diameters, intervals, intervals)
def test_worse_inputs_never_lower_the_score(result_for: Run, c1: int, c2: int, d1: float,
                                            d2: float, t1: float, t2: float) -> None:
    best = slms_score(result_for, min(c1, c2), min(d1, d2), max(t1, t2))
    worse_count = slms_score(result_for, max(c1, c2), min(d1, d2), max(t1, t2))
    worse_size = slms_score(result_for, min(c1, c2), max(d1, d2), max(t1, t2))
    worse_dfi = slms_score(result_for, min(c1, c2), min(d1, d2), min(t1, t2))
    worst = slms_score(result_for, max(c1, c2), max(d1, d2), min(t1, t2))
    assert best <= min(worse_count, worse_size, worse_dfi)
    assert max(worse_count, worse_size, worse_dfi) <= worst


@settings(max_examples=150, deadline=None)
@given(counts, diameters, intervals)
@example(6, 15.0, 729.99).via("every cut-off on its adverse side")
@example(5, 14.99, 730.0).via("every cut-off on its favourable side")
def test_score_is_the_number_of_present_factors(result_for: Run, count: int,
                                                diameter: float, dfi: float) -> None:
    r = slms_result(result_for, lung_metastasis_count=count,
                    lung_metastasis_max_diameter=diameter, disease_free_interval=dfi)
    present = {f.id: f.present for f in r.factors}
    assert present == {"dfi_under_2_years": dfi < 730,
                       "max_diameter_15mm_or_more": diameter >= 15,
                       "six_or_more_metastases": count >= 6}
    assert r.score == sum(present.values())
    assert r.score_range == (r.score, r.score)
    [estimate] = r.estimates
    assert estimate.value == {0: 89.5, 1: 63.2, 2: 39.0, 3: 10.5}[r.score]


# For a missing field, completions on both sides of its cut-off.
SIDES = {"lung_metastasis_count": (5, 6), "lung_metastasis_max_diameter": (14.9, 15.0),
         "disease_free_interval": (729.0, 730.0)}


@settings(max_examples=150, deadline=None)
@given(st.fixed_dictionaries({}, optional={"lung_metastasis_count": counts,
                                           "lung_metastasis_max_diameter": diameters,
                                           "disease_free_interval": intervals}))
def test_score_range_contains_the_score_of_every_completion(result_for: Run,
                                                            known: dict[str, Any]) -> None:
    r = slms_result(result_for, **known)
    missing = [name for name in SIDES if name not in known]
    assert (r.status == "complete") is (not missing)
    assert r.score_range is not None
    completions: list[dict[str, Any]] = [dict(known)]
    for name in missing:
        completions = [c | {name: side} for c in completions for side in SIDES[name]]
    scores = {_score(result_for, c) for c in completions}
    assert min(scores) == r.score_range[0] and max(scores) == r.score_range[1]
    candidates = {e.selector.value for e in r.candidate_estimates}
    if missing:
        assert r.score is None and candidates == set(range(r.score_range[0],
                                                           r.score_range[1] + 1))


def _score(result_for: Run, fields: dict[str, Any]) -> int:
    return slms_score(result_for, fields["lung_metastasis_count"],
                      fields["lung_metastasis_max_diameter"], fields["disease_free_interval"])
