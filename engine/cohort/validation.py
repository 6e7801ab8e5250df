"""A study's published figures beside the same figures computed on a centre's own cohort.

Everything statistical comes from libraries: Kaplan-Meier, log-rank and
Harrell's C from lifelines, the AUC as the Mann-Whitney U statistic from
scipy (AUC = U / (n_deaths * n_survivors)). What to compare with is read from
the rule set: its estimates (endpoint, origin, horizon, score or group) and
its `performance` entries that say `statistic: auc`.

Rows are grouped by score (score models), by group (group models), or form one
group (models that publish signals only). Only `complete` rows are used; the
others are counted by reason.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..model import Estimate, RuleSet

AT_RISK_WARNING = 10
MONTHS_PER = {"days": 1 / 30.4375, "months": 1.0, "years": 12.0}


@dataclass(frozen=True)
class Outcomes:
    """The included rows: their score or group, time in months and event (1 = death)."""

    keys: np.ndarray  # score (int) or group (str) per row, or None for a single group
    months: np.ndarray
    events: np.ndarray


def main_estimates(rs: RuleSet) -> list[Estimate]:
    return [e for e in rs.estimates if e.series == "main"]


def endpoint_of(rs: RuleSet) -> tuple[str | None, str | None]:
    estimates = main_estimates(rs)
    if not estimates:
        return None, None
    return estimates[0].endpoint, estimates[0].origin


def group_keys(rs: RuleSet, observed: Sequence[Any]) -> list[Any]:
    """The groups to report: those the study publishes and those observed, in order."""
    if rs.model == "score":
        published = {int(str(e.selector.value)) for e in rs.estimates
                     if e.selector.kind == "score"}
        return sorted({int(k) for k in observed} | published)
    if rs.model == "group":
        declared = [g.id for g in rs.groups if g.parent is None]
        return declared + sorted({str(k) for k in observed} - set(declared))
    return [None]


def _published(rs: RuleSet, key: Any, statistic: str, horizon: float | None) -> float | None:
    for e in main_estimates(rs):
        if e.statistic != statistic or (horizon is not None and e.horizon_months != horizon):
            continue
        kind, value = e.selector.kind, e.selector.value
        if (rs.model == "score" and kind == "score" and value == key) or \
                (rs.model == "group" and kind == "group" and value == key) or \
                (rs.model == "signals" and kind == "population"):
            return e.value
    return None


def _finite(value: float | None) -> float | None:
    return None if value is None or not math.isfinite(value) else float(value)


def _step_at(frame: Any, horizon: float) -> Any:
    """The row of a lifelines step-function frame in force at `horizon`."""
    index = frame.index.to_numpy()
    position = int(np.searchsorted(index, horizon, side="right")) - 1
    return frame.iloc[max(position, 0)]


def _group(rs: RuleSet, key: Any, months: np.ndarray, events: np.ndarray,
           horizons: Sequence[float], warnings: list[str]) -> tuple[dict[str, Any], Any]:
    from lifelines import KaplanMeierFitter
    from lifelines.utils import median_survival_times

    label = f"score {key}" if rs.model == "score" else (key or "all")
    entry: dict[str, Any] = {"score": key if rs.model == "score" else None,
                             "group": key if rs.model == "group" else None,
                             "n": len(months), "events": int(events.sum()),
                             "estimates": [], "median_months": None}
    fitter = None
    if len(months):
        fitter = KaplanMeierFitter(alpha=0.05).fit(months, events, label=str(label))
    for horizon in horizons:
        published = _published(rs, key, "survival_percent", horizon)
        row: dict[str, Any] = {"horizon_months": horizon, "observed_percent": None,
                               "ci": None, "at_risk": int((months >= horizon).sum()),
                               "published_percent": published, "published_in_ci": None}
        if fitter is not None:
            survival = float(fitter.survival_function_at_times(horizon).iloc[0])
            bounds = _step_at(fitter.confidence_interval_survival_function_, horizon)
            low, high = float(bounds.iloc[0]) * 100, float(bounds.iloc[1]) * 100
            row["observed_percent"] = round(survival * 100, 2)
            row["ci"] = [round(low, 2), round(high, 2)]
            if published is not None:
                row["published_in_ci"] = bool(low <= published <= high)
        if row["at_risk"] < AT_RISK_WARNING:
            warnings.append(f"{label}: only {row['at_risk']} at risk at {horizon:g} months; "
                            "the estimate there is unreliable")
        entry["estimates"].append(row)
    median_published = _published(rs, key, "median_months", None)
    observed: float | None = None
    ci: list[float | None] | None = None
    if fitter is not None:
        observed = _finite(fitter.median_survival_time_)
        limits = median_survival_times(fitter.confidence_interval_)
        lower, upper = _finite(limits.iloc[0, 0]), _finite(limits.iloc[0, 1])
        ci = [lower, upper] if lower is not None or upper is not None else None
    entry["median_months"] = {"observed": observed, "ci": ci, "published": median_published}
    return entry, fitter


def _bootstrap(statistic: Any, arrays: Sequence[np.ndarray], n: int,
               seed: int | None) -> list[float] | None:
    """Percentile 95% CI of `statistic` over `n` resamples of the rows (with replacement)."""
    if n <= 0 or not len(arrays[0]):
        return None
    rng = np.random.default_rng(seed)
    size = len(arrays[0])
    values = []
    for _ in range(n):
        pick = rng.integers(0, size, size)
        value = statistic(*(a[pick] for a in arrays))
        if value is not None and math.isfinite(value):
            values.append(value)
    if not values:
        return None
    low, high = np.percentile(values, [2.5, 97.5])
    return [round(float(low), 4), round(float(high), 4)]


def _harrell(months: np.ndarray, scores: np.ndarray, events: np.ndarray) -> float | None:
    from lifelines.utils import concordance_index

    if len(set(scores.tolist())) < 2 or not events.any():
        return None
    return float(concordance_index(months, -scores, events))  # a higher score = worse


def _auc(scores: np.ndarray, died: np.ndarray) -> float | None:
    from scipy.stats import mannwhitneyu

    deaths, survivors = scores[died], scores[~died]
    if not len(deaths) or not len(survivors):
        return None
    u = mannwhitneyu(deaths, survivors).statistic
    return float(u) / (len(deaths) * len(survivors))


def validate(rs: RuleSet, outcomes: Outcomes, excluded: dict[str, int], bootstrap: int = 200,
             seed: int | None = None) -> tuple[dict[str, Any], list[Any]]:
    """The validation report (the `validate --format json` contract) and the fitted curves."""
    from lifelines.statistics import multivariate_logrank_test

    endpoint, origin = endpoint_of(rs)
    horizons = sorted({e.horizon_months for e in main_estimates(rs)
                       if e.statistic == "survival_percent" and e.horizon_months is not None})
    warnings: list[str] = []
    groups, fitters = [], []
    keys = group_keys(rs, [k for k in outcomes.keys.tolist() if k is not None])
    for key in keys:
        mask = outcomes.keys == key if key is not None else np.ones(len(outcomes.keys), bool)
        entry, fitter = _group(rs, key, outcomes.months[mask], outcomes.events[mask],
                               horizons, warnings)
        groups.append(entry)
        fitters.append((entry, fitter))
    used = [g for g in groups if g["n"]]
    logrank = None
    if len(used) >= 2:
        logrank = float(multivariate_logrank_test(outcomes.months, outcomes.keys.astype(str),
                                                  outcomes.events).p_value)
    harrell = auc = None
    if rs.model == "score" and len(outcomes.months):
        scores = outcomes.keys.astype(float)
        value = _harrell(outcomes.months, scores, outcomes.events)
        if value is not None:
            harrell = {"value": round(value, 4), "ci": _bootstrap(
                _harrell, [outcomes.months, scores, outcomes.events], bootstrap, seed)}
        for p in rs.performance:
            if p.statistic != "auc" or p.horizon_months is None:
                continue
            horizon = float(p.horizon_months)
            died = (outcomes.months < horizon) & (outcomes.events == 1)
            known = died | (outcomes.months >= horizon)  # censored before it: excluded
            value = _auc(scores[known], died[known])
            auc = {"horizon_months": p.horizon_months,
                   "value": None if value is None else round(value, 4),
                   "ci": _bootstrap(_auc, [scores[known], died[known]], bootstrap, seed),
                   "published": p.value, "n": int(known.sum()),
                   "deaths": int(died[known].sum())}
            break
    report = {"rule_set": rs.id, "short_name": rs.short_name, "endpoint": endpoint,
              "origin": origin, "excluded": excluded, "groups": groups, "logrank_p": logrank,
              "harrell_c": harrell, "auc": auc, "warnings": warnings}
    return report, fitters
