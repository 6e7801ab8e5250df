"""A study's published figures beside the same figures computed on a centre's own cohort.

What to compare with is read from the rule set: its estimates (endpoint,
origin, horizon, score or group), reference estimates (whole cohort), effects
(hazard ratios), `performance` entries and `case_mix`. The statistics live in
`stats/` (one module per question); this module chooses the patients and the
published figure for each and assembles the report (the `validate --format
json` contract).

Rows are grouped by score (score models), by group (group models), or form one
group (models that publish signals only). Only `complete` rows are used; the
others are counted by reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..model import Condition, Effect, Estimate, Factor, Group, RuleSet
from .stats import calibration, casemix, cox, decision, performance, precision
from .stats.bootstrap import DEFAULT_SEED, percentile_ci
from .stats.survival import AtHorizon, at_horizon, km_fit, median

MONTHS_PER = {"days": 1 / 30.4375, "months": 1.0, "years": 12.0}


@dataclass(frozen=True)
class Outcomes:
    """The included rows: their score or group, time in months, event (1 = death), and the
    truth (True/False/None) of each probed condition (see `probe_conditions`)."""

    keys: np.ndarray  # score (int) or group (str) per row, or None for a single group
    months: np.ndarray
    events: np.ndarray
    truths: Mapping[str, np.ndarray] = field(default_factory=dict)


def main_estimates(rs: RuleSet) -> list[Estimate]:
    return [e for e in rs.estimates if e.series == "main"]


def endpoint_of(rs: RuleSet) -> tuple[str | None, str | None]:
    """The endpoint and origin of the study's estimates (its reference figures if none)."""
    estimates = main_estimates(rs) or list(rs.reference_estimates)
    if not estimates:
        return None, None
    return estimates[0].endpoint, estimates[0].origin


def _plain(text: str) -> str:
    return text.replace("_", " ").replace("-", " ").lower().strip()


def compared_effects(effects: Sequence[Effect], endpoint: str | None) -> list[Effect]:
    """Hazard ratios on the study's endpoint (death is the event validate reads)."""
    wanted = _plain(endpoint or "overall_survival")
    return [e for e in effects if e.measure == "HR" and _plain(e.outcome or "").startswith(wanted)]


def probe_conditions(rs: RuleSet) -> dict[str, Condition]:
    """The conditions whose per-row truth validate needs: factors with a hazard ratio on
    the endpoint (and their reference level), and case-mix items."""
    endpoint, _ = endpoint_of(rs)
    wanted: dict[str, Condition] = {}
    for f in rs.factors:
        if compared_effects(f.effects, endpoint):
            wanted[f"factor:{f.id}"] = f.when
            reference = _reference_factor(rs, f.variable)
            if reference is not None:
                wanted[f"factor:{reference}"] = next(x.when for x in rs.factors
                                                     if x.id == reference)
    for item in rs.case_mix:
        wanted[f"case_mix:{item.id}"] = item.when
    return wanted


def _reference_factor(rs: RuleSet, variable: str | None) -> str | None:
    if variable is None:
        return None
    return next((f.id for f in rs.factors if f.variable == variable
                 and f.direction == "reference"), None)


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


def published_value(rs: RuleSet, key: Any, statistic: str, horizon: float | None) -> float | None:
    for e in main_estimates(rs):
        if e.statistic != statistic or (horizon is not None and e.horizon_months != horizon):
            continue
        kind, value = e.selector.kind, e.selector.value
        if (rs.model == "score" and kind == "score" and value == key) or \
                (rs.model == "group" and kind == "group" and value == key) or \
                (rs.model == "signals" and kind == "population"):
            return e.value
    return None


def _percent_ci(seen: AtHorizon) -> list[float] | None:
    """The 95% CI of a KM survival in percent; None where it cannot be estimated."""
    if seen.low is None or seen.high is None:
        return None
    return [round(seen.low * 100, 2), round(seen.high * 100, 2)]


def _inside(ci: Sequence[float | None] | None, published: float) -> bool | None:
    """Whether the published figure is inside the interval; None without one (or with a
    limit not reached)."""
    if not ci or ci[0] is None or ci[1] is None:
        return None
    return bool(ci[0] <= published <= ci[1])


