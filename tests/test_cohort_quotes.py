"""Quoted CSV cells (review of the cohort reader): a quoted cell over line ends is one value
and the rows after it keep their numbers and lines; a quote not closed where it should be
(the rest of the file, or a ragged row, or a cell past the limits, read as one cell) stops
the run with exit 2 naming the line it opened on, and nothing is written. A value quoted on
stderr is cut to 60 characters."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pyarrow as pa
import pyarrow.csv as pcsv
import pytest
from test_cohort_faults import assert_only_rejection, cohort, errors_of, scored_ids

from prognosis.cli.app import ExitCode
from prognosis.engine.cohort.reader import BATCH_ROWS, MAX_CELL_BYTES, _Screened
from prognosis.engine.errors import InputError

HEADER = "id,histology,lung_metastasis_count"
FIX = 'nothing was written. Close the quote, or write a quote that is part of a value twice ("").'


def unclosed(name: str, line: int, row: int, until: str, lines: str) -> str:
    return (f"error: {name}:{line}: row {row}: a quote opened on this line is not closed before "
            f"{until}, so {lines} read as one cell; {FIX}\n")


def reviewer_file(path: Path, after: int) -> Path:
    """The review's reproduction: rows 1-9, row 10 opens a quote it never closes, then
    `after` more rows."""
    with path.open("w") as out:
        out.write(f"{HEADER}\n")
        out.writelines(f"{i},LMS,3\n" for i in range(1, 10))
        out.write('10,"LMS,3\n')
        out.writelines(f"{i},LMS,3\n" for i in range(11, 11 + after))
    return path


def run_to(tmp_path: Path, source: Path) -> tuple[int, str, str]:
    before = sorted(os.listdir(tmp_path))
    code, out, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                            str(tmp_path / "errors.csv"))
    if code == ExitCode.BAD_INPUT:
        assert sorted(os.listdir(tmp_path)) == before  # no output, no half --errors, no .part
    return code, out, err


# -- a quote not closed stops the run -------------------------------------------------------

@pytest.mark.parametrize("after", [19_990, 99_990], ids=["one read", "past the row limit"])
def test_the_reviewers_unclosed_quote_stops_the_run(tmp_path: Path, after: int) -> None:
    """Before: 19,990 rows vanished into row 10's cell (exit 3, 'row 10: line 11: 2
    cell(s)...'), and with 99,990 pyarrow's 'CSV parser got out of sync with chunker'
    reached the user with no line."""
    source = reviewer_file(tmp_path / "q.csv", after)
    code, out, err = run_to(tmp_path, source)
    assert code == ExitCode.BAD_INPUT
    assert err == unclosed(str(source), 11, 10, "the end of the file",
                           f"lines 11 to {after + 11} were")
    assert out == ""


def test_an_unclosed_quote_in_a_later_batch_names_its_line(tmp_path: Path) -> None:
    rows = BATCH_ROWS * 2 + 20_000
    at = BATCH_ROWS + 20_000  # the middle of the second batch, far past the first reads
    lines = [f"p{i},LMS,3" for i in range(1, rows + 1)]
    lines[at - 1] = f'p{at},"LMS,3'
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *lines]) + "\n")
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.BAD_INPUT
    assert err == unclosed(str(source), at + 1, at, "the end of the file",
                           f"lines {at + 1} to {rows + 1} were")


def test_a_quote_closed_too_late_makes_a_ragged_row_and_stops_the_run(tmp_path: Path) -> None:
    """The quote of row 60,000 closes four lines down, in a row of four cells: those lines
    were one cell, and every row number after it would be off by 4."""
    rows, at = 100_000, 60_000
    lines = [f"p{i},LMS,3" for i in range(1, rows + 1)]
    lines[at - 1] = f'p{at},"LMS,3'
    lines[at + 3] = f'p{at + 4},LMS",3,4'
    source = tmp_path / "in.csv"
    source.write_text("\n".join([HEADER, *lines]) + "\n")
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.BAD_INPUT
    assert err == unclosed(str(source), at + 1, at, f"line {at + 5}",
                           f"lines {at + 1} to {at + 5} were")


@pytest.mark.parametrize("end", ["\n", ""], ids=["line end", "no line end"])
def test_an_unclosed_quote_on_the_last_line(tmp_path: Path, end: str) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\n1,LMS,3\n2,LMS,\"3{end}")
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.BAD_INPUT
    assert err == unclosed(str(source), 3, 2, "the end of the file", "the rest of the line was")


def test_a_quoted_cell_over_lines_past_the_cell_limit_stops_the_run(tmp_path: Path) -> None:
    """Closed and in a row of three cells, but 70 KiB over 7,001 lines: the quote was
    almost surely closed too late."""
    source = tmp_path / "in.csv"
    note = "\n".join(["x" * 9] * 7_001)
    assert len(note) > MAX_CELL_BYTES
    source.write_text(f"{HEADER}\n1,LMS,3\n2,LMS,\"{note}\"\n3,LMS,3\n")
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.BAD_INPUT
    assert err == unclosed(str(source), 3, 2, "line 7003", "lines 3 to 7003 were")


def test_a_ragged_row_without_a_quote_over_lines_still_rejects_only_itself(
        tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f'{HEADER}\n1,LMS,3\n2,"LMS",3,4\n3,LMS,3\n')
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.REJECTED_ROWS, err
    assert [(r["row"], r["message"]) for r in errors_of(tmp_path / "errors.csv")] == [
        ("2", "line 3: 4 cell(s) where the header has 3; the row is not scored")]


# -- a quoted cell over line ends is read -------------------------------------------------------

@pytest.mark.parametrize("eol", ["\n", "\r\n"], ids=["LF", "CRLF"])
def test_a_quoted_cell_over_lines_is_read_and_later_lines_stay_right(tmp_path: Path,
                                                                      eol: str) -> None:
    lines = [f"{HEADER},note",
             'p1,LMS,3,"first line' + eol + 'a ""quoted"" word' + eol + 'third"',  # lines 2-4
             "",                                                                   # 5: blank
             "p2,LMS,3,12\" long",                                                # 6
             "p3,LMS",                                                             # 7: ragged
             '"p4' + eol + 'x",LMS,3,n4',                                          # 8-9
             "p5,LMS"]                                                             # 10: ragged
    source = tmp_path / "in.csv"
    source.write_bytes(eol.join(lines).encode() + eol.encode())
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--keep", "note",
                          "--errors", str(tmp_path / "errors.csv"))
    assert code == ExitCode.REJECTED_ROWS, err
    assert [(r["row"], r["message"]) for r in errors_of(tmp_path / "errors.csv")] == [
        ("3", "line 7: 2 cell(s) where the header has 4; the row is not scored"),
        ("5", "line 10: 2 cell(s) where the header has 4; the row is not scored")]
    table = pcsv.read_csv(tmp_path / "out.csv", parse_options=pcsv.ParseOptions(
        newlines_in_values=True)).select(["row", "id", "note"])
    assert table.to_pylist() == [
        {"row": 1, "id": "p1", "note": f'first line{eol}a "quoted" word{eol}third'},
        {"row": 2, "id": "p2", "note": '12" long'},
        {"row": 4, "id": f"p4{eol}x", "note": "n4"}]


def test_quoted_cells_over_lines_across_every_read_keep_every_row_number(
        tmp_path: Path) -> None:
    """A cell over lines every 997 rows of 120,000 (~6 MB): some sit across a 256 KiB read,
    where pyarrow's chunker, cutting at line ends, lost sync ('CSV parser got out of sync')."""
    rows = 120_000
    lines = [f'p{i},LMS,3,"a' + "\n" * (i % 3 + 1) + 'b"' if i % 997 == 0 else f"p{i},LMS,3,"
             for i in range(1, rows + 1)]
    lines[-1] = "ragged"
    source = tmp_path / "in.csv"
    source.write_text("\n".join([f"{HEADER},note", *lines]) + "\n")
    extra = sum(i % 3 + 1 for i in range(997, rows, 997))
    assert_only_rejection(tmp_path, source, rows, (
        str(rows), f"line {rows + 1 + extra}: 1 cell(s) where the header has 4; the row is "
        "not scored"))


