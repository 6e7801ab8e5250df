"""Cohort faults (issue 11, item 3): outputs never overwrite the input or each other; a bad
row (ragged, undecodable, oversize, a duplicate JSON key) rejects that row, not the file;
a corrupt container is exit 2 with a message; stale `.part` files are removed."""

from __future__ import annotations

import csv
import gzip
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from test_cli_compare import run

from prognosis.cli.app import ExitCode
from prognosis.engine.cohort.reader import DICTIONARY_GROUP_ROWS, MAX_CELL_BYTES, MAX_LINE_BYTES

HEADER = "id,histology,lung_metastasis_count,lung_metastasis_max_diameter,disease_free_interval"
GOOD = ["a,leiomyosarcoma,8,22 mm,300 days", "b,lms,1,15 mm,800 days"]


def cohort(*args: str) -> tuple[int, str, str]:
    return run("cohort", *args, "--workers", "1", "--quiet")


def errors_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def scored_ids(path: Path) -> list[tuple[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return [(r["row"], r["id"]) for r in csv.DictReader(handle)]


def assert_only_rejection(tmp_path: Path, source: Path, rows: int,
                          rejected: tuple[str, str]) -> None:
    """Scoring `source` (rows with ids p1, p2, ...) rejects one row, `rejected` (row, message),
    and writes every other under its own row number."""
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                          str(tmp_path / "errors.csv"))
    assert code == ExitCode.REJECTED_ROWS, err
    assert [(r["row"], r["message"]) for r in errors_of(tmp_path / "errors.csv")] == [rejected]
    scored = scored_ids(tmp_path / "out.csv")
    assert len(scored) == rows - 1
    assert [(row, name) for row, name in scored if name != f"p{row}"] == []


# -- outputs that would overwrite the input or each other --------------------------------

@pytest.mark.parametrize("args", [
    ("-o", "{input}"), ("--errors", "{input}"), ("-o", "{dir}/s.csv", "--errors", "{dir}/s.csv"),
    ("-o", "{dir}/s.csv", "--errors", "{dir}/./sub/../s.csv"), ("-o", "{link}"),
])
def test_an_output_that_is_the_input_or_the_other_output_is_refused(
        tmp_path: Path, args: tuple[str, ...]) -> None:
    source = tmp_path / "reg.csv"
    source.write_text("\n".join([HEADER, *GOOD]) + "\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "link.csv").symlink_to(source)
    before = sorted(os.listdir(tmp_path))
    filled = [a.format(input=source, dir=tmp_path, link=tmp_path / "link.csv") for a in args]
    code, _, err = cohort(str(source), *filled)
    assert code == ExitCode.BAD_INPUT
    assert "is the same file as" in err and "nothing was written" in err
    assert sorted(os.listdir(tmp_path)) == before
    assert source.read_text() == "\n".join([HEADER, *GOOD]) + "\n"


# -- a bad row rejects the row --------------------------------------------------------------

def test_ragged_undecodable_and_oversize_rows_are_rejected_one_by_one(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    with source.open("wb") as out:
        out.write(f"{HEADER}\n{GOOD[0]}\n".encode())
        out.write(b"r,lms,1\n")                                      # 2: ragged
        out.write(b"c,leiomyosarcoma,2,10 mm,100 days\n")   # 3
        out.write(b"d,leiomyosarc\xf3ma,2,10 mm,100 days\n")       # 4: latin-1
        out.write(f"e,lms,2,{'9' * (MAX_CELL_BYTES + 1)},1 days\n".encode())  # 5: cell
        out.write(f"f,lms,{'8' * (MAX_LINE_BYTES + 10)}\n".encode())  # 6: line
        out.write(f"{GOOD[1]}\n".encode())                          # 7
    code, out, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                            str(tmp_path / "errors.csv"))
    assert code == ExitCode.REJECTED_ROWS, err
    assert "rows read 7, scored 3, rejected 4" in out
    assert scored_ids(tmp_path / "out.csv") == [("1", "a"), ("3", "c"), ("7", "b")]
    rejected = errors_of(tmp_path / "errors.csv")
    assert [(r["row"], r["field"]) for r in rejected] == [
        ("2", ""), ("4", "histology"), ("5", "lung_metastasis_max_diameter"), ("6", "")]
    assert rejected[0]["message"] == "line 3: 3 cell(s) where the header has 5; the row is " \
        "not scored"
    assert "not text in the file's encoding" in rejected[1]["message"]
    assert "--encoding" in rejected[1]["message"]
    assert rejected[2]["message"] == "a cell longer than 64 KiB; the row is not scored"
    assert rejected[3]["message"] == "line 7: longer than 512 KiB; the row is not scored"


@pytest.mark.parametrize("bad_cell", [b"leiomyosarc\xf3ma", ("x" * (MAX_CELL_BYTES + 1)).encode()],
                         ids=["not UTF-8", "too long"])
def test_a_rejected_rows_other_values_are_never_read(tmp_path: Path, bad_cell: bytes) -> None:
    """A row the reader rejects is never scored: its bare 18 (no unit) must not refuse the
    file, as it would if a scored row had it, nor reach a rejection message. (Field
    columns are screened as dictionaries: a batch's dictionary holds the rejected row's
    values too.)"""
    source = tmp_path / "in.csv"
    header = "id,histology,lung_metastasis_count,lung_metastasis_max_diameter"
    with source.open("wb") as out:
        out.write(f"{header}\na,leiomyosarcoma,2,22 mm\n".encode())
        out.write(b"z," + bad_cell + b",3,18\n")  # row 2: the only bare number
        out.write(b"c,lms,1,15 mm\n")
    code, out, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                            str(tmp_path / "errors.csv"))
    assert code == ExitCode.REJECTED_ROWS, err
    assert "bare numbers" not in err
    assert "rows read 3, scored 2, rejected 1" in out
    assert scored_ids(tmp_path / "out.csv") == [("1", "a"), ("3", "c")]
    assert [(r["row"], r["field"]) for r in errors_of(tmp_path / "errors.csv")] == [
        ("2", "histology")]


def test_a_bare_number_is_refused_in_its_own_row_when_a_row_group_spans_batches(
        tmp_path: Path) -> None:
    """Parquet's field columns are read as dictionaries, each covering its whole row group:
    the first batch of a 40,000-row group holds the later row's bare 18 among its values
    while no row of its own has it. The file is refused at the row that has it (as
    `_bare_problem` says), not at the first batch's row 1; the rows before it are scored."""
    rows = 40_000  # one row group, more than a Parquet batch (PARQUET_BATCH_ROWS)
    diameters = ["22 mm"] * rows
    diameters[35_000 - 1] = "18"
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(1, rows + 1)],
                             "histology": ["leiomyosarcoma"] * rows,
                             "lung_metastasis_max_diameter": diameters}), source,
                   row_group_size=rows)
    assert pq.ParquetFile(source).metadata.num_row_groups == 1
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.BAD_INPUT, err
    assert "column 'lung_metastasis_max_diameter' has bare numbers ('18' in row 35000)" in err
    assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("rows", [100, DICTIONARY_GROUP_ROWS])
