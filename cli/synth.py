"""`prognosis synth`: a SYNTHETIC cohort for demos, tests and benchmarks."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import click

from .app import App, reports_errors

if TYPE_CHECKING:
    import pyarrow as pa


@click.command(short_help="Write a SYNTHETIC cohort (not patients) for demos and tests.")
@click.argument("n", type=click.IntRange(min=1))
@click.option("--seed", type=click.IntRange(min=0), default=0, show_default=True,
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
    from prognosis.engine.cohort.synth import synthesize_batches
    from prognosis.engine.cohort.writer import atomic_path, output_format
    from prognosis.engine.loader import load_library

    library = load_library()
    batches = synthesize_batches(n, seed, library.fields, library.select(["slms"])[0])
    if output is None:
        _write(batches, "csv", sys.stdout.buffer)
        return
    kind = output_format(output)
    with atomic_path(output) as temporary:
        _write(batches, kind, temporary)
    app.err.print(f"{n} synthetic rows written to {output}", markup=False, highlight=False)


def _write(batches: Iterator[pa.Table], kind: str, target: Any) -> None:
    """Write the tables one by one (memory stays flat however many rows)."""
    import json

    writer: Any = None
    try:
        for table in batches:
            if kind == "jsonl":
                if writer is None:
                    writer = open(target, "w", encoding="utf-8")  # noqa: SIM115
                for row in table.to_pylist():
                    writer.write(json.dumps({k: v for k, v in row.items() if v is not None},
                                            ensure_ascii=False) + "\n")
                continue
            if writer is None:
                if kind == "parquet":
                    import pyarrow.parquet as pq

                    writer = pq.ParquetWriter(target, table.schema)
                else:
                    import pyarrow.csv as pcsv

                    writer = pcsv.CSVWriter(target, table.schema)
            writer.write_table(table)
    finally:
        if writer is not None:
            writer.close()
