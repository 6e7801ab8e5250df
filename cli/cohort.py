"""`prognosis cohort`: every row of a cohort file under every study, in one run."""

from __future__ import annotations

import shlex
from typing import TYPE_CHECKING

import click
from rich.text import Text

from .app import App, ExitCode, reports_errors
from .options import unit_option

if TYPE_CHECKING:
    from prognosis.engine.cohort.reader import CohortInput
    from prognosis.engine.cohort.rejections import Rejections

SHOWN_REJECTIONS = 20


@click.command(short_help="Score every row of a cohort file under every study.")
@click.argument("input_path", metavar="INPUT")
@click.option("-o", "--output", metavar="FILE",
              help="Write one row per scored input row: .jsonl (compact: what varies per "
              "patient, the studies' static text once in the first line), .csv or .parquet "
              "(flat columns). Without it only the summary is printed.")
@click.option("--full", is_flag=True,
              help="JSON lines: compare's whole JSON result per row instead of compact rows.")
@unit_option
@click.option("--study", "studies", multiple=True, metavar="ID",
              help="Only this rule set (repeatable), e.g. --study slms.")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              default=None, help="Directory of rule sets to use instead of the bundled ones.")
@click.option("--keep", multiple=True, metavar="COL",
              help="Copy this input column into the output (repeatable).")
@click.option("--errors", "errors_path", metavar="FILE",
              help="Write every rejected row to this CSV (row,field,value,message).")
@click.option("--strict", is_flag=True,
              help="Unknown columns are errors, and the first bad row stops the run (exit 2).")
@click.option("--encoding", default="utf-8", show_default=True, metavar="NAME",
              help="Text encoding of a CSV input (latin-1, cp1252, ...). A cell that is not "
              "text in it rejects its row.")
@click.option("--workers", type=click.IntRange(min=1), default=None,
              help="Processes that score, this one included [default: 1; with --full, the "
              "number of cores].")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.pass_obj
@reports_errors
def cohort(app: App, input_path: str, output: str | None, full: bool,
           units: dict[str, str], studies: tuple[str, ...], rules_dir: str | None,
           keep: tuple[str, ...], errors_path: str | None, strict: bool, encoding: str,
           workers: int | None, quiet: bool) -> None:
    """Score every row of INPUT (.csv, .csv.gz, .parquet, .jsonl; - reads CSV from stdin).

    The header names patient fields, as in patient files; a cell may carry a
    unit ("1.8 cm", "14 months"); an empty cell is unknown; an `id` column
    names the patient. Rows with a bad value are not scored: they are listed
    on stderr (all of them with --errors) and the exit code is 3.

    \b
    Exit codes: 0 every row scored; 3 some rows rejected (all others written);
    2 unusable input (or the first bad row with --strict).
    """
    from prognosis.engine.cohort.reader import CohortInput
    from prognosis.engine.cohort.run import default_workers, run_cohort
    from prognosis.engine.cohort.writer import output_format
    from prognosis.engine.loader import load_library

    refuse_overlapping_paths(input_path, output, errors_path)
    library = load_library(rules_dir)
    library.select(studies)  # unknown --study: exit 2 before reading anything
    if output:
        output_format(output)
    cohort_input = CohortInput(input_path, library.fields, keep, strict, units=units,
                               encoding=encoding)
    warn_unknown_columns(app, cohort_input)
    shown = _RejectionPrinter(app)
    try:
        with _progress(app, cohort_input, quiet) as advance:
            run = run_cohort(cohort_input, rules_dir=rules_dir, studies=studies,
                             output=output, errors=errors_path, strict=strict,
                             workers=workers or default_workers(full), on_batch=advance,
                             on_rejections=shown, full=full)
    finally:
        cohort_input.close()
    shown.finish(errors_path)
    note_spanning(app, cohort_input)
    from .cohort_summary import render_summary

    render_summary(app.out, run, output)
    if run.rejected_rows:
        raise click.exceptions.Exit(ExitCode.REJECTED_ROWS)


