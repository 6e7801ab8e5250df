"""The vectorised cohort scorer gives, for every row, exactly what the per-patient engine gives.

Generated rows mix exact cut-off values, unit strings, bare numbers in columns
whose header declares the unit, aliases, blanks (unknown), patients outside
every population and bad values; each row is also evaluated alone (normalise +
Comparator.evaluate, what `compare` runs) and the two must agree: the same
flat columns (status, score, range, group, subgroup, estimates, factors,
caveats, reasons), the same `--full` JSON, a compact JSON that is the same
subset of it, and the same rejections.
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa
import pytest
from conftest import bundled_comparator, bundled_library
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prognosis.engine.cohort.columns import (
    compact_options,
    estimate_id,
    flat_row,
    output_columns,
)
from prognosis.engine.cohort.convert import is_bare_number
from prognosis.engine.cohort.raw import from_arrow, from_pandas
from prognosis.engine.cohort.scorer import CohortScorer, json_column
from prognosis.engine.errors import InputError
from prognosis.engine.patient import normalise

BOOL = ["true", "false", "yes", "no", "1", "0"]
POOLS: dict[str, list[str]] = {
    "histology": ["leiomyosarcoma", "LMS", "synovial sarcoma", "ups", "osteosarcoma",
                  "liposarcoma", "angiosarcoma", "other", "mfh", "Osteosarcoma", "xx",
                  "myxofibrosarcoma", "rhabdomyosarcoma"],
    "primary_site": ["extremity", "uterus", "trunk", "retroperitoneum", "unknown", "lung",
                     "head_neck", "bone"],
    "metastasis_timing": ["synchronous", "metachronous", "at diagnosis", "relapse"],
    "lung_metastasis_count": ["0", "1", "2", "5", "6", "7", "12", "6.0", "-1", "2.5"],
    "lung_metastasis_max_diameter": ["14.9", "15", "15.0", "1.5 cm", "1.49 cm", "20 mm",
                                     "2 cm", "2.01 cm", "19.99", "20", "0", "3 in"],
    "lung_lobes_involved": ["1", "2", "3", "4", "5", "6"],
    "extrapulmonary_metastases": BOOL,
    "disease_free_interval": ["0", "729", "730", "731", "730 days", "24 months",
                              "2 years", "23.9 months", "23.99 months", "24.01 months",
                              "1.999 years", "729.99 days", "abc"],
    "treatment_free_interval": ["12", "11.9", "12.1", "365 days", "365.25 days", "366 days",
                                "1 year", "13 months", "11.9 months", "12.01 months",
                                "11.99 months"],
    "alkaline_phosphatase": ["100", "240", "240.0", "300", "299.99", "-5"],
    "alkaline_phosphatase_uln": ["120", "150", "0"],
    "bone_metastases": BOOL,
    "pathologic_fracture": BOOL,
    "primary_tumor_size": ["5", "5.0", "4.99", "10", "10.1", "15", "15.01", "50 mm", "100 mm"],
    "primary_surgery": BOOL,
    "metastasectomy": BOOL,
    "pulmonary_metastasectomy": BOOL,
    "chemotherapy": BOOL,
    "radiotherapy": BOOL,
    "surgical_margins": ["negative", "positive"],
    "facility_type": ["community", "comprehensive_community", "academic"],
    # Dates derive the DFI (730 days after 2020-01-01 is 2021-12-31); a given DFI must agree
    # within a day; a date in the future (after PROGNOSIS_TODAY) or out of order is an error.
    "primary_resection_date": ["2020-01-01", "2019-06-30", "2030-01-01", "2020-13-01"],
    "lung_metastasis_diagnosis_date": ["2021-12-30", "2021-12-31", "2022-01-01",
                                       "2019-01-01", "2020-01-01"],
}
# Units declared once in the header: a bare number in these columns is read in that unit.
UNITS = {"lung_metastasis_max_diameter": "mm", "disease_free_interval": "days",
         "treatment_free_interval": "months", "primary_tumor_size": "cm"}
HEADER = {name: f"{name} [{UNITS[name]}]" if name in UNITS else name for name in POOLS}
COLUMNS = ["id", *POOLS]

# Rows start from a patient inside one study's population (so that its groups, scores and
# reasons are reached), then each field keeps that value, is blanked or drawn from its pool.
TEMPLATES = [
    {"histology": "lms", "lung_metastasis_count": "2", "extrapulmonary_metastases": "false",
     "metastasis_timing": "metachronous", "pulmonary_metastasectomy": "true"},
    {"histology": "osteosarcoma", "metastasis_timing": "relapse", "lung_metastasis_count": "3",
     "chemotherapy": "true"},
    {"histology": "ups", "primary_site": "extremity", "metastasis_timing": "synchronous",
     "primary_surgery": "true"},
    {"histology": "leiomyosarcoma", "bone_metastases": "true", "primary_site": "uterus"},
]


@st.composite
def row_strategy(draw: st.DrawFn) -> dict[str, Any]:
    template = draw(st.sampled_from(TEMPLATES))
    row: dict[str, Any] = {}
    for name, pool in POOLS.items():
        how = draw(st.sampled_from(["keep", "keep", "blank", "pool"] if name in template
                                   else ["blank", "pool"]))
        row[name] = template[name] if how == "keep" else None if how == "blank" \
            else draw(st.sampled_from(pool))
    return row

_SCORER: CohortScorer | None = None


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGNOSIS_TODAY", "2026-11-23")


def scorer() -> CohortScorer:
    """One scorer for all examples, so what it learns is exercised across batches."""
    global _SCORER
    if _SCORER is None:
        library = bundled_library()
        _SCORER = CohortScorer(library.fields, library.rule_sets)
    return _SCORER


def as_patient(row: dict[str, Any]) -> dict[str, Any]:
    """The row as a patient file states it: a bare number gets its column's declared unit."""
    return {k: f"{v} {UNITS[k]}" if k in UNITS and is_bare_number(v) else v
            for k, v in row.items() if v is not None}


