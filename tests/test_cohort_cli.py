"""`prognosis cohort` and `prognosis synth`: formats, bad rows, exit codes, atomic output."""

from __future__ import annotations

import csv
import errno
import gzip
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml
from test_cli_compare import compare_json, run

from prognosis.cli.app import ExitCode
from prognosis.engine.cohort.writer import atomic_path
from prognosis.engine.errors import InputError

HEADER = ("id,histology,lung_metastasis_count,lung_metastasis_max_diameter,"
          "disease_free_interval,extrapulmonary_metastases")
GOOD = [
    "a,leiomyosarcoma,8,22 mm,300 days,false",      # SLMS 3
    "b,lms,1,1.5 cm,24 months,",                    # 15 mm scores; 730.5 days does not
    "c,osteosarcoma,,,,true",                        # SLMS unknown count: incomplete
    "d,synovial sarcoma,0,,,false",                  # no lung metastases: SLMS not applicable
]


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cohort(*args: str, stdin: str | None = None) -> tuple[int, str, str]:
    return run("cohort", *args, "--workers", "1", "--quiet", stdin=stdin)


def test_jsonl_results_are_exactly_those_of_compare(tmp_path: Path) -> None:
    """--full rows are compare's results; compact rows the per-patient part of them, the
    static part once in the first line."""
    source = write(tmp_path / "in.csv", [HEADER, *GOOD])
    code, out, err = cohort(str(source), "-o", str(tmp_path / "full.jsonl"), "--full")
    assert code == ExitCode.OK, err
    code, _, err = cohort(str(source), "-o", str(tmp_path / "compact.jsonl"))
    assert code == ExitCode.OK, err
    lines = [json.loads(x) for x in (tmp_path / "full.jsonl").read_text().splitlines()]
    header, *compact = [json.loads(x) for x in
                        (tmp_path / "compact.jsonl").read_text().splitlines()]
    assert header["format"] == "prognosis-cohort-compact/1"
    assert [(x["row"], x["id"]) for x in lines] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    assert [(x["row"], x["id"]) for x in compact] == [(1, "a"), (2, "b"), (3, "c"), (4, "d")]
    names = HEADER.split(",")
    for line, small, text in zip(lines, compact, GOOD, strict=True):
        patient = {k: v for k, v in zip(names, text.split(","), strict=True) if v}
        (tmp_path / "p.yaml").write_text(yaml.safe_dump(patient))
        results = compare_json(tmp_path / "p.yaml")["results"]
        assert line["results"] == results
        for result in results:
            static = header["rule_sets"][result["rule_set"]]
            assert [f["id"] for f in static["factors"]] == [f["id"] for f in result["factors"]]
            expected = {
                **{k: result[k] for k in ("status", "reasons", "score", "score_range", "group",
                                          "subgroup")},
                "factors": [f["present"] for f in result["factors"]],
                "caveats": [c["present"] for c in result["caveats"]],
                "estimates": {key: e["value"] for key, e in static["estimates"].items()
                              if e in result["estimates"]},
                "options": {"conditional_on": {a["field"]: a["value"]
                                               for a in result["conditional_on"]},
                            "options": [{"assumes": {a["field"]: a["value"]
                                                     for a in o["assumes"]},
                                         **{k: o[k] for k in ("status", "score", "score_range",
                                                              "group", "subgroup")},
                                         "estimates": {key: e["value"] for key, e in
                                                       static["estimates"].items()
                                                       if e in o["estimates"]}}
                                        for o in result["options"]]}
                if result["options"] or result["conditional_on"] else None}
            assert small["results"][result["rule_set"]] == {
                k: v for k, v in expected.items() if v is not None or k in ("status", "reasons")}
            assert static["title"] == result["title"]
    assert "rows read 4, scored 4, rejected 0" in out