def test_a_dictionary_index_outside_its_dictionary_is_a_damaged_file(tmp_path: Path,
                                                                     rows: int) -> None:
    """pyarrow does not check the indices of a column it reads as a dictionary (row groups
    of DICTIONARY_GROUP_ROWS or more): a Parquet dictionary page that says it holds fewer
    values than the rows use is refused (exit 2, nothing written), as reading it as text
    (smaller row groups) refuses it, never scored as blanks (exit 3) or an IndexError."""
    histology = ["lms" if i % 2 else "ups" for i in range(rows - 10)] + [
        "synovial_sarcoma", "osteosarcoma", "angiosarcoma", "liposarcoma", "myxofibrosarcoma",
        "leiomyosarcoma", "other", "rhabdomyosarcoma", "lms", "ups"]
    good = tmp_path / "good.parquet"
    pq.write_table(pa.table({"id": [f"p{i}" for i in range(rows)], "histology": histology}),
                   good, compression="NONE", write_page_checksum=False,
                   write_statistics=False)
    at = pq.ParquetFile(good).metadata.row_group(0).column(1).dictionary_page_offset
    data = bytearray(good.read_bytes())
    assert data[at + 9:at + 11] == b"\x15\x14"  # the page header's count: 10 values
    for count in (0x12, 0x08):  # 9 values (the last is the empty slot), 4 (beyond it)
        data[at + 10] = count
        source = tmp_path / "damaged.parquet"
        source.write_bytes(bytes(data))
        code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
        assert code == ExitCode.BAD_INPUT, err
        assert "not readable as Parquet: " + (
            "column 'histology': a value refers to no entry of its dictionary (a damaged "
            "file?)" if rows >= DICTIONARY_GROUP_ROWS else "Index not in dictionary bounds") \
            in err
        assert not (tmp_path / "out.csv").exists()


