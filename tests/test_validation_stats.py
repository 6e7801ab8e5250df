"""Every statistic of `validate` against an independent computation on a tiny cohort whose
answer is known (by hand, or from a second library: statsmodels, scikit-survival)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from prognosis.engine.cohort.stats import (
    calibration,
    casemix,
    cox,
    decision,
    performance,
    precision,
)
from prognosis.engine.cohort.stats.bootstrap import percentile_ci
from prognosis.engine.cohort.stats.survival import at_horizon, km_fit, median
from prognosis.engine.model import Atom, CaseMix

# Eight patients; deaths at 10, 20, 30 (before 36 months), 40, 50, 70; censored at 60, 80
# (after the horizon, so inverse-probability-of-censoring weights are all 1 up to it).
MONTHS = np.array([10, 20, 30, 40, 50, 60, 70, 80], dtype=float)
EVENTS = np.array([1, 1, 1, 1, 1, 0, 1, 0])
SURVIVAL = np.array([0.2, 0.2, 0.5, 0.5, 0.5, 0.8, 0.8, 0.8])  # published S(36) per patient
RISK = 1 - SURVIVAL
H = 36.0


def test_kaplan_meier_and_its_log_log_interval_by_hand() -> None:
    months = np.array([10, 20, 30, 40], dtype=float)
    events = np.array([1, 1, 1, 1])
    seen = at_horizon(km_fit(months, events), months, H)
    s = 3 / 4 * 2 / 3 * 1 / 2
    greenwood = 1 / (4 * 3) + 1 / (3 * 2) + 1 / (2 * 1)
    se = math.sqrt(greenwood) / abs(math.log(s))
    assert seen.survival == pytest.approx(0.25)
    assert seen.low == pytest.approx(s ** math.exp(1.959964 * se), rel=1e-4)
    assert seen.high == pytest.approx(s ** math.exp(-1.959964 * se), rel=1e-4)
    assert seen.at_risk == 1
    assert median(km_fit(months, events))[0] == 20.0


def test_observed_over_expected_carries_the_km_interval() -> None:
    seen = at_horizon(km_fit(np.array([10., 20, 30, 40]), np.array([1, 1, 1, 1])),
                      np.array([10., 20, 30, 40]), H)
    result = calibration.oe(seen, 1 - 0.895)
    assert result is not None
    assert result["ratio"] == pytest.approx(0.75 / 0.105, abs=1e-4)
    assert result["ci"] == pytest.approx([(1 - seen.high) / 0.105, (1 - seen.low) / 0.105],
                                         abs=1e-4)
    assert calibration.oe(seen, 0.0) is None  # a published 100% survival has no ratio


@pytest.mark.parametrize("months, events, survival", [
    ([1.0], [1], 0.0),                 # one patient, who died: lifelines gives 0-0
    ([1.0, 2.0, 3.0], [1, 1, 1], 0.0),  # everyone died before the horizon
    ([40.0], [0], 1.0),                # one patient, alive past the horizon: 1-1
    ([40.0, 50.0], [1, 0], 1.0),       # no death before the horizon
])
def test_a_survival_of_0_or_1_has_no_interval_and_no_oe_interval(
        months: list[float], events: list[int], survival: float) -> None:
    """The log(-log) interval does not exist at S = 0 or 1: None, not a zero-width 0-0 or 1-1
    and not another interval in its place."""
    m, e = np.array(months), np.array(events)
    seen = at_horizon(km_fit(m, e), m, H)
    assert (seen.survival, seen.low, seen.high) == (survival, None, None)
    result = calibration.oe(seen, 0.368)
    assert result is not None and result["ci"] is None
    assert result["ratio"] == pytest.approx((1 - survival) / 0.368, abs=1e-4)


def test_a_median_limit_read_after_the_last_death_is_not_reached() -> None:
    """The CI curves are 0-0 once everyone followed has died: that step makes no limit."""
    assert median(km_fit(np.array([1.0]), np.array([1]))) == (1.0, None)
    assert median(km_fit(np.array([1.0, 2, 3]), np.array([1, 1, 1]))) == (2.0, [1.0, None])
    # all deaths at one time, with survivors: a real (if narrow) interval is kept
    ties = km_fit(np.array([10.0] * 20 + [40.0] * 5), np.array([1] * 20 + [0] * 5))
    assert median(ties) == (10.0, [10.0, 10.0])


def test_calibration_in_the_large_by_hand() -> None:
    result = calibration.in_the_large(MONTHS, EVENTS, SURVIVAL, H)
    assert result is not None
    assert result["observed_risk"] == pytest.approx(3 / 8)   # 3 of 8 died by 36 months
    assert result["expected_risk"] == pytest.approx(3.7 / 8)  # mean published risk
    assert result["ratio"] == pytest.approx(0.375 / (3.7 / 8), abs=1e-4)
    assert result["n"] == 8


def _statsmodels_cox(months: np.ndarray, events: np.ndarray, x: np.ndarray) -> tuple[float, ...]:
    from statsmodels.duration.hazard_regression import PHReg

    fitted = PHReg(months, x.reshape(-1, 1).astype(float), status=events,
                   ties="efron").fit()
    low, high = fitted.conf_int()[0]
    return float(fitted.params[0]), float(low), float(high), float(fitted.pvalues[0])


def test_calibration_slope_agrees_with_statsmodels() -> None:
    months = np.array([30, 10, 40, 50, 35, 5, 60, 20, 15, 45, 38, 25], dtype=float)
    events = np.array([1, 1, 1, 0, 1, 1, 1, 0, 1, 1, 0, 1])
    survival = np.array([0.8, 0.5, 0.2] * 4)
    result = calibration.slope(months, events, survival, H)
    assert result is not None
    time, event = calibration.truncated(months, events, H)
    assert list(event) == [1, 1, 0, 0, 1, 1, 0, 0, 1, 0, 0, 1]  # later deaths: censored at 36
    assert time.max() == H
    coef, low, high, _ = _statsmodels_cox(time, event, np.log(-np.log(survival)))
    assert result["value"] == pytest.approx(coef, abs=1e-3)
    assert result["ci"] == pytest.approx([low, high], abs=1e-3)
    assert result["clipped"] is False
    assert calibration.slope(MONTHS, EVENTS, np.full(8, 0.5), H) is None  # one prediction


def test_cox_hazard_ratio_agrees_with_statsmodels() -> None:
    exposed = np.array([1, 1, 1, 0, 1, 0, 0, 0])
    result = cox.hazard_ratio(MONTHS, EVENTS, exposed)
    assert result is not None
    coef, low, high, p = _statsmodels_cox(MONTHS, EVENTS, exposed)
    assert result["hr"] == pytest.approx(math.exp(coef), rel=1e-3)
    assert result["ci"] == pytest.approx([math.exp(low), math.exp(high)], rel=1e-3)
    assert result["p"] == pytest.approx(p, rel=1e-2)
    assert (result["n"], result["n_exposed"], result["events"], result["events_exposed"]) == \
        (8, 4, 6, 4)
    assert cox.hazard_ratio(MONTHS, EVENTS, np.ones(8)) is None  # nobody unexposed


def test_brier_score_and_ipa_by_hand() -> None:
    """No censoring before the horizon: every IPCW weight is 1, so the Brier score is the
    plain mean squared difference between alive-at-36 and the published survival."""
    result = performance.brier(MONTHS, EVENTS, SURVIVAL, H)
    assert result is not None
    alive = (MONTHS > H).astype(float)
    assert result["brier"] == pytest.approx(np.mean((alive - SURVIVAL) ** 2), abs=1e-4)
    assert result["brier"] == pytest.approx(0.11875, abs=1e-4)
    assert result["null_survival"] == pytest.approx(5 / 8)
    assert result["null_brier"] == pytest.approx((3 * 0.625 ** 2 + 5 * 0.375 ** 2) / 8,
                                                 abs=1e-4)
    assert result["ipa"] == pytest.approx(1 - 0.11875 / 0.234375, abs=1e-3)


def test_brier_score_weights_censoring_before_the_horizon() -> None:
    """A patient censored at 25 months: the others are weighted by 1/G, G the censoring
    Kaplan-Meier (G = 6/7 after 25 months); the censored one counts for nothing."""
    months = np.array([10, 20, 25, 30, 40, 50, 60, 70], dtype=float)
    events = np.array([1, 1, 0, 1, 1, 1, 1, 1])
    survival = np.array([0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9])
    g_after = 5 / 6  # censoring KM: 6 at risk at 25 months, one censored
    by_hand = (survival[0] ** 2 + survival[1] ** 2 + survival[3] ** 2 / g_after
               + sum((1 - s) ** 2 / g_after for s in survival[4:])) / 8
    result = performance.brier(months, events, survival, H)
    assert result is not None
    assert result["brier"] == pytest.approx(by_hand, abs=1e-4)


def test_time_dependent_auc_by_hand() -> None:
    """Cases died by 36 (risks .8, .8, .5), controls alive after it (.5, .5, .2, .2, .2):
    14 of 15 pairs concordant, the two ties counted 1/2."""
    value = performance.td_auc(MONTHS, EVENTS, RISK, H)
    assert value == pytest.approx(14 / 15, abs=1e-4)
    assert performance.td_auc(MONTHS, EVENTS, np.full(8, 0.3), H) is None


def _harrell_by_hand(months: np.ndarray, events: np.ndarray, risk: np.ndarray) -> float:
    score = pairs = 0.0
    for i in range(len(months)):
        for j in range(len(months)):
            if events[i] and months[i] < months[j]:
                pairs += 1
                score += 1.0 if risk[i] > risk[j] else 0.5 if risk[i] == risk[j] else 0.0
    return score / pairs


def test_harrell_c_by_hand_and_by_scikit_survival() -> None:
    from sksurv.metrics import concordance_index_censored

    result = performance.harrell(MONTHS, EVENTS, RISK)
    assert result is not None
    assert result["value"] == pytest.approx(_harrell_by_hand(MONTHS, EVENTS, RISK))
    assert result["value"] == pytest.approx(concordance_index_censored(
        EVENTS.astype(bool), MONTHS, RISK)[0])
    assert result["pairs"] == result["concordant"] + result["discordant"] + \
        result["tied_risk"]
    # comparable pairs: a death before a longer time: 7 + 6 + 5 + 4 + 3 (deaths at 10-50)
    # + 1 (70 vs 80); tied risk: (10, 20), (30, 40), (30, 50), (40, 50), (70, 80)
    assert (result["pairs"], result["tied_risk"]) == (26, 5)


def test_net_benefit_by_hand() -> None:
    """pt 0.3: treat risks >= .3 (5 patients, 3 died by 36): NB = 3/8 - 2/8 x .3/.7;
    pt 0.1: everyone is treated, as treat-all; treat all at .3: 3/8 - 5/8 x .3/.7.
    pt 0.6 treats the two .8s, both dead by 20 months: their Kaplan-Meier curve ends
    before 36 months, so dcurves gives no number there (None, not NaN)."""
    points = decision.net_benefit(MONTHS, EVENTS, RISK, H, (0.1, 0.3, 0.6))
    assert points is not None
    at = {p["threshold"]: p for p in points}
    assert at[0.3]["published"] == pytest.approx(3 / 8 - 2 / 8 * 0.3 / 0.7, abs=1e-4)
    assert at[0.1]["published"] == pytest.approx(3 / 8 - 5 / 8 * 0.1 / 0.9, abs=1e-4)
    assert at[0.1]["published"] == at[0.1]["treat_all"]
    assert at[0.6]["published"] is None
    assert at[0.3]["treat_all"] == pytest.approx(3 / 8 - 5 / 8 * 0.3 / 0.7, abs=1e-4)
    assert at[0.3]["treat_none"] == 0.0


def _item(count: int, of: int) -> CaseMix:
    atom = Atom(key="a0", field="histology", op="==", value="leiomyosarcoma", unit=None,
                stated_value="leiomyosarcoma")
    return CaseMix(id="lms", label="LMS", when=atom, count=count, of=of, provenance="Table 2")


def test_case_mix_standardized_difference_by_hand() -> None:
    truths = np.array([True] * 3 + [False] * 5 + [None] * 2, dtype=object)
    row = casemix.compare(_item(99, 135), truths)
    local, published = 3 / 8, 99 / 135
    smd = (local - published) / math.sqrt((local * (1 - local)
                                          + published * (1 - published)) / 2)
    assert row["local"] == {"count": 3, "of": 8, "percent": 37.5, "unknown": 2}
    assert row["smd"] == pytest.approx(smd, abs=1e-3)
    assert row["differs"] is True
    assert casemix.compare(_item(99, 135), None)["local"] is None


@pytest.mark.parametrize("local, differs", [(0.30, False), (0.35, True)])
def test_case_mix_flags_from_a_standardized_difference_of_0_1(local: float,
                                                               differs: bool) -> None:
    n = 1000
    truths = np.array([True] * round(local * n) + [False] * round((1 - local) * n),
                      dtype=object)
    row = casemix.compare(_item(27, 100), truths)  # 27%: 30% is SMD 0.066, 35% is 0.173
    assert row["differs"] is differs


@pytest.mark.parametrize("check, args, fires", [
    (precision.few_events_group, ("g", 9), True),
    (precision.few_events_group, ("g", 10), False),
    (precision.few_events_overall, (99,), True),
    (precision.few_events_overall, (100,), False),
    (precision.few_at_risk, ("g", 9, 36.0), True),
    (precision.few_at_risk, ("g", 10, 36.0), False),
    (precision.wide_oe, ("g", {"ci": [0.9, 1.11]}), True),
    (precision.wide_oe, ("g", {"ci": [0.86, 1.06]}), False),  # exactly 0.2
    (precision.wide_slope, ("g", {"ci": [0.8, 1.11]}), True),
    (precision.wide_slope, ("g", {"ci": [0.8, 1.1]}), False),  # exactly 0.3
])
def test_precision_checks_on_both_sides_of_their_cut_off(check, args, fires) -> None:  # type: ignore[no-untyped-def]
    found = list(check(*args))
    assert bool(found) is fires
    for warning in found:
        assert warning.id and warning.rule and warning.source
        assert check.__doc__


def test_the_bootstrap_is_fixed_by_its_seed() -> None:
    def mean(x: np.ndarray) -> float:
        return float(x.mean())

    data = [np.arange(50, dtype=float)]
    assert percentile_ci(mean, data, 50, 7) == percentile_ci(mean, data, 50, 7)
    assert percentile_ci(mean, data, 50, 7) != percentile_ci(mean, data, 50, 8)
    assert percentile_ci(mean, data, 0, 7) is None
