"""The library API for data frames: score a pandas DataFrame (or Arrow table) batch.

`score_frame` returns the columns of the CSV output (`row`, `id`, the kept
columns, then per rule set status, score, ..., estimates) for every row. It is
a plain module-level function of its arguments, so it pickles by reference and
runs unchanged under Dask and Spark (see the README, "Cohorts"):

    import dask.dataframe as dd
    from prognosis.engine.cohort.frame import score_frame
    ddf = dd.read_csv("registry-*.csv", dtype=str)
    scored = ddf.map_partitions(score_frame, meta=score_frame(ddf._meta))

Each process keeps one scorer (and one durable_rules engine) per rule
directory and selection of studies.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from typing import Any

import pyarrow as pa

from ..errors import InputError, Problem
from ..loader import load_library
from .columns import output_columns
from .raw import from_arrow, from_pandas
from .reader import check_header
from .scorer import CohortScorer
from .writer import output_schema

_SCORERS: dict[tuple[str | None, tuple[str, ...]], CohortScorer] = {}


def _scorer(rules: str | None, studies: tuple[str, ...]) -> CohortScorer:
    scorer = _SCORERS.get((rules, studies))
    if scorer is None:
        library = load_library(rules)
        scorer = _SCORERS[(rules, studies)] = CohortScorer(library.fields,
                                                           library.select(studies))
    return scorer


def score_frame(frame: Any, rules: str | None = None, studies: Sequence[str] = (),
                keep: Sequence[str] = (), first_row: int | None = None,
                errors: str = "raise", units: Mapping[str, str] | None = None) -> Any:
    """Score every row of `frame` (pandas DataFrame or pyarrow Table); return a DataFrame.

    The `row` column is 1-based: `first_row` plus the position in the frame
    when given; otherwise, for a pandas frame with an integer index (as
    read_csv and Dask partitions of a pandas frame give), the index + 1, so
    that partitions keep their rows' numbers; else the position + 1. A row with a bad value raises
    InputError naming its row, field and value (`errors="raise"`); with
    `errors="skip"` such rows are left out of the result, a warning says how
    many, and the result's `attrs["rejections"]` lists them. A length or duration column
    of bare numbers needs its unit, in its name (`lung_metastasis_max_diameter [mm]`) or
    in `units` ({"lung_metastasis_max_diameter": "mm"}), as for `prognosis cohort`.
    """
    import pandas as pd

    if errors not in ("raise", "skip"):
        raise ValueError("errors must be 'raise' or 'skip'")
    scorer = _scorer(rules, tuple(studies))
    columns = list(frame.column_names if isinstance(frame, pa.Table) else frame.columns)
    header = check_header("<frame>", [str(c) for c in columns], scorer.fields, keep,
                          strict=False, units=units)
    if isinstance(frame, pa.Table):
        batch = from_arrow(frame, header.fields, header.kept, first_row or 1, header.units,
                           header.sources)
        kept_types = [(n, frame.schema.field(header.sources.get(n, n) if n not in
                                             frame.column_names else n).type)
                      for n in header.kept]
    else:
        batch = from_pandas(frame, header.fields, header.kept, first_row or 1, header.units,
                            header.sources)
        kept_types = [(n, pa.string()) for n in header.kept]
    outcome = scorer.score(batch, "<frame>")
    positions = outcome.table.column("row").to_numpy() - batch.first_row
    if first_row is None and not isinstance(frame, pa.Table) and \
            pd.api.types.is_integer_dtype(frame.index.dtype):
        rows = frame.index.to_numpy()[positions] + 1
        outcome.table = outcome.table.set_column(0, "row", pa.array(rows, pa.int64()))
    if outcome.rejections and errors == "raise":
        raise InputError([Problem("<frame>", f"row {r.row}: {r.message} (value {r.value!r})",
                                  field=r.field) for r in outcome.rejections])
    schema = output_schema(kept_types, output_columns(scorer.rule_sets))
    table = outcome.table.select(schema.names).cast(schema)
    result = table.to_pandas(types_mapper=_pandas_type)
    if not isinstance(frame, pa.Table):  # keep the caller's index (Dask aligns on it)
        result.index = frame.index[positions]
    if outcome.rejections:
        rows = sorted({r.row for r in outcome.rejections})
        warnings.warn(f"{len(rows)} row(s) rejected (first: row {rows[0]}); see "
                      "result.attrs['rejections']", stacklevel=2)
        result.attrs["rejections"] = [vars(r) for r in outcome.rejections]
    return result


def _pandas_type(arrow_type: pa.DataType) -> Any:
    """Nullable pandas types, so integers stay integers, booleans booleans and unknown is
    <NA>."""
    import pandas as pd

    if pa.types.is_integer(arrow_type):
        return pd.Int64Dtype()
    if pa.types.is_floating(arrow_type):
        return pd.Float64Dtype()
    if pa.types.is_boolean(arrow_type):
        return pd.BooleanDtype()
    if pa.types.is_string(arrow_type):
        return pd.StringDtype("pyarrow")  # text stays in Arrow: no Python object per cell
    return None