@pytest.mark.parametrize("column", ["histology", "id", "site_code"])
def test_text_that_is_not_utf8_in_a_parquet_text_column_rejects_its_row(tmp_path: Path,
                                                                       column: str) -> None:
    """A Parquet UTF8 column may hold bytes that are not UTF-8: the row is rejected with the
    reader's message, the others scored (it was an internal error, exit 70), whether the
    column is a field, the id or a kept one (those two were written through unchecked)."""
    source = tmp_path / "in.parquet"
    good = {"id": [b"a", b"b", b"c", b"d"], "histology": [b"lms", b"lms", b"ups", b"lms"],
            "site_code": [b"C49", b"C49", b"C40", b"C49"]}
    good[column][1] += b"\xff"
    pq.write_table(pa.table({name: pa.array(values).view(pa.string())
                             for name, values in good.items()}), source)
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                          str(tmp_path / "errors.csv"), "--keep", "site_code")
    assert code == ExitCode.REJECTED_ROWS, err
    assert scored_ids(tmp_path / "out.csv") == [("1", "a"), ("3", "c"), ("4", "d")]
    shown = {"id": "b\\xff", "histology": "lms\\xff", "site_code": "C49\\xff"}[column]
    assert [(r["row"], r["field"], r["value"]) for r in errors_of(tmp_path / "errors.csv")] \
        == [("2", column, shown)]


@pytest.mark.parametrize("kind", ["csv", "parquet"])
def test_a_bare_number_is_refused_at_the_first_row_that_has_one(tmp_path: Path, kind: str
                                                                ) -> None:
    """The refusal names the first scored row with a bare number, whatever the order of the
    column's dictionary: a row the reader rejected (CSV: its bytes) or a category order
    (Parquet) put another value first."""
    header = "id,histology,lung_metastasis_count,lung_metastasis_max_diameter"
    if kind == "csv":
        source = tmp_path / "in.csv"
        source.write_bytes(f"{header}\n".encode() + b"p1,lms\xff,3,5\np2,lms,3,7\np3,lms,3,5\n")
        expected = "('7' in row 2)"
    else:
        source = tmp_path / "in.parquet"  # a row group read as a dictionary: "12" first
        rows = DICTIONARY_GROUP_ROWS
        diameters = pa.DictionaryArray.from_arrays(
            pa.array([1, 0] + [1] * (rows - 2), pa.int32()), pa.array(["12", "5"]))
        pq.write_table(pa.table({"id": [f"p{i}" for i in range(rows)],
                                 "histology": ["lms"] * rows,
                                 "lung_metastasis_max_diameter": diameters}), source,
                       store_schema=False)
        expected = "('5' in row 1)"
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.BAD_INPUT, err
    assert f"column 'lung_metastasis_max_diameter' has bare numbers {expected}" in err