def test_csv_output_columns_and_values(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER, *GOOD])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--study", "slms")
    assert code == ExitCode.OK, err
    with open(tmp_path / "out.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0]) == ["row", "id", "slms.status", "slms.score", "slms.score_min",
                             "slms.score_max", "slms.group", "slms.subgroup", "slms.unknown",
                             "slms.reasons", "slms.options", "slms.overall_survival_36m",
                             "slms.factor.dfi_under_2_years",
                             "slms.factor.max_diameter_15mm_or_more",
                             "slms.factor.six_or_more_metastases"]
    a, b, c, d = rows
    assert (a["slms.status"], a["slms.score"], a["slms.overall_survival_36m"]) == \
        ("complete", "3", "10.5")
    assert (b["slms.score"], b["slms.overall_survival_36m"]) == ("1", "63.2")
    assert c["slms.status"] == "incomplete" and c["slms.score"] == ""
    assert (c["slms.score_min"], c["slms.score_max"]) == ("0", "3")
    assert c["slms.unknown"] == "dfi_under_2_years;max_diameter_15mm_or_more;six_or_more_metastases"
    assert [r["slms.factor.max_diameter_15mm_or_more"] for r in rows] == ["true", "true", "",
                                                                         ""]
    # The lung resection is undecided: the figures assume it (SLMS operated on everyone).
    assert json.loads(a["slms.options"]) == {
        "conditional_on": {"pulmonary_metastasectomy": True}, "options": []}
    assert d["slms.status"] == "not_applicable"
    assert "lung_metastasis_count is 0" in d["slms.reasons"]
    # Its DFI and nodule size are unknown (null factors), but nothing is to be collected
    # for a study that does not apply: no `unknown` list (it named them before).
    assert (d["slms.factor.dfi_under_2_years"], d["slms.unknown"]) == ("", "")


def test_parquet_output_is_typed(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER, *GOOD])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.parquet"))
    assert code == ExitCode.OK, err
    table = pq.read_table(tmp_path / "out.parquet")
    assert table.schema.field("row").type == pa.int64()
    assert table.schema.field("slms.score").type == pa.int64()
    assert table.schema.field("slms.overall_survival_36m").type == pa.float64()
    assert table.column("slms.score").to_pylist() == [3, 1, None, None]
    assert table.column("liu-2022.status").to_pylist()[2] == "incomplete"


def test_bad_rows_are_listed_and_the_others_written(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER, GOOD[0], "x,lms,2,3 in,,", GOOD[1],
                                         "y,banana,-1,,,"])
    errors = tmp_path / "errors.csv"
    code, out, err = cohort(str(source), "-o", str(tmp_path / "out.csv"), "--errors",
                            str(errors))
    assert code == ExitCode.REJECTED_ROWS == 3
    assert ("rejected: row 2: field 'lung_metastasis_max_diameter' = '3 in': unit 'in' is "
            "not a length unit; allowed: mm, cm") in err
    assert "rejected: row 4: field 'histology' = 'banana'" in err
    assert "2 row(s) rejected; all of them are listed in" in err
    with open(errors, newline="") as handle:
        listed = list(csv.reader(handle))
    assert listed[0] == ["row", "field", "value", "message"]
    assert [r[:3] for r in listed[1:]] == [["2", "lung_metastasis_max_diameter", "3 in"],
                                           ["4", "histology", "banana"],
                                           ["4", "lung_metastasis_count", "-1"]]
    assert listed[3][3] == "must not be less than 0 (got '-1')"
    with open(tmp_path / "out.csv", newline="") as handle:
        assert [r["row"] for r in csv.DictReader(handle)] == ["1", "3"]
    assert "rows read 4, scored 2, rejected 2" in out


def test_only_the_first_20_rejections_are_printed(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER] + [f"r{i},lms,zero,,," for i in range(30)])
    code, _, err = cohort(str(source))
    assert code == ExitCode.REJECTED_ROWS
    assert err.count("rejected: row") == 20
    assert "30 row(s) rejected, the first 20 shown above; use --errors FILE" in err