def _label(rs: RuleSet, key: Any) -> str:
    return f"score {key}" if rs.model == "score" else (key or "all")


def _group(rs: RuleSet, key: Any, months: np.ndarray, events: np.ndarray,
           horizons: Sequence[float], warnings: list[precision.PrecisionWarning]
           ) -> tuple[dict[str, Any], Any]:
    label = _label(rs, key)
    entry: dict[str, Any] = {"score": key if rs.model == "score" else None,
                             "group": key if rs.model == "group" else None,
                             "n": len(months), "events": int(events.sum()),
                             "estimates": [], "median_months": None}
    fitter = km_fit(months, events, str(label)) if len(months) else None
    if len(months):
        warnings.extend(precision.few_events_group(label, entry["events"]))
    for horizon in horizons:
        published = published_value(rs, key, "survival_percent", horizon)
        row: dict[str, Any] = {"horizon_months": horizon, "observed_percent": None,
                               "ci": None, "at_risk": int((months >= horizon).sum()),
                               "published_percent": published, "published_in_ci": None,
                               "oe": None}
        if fitter is not None:
            seen = at_horizon(fitter, months, horizon)
            row["observed_percent"] = round(seen.survival * 100, 2)
            row["ci"] = _percent_ci(seen)
            if published is not None:
                row["published_in_ci"] = _inside(row["ci"], published)
                row["oe"] = calibration.oe(seen, 1 - published / 100)
                warnings.extend(precision.wide_oe(f"{label} at {horizon:g} months", row["oe"]))
        warnings.extend(precision.few_at_risk(label, row["at_risk"], horizon))
        entry["estimates"].append(row)
    observed, ci = median(fitter) if fitter is not None else (None, None)
    entry["median_months"] = {"observed": observed, "ci": ci,
                              "published": published_value(rs, key, "median_months", None)}
    return entry, fitter


def predicted_survival(rs: RuleSet, keys: np.ndarray, horizon: float) -> np.ndarray:
    """Each patient's published survival (fraction) at the horizon; NaN where none."""
    table = {k: published_value(rs, k, "survival_percent", horizon)
             for k in set(keys.tolist())}
    fractions = {k: np.nan if v is None else v / 100 for k, v in table.items()}
    return np.array([fractions[k] for k in keys.tolist()], dtype=float)


def _mortality_auc(scores: np.ndarray, died: np.ndarray) -> float | None:
    """ROC area of a score for death by a horizon (censored before it excluded): the
    Mann-Whitney U / (deaths x survivors), as the SLMS paper computed its 0.75."""
    from scipy.stats import mannwhitneyu

    deaths, survivors = scores[died], scores[~died]
    if not len(deaths) or not len(survivors):
        return None
    return float(mannwhitneyu(deaths, survivors).statistic) / (len(deaths) * len(survivors))


def _performance(rs: RuleSet, outcomes: Outcomes, horizons: Sequence[float], resamples: int,
                 seed: int, warnings: list[precision.PrecisionWarning]
                 ) -> tuple[list[dict[str, Any]], list[dict[str, Any]], dict[str, Any] | None]:
    """Calibration, overall performance and decision curves per horizon; Harrell's C."""
    calibrations, performances = [], []
    harrell: dict[str, Any] | None = None
    for horizon in horizons:
        survival = predicted_survival(rs, outcomes.keys, horizon)
        have = ~np.isnan(survival)
        if not have.any():
            continue
        months, events, s = outcomes.months[have], outcomes.events[have], survival[have]
        risk = 1 - s
        large = calibration.in_the_large(months, events, s, horizon)
        slope = calibration.slope(months, events, s, horizon)
        calibrations.append({"horizon_months": horizon, "in_the_large": large,
                             "slope": slope})
        warnings.extend(precision.wide_oe(f"calibration-in-the-large at {horizon:g} months",
                                          large))
        warnings.extend(precision.wide_slope(f"calibration slope at {horizon:g} months", slope))
        entry: dict[str, Any] = {"horizon_months": horizon, "n": int(have.sum()),
                                 **(performance.brier(months, events, s, horizon) or {}),
                                 "td_auc": None, "decision_curve": None}
        value = performance.td_auc(months, events, risk, horizon)
        if value is not None:
            entry["td_auc"] = {"value": round(value, 4), "ci": percentile_ci(
                lambda m, e, r, h=horizon: performance.td_auc(m, e, r, h),
                [months, events, risk], resamples, seed)}
        entry["decision_curve"] = decision.net_benefit(months, events, risk, horizon)
        performances.append(entry)
        if harrell is None:
            found = performance.harrell(months, events, risk)
            if found is not None:
                harrell = {**found, "value": round(found["value"], 4),
                           "risk": f"published risk of death by {horizon:g} months",
                           "ci": percentile_ci(performance.harrell_value, [months, risk, events],
                                               resamples, seed)}
    return calibrations, performances, harrell