def per_patient(row: dict[str, Any]) -> tuple[list[Any] | None, set[tuple[Any, ...]]]:
    """What compare computes for the row as a patient file (None: rejected, with problems)."""
    library = bundled_library()
    try:
        patient = normalise(as_patient(row), library.fields)
    except InputError as exc:
        return None, {(p.field, as_cell_says(p, library.fields)) for p in exc.problems}
    return bundled_comparator().evaluate(patient), set()


def as_cell_says(problem: Any, fields: Any) -> str:
    """A patient file's message as a cohort cell's: a cell cannot hold a mapping, so the
    message does not suggest one (the clause FieldDef.allowed adds for a file)."""
    if problem.field not in fields:
        return str(problem.message)
    fdef = fields[problem.field]
    clause = fdef.allowed(mapping=True).removeprefix(fdef.allowed(mapping=False))
    return str(problem.message).replace(clause, "") if clause else str(problem.message)


def table_of(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table({HEADER.get(c, c): pa.array([r.get(c) for r in rows], pa.string())
                     for c in COLUMNS})


def score(rows: list[dict[str, Any]], shape: Any = "full", pandas: bool = False) -> Any:
    sources = {name: HEADER[name] for name in UNITS}
    if pandas:
        import pandas as pd

        frame = pd.DataFrame([{HEADER.get(k, k): v for k, v in r.items()} for r in rows],
                             columns=[HEADER.get(c, c) for c in COLUMNS])
        batch = from_pandas(frame, COLUMNS, [], 1, UNITS, sources)
    else:
        batch = from_arrow(table_of(rows), COLUMNS, [], 1, UNITS, sources)
    return scorer().score(batch, shape=shape)


def compact_subset(full: dict[str, Any], result: Any) -> dict[str, Any]:
    """The part of compare's JSON result that compact JSON lines carry per row (a null
    value is left out, except status and reasons)."""
    return {key: value for key, value in {
        "status": full["status"], "reasons": full["reasons"], "score": full["score"],
        "score_range": full["score_range"], "group": full["group"],
        "subgroup": full["subgroup"], "options": compact_options(result),
        "factors": [f["present"] for f in full["factors"]],
        "caveats": [c["present"] for c in full["caveats"]],
        "estimates": full["estimates"],
    }.items() if value is not None or key in ("status", "reasons")}


def check_agreement(rows: list[dict[str, Any]], outcome: Any, compact: Any = None) -> None:
    library = bundled_library()
    table = outcome.table
    names = [c.name for c in output_columns(library.rule_sets)]
    columns = {name: table.column(name).to_pylist() for name in ["row", "id", *names]}
    full = {rs.id: table.column(json_column(rs.id)).to_pylist() for rs in library.rule_sets}
    position = {r: i for i, r in enumerate(columns["row"])}
    rejected: dict[int, set[tuple[Any, ...]]] = {}
    for r in outcome.rejections:
        rejected.setdefault(r.row, set()).add((r.field, r.message))
    for number, row in enumerate(rows, start=1):
        expected, problems = per_patient(row)
        if expected is None:
            assert number not in position
            assert rejected.get(number) == problems, row
            continue
        assert number not in rejected
        at = position[number]
        assert columns["id"][at] == row["id"]
        for rs, result in zip(library.rule_sets, expected, strict=True):
            wanted = result.to_dict()
            assert json.loads(full[rs.id][at]) == wanted, (rs.id, row)
            for name, value in flat_row(rs, result).items():
                assert columns[name][at] == value, (name, row)
            if compact is not None:
                wanted["estimates"] = {estimate_id(e): e.value for e in result.estimates}
                got = json.loads("{" + compact.column(json_column(rs.id))[at].as_py() + "}")
                assert got == {rs.id: compact_subset(wanted, result)}, (rs.id, row)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row_strategy(), min_size=1, max_size=30))