def same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: the same inode if both exist, else the same real
    path (symlinks and `..` resolved)."""
    import os

    try:
        return os.path.samefile(a, b)
    except OSError:
        return os.path.realpath(a) == os.path.realpath(b)


def refuse_overlapping_paths(input_path: str, output: str | None,
                             errors_path: str | None) -> None:
    """Exit 2, touching nothing, when an output would overwrite the input or the other output."""
    from prognosis.engine.errors import InputError, Problem

    named = [("INPUT", input_path), ("--output", output), ("--errors", errors_path)]
    paths = [(what, p) for what, p in named if p and p != "-"]
    problems = [Problem(b_path, f"{b_what} is the same file as {a_what} ({a_path}); "
                        "choose another name (nothing was written)")
                for i, (a_what, a_path) in enumerate(paths) for b_what, b_path in paths[i + 1:]
                if same_file(a_path, b_path)]
    if problems:
        raise InputError(problems)


def note_spanning(app: App, cohort_input: CohortInput) -> None:
    """Rows whose quoted cell ran over line ends, once, after the run (reader.spanning)."""
    said = cohort_input.spanning()
    if said:
        app.err.print(Text(f"warning: {cohort_input.shown}: {said}"), soft_wrap=True)


def warn_unknown_columns(app: App, cohort_input: CohortInput) -> None:
    for column, name in cohort_input.header.renamed:
        app.err.print(Text(f"note: {cohort_input.shown}: column '{column}' is read as "
                           f"{name}"), soft_wrap=True)
    for name, hint in cohort_input.header.unknown:
        extra = f"did you mean '{hint}'? " if hint else ""
        app.err.print(Text(f"warning: {cohort_input.shown}: column '{name}' is not a patient "
                           f"field; {extra}ignored (copy it to the output with --keep "
                           f"{shlex.quote(name)})"), soft_wrap=True)


class _RejectionPrinter:
    """The first rejections on stderr, then a count."""

    def __init__(self, app: App) -> None:
        self.app = app
        self.rows = 0  # batches never share a row
        self.printed = 0

    def __call__(self, rejections: Rejections, rows: int | None = None) -> None:
        """Print the first of `rejections`; `rows`: how many rows they stand for, when
        only the first of them were made (validate's time and event columns)."""
        from prognosis.engine.fields import shown_text

        self.rows += rejections.distinct_rows() if rows is None else rows
        for r in rejections[:max(0, SHOWN_REJECTIONS - self.printed)]:
            # The value as read, cut like every value quoted in a message (README,
            # "Bounded input"): an unclosed quote once made it the rest of the file.
            where = f"field '{r.field}' = {shown_text(r.value)}: " if r.field else ""
            self.app.err.print(Text(f"rejected: row {r.row}: {where}{r.message}"),
                               soft_wrap=True)
            self.printed += 1

    def finish(self, errors_path: str | None, where: str | None = None) -> None:
        """The count; `where` says what became of the rows (validate has no --errors)."""
        total = self.rows
        if total:
            where = where or (f"all of them are listed in {errors_path}" if errors_path
                              else "use --errors FILE to list all of them")
            shown = f", the first {self.printed} shown above" if total > self.printed else ""
            self.app.err.print(Text(f"{total} row(s) rejected{shown}; {where}"),
                               soft_wrap=True)


class _progress:
    """A progress bar on a terminal stderr (rows, rows/s, ETA); nothing otherwise."""

    def __init__(self, app: App, cohort_input: CohortInput, quiet: bool) -> None:
        self.enabled = not quiet and app.err.is_terminal
        self.app = app
        self.input = cohort_input
        self.rows = 0

    def __enter__(self) -> _Advance:
        if not self.enabled:
            return lambda rows: None
        from rich.progress import (
            BarColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.bar = Progress(TextColumn("{task.description}"), BarColumn(),
                            TextColumn("{task.fields[rows]:,} rows"),
                            TextColumn("{task.fields[rate]:,.0f} rows/s"),
                            TimeElapsedColumn(), TimeRemainingColumn(),
                            console=self.app.err, transient=False)
        self.bar.start()
        by_rows = self.input.format == "parquet"
        self.task = self.bar.add_task("scoring", total=self.input.total, rows=0, rate=0.0)

        def advance(rows: int) -> None:
            self.rows += rows
            task = self.bar.tasks[0]
            elapsed = task.elapsed or 1e-9
            done = self.rows if by_rows else self.input.position()
            self.bar.update(self.task, completed=done, rows=self.rows,
                            rate=self.rows / elapsed)

        return advance

    def __exit__(self, *exc: object) -> None:
        if self.enabled:
            self.bar.stop()


if TYPE_CHECKING:
    from collections.abc import Callable

    _Advance = Callable[[int], None]
