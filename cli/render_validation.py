"""Show a validation report: a rich table per study, or Markdown."""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .app import cells


def _num(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def _ci(ci: Any, digits: int = 1) -> str:
    if not ci:
        return "-"
    return f"{_num(ci[0], digits)}-{_num(ci[1], digits)}"


def _inside(flag: Any) -> str:
    return "-" if flag is None else ("yes" if flag else "NO")


def header_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    time = report.get("time_column") or {}
    if report["endpoint"]:
        lines.append(f"Endpoint: {report['endpoint'].replace('_', ' ')} from "
                     f"{report['origin']}. Check that your time column "
                     f"({time.get('name')}, in {time.get('unit')}) counts from the same "
                     "origin and the event is the same.")
    else:
        lines.append("This study publishes no survival estimates: observed figures only.")
    ex = report["excluded"]
    lines.append(f"Excluded: {ex['not_applicable']} not applicable, {ex['incomplete']} "
                 f"incomplete, {ex['rejected']} rejected.")
    return lines


def _label(group: dict[str, Any]) -> str:
    if group["score"] is not None:
        return f"score {group['score']}"
    return group["group"] or "all"


def summary_lines(report: dict[str, Any]) -> list[str]:
    lines = []
    if report["logrank_p"] is not None:
        p = report["logrank_p"]
        lines.append("Log-rank p across groups: " + (f"{p:.3g}" if p > 0 else "< 1e-300"))
    if report["harrell_c"]:
        c = report["harrell_c"]
        lines.append(f"Harrell's C of the score: {c['value']:.3f} (95% CI {_ci(c['ci'], 3)})")
    if report["auc"]:
        a = report["auc"]
        lines.append(f"AUC of the score for death within {a['horizon_months']:g} months: "
                     f"{_num(a['value'], 3)} (95% CI {_ci(a['ci'], 3)}; {a['n']} patients, "
                     f"{a['deaths']} deaths) - published {a['published']:g}")
    lines += [f"warning: {w}" for w in report["warnings"]]
    return lines


def render_table(console: Console, report: dict[str, Any]) -> None:
    for line in header_lines(report):
        console.print(Text(line), soft_wrap=True)
    table = Table(title=f"{report['short_name']} ({report['rule_set']}): published vs observed",
                  title_justify="left")
    for name in ("Group", "n", "Events", "Horizon", "Observed %", "95% CI", "At risk",
                 "Published %", "In CI"):
        table.add_column(name, justify="left" if name == "Group" else "right")
    for group in report["groups"]:
        first = True
        for e in group["estimates"] or [None]:
            label = cells(_label(group), group["n"], group["events"]) if first \
                else cells("", "", "")
            if e is None:
                table.add_row(*label, *cells("-", "-", "-", "-", "-", "-"))
            else:
                table.add_row(*label, *cells(f"{e['horizon_months']:g} mo",
                                             _num(e["observed_percent"]), _ci(e["ci"]),
                                             e["at_risk"], _num(e["published_percent"]),
                                             _inside(e["published_in_ci"])))
            first = False
        m = group["median_months"]
        if m and (m["observed"] is not None or m["published"] is not None):
            table.add_row(*cells("", "", "", "median", _num(m["observed"]) + " mo",
                                 _ci(m["ci"]), "", _num(m["published"]), ""))
    console.print(table)
    for line in summary_lines(report):
        console.print(Text(line), soft_wrap=True)


def render_markdown(report: dict[str, Any]) -> str:
    out = [f"# {report['short_name']} ({report['rule_set']}): published vs observed", ""]
    out += [*header_lines(report), ""]
    out += ["| Group | n | Events | Horizon | Observed % | 95% CI | At risk | Published % | "
            "In CI |", "|---|---:|---:|---:|---:|---:|---:|---:|---|"]
    for group in report["groups"]:
        for e in group["estimates"]:
            out.append(f"| {_label(group)} | {group['n']} | {group['events']} | "
                       f"{e['horizon_months']:g} mo | {_num(e['observed_percent'])} | "
                       f"{_ci(e['ci'])} | {e['at_risk']} | {_num(e['published_percent'])} | "
                       f"{_inside(e['published_in_ci'])} |")
        m = group["median_months"]
        if m and (m["observed"] is not None or m["published"] is not None):
            out.append(f"| {_label(group)} | {group['n']} | {group['events']} | median | "
                       f"{_num(m['observed'])} mo | {_ci(m['ci'])} | | "
                       f"{_num(m['published'])} | |")
    out += ["", *summary_lines(report), ""]
    return "\n".join(out)
