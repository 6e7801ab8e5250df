"""The cohort fast path gives, for every row, exactly what the per-patient engine gives.

Generated rows mix exact cut-off values, unit strings, aliases, blanks (unknown),
patients outside every population and bad values; each row is also evaluated
alone (normalise + Comparator.evaluate, what `compare` runs) and the two must
agree: the same JSON results, the same flat columns, the same rejections.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pyarrow as pa
import pytest
from conftest import bundled_comparator, bundled_library
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prognosis.engine.cohort.columns import flat_row
from prognosis.engine.cohort.raw import from_arrow, from_pandas
from prognosis.engine.cohort.scorer import CohortScorer
from prognosis.engine.errors import InputError
from prognosis.engine.patient import normalise

BOOL = ["true", "false", "yes", "no", "1", "0"]
POOLS: dict[str, list[str]] = {
    "histology": ["leiomyosarcoma", "LMS", "synovial sarcoma", "ups", "osteosarcoma",
                  "liposarcoma", "angiosarcoma", "other", "mfh", "Osteosarcoma", "xx"],
    "primary_site": ["extremity", "uterus", "trunk", "retroperitoneum", "unknown", "lung",
                     "bone"],
    "metastasis_timing": ["synchronous", "metachronous", "at diagnosis", "relapse"],
    "lung_metastasis_count": ["0", "1", "2", "5", "6", "7", "12", "6.0", "-1", "2.5"],
    "lung_metastasis_max_diameter": ["14.9", "15", "15.0", "1.5 cm", "1.49 cm", "20 mm",
                                     "2 cm", "2.01 cm", "19.99", "0", "3 in"],
    "lung_lobes_involved": ["1", "2", "3", "4", "5", "6"],
    "extrapulmonary_metastases": BOOL,
    "disease_free_interval": ["0", "729", "730", "731", "730 days", "24 months",
                              "2 years", "23.9 months", "23.99 months", "24.01 months",
                              "1.999 years", "729.99 days", "abc"],
    "treatment_free_interval": ["365", "365.25", "366", "12 months", "1 year",
                                "13 months", "11.9 months", "12.01 months", "11.99 months"],
    "alkaline_phosphatase": ["100", "240", "240.0", "300", "299.99", "-5"],
    "alkaline_phosphatase_uln": ["120", "150", "0"],
    "bone_metastases": BOOL,
    "pathologic_fracture": BOOL,
    "primary_tumor_size": ["50 mm", "5 cm", "100", "10.1 cm"],
    "primary_surgery": BOOL,
    "metastasectomy": BOOL,
    "pulmonary_metastasectomy": BOOL,
    "chemotherapy": BOOL,
    "radiotherapy": BOOL,
    "surgical_margins": ["negative", "positive"],
    # Dates derive the DFI (730 days after 2020-01-01 is 2021-12-31); a given DFI must agree
    # within a day; a date in the future (after PROGNOSIS_TODAY) or out of order is an error.
    "primary_resection_date": ["2020-01-01", "2019-06-30", "2030-01-01", "2020-13-01"],
    "lung_metastasis_diagnosis_date": ["2021-12-30", "2021-12-31", "2022-01-01",
                                       "2019-01-01", "2020-01-01"],
}
COLUMNS = ["id", *POOLS]

row_strategy = st.fixed_dictionaries(
    {name: st.one_of(st.none(), st.none(), st.sampled_from(pool))
     for name, pool in POOLS.items()})

_SCORER: CohortScorer | None = None


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGNOSIS_TODAY", "2026-11-23")


def scorer() -> CohortScorer:
    """One scorer for all examples, so its caches are exercised across batches."""
    global _SCORER
    if _SCORER is None:
        library = bundled_library()
        _SCORER = CohortScorer(library.fields, library.rule_sets)
    return _SCORER


def as_patient(row: dict[str, Any]) -> dict[str, Any]:
    """The row as a patient file. A cohort column of bare numbers is read in the field's
    canonical unit (the columns here declare no unit), so the file says that unit."""
    fields = bundled_library().fields
    out = {}
    for name, value in row.items():
        if value is None:
            continue
        fdef = fields.fields.get(name)
        bare = (isinstance(value, int | float) and not isinstance(value, bool)) or (
            isinstance(value, str) and re.fullmatch(r"\s*[+-]?[\d.]+([eE][+-]?\d+)?\s*", value))
        if fdef is not None and fdef.dimension is not None and bare:
            value = f"{value} {fdef.dimension.canonical}"
        out[name] = value
    return out


def per_patient(row: dict[str, Any]) -> tuple[list[dict[str, Any]] | None, set[tuple[Any, ...]]]:
    """What compare computes for the row as a patient file (None: rejected, with problems)."""
    library = bundled_library()
    try:
        patient = normalise(as_patient(row), library.fields)
    except InputError as exc:
        return None, {(p.field, p.message) for p in exc.problems}
    return [r.to_dict() for r in bundled_comparator().evaluate(patient)], set()


def table_of(rows: list[dict[str, Any]]) -> pa.Table:
    return pa.table({c: pa.array([r.get(c) for r in rows], pa.string()) for c in COLUMNS})


def check_agreement(rows: list[dict[str, Any]], outcome: Any) -> None:
    library = bundled_library()
    by_row = {j["row"]: {**j, "results": [json.loads(t) for _, t in j["results"]]}
              for j in outcome.json_rows}
    table = outcome.table
    columns = {name: table.column(name).to_pylist() for name in table.column_names}
    position = {r: i for i, r in enumerate(columns["row"])}
    rejected: dict[int, set[tuple[Any, ...]]] = {}
    for r in outcome.rejections:
        rejected.setdefault(r.row, set()).add((r.field, r.message))
    for number, row in enumerate(rows, start=1):
        expected, problems = per_patient(row)
        if expected is None:
            assert number not in by_row
            assert rejected.get(number) == problems, row
            continue
        assert number not in rejected
        got = by_row[number]
        assert got["id"] == row["id"]
        assert json.dumps(got["results"], sort_keys=True) == json.dumps(expected, sort_keys=True)
        patient = normalise(as_patient(row), library.fields)
        for rs, result in zip(library.rule_sets, bundled_comparator().evaluate(patient),
                              strict=True):
            for name, value in flat_row(rs, result).items():
                assert columns[name][position[number]] == value, (name, row)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(row_strategy, min_size=1, max_size=30))
def test_every_row_agrees_with_the_per_patient_engine(rows: list[dict[str, Any]]) -> None:
    rows = [{**r, "id": f"p{i}"} for i, r in enumerate(rows, start=1)]
    outcome = scorer().score(from_arrow(table_of(rows), COLUMNS, [], 1), json_rows=True)
    check_agreement(rows, outcome)


@settings(max_examples=25, deadline=None)
@given(st.lists(row_strategy, min_size=1, max_size=20))
def test_pandas_input_agrees_too(rows: list[dict[str, Any]]) -> None:
    import pandas as pd

    rows = [{**r, "id": f"p{i}"} for i, r in enumerate(rows, start=1)]
    frame = pd.DataFrame(rows, columns=COLUMNS)
    outcome = scorer().score(from_pandas(frame, COLUMNS, [], 1), json_rows=True)
    check_agreement(rows, outcome)


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
    rows = [{k: v for k, v in r.items()} for r in table.to_pylist()]
    outcome = scorer().score(from_arrow(table, table.column_names, [], 1), json_rows=True)
    for number, row in enumerate(rows, start=1):
        expected, _ = per_patient(row)
        got = next(j for j in outcome.json_rows if j["row"] == number)
        assert [json.loads(t) for _, t in got["results"]] == expected
    slms = outcome.table.column("slms.score").to_pylist()
    assert slms[:2] == [2, 1]  # 6 nodules, 15 mm: 2 (730 days is not < 730); 729 days: 1
    assert outcome.table.column("slms.status").to_pylist()[2] == "incomplete"


@pytest.mark.parametrize("value, points", [("729.99 days", 1), ("730", 0), ("24 months", 0),
                                           ("23.9 months", 1)])
def test_dfi_cut_off_lands_on_the_papers_side(value: str, points: int) -> None:
    rows = [{"id": "x", "histology": "lms", "lung_metastasis_count": "1",
             "lung_metastasis_max_diameter": "10", "disease_free_interval": value}]
    outcome = scorer().score(from_arrow(table_of(rows), COLUMNS, [], 1))
    assert outcome.table.column("slms.score").to_pylist() == [points]