@pytest.mark.parametrize("ragged", [5, 60_000, 100_000, 140_001])
def test_a_ragged_line_in_any_block_keeps_every_row_number(tmp_path: Path, ragged: int) -> None:
    """pyarrow reads ahead: the bad line of a later block was reported before the rows in
    front of it were given out, and was placed too early, shifting every row between by
    one (a ragged line at row 30,000 was reported as row 28,626). Row numbers are how
    results are joined back to the input: each must be its line's."""
    rows = 150_000  # ~3 MB: several of the reader's 1 MiB blocks
    source = tmp_path / "in.csv"
    lines = [f"p{i},leiomyosarcoma,2,10 mm,100 days" for i in range(1, rows + 1)]
    lines[ragged - 1] = f"p{ragged},lms,1"
    source.write_text("\n".join([HEADER, *lines]) + "\n")
    assert_only_rejection(tmp_path, source, rows, (
        str(ragged), f"line {ragged + 1}: 3 cell(s) where the header has 5; the row is not "
        "scored"))


def test_batches_are_whole_but_for_the_last_and_those_cut_by_a_bad_line(
        tmp_path: Path) -> None:
    """pyarrow's blocks do not end on a batch: the rows over a whole batch wait for the
    next one (a batch of 334 rows after each of 50,000 once cost the scorer a batch's fixed
    work for nothing); only a rejected row or the end cuts a batch short."""
    from prognosis.engine.cohort.reader import CohortInput
    from prognosis.engine.loader import load_library

    rows = 25_000
    source = tmp_path / "in.csv"
    lines = [f"p{i},leiomyosarcoma,2,10 mm,100 days" for i in range(1, rows + 1)]
    lines[17_000] = "p17001,lms,1"  # ragged: rejected by the reader
    source.write_text("\n".join([HEADER, *lines]) + "\n")
    cohort_input = CohortInput(str(source), load_library().fields)
    try:
        sizes = [(c.first_row, c.n, bool(c.rejections)) for c in cohort_input.chunks(4_000)]
    finally:
        cohort_input.close()
    assert sizes == [(1, 4_000, False), (4_001, 4_000, False), (8_001, 4_000, False),
                     (12_001, 4_000, False), (16_001, 1_000, False), (17_001, 1, True),
                     (17_002, 4_000, False), (21_002, 3_999, False)]


def test_runs_of_bad_json_lines_are_one_chunk_each(tmp_path: Path) -> None:
    """Consecutive bad lines make one chunk of rejected rows (up to a batch's rows), not
    one each: a file of a million bad lines once queued a million chunks ahead."""
    from prognosis.engine.cohort.reader import CohortInput
    from prognosis.engine.loader import load_library

    good = '{"id": "p%d", "histology": "lms"}'
    lines = [good % 1, *(["[1]"] * 7), good % 9, good % 10, "[1]", good % 12]
    source = tmp_path / "in.jsonl"
    source.write_text("\n".join(lines) + "\n")
    cohort_input = CohortInput(str(source), load_library().fields)
    try:
        chunks = [(c.first_row, c.n, bool(c.rejections)) for c in cohort_input.chunks(3)]
    finally:
        cohort_input.close()
    assert chunks == [(1, 1, False), (2, 3, True), (5, 3, True), (8, 1, True),
                      (9, 2, False), (11, 1, True), (12, 1, False)]


