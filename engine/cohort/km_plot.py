"""The plots of a validation (matplotlib): Kaplan-Meier curves with the published figures as
markers, the calibration plot, and decision curves. No creation date is written, so the
same cohort gives the same file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def plot_validation(report: dict[str, Any], fitters: Sequence[tuple[dict[str, Any], Any]],
                    path: str, image_format: str) -> None:
    """Curves with 95% bands per score or group, published survival as diamonds in the
    same colour, numbers at risk under the axis; PNG or SVG by the file's extension."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from lifelines.plotting import add_at_risk_counts

    figure, axes = plt.subplots(figsize=(10.5, 6.5))
    drawn = []
    for entry, fitter in fitters:
        if fitter is None:
            continue
        fitter.plot_survival_function(ax=axes, ci_show=True, ci_alpha=0.15)
        colour = axes.get_lines()[-1].get_color()
        drawn.append(fitter)
        for estimate in entry["estimates"]:
            if estimate["published_percent"] is not None:
                axes.scatter([estimate["horizon_months"]],
                             [estimate["published_percent"] / 100], marker="D", s=60,
                             color=colour, edgecolors="black", zorder=5)
    axes.scatter([], [], marker="D", color="grey", edgecolors="black",
                 label="published (same colour)")
    axes.set_ylim(0, 1.02)
    axes.set_xlabel("months")
    axes.set_ylabel("survival")
    axes.set_title(_title(report, "validation on your cohort"))
    # Beside the axes, never over a curve (inside, upper right covered the score-0 curve and
    # lower left the steepest one); tight_layout makes room for it.
    axes.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), fontsize=8, borderaxespad=0)
    if drawn:
        add_at_risk_counts(*drawn, ax=axes, rows_to_show=["At risk"])
    _save(figure, path, image_format)


def _save(figure: Any, path: str, image_format: str) -> None:
    import matplotlib
    import matplotlib.pyplot as plt

    figure.tight_layout()
    # SVG element ids are random unless salted: a fixed salt gives the same file each run.
    matplotlib.rcParams["svg.hashsalt"] = "prognosis"
    # No creation date in the file, so the same cohort gives the same image.
    metadata = {"Date": None} if image_format == "svg" else {"Software": "prognosis"}
    figure.savefig(path, format=image_format, metadata=metadata, dpi=110)
    plt.close(figure)


def _nan(value: float | None) -> float:
    return float("nan") if value is None else value


def _title(report: dict[str, Any], what: str) -> str:
    title = f"{report['short_name']} ({report['rule_set']}): {what}"
    if report["endpoint"]:
        title += f"\n{report['endpoint'].replace('_', ' ')} from {report['origin']}"
    return title


def plot_calibration(report: dict[str, Any], path: str, image_format: str) -> None:
    """Published (x) against observed (y) survival per score or group at each horizon, with
    the observed 95% CI as bars, the diagonal of perfect calibration, and n per point."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 7))
    axes.plot([0, 100], [0, 100], color="grey", linestyle="--", linewidth=1,
              label="perfect calibration")
    markers = "osD^v<>"
    horizons = sorted({e["horizon_months"] for g in report["groups"] for e in g["estimates"]})
    for index, horizon in enumerate(horizons):
        xs, ys, lows, highs, names = [], [], [], [], []
        for group in report["groups"]:
            for e in group["estimates"]:
                if e["horizon_months"] != horizon or e["published_percent"] is None \
                        or e["observed_percent"] is None:
                    continue
                xs.append(e["published_percent"])
                ys.append(e["observed_percent"])
                # no bar where the CI cannot be estimated (none is drawn in its place)
                lows.append(e["observed_percent"] - e["ci"][0] if e["ci"] else float("nan"))
                highs.append(e["ci"][1] - e["observed_percent"] if e["ci"] else float("nan"))
                name = f"score {group['score']}" if group["score"] is not None \
                    else (group["group"] or "all")
                names.append(f"{name} (n={group['n']})")
        if not xs:
            continue
        axes.errorbar(xs, ys, yerr=[lows, highs], fmt=markers[index % len(markers)],
                      capsize=4, markersize=7, label=f"{horizon:g} months (observed, 95% CI)")
        for x, y, name in zip(xs, ys, names, strict=True):
            right = x > 70  # labels of points near the right edge go to their left
            axes.annotate(name, (x, y), textcoords="offset points",
                          xytext=(-8 if right else 6, -12), fontsize=8,
                          ha="right" if right else "left")
    axes.set_xlim(0, 100)
    axes.set_ylim(0, 100)
    axes.set_aspect("equal")
    axes.set_xlabel("published survival (%)")
    axes.set_ylabel("observed Kaplan-Meier survival (%)")
    axes.set_title(_title(report, "calibration"))
    axes.legend(loc="upper left", fontsize=8)
    _save(figure, path, image_format)


def plot_decision(report: dict[str, Any], path: str, image_format: str) -> bool:
    """Net benefit of the published risk, treat-all and treat-none, per horizon; False when
    there is no decision curve to draw."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curves = [p for p in report["performance"] if p.get("decision_curve")]
    if not curves:
        return False
    figure, axes = plt.subplots(figsize=(8, 5.5))
    for entry in curves:
        points = entry["decision_curve"]
        thresholds = [p["threshold"] for p in points]
        h = f"{entry['horizon_months']:g} mo"
        axes.plot(thresholds, [_nan(p["published"]) for p in points],
                  label=f"published risk ({h})")
        axes.plot(thresholds, [_nan(p["treat_all"]) for p in points], linestyle=":",
                  label=f"treat all ({h})")
    axes.axhline(0, color="black", linewidth=1, label="treat none")
    top = max((v for e in curves for p in e["decision_curve"]
               for v in (p["published"], p["treat_all"]) if v is not None), default=0.05)
    axes.set_ylim(-0.05, max(top, 0.05) * 1.1)
    axes.set_xlabel("threshold probability of death by the horizon")
    axes.set_ylabel("net benefit")
    axes.set_title(_title(report, "decision curve"))
    axes.legend(fontsize=8)
    _save(figure, path, image_format)
    return True
