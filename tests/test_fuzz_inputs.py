"""A bounded fuzz test of what people write (issue 11, item 7).

Hypothesis writes patient texts and cohort cells in many spellings (leading
zeros, signs, exponents, long fractions, hex, binary, octal, underscores,
sexagesimal, NaN, infinities, impossible dates, junk). For each, reading either
succeeds with exactly the text's decimal reading, or is refused as bad input
(exit 2) naming the field; never anything else (no exit 1, no traceback). One
class feeds the same texts to `compare` (a patient file) and to `cohort` (a
CSV cell) and requires the same verdict. Examples are derandomized, so the
suite is repeatable; the number of examples per class is in EXAMPLES.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from clirun import run
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from prognosis.engine.cohort.raw import from_arrow
from prognosis.engine.cohort.scorer import CohortScorer
from prognosis.engine.errors import InputError
from prognosis.engine.evaluate import Comparator
from prognosis.engine.loader import RuleLibrary
from prognosis.engine.patient import Patient, normalise
from prognosis.engine.yamlio import PATIENT, parse_document

EXAMPLES = {"counts": 300, "quantities": 300, "dates": 200, "ids": 200, "cli": 25,
            "cohort_vs_compare": 40}
DECIMAL = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$")
TODAY = dt.date(2026, 6, 1)
BASE = {"histology": "leiomyosarcoma", "extrapulmonary_metastases": "false"}


def fuzz(name: str) -> Any:
    return settings(max_examples=EXAMPLES[name], deadline=None, derandomize=True,
                    database=None, suppress_health_check=[HealthCheck.too_slow])


# -- what people write ------------------------------------------------------------------

def _decimal_text(draw: Any, max_fraction: int, exponent: bool) -> str:
    sign = draw(st.sampled_from(["", "", "+", "-"]))
    zeros = "0" * draw(st.integers(0, 3))
    whole = str(draw(st.integers(0, 10**6)))
    fraction = "".join(draw(st.lists(st.sampled_from("0123456789"), max_size=max_fraction)))
    point = draw(st.sampled_from(["", ".", "."])) if fraction == "" else "."
    text = f"{sign}{zeros}{whole}{point}{fraction}"
    if exponent and draw(st.booleans()):
        text += draw(st.sampled_from(["e", "E"])) + str(draw(st.integers(-3, 3)))
    return text


@st.composite
def number_texts(draw: Any, max_fraction: int = 12) -> str:
    """A decimal number, or one of the spellings that are not one."""
    kind = draw(st.sampled_from(["decimal", "decimal", "decimal", "near", "odd", "junk"]))
    if kind == "decimal":
        return _decimal_text(draw, max_fraction, exponent=True)
    if kind == "near":  # a hair from a whole number: 5.9999999999, 6.0000000001
        n, k = draw(st.integers(0, 99)), draw(st.integers(8, 22))
        return draw(st.sampled_from([f"{n}.{'9' * k}", f"{n}.{'0' * k}1", f"{n}.{'0' * k}"]))
    if kind == "odd":
        n = draw(st.integers(0, 4095))
        return draw(st.sampled_from([
            hex(n), bin(n), oct(n), f"{n:,}".replace(",", "_"), f"{n // 60}:{n % 60:02d}",
            ".nan", ".NaN", ".inf", "-.inf", "+.Inf", "9" * draw(st.integers(300, 5000)),
            f"{n}.{n}.{n}", f"1e{draw(st.integers(300, 400))}", f"-{n}", "0x", "1__0"]))
    return draw(st.text(alphabet="0123456789.eE+-xob_:abc ", min_size=1, max_size=12))


def decimal_of(text: str) -> Decimal | None:
    return Decimal(text) if DECIMAL.match(text) else None


def read_patient(text: str, library: RuleLibrary) -> Patient:
    """A patient file's text as `compare` reads it (raises InputError for bad input)."""
    return normalise(parse_document(text, "fuzz.yaml", PATIENT), library.fields, "fuzz.yaml")


def outcome(text: str, library: RuleLibrary) -> Patient | InputError:
    try:
        return read_patient(text, library)
    except InputError as exc:  # exit 2; any other exception fails the test (exit 1)
        assert exc.problems and all(p.message for p in exc.problems)
        return exc


def patient_text(fields: dict[str, str]) -> str:
    return "".join(f"{k}: {v}\n" for k, v in {**BASE, **fields}.items())


# -- the classes ------------------------------------------------------------------------

@fuzz("counts")
@given(number_texts())
def test_counts_are_their_decimal_reading_or_refused(library: RuleLibrary, text: str) -> None:
    got = outcome(patient_text({"lung_metastasis_count": text}), library)
    reading = decimal_of(text.strip())
    whole = reading is not None and reading == reading.to_integral_value() and reading >= 0 \
        and abs(reading) < Decimal("1e308")
    if isinstance(got, InputError):
        assert not whole, (text, str(got))
        assert any(p.field == "lung_metastasis_count" or p.line for p in got.problems)
    else:
        assert whole, (text, got.values)
        assert reading is not None
        assert got.values["lung_metastasis_count"] == int(reading)


QUANTITIES = {"lung_metastasis_max_diameter": {"mm": 1, "cm": 10},
              "disease_free_interval": {"days": 1, "weeks": 7}}