def test_a_kept_column_named_like_an_output_column_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,histology,lung_metastasis_count,slms.status\np1,lms,1,foo\n")
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--keep",
                          "slms.status")
    assert code == ExitCode.BAD_INPUT
    assert err.strip() == (f"error: {source}: --keep slms.status: the output has a column "
                           "of that name already; rename it in the input to keep it")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_with_encoding_the_latin1_row_is_read(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(f"{HEADER}\n".encode() + b"d,leiomyosarc\xf3ma,2,10 mm,100 days\n")
    code, _, err = cohort(str(source), "--errors", str(tmp_path / "e.csv"))
    assert code == ExitCode.REJECTED_ROWS
    code, _, err = cohort(str(source), "--encoding", "latin-1", "--errors",
                          str(tmp_path / "e.csv"))
    assert code == ExitCode.REJECTED_ROWS  # decoded now, and refused as a histology
    assert "'leiomyosarcóma' is not allowed (did you mean 'leiomyosarcoma'?)" in err
    code, _, err = cohort(str(source), "--encoding", "klingon")
    assert code == ExitCode.BAD_INPUT and "unknown encoding 'klingon'" in err


def test_cr_only_line_endings(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_bytes(("\r".join([HEADER, *GOOD]) + "\r").encode())
    code, _out, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.OK, err
    assert scored_ids(tmp_path / "out.csv") == [("1", "a"), ("2", "b")]


@pytest.mark.parametrize(("line", "field", "message"), [
    ('{"id": "x", "histology": "osteosarcoma", "histology": "leiomyosarcoma"}', "histology",
     "line 2: not valid JSON: duplicate key 'histology'; the row is not scored"),
    ('{"id": "x", "lung_metastasis_count": NaN}', "",
     "line 2: not valid JSON: NaN is not a number JSON allows; the row is not scored"),
    ('{"id": "x", "lung_metastasis_count": [1, 2]}', "lung_metastasis_count",
     "line 2: a cell must be a single value, not a list or an object; the row is not scored"),
    ('{"id": "x", ', "", "line 2: not valid JSON"),
    ('["x"]', "", "line 2: each line must be a JSON object; the row is not scored"),
])
def test_a_bad_json_line_rejects_that_row(tmp_path: Path, line: str, field: str,
                                          message: str) -> None:
    source = tmp_path / "in.jsonl"
    source.write_text('{"id": "a", "histology": "leiomyosarcoma", "lung_metastasis_count": 2}\n'
                      f"{line}\n"
                      '{"id": "b", "histology": "leiomyosarcoma", "lung_metastasis_count": 3}\n')
    code, _out, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                            str(tmp_path / "errors.csv"))
    assert code == ExitCode.REJECTED_ROWS, err
    assert scored_ids(tmp_path / "out.csv") == [("1", "a"), ("3", "b")]
    [rejected] = errors_of(tmp_path / "errors.csv")
    assert (rejected["row"], rejected["field"]) == ("2", field)
    assert rejected["message"].startswith(message)


# -- corrupt containers -------------------------------------------------------------------

def test_a_truncated_gzip_is_exit_2(tmp_path: Path) -> None:
    whole = gzip.compress(("\n".join([HEADER, *GOOD * 5000]) + "\n").encode())
    source = tmp_path / "in.csv.gz"
    source.write_bytes(whole[: len(whole) // 2])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.BAD_INPUT
    assert "corrupt or truncated gzip data" in err
    assert sorted(os.listdir(tmp_path)) == ["in.csv.gz"]


def test_a_corrupt_parquet_file_is_exit_2(tmp_path: Path) -> None:
    source = tmp_path / "in.parquet"
    table = pa.table({"id": [f"p{i}" for i in range(20_000)],
                      "lung_metastasis_count": [str(i % 9) for i in range(20_000)]})
    pq.write_table(table, source, compression="snappy", row_group_size=5_000)
    data = bytearray(source.read_bytes())
    middle = len(data) // 2
    data[middle:middle + 2000] = os.urandom(2000)
    source.write_bytes(bytes(data))
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.BAD_INPUT, err
    assert "Parquet" in err and "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == ["in.parquet"]


@pytest.mark.parametrize("column", [pa.array([[1, 2]], pa.list_(pa.int64())),
                                    pa.array([{"a": 1}], pa.struct([("a", pa.int64())]))])
def test_nested_parquet_columns_are_exit_2(tmp_path: Path, column: pa.Array) -> None:
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["x"], "lung_metastasis_count": column}), source)
    code, _, err = cohort(str(source))
    assert code == ExitCode.BAD_INPUT
    assert "nested Parquet column(s) 'lung_metastasis_count'" in err


