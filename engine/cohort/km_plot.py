"""Kaplan-Meier curves of a validation, with the published figures as markers (matplotlib)."""

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

    figure, axes = plt.subplots(figsize=(9, 6.5))
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
    title = f"{report['short_name']} ({report['rule_set']}): validation on your cohort"
    if report["endpoint"]:
        title += f"\n{report['endpoint'].replace('_', ' ')} from {report['origin']}"
    axes.set_title(title)
    axes.legend(loc="upper right")
    if drawn:
        add_at_risk_counts(*drawn, ax=axes, rows_to_show=["At risk"])
    figure.tight_layout()
    # No creation date in the file, so the same cohort gives the same image.
    metadata = {"Date": None} if image_format == "svg" else {"Software": "prognosis"}
    figure.savefig(path, format=image_format, metadata=metadata, dpi=110)
    plt.close(figure)