@pytest.mark.parametrize("read_size", [5, 64, 1 << 16])
def test_rows_and_lines_are_counted_as_pyarrow_reads_them(read_size: int) -> None:
    """`_Screened` gives pyarrow whole rows and knows the line each starts on, whatever
    its reads cut: quotes inside an unquoted cell, "" inside a quoted one, blank lines,
    lone \\r and \\r\\n line ends."""
    body = (b'1,"a\nb",c\n\n2,x"y,"z""\r\n"\r\n\r\n3,"",""""\r4,"p,q"r",s\n5,6,7')
    screened = _Screened(b"a,b,c\n", io.BufferedReader(io.BytesIO(body)), 3,
                         read_size=read_size)
    given = bytearray()
    buffer = bytearray(1 << 16)
    while n := screened.readinto(buffer):
        given += buffer[:n]
    assert bytes(given) == b"a,b,c\n" + body
    table = pcsv.read_csv(io.BytesIO(bytes(given)), convert_options=pcsv.ConvertOptions(
        column_types=dict.fromkeys("abc", pa.binary())),
        parse_options=pcsv.ParseOptions(newlines_in_values=True))
    assert table.column("a").to_pylist() == [b"1", b"2", b"3", b"4", b"5"]
    assert screened.rows == 5
    assert [screened.line_of(row) for row in range(1, 6)] == [2, 5, 8, 9, 10]