def test_parquet_columns_with_a_unit_header_are_read(tmp_path: Path) -> None:
    """A Parquet column named with its unit ("... [mm]") is found under that name (it
    was looked up by its field name and the run failed with an internal error)."""
    source = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ["x"], "lung_metastasis_max_diameter [mm]": ["18"]}),
                   source)
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.OK, err
    nested = tmp_path / "nested.parquet"
    pq.write_table(pa.table({"id": ["x"], "lung_metastasis_max_diameter [mm]":
                             pa.array([[1, 2]], pa.list_(pa.int64()))}), nested)
    code, _, err = cohort(str(nested))
    assert code == ExitCode.BAD_INPUT
    assert "nested Parquet column(s) 'lung_metastasis_max_diameter [mm]'" in err


def test_a_fifo_as_input_is_refused_at_once(tmp_path: Path) -> None:
    fifo = tmp_path / "in.csv"
    os.mkfifo(fifo)
    code, _, err = cohort(str(fifo))
    assert code == ExitCode.BAD_INPUT
    assert err.strip() == (f"error: {fifo}: is a FIFO (named pipe), not a regular file; "
                           "pipe it to standard input with '-' instead")


def test_a_directory_as_input_is_named_so(tmp_path: Path) -> None:
    """Not told to pipe it to standard input, as a FIFO is (a reviewer's finding)."""
    (tmp_path / "in.csv").mkdir()
    code, _, err = cohort(str(tmp_path / "in.csv"))
    assert code == ExitCode.BAD_INPUT
    assert err.strip() == f"error: {tmp_path / 'in.csv'}: is a directory, not a file"


# -- stale temporary files -----------------------------------------------------------------

def test_a_killed_runs_part_file_is_removed_by_the_next_run(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *GOOD]) + "\n")
    dead = 2 ** 22 + 12_345  # above pid_max's default: no such process
    stale = tmp_path / f".out.csv.part-{dead}"
    stale.write_text("half a file")
    running = tmp_path / f".out.csv.part-{os.getppid()}"  # a live process's: left alone
    running.write_text("in progress")
    other = tmp_path / f".other.csv.part-{dead}"  # another output's: left alone
    other.write_text("x")
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.OK, err
    assert not stale.exists() and running.exists() and other.exists()


@pytest.mark.parametrize("end", [b"\n", b"\r\n", b"\r"], ids=["LF", "CRLF", "CR"])
def test_lines_after_an_oversize_line_keep_their_numbers(tmp_path: Path, end: bytes) -> None:
    """A reviewer's CRLF file counted the '\\n' after an oversize line as a blank line: the
    ragged rows after it were said one line too low."""
    source = tmp_path / "in.csv"
    rows = [HEADER.encode(), GOOD[0].encode(), b"p,lms," + b"8" * (MAX_LINE_BYTES + 10),
            b"r,lms,1", b"s,lms,2", GOOD[1].encode()]
    source.write_bytes(end.join(rows) + end)
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                          str(tmp_path / "errors.csv"))
    assert code == ExitCode.REJECTED_ROWS, err
    assert [(r["row"], r["message"]) for r in errors_of(tmp_path / "errors.csv")] == [
        ("2", "line 3: longer than 512 KiB; the row is not scored"),
        ("3", "line 4: 3 cell(s) where the header has 5; the row is not scored"),
        ("4", "line 5: 3 cell(s) where the header has 5; the row is not scored")]