def _published_auc(rs: RuleSet, outcomes: Outcomes, resamples: int,
                   seed: int) -> dict[str, Any] | None:
    if rs.model != "score" or not len(outcomes.months):
        return None
    scores = outcomes.keys.astype(float)
    for p in rs.performance:
        if p.statistic != "auc" or p.horizon_months is None:
            continue
        horizon = float(p.horizon_months)
        died = (outcomes.months < horizon) & (outcomes.events == 1)
        known = died | (outcomes.months >= horizon)  # censored before it: excluded
        value = _mortality_auc(scores[known], died[known])
        return {"horizon_months": p.horizon_months,
                "value": None if value is None else round(value, 4),
                "ci": percentile_ci(_mortality_auc, [scores[known], died[known]],
                                    resamples, seed),
                "published": p.value, "n": int(known.sum()), "deaths": int(died[known].sum())}
    return None


def _published_effect(e: Effect) -> dict[str, Any]:
    analysis = e.analysis or "not stated"
    kind = ("multivariable" if "multivariable" in analysis.lower() else
            "univariable" if "univariable" in analysis.lower() else "other")
    return {"hr": e.value, "ci": list(e.ci) if e.ci else None, "p": e.p,
            "analysis": analysis, "kind": kind, "outcome": e.outcome,
            "reference": e.reference, "provenance": e.provenance}


LOCAL_NOTE = ("local: univariable Cox (lifelines, Efron ties), one indicator against the "
              "reference; not adjusted for the covariates of a multivariable published HR")


def _hazard_ratios(rs: RuleSet, outcomes: Outcomes, endpoint: str | None
                   ) -> list[dict[str, Any]]:
    """Each published HR on the endpoint beside the local univariable one."""
    rows = [_factor_hr(rs, f, outcomes, endpoint) for f in rs.factors
            if compared_effects(f.effects, endpoint)]
    if rs.model == "group":
        rows += [_group_hr(rs, g, outcomes, endpoint) for g in rs.groups
                 if g.parent is None and compared_effects(g.effects, endpoint)]
    return rows


def _factor_hr(rs: RuleSet, f: Factor, outcomes: Outcomes,
               endpoint: str | None) -> dict[str, Any]:
    """A factor against its reference band (banded variables) or against its absence."""
    truth = outcomes.truths.get(f"factor:{f.id}")
    reference = _reference_factor(rs, f.variable)
    against = next((x.label for x in rs.factors if x.id == reference), f"not {f.label}")
    local = None
    why = None
    if truth is None or all(t is None for t in truth.tolist()):
        why = "unknown for every included patient"
    else:
        exposed = np.array([t is True for t in truth.tolist()])
        if reference is not None:
            ref = np.array([t is True for t in outcomes.truths[f"factor:{reference}"]
                            .tolist()])
            keep = exposed | ref
        else:
            keep = np.array([t is not None for t in truth.tolist()])
        local = cox.hazard_ratio(outcomes.months[keep], outcomes.events[keep], exposed[keep])
        if local is None:
            why = "no patient in one of the two sides, or no death"
    return {"kind": "factor", "id": f.id, "label": f.label, "reference": against,
            "published": [_published_effect(e) for e in compared_effects(f.effects, endpoint)],
            "local": local, "not_estimable": why, "note": LOCAL_NOTE}