def test_a_contradiction_between_fields_rejects_the_row(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", ["id,pathologic_fracture,bone_metastases",
                                         "a,true,false", "b,true,"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"))
    assert code == ExitCode.REJECTED_ROWS
    assert "row 1: field 'bone_metastases' = 'false': pathologic_fracture: true implies " \
        "bone_metastases: true, but bone_metastases is false" in err


@pytest.mark.parametrize("lines, args, message", [
    (None, (), "cannot read"),
    ([HEADER, *GOOD], ("-o", "out.txt"), "unknown output format"),
    (["name,age", "x,3"], (), "no patient field in the header"),
    ([HEADER + ",histolgy", GOOD[0] + ",x"], ("--strict",),
     "column 'histolgy' is not a patient field (did you mean 'histology'?)"),
    ([HEADER, *GOOD], ("--study", "nope"), "unknown rule set 'nope'"),
    ([HEADER, *GOOD], ("--keep", "nope"), "--keep nope: no such column"),
    ([HEADER, *GOOD], ("--keep", "id"), "--keep id: the output always has 'id'"),
    (["id,id,histology", "a,a,lms"], (), "column 'id' appears twice"),
    ([HEADER, GOOD[0], "x,lms,2,3 in,,"], ("--strict",), "row 2: unit 'in' is not a length"),
])
def test_unusable_input_exits_2_and_writes_nothing(tmp_path: Path, lines: list[str] | None,
                                                   args: tuple[str, ...], message: str) -> None:
    source = tmp_path / "in.csv"
    if lines is not None:
        write(source, lines)
    target = tmp_path / "out.csv"
    code, _, err = cohort(str(source), "-o", str(target), *args)
    assert code == ExitCode.BAD_INPUT, err
    assert message in err
    assert "Traceback" not in err
    assert sorted(os.listdir(tmp_path)) == (["in.csv"] if lines is not None else [])


def test_unknown_format_of_the_input(tmp_path: Path) -> None:
    code, _, err = cohort(str(write(tmp_path / "in.txt", [HEADER])))
    assert code == ExitCode.BAD_INPUT
    assert "unknown input format; use .csv, .csv.gz, .parquet or .jsonl" in err


def test_unknown_columns_are_reported_once_and_kept_on_request(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER + ",histolgy,site_code",
                                         GOOD[0] + ",x,C34", GOOD[1] + ",y,C40"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"), "--keep", "site_code")
    assert code == ExitCode.OK
    assert err.count("column 'histolgy' is not a patient field; did you mean 'histology'?") == 1
    with open(tmp_path / "o.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert list(rows[0])[:3] == ["row", "id", "site_code"]
    assert [r["site_code"] for r in rows] == ["C34", "C40"]


def test_stdin_gzip_jsonl_and_parquet_inputs_agree(tmp_path: Path) -> None:
    text = "\n".join([HEADER, *GOOD]) + "\n"
    outputs = {}
    code, _, err = cohort("-", "-o", str(tmp_path / "stdin.jsonl"), stdin=text)
    assert code == 0, err
    outputs["stdin"] = (tmp_path / "stdin.jsonl").read_text()
    with gzip.open(tmp_path / "in.csv.gz", "wt") as handle:
        handle.write(text)
    names = HEADER.split(",")
    with open(tmp_path / "in.jsonl", "w") as handle:
        for line in GOOD:
            record = {k: v for k, v in zip(names, line.split(","), strict=True) if v}
            if "lung_metastasis_count" in record:  # numbers as JSON numbers, as people write
                record["lung_metastasis_count"] = int(record["lung_metastasis_count"])
            handle.write(json.dumps(record) + "\n")
    pq.write_table(pa.table({n: [line.split(",")[i] or None for line in GOOD]
                             for i, n in enumerate(names)}), tmp_path / "in.parquet")
    for name in ("in.csv.gz", "in.jsonl", "in.parquet"):
        code, _, err = cohort(str(tmp_path / name), "-o", str(tmp_path / f"{name}.jsonl"))
        assert code == 0, err
        outputs[name] = (tmp_path / f"{name}.jsonl").read_text()
    assert len(set(outputs.values())) == 1


def test_two_worker_processes_write_the_same_file_as_one(tmp_path: Path) -> None:
    code, _, _ = run("synth", "3000", "--seed", "4", "-o", str(tmp_path / "s.csv"))
    assert code == 0
    for workers in ("1", "2"):
        code, _, err = run("cohort", str(tmp_path / "s.csv"), "-o",
                           str(tmp_path / f"w{workers}.csv"), "--workers", workers, "-q")
        assert code == 0, err
    assert (tmp_path / "w1.csv").read_bytes() == (tmp_path / "w2.csv").read_bytes()


def test_piped_summary_is_plain_text(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER, *GOOD])
    code, out, _ = cohort(str(source), "--study", "slms")
    assert code == 0
    assert out.splitlines()[:3] == [
        "rows read 4, scored 4, rejected 0",
        "SLMS (slms): complete 2, incomplete 1, not_applicable 1",
        "  score 1: 1; score 3: 1"]


def _prognosis() -> str:
    return str(Path(sys.executable).with_name("prognosis"))


def test_an_interrupted_run_leaves_no_output(tmp_path: Path) -> None:
    """Ctrl-C while rows are still coming: no file under the final name, no temporary."""
    target = tmp_path / "out.csv"
    process = subprocess.Popen([_prognosis(), "cohort", "-", "-o", str(target), "--workers",
                                "1"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, cwd=tmp_path)
    assert process.stdin is not None
    process.stdin.write(("\n".join([HEADER, *GOOD * 5000]) + "\n").encode())
    process.stdin.flush()
    deadline = time.monotonic() + 30
    while not any(p.name.startswith(".out.csv.part") for p in tmp_path.iterdir()):
        assert time.monotonic() < deadline, "the run never started writing"
        time.sleep(0.05)
    process.send_signal(signal.SIGINT)
    _, err = process.communicate(timeout=30)
    assert process.returncode != 0
    assert list(tmp_path.iterdir()) == []
    assert b"Traceback" not in err


def test_synth_is_reproducible_and_marked_synthetic(tmp_path: Path) -> None:
    for name, seed in (("a.csv", "7"), ("b.csv", "7"), ("c.csv", "8")):
        code, _, err = run("synth", "500", "--seed", seed, "-o", str(tmp_path / name))
        assert code == 0, err
    a, b, c = ((tmp_path / n).read_bytes() for n in ("a.csv", "b.csv", "c.csv"))
    assert a == b and a != c
    with open(tmp_path / "a.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["synthetic"] for r in rows} == {"true"}
    assert {"os_months", "death"} <= set(rows[0])


def _terminal_run(*args: str) -> tuple[int, str, str]:
    """Run with both consoles acting as terminals (as a user at a prompt sees it)."""
    import io

    from click.testing import CliRunner
    from rich.console import Console

    from prognosis.cli.app import App
    from prognosis.cli.main import cli

    out, err = io.StringIO(), io.StringIO()
    app = App(out=Console(file=out, width=120, force_terminal=True, no_color=True),
              err=Console(file=err, width=120, force_terminal=True, no_color=True))
    result = CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)
    return result.exit_code, out.getvalue(), err.getvalue()


def test_on_a_terminal_a_progress_bar_and_a_summary_table(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER, *GOOD])
    code, out, err = _terminal_run("cohort", str(source), "--workers", "1")
    assert code == 0
    assert "scoring" in err and "4 rows" in err and "rows/s" in err
    assert "Patients per study" in out and "score 3: 1" in out
    code, _, err = _terminal_run("cohort", str(source), "--workers", "1", "--quiet")
    assert code == 0 and "rows/s" not in err


def test_dates_derive_the_dfi_in_a_cohort_as_in_compare(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGNOSIS_TODAY", "2026-11-23")
    header = ("id,histology,lung_metastasis_count,lung_metastasis_max_diameter [mm],"
              "primary_resection_date,lung_metastasis_diagnosis_date,DFI [days]")
    source = write(tmp_path / "in.csv", [
        header,
        "a,lms,1,10 mm,2020-01-01,2021-12-30,",        # 729 days: < 2 years, 1 point
        "b,lms,1,10 mm,2020-01-01,2021-12-31,",        # 730 days: not under 2 years
        "c,lms,1,10 mm,2020-01-01,2021-12-31,400",     # given DFI disagrees with the dates
        "d,lms,1,10 mm,2020-01-01,2030-01-01,",        # a diagnosis in the future
    ])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.jsonl"), "--study", "slms",
                          "--full")
    assert code == ExitCode.REJECTED_ROWS
    lines = [json.loads(x) for x in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [(x["row"], x["results"][0]["score"]) for x in lines] == [(1, 1), (2, 0)]
    names = ["id", "histology", "lung_metastasis_count", "lung_metastasis_max_diameter",
             "primary_resection_date", "lung_metastasis_diagnosis_date"]
    for line, text in zip(lines, ["a,lms,1,10 mm,2020-01-01,2021-12-30",
                                  "b,lms,1,10 mm,2020-01-01,2021-12-31"], strict=True):
        patient = {k: v for k, v in zip(names, text.split(","), strict=True) if v}
        (tmp_path / "p.yaml").write_text(yaml.safe_dump(patient))
        assert line["results"] == compare_json(tmp_path / "p.yaml", "--study",
                                               "slms")["results"]
    rejected = [line for line in err.splitlines() if line.startswith("rejected: row")]
    assert rejected[0].startswith("rejected: row 3: field 'disease_free_interval'")
    assert "primary_resection_date" in rejected[0]
    assert rejected[1].startswith("rejected: row 4:") and "future" in rejected[1]


@pytest.mark.parametrize(("alp", "uln", "shown"), [
    ("1e200", "1e-200", "1e+200 / 1e-200"), ("1.7e308", "0.5", "1.7e+308 / 0.5")])
def test_an_overflowing_ratio_rejects_its_row_as_compare_refuses_it(
        tmp_path: Path, alp: str, uln: str, shown: str) -> None:
    """One row whose ALP / ULN overflows is rejected with compare's message; the others
    are scored (it once ended the whole run with durable_rules' error 309)."""
    source = write(tmp_path / "in.csv", ["id,histology,alkaline_phosphatase,"
                                         "alkaline_phosphatase_uln",
                                         f"1,osteosarcoma,{alp},{uln}",
                                         "2,osteosarcoma,300,100", "3,leiomyosarcoma,,"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.REJECTED_ROWS, err
    assert (f"rejected: row 1: field 'alkaline_phosphatase' = '{alp}': alkaline_phosphatase"
            f" / alkaline_phosphatase_uln is too large to compute ({shown})") in err
    rows = list(csv.DictReader((tmp_path / "out.csv").open()))
    assert [(r["row"], r["liu-2022.caveat.alp_over_2x_uln"]) for r in rows] == [
        ("2", "true"), ("3", "")]


def test_an_output_that_is_a_directory_is_refused_before_scoring(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER, *GOOD])
    (tmp_path / "out.csv").mkdir()
    code, _, err = cohort(str(source), "-o", str(tmp_path / "out.csv"))
    assert code == ExitCode.BAD_INPUT
    assert err.strip() == (f"error: {tmp_path / 'out.csv'}: is a directory; give the name "
                           "of a file to write")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "out.csv"]
    assert list((tmp_path / "out.csv").iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes in a read-only directory")
def test_an_output_directory_nobody_may_write_in_is_refused(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [HEADER, *GOOD])
    locked = tmp_path / "locked"
    locked.mkdir(mode=0o555)
    for option in ("-o", "--errors"):
        args = ["-o", str(tmp_path / "out.csv")] if option == "--errors" else []
        code, _, err = cohort(str(source), *args, option, str(locked / "x.csv"))
        assert code == ExitCode.BAD_INPUT
        assert err.strip() == (f"error: {locked / 'x.csv'}: cannot write here: "
                               "Permission denied")
    assert not (tmp_path / "out.csv").exists()


def test_synth_refuses_a_negative_seed(tmp_path: Path) -> None:
    code, _, err = run("synth", "10", "--seed", "-1", "-o", str(tmp_path / "s.csv"))
    assert code == ExitCode.BAD_INPUT
    assert "Invalid value for '--seed': -1 is not in the range x>=0." in err
    assert not (tmp_path / "s.csv").exists()


@pytest.mark.parametrize(("error", "said"), [
    (errno.ENOSPC, "No space left on device"), (errno.EDQUOT, "Disk quota exceeded")])
def test_a_full_disk_is_said_as_the_output_it_stopped(tmp_path: Path, error: int,
                                                       said: str) -> None:
    target = tmp_path / "out.csv"
    with pytest.raises(InputError) as caught, atomic_path(str(target)) as temporary:
        Path(temporary).write_text("half")
        raise OSError(error, os.strerror(error))
    assert [str(p) for p in caught.value.problems] == [f"{target}: cannot write: {said}"]
    assert list(tmp_path.iterdir()) == []


def test_other_errors_in_the_block_are_not_blamed_on_the_output(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError), atomic_path(str(tmp_path / "out.csv")):
        raise FileNotFoundError(errno.ENOENT, "input gone")
    assert list(tmp_path.iterdir()) == []
