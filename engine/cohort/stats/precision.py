"""Precision checks: is there enough information for a figure to mean anything?

Each check has an id, a rule and a source, and is reported with the numbers
that tripped it. The thresholds are conventions or example targets from the
sources named, not laws: a reader may accept less precision knowingly.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

FEW_EVENTS_GROUP = 10
FEW_EVENTS_OVERALL = 100
FEW_AT_RISK = 10
OE_CI_WIDTH = 0.2
SLOPE_CI_WIDTH = 0.3


@dataclass(frozen=True)
class PrecisionWarning:
    id: str
    message: str
    rule: str
    source: str

    def as_dict(self) -> dict[str, str]:
        return {"id": self.id, "message": self.message, "rule": self.rule,
                "source": self.source}


def few_events_overall(events: int) -> Iterator[PrecisionWarning]:
    """Fewer than 100 deaths in the whole validation cohort: too few for calibration or
    discrimination to be estimated without large bias and imprecision."""
    if events < FEW_EVENTS_OVERALL:
        yield PrecisionWarning(
            "few-events-overall", f"only {events} deaths in the cohort",
            f"at least {FEW_EVENTS_OVERALL} events (ideally 200) for an external validation",
            "Collins GS, Ogundimu EO, Altman DG. Stat Med 2016;35:214-226")


def few_events_group(label: str, events: int) -> Iterator[PrecisionWarning]:
    """Fewer than 10 deaths in a score or group: its Kaplan-Meier curve and O/E rest on a
    handful of deaths."""
    if events < FEW_EVENTS_GROUP:
        yield PrecisionWarning(
            "few-events-group", f"{label}: only {events} deaths",
            f"at least {FEW_EVENTS_GROUP} events per group (a convention, as the 10 events "
            "per variable of Cox models)",
            "Peduzzi P, et al. J Clin Epidemiol 1995;48:1503-1510")


def few_at_risk(label: str, at_risk: int, horizon: float) -> Iterator[PrecisionWarning]:
    """Fewer than 10 patients still followed at a horizon: the KM estimate there is
    unreliable."""
    if at_risk < FEW_AT_RISK:
        yield PrecisionWarning(
            "few-at-risk", f"{label}: only {at_risk} at risk at {horizon:g} months; the "
            "estimate there is unreliable",
            f"at least {FEW_AT_RISK} patients at risk at the horizon (this tool's floor)",
            "Pocock SJ, Clayton TC, Altman DG. Lancet 2002;359:1686-1689 (show numbers at "
            "risk; curves are unreliable where few remain)")


def _width(ci: Any) -> float | None:
    if not ci or ci[0] is None or ci[1] is None:
        return None
    return round(float(ci[1] - ci[0]), 6)  # 0.86-1.06 is 0.2, not 0.2000000001


def wide_oe(label: str, oe: dict[str, Any] | None) -> Iterator[PrecisionWarning]:
    """The O/E ratio's 95% CI is wider than 0.2: it cannot tell 0.9 from 1.1."""
    width = _width(oe["ci"]) if oe else None
    if width is not None and width > OE_CI_WIDTH:
        yield PrecisionWarning(
            "wide-oe-ci", f"{label}: O/E 95% CI {oe['ci'][0]:.3f}-{oe['ci'][1]:.3f} "  # type: ignore[index]
            f"(width {width:.3f}) is too wide to be informative",
            f"O/E 95% CI width at most {OE_CI_WIDTH} (this tool's target)",
            "precision targets as in Riley RD, et al. BMJ 2024;384:e074821 and Stat Med "
            "2022;41:1280-1295")


def wide_slope(label: str, slope: dict[str, Any] | None) -> Iterator[PrecisionWarning]:
    """The calibration slope's 95% CI is wider than 0.3."""
    width = _width(slope["ci"]) if slope else None
    if width is not None and width > SLOPE_CI_WIDTH:
        yield PrecisionWarning(
            "wide-slope-ci", f"{label}: calibration slope 95% CI "
            f"{slope['ci'][0]:.3f}-{slope['ci'][1]:.3f} (width {width:.3f}) is too wide "  # type: ignore[index]
            "to be informative",
            f"calibration slope 95% CI width at most {SLOPE_CI_WIDTH} (this tool's target)",
            "precision targets as in Riley RD, et al. Stat Med 2022;41:1280-1295")