def _group_hr(rs: RuleSet, g: Group, outcomes: Outcomes,
              endpoint: str | None) -> dict[str, Any]:
    """A top-level group against the group its published HR is against."""
    effects = compared_effects(g.effects, endpoint)
    reference_group = _reference_group(rs, effects[0])
    local = None
    if reference_group is not None:
        keep = (outcomes.keys == g.id) | (outcomes.keys == reference_group.id)
        local = cox.hazard_ratio(outcomes.months[keep], outcomes.events[keep],
                                 (outcomes.keys[keep] == g.id))
    return {"kind": "group", "id": g.id, "label": g.label,
            "reference": reference_group.label if reference_group else effects[0].reference,
            "published": [_published_effect(e) for e in effects], "local": local,
            "not_estimable": None if local else
            "no patient in one of the two groups, or no death", "note": LOCAL_NOTE}


def _reference_group(rs: RuleSet, effect: Effect) -> Group | None:
    """The group a group's HR is against: the one marked reference, else the one whose
    label the effect names."""
    for g in rs.groups:
        if g.parent is None and g.reference:
            return g
    return next((g for g in rs.groups if g.label == effect.reference), None)


def _reference_figures(rs: RuleSet, outcomes: Outcomes, endpoint: str | None,
                       origin: str | None) -> list[dict[str, Any]]:
    """The study's whole-cohort figures beside the same figures on all included rows (only
    those on the same endpoint from the same time origin as the time column)."""
    figures = [e for e in rs.reference_estimates
               if e.endpoint == endpoint and e.origin == origin]
    if not figures or not len(outcomes.months):
        return []
    fitter = km_fit(outcomes.months, outcomes.events, "all")
    out = []
    for e in figures:
        row: dict[str, Any] = {"label": e.label, "cohort": e.selector.value,
                               "statistic": e.statistic, "horizon_months": e.horizon_months,
                               "published": e.value, "provenance": e.provenance}
        if e.statistic == "median_months":
            row["observed"], row["ci"] = median(fitter)
        else:
            assert e.horizon_months is not None
            seen = at_horizon(fitter, outcomes.months, float(e.horizon_months))
            row["observed"] = round(seen.survival * 100, 2)
            row["ci"] = _percent_ci(seen)
        row["published_in_ci"] = _inside(row["ci"], e.value)
        out.append(row)
    return out


def validate(rs: RuleSet, outcomes: Outcomes, excluded: dict[str, int], bootstrap: int = 200,
             seed: int = DEFAULT_SEED) -> tuple[dict[str, Any], list[Any]]:
    """The validation report (the `validate --format json` contract) and the fitted curves."""
    from lifelines.statistics import multivariate_logrank_test

    endpoint, origin = endpoint_of(rs)
    horizons = sorted({float(e.horizon_months) for e in main_estimates(rs)
                       if e.statistic == "survival_percent" and e.horizon_months is not None})
    warnings: list[precision.PrecisionWarning] = []
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
    calibrations, performances, harrell = _performance(rs, outcomes, horizons, bootstrap,
                                                       seed, warnings)
    events = int(outcomes.events.sum())
    warnings[:0] = precision.few_events_overall(events)
    truths = outcomes.truths
    report = {
        "rule_set": rs.id, "short_name": rs.short_name, "version": rs.version,
        "sha256": rs.sha256, "citation": rs.citation.format(), "cohort_n": rs.cohort_n,
        "endpoint": endpoint, "origin": origin, "seed": seed, "bootstrap": bootstrap,
        "n": len(outcomes.months), "events": events, "excluded": excluded,
        "groups": groups, "logrank_p": logrank, "harrell_c": harrell,
        "auc": _published_auc(rs, outcomes, bootstrap, seed),
        "calibration": calibrations, "performance": performances,
        "hazard_ratios": _hazard_ratios(rs, outcomes, endpoint),
        "reference": _reference_figures(rs, outcomes, endpoint, origin),
        "case_mix": [casemix.compare(item, truths.get(f"case_mix:{item.id}"))
                     for item in rs.case_mix],
        "warnings": [w.message for w in warnings],
        "precision": [w.as_dict() for w in warnings],
    }
    return report, fitters
