"""A validation report as sections ordered by the TRIPOD+AI items they fill.

TRIPOD+AI: Collins GS, Moons KGM, Dhiman P, et al. BMJ 2024;385:e078378. One
list of sections feeds every output (terminal, Markdown, HTML, PDF), so they
cannot disagree. Sections hold lines of text and tables of plain strings.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

TRIPOD = "TRIPOD+AI (Collins et al., BMJ 2024;385:e078378)"


@dataclass(frozen=True)
class Table:
    title: str
    columns: tuple[str, ...]
    rows: Sequence[Sequence[str]]


@dataclass
class Section:
    item: str  # the TRIPOD+AI item, e.g. "8a Outcome"
    title: str
    lines: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    images: list[str] = field(default_factory=list)  # km | calibration | decision


def num(value: Any, digits: int = 1) -> str:
    return "-" if value is None else f"{value:.{digits}f}"


def ci(bounds: Any, digits: int = 1, missing: str = "-") -> str:
    """An interval; a limit that is None was not reached (a median's upper limit). With a
    negative limit the two are joined by "to": "-0.08 to 0.31", never "-0.08-0.31"."""
    if not bounds or (bounds[0] is None and bounds[1] is None):
        return missing

    def limit(value: Any) -> str:
        return "not reached" if value is None else num(value, digits)

    low, high = limit(bounds[0]), limit(bounds[1])
    return f"{low}{' to ' if (low + high).count('-') else '-'}{high}"


# A Kaplan-Meier figure whose 95% CI does not exist (survival 0% or 100%: one patient who
# died gives 0.0 with "0.0-0.0"): said in words, never shown as a zero-width interval.
NOT_ESTIMABLE = "CI not estimable"
NOT_ESTIMABLE_NOTE = (f"{NOT_ESTIMABLE}: the Kaplan-Meier survival is 0% or 100% there (every "
                      "patient still followed has died, or none has), where its log(-log) "
                      "interval does not exist; no other interval is put in its place.")


def with_ci(value: Any, bounds: Any, digits: int = 1, unit: str = "") -> str:
    """A Kaplan-Meier figure and its 95% CI: "60.5 (56.8-64.0)", "0.0 (CI not estimable)",
    "-" without a figure."""
    if value is None:
        return "-"
    return f"{num(value, digits)}{unit} ({ci(bounds, digits, NOT_ESTIMABLE)})"


def inside(flag: Any) -> str:
    return "-" if flag is None else ("yes" if flag else "NO")


def label(group: dict[str, Any]) -> str:
    if group["score"] is not None:
        return f"score {group['score']}"
    return group["group"] or "all"


def _p(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{value:.3g}" if value > 0 else "< 1e-300"


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
    lines.append(f"Bootstrap: {report['bootstrap']} resamples, seed {report['seed']} "
                 "(--seed to change; the same seed gives the same numbers).")
    ex = report["excluded"]
    lines.append(f"Included: {report['n']} patients, {report['events']} deaths. Excluded: "
                 f"{ex['not_applicable']} not applicable, {ex['incomplete']} incomplete, "
                 f"{ex['rejected']} rejected.")
    return lines


def groups_table(report: dict[str, Any]) -> Table:
    rows = []
    for group in report["groups"]:
        first = True
        for e in group["estimates"] or [None]:
            name = (label(group), str(group["n"]), str(group["events"])) if first \
                else ("", "", "")
            first = False
            if e is None:
                rows.append((*name, "-", "-", "-", "-", "-", "-"))
                continue
            oe = e["oe"] or {}
            rows.append((*name, f"{e['horizon_months']:g} mo",
                         with_ci(e["observed_percent"], e["ci"]), str(e["at_risk"]),
                         num(e["published_percent"]), inside(e["published_in_ci"]),
                         with_ci(oe.get("ratio"), oe.get("ci"), 2) if oe else "-"))
        m = group["median_months"]
        if m and (m["observed"] is not None or m["published"] is not None):
            rows.append(("", "", "", "median", with_ci(m["observed"], m["ci"], unit=" mo"), "",
                         num(m["published"]), "", ""))
    return Table(f"{report['short_name']} ({report['rule_set']}): published vs observed",
                 ("Group", "n", "Events", "Horizon", "Observed % (95% CI)", "At risk",
                  "Published %", "In CI", "O/E (95% CI)"), rows)


def _calibration(report: dict[str, Any]) -> Section:
    section = Section("23a Model performance", "Calibration", images=["calibration", "km"])
    if not report["calibration"]:
        section.lines.append("The study publishes no survival at a horizon for its groups: "
                             "nothing to calibrate; the observed figures are shown.")
    else:
        section.lines.append("O/E = observed risk of death by the horizon (1 - Kaplan-Meier) "
                             "/ published risk; 1 is perfect, > 1 more deaths than published. "
                             "Calibration slope: Cox coefficient of the published log "
                             "cumulative hazard, follow-up stopped at the horizon; 1 is "
                             "perfect.")
    section.tables.append(groups_table(report))
    rows = []
    for c in report["calibration"]:
        large, slope = c["in_the_large"] or {}, c["slope"] or {}
        rows.append((f"{c['horizon_months']:g} mo", str(large.get("n", "-")),
                     num(large.get("observed_risk"), 3), num(large.get("expected_risk"), 3),
                     with_ci(large.get("ratio"), large.get("ci"), 2),
                     f"{num(slope.get('value'), 2)} ({ci(slope.get('ci'), 2)})"
                     if slope else "-"))
    if rows:
        section.tables.append(Table("Calibration-in-the-large and slope",
                                    ("Horizon", "n", "Observed risk", "Expected risk",
                                     "O/E (95% CI)", "Slope (95% CI)"), rows))
    if any(NOT_ESTIMABLE in cell for table in section.tables for row in table.rows
           for cell in row):
        section.lines.append(NOT_ESTIMABLE_NOTE)
    return section


def _discrimination(report: dict[str, Any]) -> Section:
    section = Section("23a Model performance", "Overall performance and discrimination")
    rows = []
    for p in report["performance"]:
        auc = p.get("td_auc") or {}
        rows.append((f"{p['horizon_months']:g} mo", str(p["n"]), num(p.get("brier"), 4),
                     num(p.get("null_brier"), 4), num(p.get("ipa"), 3),
                     f"{num(auc.get('value'), 3)} ({ci(auc.get('ci'), 3)})" if auc
                     else "not estimable"))  # one risk for all, or no death or no follow-up by then
    if rows:
        section.tables.append(Table("Brier score (IPCW), scaled Brier (IPA), time-dependent "
                                    "AUC", ("Horizon", "n", "Brier", "Null Brier (KM)",
                                            "IPA", "Cumulative/dynamic AUC (95% CI)"), rows))
    if report["logrank_p"] is not None:
        section.lines.append(f"Log-rank p across groups: {_p(report['logrank_p'])}")
    c = report["harrell_c"]
    if c:
        section.lines.append(
            f"Harrell's C of the {c['risk']}: {c['value']:.3f} (95% CI {ci(c['ci'], 3)}); "
            f"of {c['pairs']} comparable pairs {c['concordant']} concordant, "
            f"{c['discordant']} discordant, {c['tied_risk']} with tied risk (counted 1/2).")
    a = report["auc"]
    if a:
        section.lines.append(
            f"AUC of the score for death within {a['horizon_months']:g} months: "
            f"{num(a['value'], 3)} (95% CI {ci(a['ci'], 3)}; {a['n']} patients, "
            f"{a['deaths']} deaths) - published {a['published']:g}")
    return section


def _decision(report: dict[str, Any]) -> Section | None:
    curves = [p for p in report["performance"] if p.get("decision_curve")]
    if not curves:
        return None
    section = Section("23a Model performance", "Decision curve (net benefit)",
                      images=["decision"])
    section.lines.append("Treat a patient when the published risk of death by the horizon is "
                         "at least the threshold; net benefit = TP/n - FP/n x pt/(1 - pt) "
                         "(dcurves, Kaplan-Meier for censored outcomes).")
    for entry in curves:
        rows = [(f"{p['threshold']:.2f}", num(p["published"], 4), num(p["treat_all"], 4),
                 num(p["treat_none"], 4)) for p in entry["decision_curve"]
                if round(p["threshold"] * 100) % 10 == 0]
        section.tables.append(Table(f"Net benefit at {entry['horizon_months']:g} months",
                                    ("Threshold", "Published risk", "Treat all",
                                     "Treat none"), rows))
    return section


def _hazard_ratios(report: dict[str, Any]) -> Section | None:
    if not report["hazard_ratios"] and not report["reference"]:
        return None
    section = Section("23a Model performance", "Published effects and whole-cohort figures "
                      "beside the local ones")
    rows = []
    for h in report["hazard_ratios"]:
        local = h["local"] or {}
        shown = (f"{num(local.get('hr'), 2)} ({ci(local.get('ci'), 2)}), p {_p(local.get('p'))}"
                 if local else f"not estimable: {h['not_estimable']}")
        n = f"{local.get('n_exposed', '-')}/{local.get('n', '-')}" if local else "-"
        for index, pub in enumerate(h["published"]):
            rows.append((h["label"] if index == 0 else "", h["reference"] if index == 0 else "",
                         f"{pub['hr']:g}" + (f" ({ci(pub['ci'], 2)})" if pub["ci"] else "")
                         + f", p {_p(pub['p'])}",
                         pub["analysis"], shown if index == 0 else "",
                         n if index == 0 else ""))
    if rows:
        section.lines.append(report["hazard_ratios"][0]["note"] + ".")
        section.tables.append(Table("Hazard ratios", ("Factor or group", "Against",
                                                      "Published HR (95% CI)",
                                                      "Published analysis",
                                                      "Local HR (95% CI)",
                                                      "Exposed/n"), rows))
    refs = [(r["label"], f"{r['horizon_months']:g} mo" if r["horizon_months"] else "median",
             num(r["published"]), num(r["observed"]),
             "-" if r["observed"] is None else ci(r["ci"], missing="not estimable"),
             inside(r["published_in_ci"])) for r in report["reference"]]
    if any(r["observed"] is not None and not r["ci"] for r in report["reference"]):
        section.lines.append(NOT_ESTIMABLE_NOTE)
    if refs:
        section.tables.append(Table("Whole-cohort figures (all included patients)",
                                    ("Published figure", "Horizon", "Published",
                                     "Observed", "95% CI", "In CI"), refs))
    return section


def _case_mix(report: dict[str, Any]) -> Section:
    section = Section("20c Comparison with the development data", "Case mix")
    if not report["case_mix"]:
        section.lines.append("The rule set declares no published distribution (case_mix).")
        return section
    section.lines.append("Flagged when the standardized difference is 0.1 or more "
                         "(Austin, Stat Med 2009;28:3083-3107).")
    rows = []
    for c in report["case_mix"]:
        pub, local = c["published"], c["local"] or {}
        rows.append((c["label"], f"{pub['count']}/{pub['of']} ({pub['percent']:.1f}%)",
                     f"{local.get('count', '-')}/{local.get('of', '-')} "
                     f"({num(local.get('percent'))}%)" if local else "-",
                     num(c["smd"], 2), "DIFFERS" if c["differs"] else
                     ("-" if c["differs"] is None else "similar"), c["provenance"]))
    section.tables.append(Table("Published vs local distribution",
                                ("Characteristic", "Published", "Local (known)", "SMD",
                                 "Flag", "Source"), rows))
    return section


def _precision(report: dict[str, Any]) -> Section:
    section = Section("26 Limitations", "Precision")
    if not report["precision"]:
        section.lines.append("No precision warning.")
    rows = [(w["message"], w["rule"], w["source"]) for w in report["precision"]]
    if rows:
        section.tables.append(Table("Precision warnings", ("Warning", "Rule", "Source"), rows))
    return section


def sections(report: dict[str, Any], tool_version: str) -> list[Section]:
    """Every part of the report, in TRIPOD+AI order."""
    time = report.get("time_column") or {}
    groups = report["groups"]
    unit = "score" if groups and groups[0]["score"] is not None else "group"
    horizons = "Horizons: " + (", ".join(f"{c['horizon_months']:g} months"
                                         for c in report["calibration"]) or "none published")
    out = [
        Section("8a Outcome", "Outcome and horizon", [header_lines(report)[0], horizons]),
        Section("12g How predictions were calculated", "Predictions", [
            f"Each patient's prediction is the figure {report['short_name']} published for "
            f"their {unit} (rule set {report['rule_set']} {report['version']}, sha256 "
            f"{report['sha256'][:16]}...; {report['citation']}).",
            f"Input: {report.get('input', '-')}; time column {time.get('name')} in "
            f"{time.get('unit')}."]),
        Section("12e Performance measures", "Methods", [
            "Kaplan-Meier and Cox: lifelines; IPCW Brier score, cumulative/dynamic AUC and "
            "Harrell's C: scikit-survival; net benefit: dcurves.",
            header_lines(report)[1]]),
        Section("20a Flow of participants", "Participants", [header_lines(report)[2]]),
        _case_mix(report),
        _calibration(report),
        _discrimination(report),
    ]
    out += [s for s in (_decision(report), _hazard_ratios(report)) if s is not None]
    out.append(_precision(report))
    out.append(Section("18e-f Data and code", "Reproducibility", [
        f"prognosis {tool_version}; rule set {report['rule_set']} {report['version']} "
        f"(sha256 {report['sha256']}); bootstrap seed {report['seed']}, "
        f"{report['bootstrap']} resamples."]))
    return out
