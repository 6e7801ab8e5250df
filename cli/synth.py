"""`prognosis synth`: a SYNTHETIC cohort for demos, tests and benchmarks."""

from __future__ import annotations

import sys

import click

from .app import App, reports_errors


@click.command(short_help="Write a SYNTHETIC cohort (not patients) for demos and tests.")
@click.argument("n", type=click.IntRange(min=1))
@click.option("--seed", type=int, default=0, show_default=True,
              help="Random seed: the same seed gives the same file.")
@click.option("-o", "--output", metavar="FILE",
              help="Write .csv, .parquet or .jsonl [default: CSV on standard output].")
@click.pass_obj
@reports_errors
def synth(app: App, n: int, seed: int, output: str | None) -> None:
    """Write N synthetic patients (marked synthetic = true) with outcomes.

    Not patients and not evidence: rows are drawn so that every study's
    population appears, with units, blanks and exact cut-off values at
    documented rates, and outcomes (os_months, death) drawn from the SLMS
    3-year survival of each row's score (see the README, "Cohorts").
    """
    import json

    import pyarrow.csv as pcsv

    from prognosis.engine.cohort.synth import synthesize
    from prognosis.engine.cohort.writer import atomic_path, output_format
    from prognosis.engine.loader import load_library

    library = load_library()
    table = synthesize(n, seed, library.fields, library.select(["slms"])[0])
    if output is None:
        pcsv.write_csv(table, sys.stdout.buffer)
        return
    kind = output_format(output)
    with atomic_path(output) as temporary:
        if kind == "csv":
            pcsv.write_csv(table, temporary)
        elif kind == "parquet":
            import pyarrow.parquet as pq

            pq.write_table(table, temporary)
        else:
            with open(temporary, "w", encoding="utf-8") as handle:
                for row in table.to_pylist():
                    handle.write(json.dumps({k: v for k, v in row.items() if v is not None},
                                            ensure_ascii=False) + "\n")
    app.err.print(f"{n} synthetic rows written to {output}", markup=False, highlight=False)