@fuzz("quantities")
@given(st.sampled_from(sorted(QUANTITIES)), st.data())
def test_quantities_with_units_are_their_decimal_reading(library: RuleLibrary, name: str,
                                                         data: Any) -> None:
    number = data.draw(number_texts(max_fraction=6))
    unit = data.draw(st.sampled_from(sorted(QUANTITIES[name])))
    space = data.draw(st.sampled_from(["", " "]))
    got = outcome(patient_text({name: f"{number}{space}{unit}"}), library)
    reading = decimal_of(number)
    least_ok = (lambda r: r > 0) if library.fields[name].exclusive_min else (lambda r: r >= 0)
    valid = reading is not None and least_ok(reading) and abs(reading) < 10**7
    if isinstance(got, InputError):
        assert not valid or reading is None, (number, unit, str(got))
    elif reading is not None and abs(reading) < 10**7:
        assert valid, (number, unit, got.values)
        assert got.values[name] == float(reading * QUANTITIES[name][unit])


@fuzz("dates")
@given(st.integers(1800, 2100), st.integers(0, 13), st.integers(0, 32),
       st.sampled_from(["", "'"]))
def test_dates_are_the_date_or_refused_by_field(library: RuleLibrary, year: int, month: int,
                                                day: int, quote: str) -> None:
    text = f"{year:04d}-{month:02d}-{day:02d}"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("PROGNOSIS_TODAY", TODAY.isoformat())
        got = outcome(patient_text({"primary_resection_date": f"{quote}{text}{quote}"}),
                      library)
    try:
        date: dt.date | None = dt.date(year, month, day)
    except ValueError:
        date = None
    if date is None or date > TODAY:
        assert isinstance(got, InputError), text
        assert [p.field for p in got.problems] == ["primary_resection_date"]
        assert date is not None or got.problems[0].line == 3
    else:
        assert isinstance(got, Patient), str(got)
        assert got.values["primary_resection_date"] == text


@fuzz("ids")
@given(st.one_of(number_texts(),
                 st.text(alphabet="abcXYZ0123456789-_.:/", min_size=1, max_size=16)))
def test_an_id_is_its_source_text(library: RuleLibrary, text: str) -> None:
    got = outcome(f"id: {text}\nhistology: leiomyosarcoma\n", library)
    stripped = text.strip()
    if isinstance(got, InputError):  # not a scalar, or true/false: never silently changed
        assert [p.field for p in got.problems] in (["id"], [None]), (text, str(got))
    elif stripped in ("", "~", "null", "Null", "NULL"):
        assert got.id is None
    else:
        assert got.id == stripped, (text, got.id)


@fuzz("cli")
@given(number_texts(), number_texts(max_fraction=6), st.sampled_from(["mm", "cm"]))
def test_the_command_exits_0_or_2_and_never_tracebacks(tmp_path_factory: Any, count: str,
                                                       size: str, unit: str) -> None:
    path = Path(tmp_path_factory.mktemp("fuzz")) / "p.yaml"
    path.write_text(patient_text({"lung_metastasis_count": count,
                                  "lung_metastasis_max_diameter": f"{size} {unit}"}))
    code, _out, err = run("compare", str(path), "--format", "json")
    assert code in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err


@fuzz("cohort_vs_compare")
@given(st.lists(st.tuples(number_texts(), number_texts(max_fraction=6),
                          st.sampled_from(["mm", "cm"]), number_texts(max_fraction=3)),
                min_size=1, max_size=8))
def test_cohort_cells_and_patient_files_agree(library: RuleLibrary, comparator: Comparator,
                                              rows: list[tuple[str, str, str, str]]) -> None:
    """The same texts as CSV cells (read by `cohort`) and in patient files (`compare`)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    names = ["lung_metastasis_count", "lung_metastasis_max_diameter", "disease_free_interval"]
    cells = [[count, f"{size} {unit}", f"{dfi} days"] for count, size, unit, dfi in rows]
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["histology", *names])
    for row in cells:
        writer.writerow(["leiomyosarcoma", *row])
    table = pcsv.read_csv(io.BytesIO(buffer.getvalue().encode()), convert_options=pcsv.
                          ConvertOptions(column_types={n: pa.string() for n in
                                                       ["histology", *names]}))
    slms = next(rs for rs in library.rule_sets if rs.id == "slms")
    scored = CohortScorer(library.fields, [slms]).score(
        from_arrow(table, ["histology", *names], [], 1))
    rejected = {r.row for r in scored.rejections}
    by_row = dict(zip(scored.table.column("row").to_pylist(),
                      zip(scored.table.column("slms.status").to_pylist(),
                          scored.table.column("slms.score").to_pylist(), strict=True),
                      strict=True))
    for number, row in enumerate(cells, start=1):
        text = "histology: leiomyosarcoma\n" + "".join(
            f"{name}: {_yaml_scalar(cell)}\n" for name, cell in zip(names, row, strict=True))
        got = outcome(text, library)
        if isinstance(got, InputError):
            assert number in rejected, (row, str(got))
            continue
        assert number not in rejected, (row, scored.rejections)
        result = next(r for r in comparator.evaluate(got) if r.rule_set == "slms")
        assert by_row[number] == (result.status, result.score), row


def _yaml_scalar(cell: str) -> str:
    """A cell as a patient file would give it: as written, quoted only where YAML would not
    read it as that text (cohort cells are always text)."""
    if cell.strip() == "" or re.search(r"[:#'\"\[\]{},&*!|>%@`]|^[-?]|^\s|\s$", cell):
        return "'" + cell.replace("'", "''") + "'"
    return cell
