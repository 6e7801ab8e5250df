"""`prognosis validate`: a study's published survival beside what a cohort's patients lived."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import click
from rich.text import Text

from prognosis.engine.cohort.stats.seed import DEFAULT_SEED

from .app import App, ExitCode, reports_errors
from .options import unit_option

if TYPE_CHECKING:
    from prognosis.engine.cohort.rejections import Rejection

FORMATS = ("table", "json", "markdown")
EXPORTS = (".html", ".md", ".pdf")
EVENT_VALUES = {"1": 1, "true": 1, "yes": 1, "dead": 1, "death": 1, "died": 1,
                "0": 0, "false": 0, "no": 0, "alive": 0, "censored": 0}


def _image(option: str, path: str | None) -> None:
    from prognosis.engine.errors import InputError, Problem

    if path and not path.lower().endswith((".png", ".svg")):
        raise InputError([Problem(path, f"{option}: give a .png or .svg file name")])


@click.command(short_help="A study's published survival beside a cohort's own outcomes.")
@click.argument("input_path", metavar="INPUT")
@click.option("--study", required=True, metavar="ID", help="The rule set to validate, e.g. slms.")
@click.option("--time", "time_column", required=True, metavar="COL",
              help="Column with the follow-up time (from the study's time origin).")
@click.option("--event", "event_column", required=True, metavar="COL",
              help="Column with the event: 1/true/yes/dead = died, 0/false/no/alive = censored.")
@click.option("--time-unit", type=click.Choice(["days", "months", "years"]), default="months",
              show_default=True, help="Unit of the time column.")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table",
              show_default=True)
@click.option("--plot", metavar="FILE.png|FILE.svg",
              help="Kaplan-Meier curves with the published figures as markers.")
@click.option("--calibration-plot", metavar="FILE.png|FILE.svg",
              help="Published vs observed survival per score or group, with CIs and the "
                   "diagonal.")
@click.option("--export", metavar="FILE.html|FILE.md|FILE.pdf",
              help="A report with everything, the plots embedded, ordered by TRIPOD+AI items.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=200, show_default=True,
              help="Resamples for the 95% CIs of Harrell's C and the AUCs (0: none).")
@click.option("--seed", type=click.IntRange(min=0), default=DEFAULT_SEED, show_default=True,
              help="Seed of the bootstrap; printed with the output, so a run can be repeated.")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              default=None, help="Directory of rule sets to use instead of the bundled ones.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True,
              help="Worker processes for scoring.")
@unit_option
@click.pass_obj
@reports_errors
def validate(app: App, input_path: str, study: str, time_column: str, event_column: str,
             time_unit: str, output_format: str, plot: str | None,
             calibration_plot: str | None, export: str | None, bootstrap: int, seed: int,
             rules_dir: str | None, workers: int,
             units: dict[str, str]) -> None:
    """Put STUDY's published figures beside the same figures on the cohort in INPUT.

    INPUT is a cohort file as for `prognosis cohort`, with a time and an event
    column. Only rows the study scores completely are used; the others are
    counted by reason. Check first that your time column measures what the
    study's endpoint measures, from the same origin (it is printed first).
    The bootstrap seed is fixed (printed): two runs give the same numbers.
    A row with a bad patient value, time or event is rejected: the first are
    listed on stderr, all are counted, and the exit code is 3.

    \b
    Exit codes: 0 no row rejected; 3 some rows rejected (the figures printed
    are of the others); 2 unusable input.
    """
    from prognosis.engine.cohort.probes import ProbingInput
    from prognosis.engine.cohort.validation import probe_conditions
    from prognosis.engine.errors import InputError, Problem
    from prognosis.engine.loader import load_library

    library = load_library(rules_dir)
    rule_set = library.select([study])[0]
    _image("--plot", plot)
    _image("--calibration-plot", calibration_plot)
    if export and not export.lower().endswith(EXPORTS):
        raise InputError([Problem(export, "--export: give a .html, .md or .pdf file name")])
    columns = (time_column, event_column)
    cohort_input = ProbingInput(input_path, library.fields, rule_set,
                                probe_conditions(rule_set), ignore=columns,
                                units=units)
    missing = [c for c in columns if c not in cohort_input.header.columns]
    if missing:
        raise InputError([Problem(cohort_input.shown, f"no column '{c}' (from --time/--event);"
                                  " columns: " + ", ".join(cohort_input.header.columns))
                          for c in missing])
    cohort_input.header.kept = list(dict.fromkeys(columns))
    from .cohort import warn_unknown_columns

    warn_unknown_columns(app, cohort_input)
    report, fitters = _run(app, cohort_input, rule_set, rules_dir, time_column, event_column,
                           time_unit, bootstrap, seed, workers)
    report["time_column"] = {"name": time_column, "unit": time_unit}
    report["input"] = cohort_input.shown
    _write_files(app, report, fitters, plot, calibration_plot, export)
    if output_format == "json":
        click.echo(json.dumps(report, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        from .render_validation import render_markdown

        click.echo(render_markdown(report), nl=False)
    else:
        from .render_validation import render_table

        render_table(app.out, report)
    if report["excluded"]["rejected"]:
        raise click.exceptions.Exit(ExitCode.REJECTED_ROWS)


def _write_files(app: App, report: dict[str, Any], fitters: Any, plot: str | None,
                 calibration_plot: str | None, export: str | None) -> None:
    """The plots and the report, each written whole (atomically) or not at all."""
    from prognosis.engine.cohort.km_plot import plot_calibration, plot_validation
    from prognosis.engine.cohort.writer import atomic_path

    for path, kind in ((plot, "km"), (calibration_plot, "calibration")):
        if path:
            image_format = path.rsplit(".", 1)[-1].lower()
            with atomic_path(path) as temporary:
                if kind == "km":
                    plot_validation(report, fitters, temporary, image_format)
                else:
                    plot_calibration(report, temporary, image_format)
            app.err.print(Text(f"plot written to {path}"))
    if export:
        from .validation_report import write_report

        write_report(report, fitters, export)
        app.err.print(Text(f"report written to {export}"))


EVENT_WORDS = "1/0, true/false, yes/no or dead/alive"


def _number(text: str) -> float:
    """The cell read as a number before any conversion (NaN if it is none)."""
    try:
        return float(text)
    except ValueError:
        return math.nan


def outcome_rejections(rows: Sequence[int], times: Sequence[str], months: Sequence[float],
                       events: Sequence[str], known: Sequence[bool], time_column: str,
                       event_column: str) -> list[Rejection]:
    """What is wrong with each row's time and event cells, in words (a row with both wrong
    has two rejections). `times`, `events`: the cells, stripped ("" for an empty one);
    `months`: the time as read (NaN: not a number); `known`: whether the event was read."""
    from prognosis.engine.cohort.rejections import Rejection
    from prognosis.engine.fields import shown_text

    out = []
    for row, time, month, event, read in zip(rows, times, months, events, known, strict=True):
        if not time:
            out.append(Rejection(row, None, "", f"the time column '{time_column}' is empty; "
                                 "need a time >= 0"))
        elif not (math.isfinite(month) and month >= 0):
            what = "a negative time" if month < 0 else "not a number" if math.isnan(month) \
                else "too large" if math.isfinite(_number(time)) else "not a finite number"
            out.append(Rejection(row, None, time, f"the time column '{time_column}' is "
                                 f"{shown_text(time)}, {what}; need a time >= 0"))
        if not event:
            out.append(Rejection(row, None, "", f"the event column '{event_column}' is empty; "
                                 f"need {EVENT_WORDS}"))
        elif not read:
            out.append(Rejection(row, None, event, f"the event column '{event_column}' is "
                                 f"{shown_text(event)}, not an event; need {EVENT_WORDS}"))
    return out


def _run(app: App, cohort_input: Any, rule_set: Any, rules_dir: str | None, time_column: str,
         event_column: str, time_unit: str, bootstrap: int, seed: int,
         workers: int) -> tuple[dict[str, Any], Any]:
    import numpy as np
    import pandas as pd

    from prognosis.engine.cohort.run import run_cohort
    from prognosis.engine.cohort.validation import MONTHS_PER, Outcomes, validate

    parts: list[pd.DataFrame] = []
    p = rule_set.id
    wanted = ["row", time_column, event_column, f"{p}.status", f"{p}.score", f"{p}.group"]

    def collect(table: Any) -> None:
        import pyarrow as pa

        chosen = table.select(wanted)
        plain = pa.schema([f.with_type(f.type.value_type) if pa.types.is_dictionary(f.type)
                           else f for f in chosen.schema])
        parts.append(chosen.cast(plain).to_pandas())

    from .cohort import SHOWN_REJECTIONS, _RejectionPrinter

    printer = _RejectionPrinter(app)
    try:
        run = run_cohort(cohort_input, rules_dir=rules_dir, studies=[p], workers=workers,
                         on_table=collect, on_rejections=printer)
    finally:
        cohort_input.close()
    frame = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=wanted)
    status = frame[f"{p}.status"].astype(str)
    complete = frame[status == "complete"]
    times = complete[time_column].fillna("").astype(str).str.strip()
    months = pd.to_numeric(times, errors="coerce") * MONTHS_PER[time_unit]
    cells = complete[event_column].fillna("").astype(str).str.strip()
    events = cells.str.lower().map(EVENT_VALUES)
    bad = ~np.isfinite(months) | (months < 0) | events.isna()  # 'inf' reads as a number
    from prognosis.engine.cohort.rejections import Rejections

    first = bad[bad].index[:SHOWN_REJECTIONS]
    printer(Rejections.of(outcome_rejections(
        complete.loc[first, "row"].tolist(), times[first].tolist(), months[first].tolist(),
        cells[first].tolist(), events[first].notna().tolist(), time_column, event_column)),
        rows=int(bad.sum()))
    printer.finish(None, "none of them is used")
    from .cohort import note_spanning

    note_spanning(app, cohort_input)  # after the rejections, as cohort says it
    excluded = {"not_applicable": int((status == "not_applicable").sum()),
                "incomplete": int((status == "incomplete").sum()),
                "rejected": run.rejected_rows + int(bad.sum())}
    good = complete[~bad]
    key_column = f"{p}.score" if rule_set.model == "score" else f"{p}.group"
    keys = good[key_column].to_numpy(dtype=object) if rule_set.model != "signals" \
        else np.full(len(good), None, dtype=object)
    if rule_set.model == "score":
        keys = np.array([int(k) for k in keys], dtype=object)
    rows = good["row"].to_numpy(dtype=np.int64)
    outcomes = Outcomes(keys, months[~bad].to_numpy(dtype=float),
                        events[~bad].to_numpy(dtype=int), cohort_input.truths(rows))
    return validate(rule_set, outcomes, excluded, bootstrap, seed)