@pytest.mark.parametrize("read_size", [5, 1 << 16])
def test_a_quote_open_at_the_end_is_an_error_whatever_the_reads(read_size: int) -> None:
    body = b'1,a,b\n2,"x\n3,c,d\n'
    screened = _Screened(b"a,b,c\n", io.BufferedReader(io.BytesIO(body)), 3, "in.csv",
                         read_size=read_size)
    with pytest.raises(InputError) as caught:
        while screened.readinto(bytearray(1 << 16)):
            pass
    assert str(caught.value) == ("in.csv:3: row 2: a quote opened on this line is not closed "
                                 "before the end of the file, so lines 3 to 4 were read as one "
                                 f"cell; {FIX}")


# -- values on stderr are cut -------------------------------------------------------------

def test_a_rejected_value_on_stderr_is_cut_to_60_characters(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text(f"{HEADER}\n1,LMS,3\n2,{'x' * 5_000},3\n")
    code, _, err = cohort(str(source), "--errors", str(tmp_path / "errors.csv"))
    assert code == ExitCode.REJECTED_ROWS
    cut = repr("x" * 60) + "... (5,000 characters)"
    first = err.splitlines()[0]
    assert first.startswith(f"rejected: row 2: field 'histology' = {cut}: {cut} is not "
                            "allowed; allowed: ")
    assert len(first) < 600
    assert errors_of(tmp_path / "errors.csv")[0]["value"] == "x" * 5_000  # the file: whole
    code, _, err = cohort(str(source), "--strict")
    assert code == ExitCode.BAD_INPUT
    assert err.rstrip().endswith(f"(value {cut})")


# -- a quoted cell over line ends is read, and said ------------------------------------------

def test_a_quote_closed_too_late_at_the_same_cell_is_warned_of(tmp_path: Path) -> None:
    """A reviewer's case the rule above cannot refuse: the stray closing quote ends a later
    line at the cell where the open one was, so the row has the header's cells and p2 is
    read into p1's note. It is not silent: the rows holding such a cell are named."""
    source = tmp_path / "in.csv"
    source.write_text('id,histology,note\np1,lms,"abc\np2,lms,ok"\np3,lms,ok\n')
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.OK, err
    assert scored_ids(tmp_path / "out.csv") == [("1", "p1"), ("2", "p3")]
    assert (f"warning: {source}: 1 row(s) hold a quoted cell over several lines (row 1, "
            "lines 2-3); if a quote was not closed where it should be, the lines up to the "
            "next quote were read into that cell: check those rows") in err.splitlines()


def test_the_warning_counts_every_such_row_and_names_the_first_three(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    rows = [f'p{i},lms,"line one\nline two"' if i % 2 else f"p{i},lms,plain"
            for i in range(1, 11)]
    source.write_text("id,histology,note\n" + "\n".join(rows) + "\n")
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.OK, err
    assert (f"warning: {source}: 5 row(s) hold a quoted cell over several lines (row 1, "
            "lines 2-3; row 3, lines 5-6; row 5, lines 8-9, ...);") in err


def test_no_warning_without_a_cell_over_line_ends(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text('id,histology,note\np1,lms,"a, b"\np2,lms,"say ""hi"""\n')
    code, _, err = run_to(tmp_path, source)
    assert code == ExitCode.OK, err
    assert "quoted cell over several lines" not in err