def test_every_row_agrees_with_the_per_patient_engine(rows: list[dict[str, Any]]) -> None:
    rows = [{**r, "id": f"p{i}"} for i, r in enumerate(rows, start=1)]
    check_agreement(rows, score(rows), score(rows, "compact").table)


@settings(max_examples=25, deadline=None)
@given(st.lists(row_strategy(), min_size=1, max_size=20))
def test_pandas_input_agrees_too(rows: list[dict[str, Any]]) -> None:
    rows = [{**r, "id": f"p{i}"} for i, r in enumerate(rows, start=1)]
    check_agreement(rows, score(rows, pandas=True))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row_strategy(), min_size=1, max_size=30))
def test_csv_output_is_pyarrows_csv_of_the_columns(rows: list[dict[str, Any]]) -> None:
    """CSV output (each rule set's cells made once per distinct result, csvtext.py) has the
    very bytes pyarrow's CSV writer makes of the result columns the agreement test checks."""
    import tempfile
    from pathlib import Path
    from unittest import mock

    import pyarrow.csv as pcsv

    from prognosis.engine.cohort import writer
    from prognosis.engine.cohort.writer import Sink, output_schema

    library = bundled_library()
    rows = [{**r, "id": f'p"{i}, x' if i % 3 else None} for i, r in enumerate(rows, start=1)]
    columns = output_columns(library.rule_sets)
    schema = output_schema([], columns)
    expected = pa.BufferOutputStream()
    pcsv.write_csv(score(rows, "columns").table.select(schema.names), expected)
    with tempfile.TemporaryDirectory() as directory:
        path = Path(directory) / "out.csv"
        sink = Sink(str(path), "csv", schema, columns, library.rule_sets)
        table = score(rows, "csv").table
        sink.write(table.slice(0, len(table) // 2))  # two batches: the header once
        with mock.patch.object(writer, "CSV_PIECE_BYTES", 3_000):  # and in pieces
            sink.write(table.slice(len(table) // 2))
        sink.close()
        assert path.read_bytes() == expected.getvalue().to_pybytes()


def test_typed_values_from_parquet_agree() -> None:
    """Parquet cells arrive typed (int, float, bool), as YAML numbers and booleans do."""
    table = pa.table({
        "id": ["a", "b", "c"],
        "histology": ["leiomyosarcoma", "leiomyosarcoma", "osteosarcoma"],
        "lung_metastasis_count": pa.array([6, 5, None], pa.int64()),
        "lung_metastasis_max_diameter": pa.array([15.0, 14.9, None]),
        "disease_free_interval": pa.array([730.0, 729.0, None]),
        "extrapulmonary_metastases": pa.array([False, None, True]),
    })
    units = {"lung_metastasis_max_diameter": "mm", "disease_free_interval": "days"}
    outcome = scorer().score(from_arrow(table, table.column_names, [], 1, units),
                             shape="full")
    for number, row in enumerate(table.to_pylist(), start=1):
        patient = {k: f"{v} {units[k]}" if k in units else v for k, v in row.items()
                   if v is not None}
        expected = bundled_comparator().evaluate(normalise(patient, bundled_library().fields))
        for rs, result in zip(bundled_library().rule_sets, expected, strict=True):
            got = outcome.table.column(json_column(rs.id))[number - 1].as_py()
            assert json.loads(got) == result.to_dict()
    slms = outcome.table.column("slms.score").to_pylist()
    assert slms[:2] == [2, 1]  # 6 nodules, 15 mm: 2 (730 days is not < 730); 729 days: 1
    assert outcome.table.column("slms.status").to_pylist()[2] == "incomplete"


@pytest.mark.parametrize("value, points", [("729.99", 1), ("730", 0), ("24 months", 0),
                                           ("23.9 months", 1)])
def test_dfi_cut_off_lands_on_the_papers_side(value: str, points: int) -> None:
    rows = [{"id": "x", "histology": "lms", "lung_metastasis_count": "1",
             "lung_metastasis_max_diameter": "10", "disease_free_interval": value}]
    outcome = score(rows, "columns")
    assert outcome.table.column("slms.score").to_pylist() == [points]


def test_factor_and_caveat_columns_are_three_valued() -> None:
    rows = [{"id": "a", "histology": "lms", "lung_metastasis_count": "2",
             "lung_metastasis_max_diameter": "2.5 cm", "extrapulmonary_metastases": "false"},
            {"id": "b", "histology": "lms", "lung_metastasis_count": "2",
             "lung_metastasis_max_diameter": "20", "extrapulmonary_metastases": "false"},
            {"id": "c", "histology": "lms", "lung_metastasis_count": "2"}]
    table = score(rows, "columns").table
    bm = "burkhard-meier-2025"
    assert table.column(f"{bm}.factor.diameter_over_2cm").to_pylist() == [True, False, None]
    assert table.column(f"{bm}.caveat.systemic_therapy_trend_over_2cm").to_pylist() == \
        [True, False, None]
    assert table.column("slms.factor.six_or_more_metastases").to_pylist() == \
        [False, False, False]


def test_a_bare_length_without_a_unit_refuses_the_column() -> None:
    table = pa.table({"histology": ["lms", "lms"],
                      "lung_metastasis_max_diameter": ["18 mm", "25"],
                      "treatment_free_interval": ["14", "400 days"]})
    with pytest.raises(InputError) as caught:
        scorer().score(from_arrow(table, table.column_names, [], 1), "reg.csv")
    messages = [p.message for p in caught.value.problems]
    assert len(messages) == 2
    assert messages[0].startswith("column 'lung_metastasis_max_diameter' has bare numbers "
                                  "('25' in row 2) but no unit")
    assert "'lung_metastasis_max_diameter [mm]'" in messages[0]
    assert "--unit treatment_free_interval=days" in messages[1]
