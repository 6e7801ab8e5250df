"""Cohort headers: units declared once per column, names matched ignoring case and through
declared aliases, bare lengths and durations refused per column, outcome columns known."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from clirun import run

from prognosis.cli.app import ExitCode


def write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def cohort(*args: str) -> tuple[int, str, str]:
    return run("cohort", *args, "--workers", "1", "--quiet")


def slms(path: Path) -> list[dict[str, str]]:
    with open(path, newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize("header, cells, score", [
    ("lung_metastasis_max_diameter [mm],disease_free_interval [days]", "15,729", "2"),
    ("lung_metastasis_max_diameter [mm],disease_free_interval [days]", "14.9,730", "0"),
    ("lung_metastasis_max_diameter [cm],disease_free_interval [months]", "1.5,23.99", "2"),
    ("lung_metastasis_max_diameter [cm],DFI [years]", "1.49,2", "0"),
    ("Lung_Metastasis_Max_Diameter [MM],dfi [Days]", "15,729", "2"),
    # in parentheses, as registries often write it
    ("lung_metastasis_max_diameter (mm),DFI (days)", "15,729", "2"),
    ("lung_metastasis_max_diameter( cm ),disease_free_interval (months)", "1.49,24", "0"),
    # a cell with its own unit keeps it, whatever the header says
    ("lung_metastasis_max_diameter [cm],disease_free_interval [days]", "15 mm,2 years", "1"),
])
def test_a_declared_unit_reads_bare_numbers_in_it(tmp_path: Path, header: str, cells: str,
                                                 score: str) -> None:
    source = write(tmp_path / "in.csv", [f"id,histology,lung_metastasis_count,"
                                         f"pulmonary_metastasectomy,{header}",
                                         f"a,lms,2,true,{cells}"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"), "--study", "slms")
    assert code == ExitCode.OK, err
    assert slms(tmp_path / "o.csv")[0]["slms.score"] == score


def test_unit_option_declares_it_too(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", ["id,histology,lung_metastasis_count,"
                                         "pulmonary_metastasectomy,lung_metastasis_max_diameter",
                                         "a,lms,2,true,1.5"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"), "--study", "slms",
                          "--unit", "lung_metastasis_max_diameter=cm")
    assert code == ExitCode.OK, err
    assert slms(tmp_path / "o.csv")[0]["slms.factor.max_diameter_15mm_or_more"] == "true"


def test_bare_lengths_and_durations_without_a_unit_are_refused_per_column(
        tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [
        "id,histology,lung_metastasis_count,lung_metastasis_max_diameter,TFI,DFI",
        "a,lms,2,18 mm,14 months,400 days",
        "b,lms,2,25,14,400 days"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"))
    assert code == ExitCode.BAD_INPUT
    refused = [line for line in err.splitlines() if "has bare numbers" in line]
    assert len(refused) == 2, err
    assert "column 'lung_metastasis_max_diameter' has bare numbers ('25' in row 2)" in refused[0]
    assert "column 'TFI' has bare numbers ('14' in row 2)" in refused[1]
    assert "--unit treatment_free_interval=days" in refused[1]
    assert "Traceback" not in err
    assert os.listdir(tmp_path) == ["in.csv"]


@pytest.mark.parametrize("args, message", [
    (("--unit", "lung_metastasis_max_diameter=in"), "unit 'in' is not a length unit"),
    (("--unit", "lung_metastasis_count=mm"), "lung_metastasis_count cannot be given in 'mm'"),
    (("--unit", "nodules=mm"), "--unit nodules=mm: no such field"),
    (("--unit", "lung_metastasis_max_diameter"), "write FIELD=UNIT"),
])
def test_a_wrong_unit_declaration_exits_2(tmp_path: Path, args: tuple[str, ...],
                                          message: str) -> None:
    source = write(tmp_path / "in.csv", ["id,histology,lung_metastasis_max_diameter",
                                         "a,lms,15"])
    code, _, err = cohort(str(source), *args)
    assert code == ExitCode.BAD_INPUT
    assert message in err


def test_two_columns_for_one_field_exit_2(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", ["id,DFI [days],disease_free_interval [days]",
                                         "a,400,400"])
    code, _, err = cohort(str(source))
    assert code == ExitCode.BAD_INPUT
    assert "columns 'DFI [days]' and 'disease_free_interval [days]' both give " \
        "disease_free_interval" in err


def test_renamed_columns_are_reported_once_and_outcomes_are_not_foreign(
        tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", [
        "ID,Histology,DFI [days],os_months,death,synthetic",
        *[f"p{i},lms,400,12.5,1,true" for i in range(5)]])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"))
    assert code == ExitCode.OK, err
    assert err.count("column 'DFI [days]' is read as disease_free_interval") == 1
    assert err.count("column 'Histology' is read as histology") == 1
    assert "os_months" not in err and "death" not in err and "synthetic" not in err
    assert [r["id"] for r in slms(tmp_path / "o.csv")] == [f"p{i}" for i in range(5)]


def test_an_unknown_column_is_named_as_the_shell_takes_it(tmp_path: Path) -> None:
    """The --keep hint can be pasted into a shell: a name with spaces or parentheses is
    quoted."""
    source = write(tmp_path / "in.csv", ['id,histology,"my col (x)",plain',
                                         "a,lms,1,2"])
    code, _, err = run("cohort", str(source), "--workers", "1")
    assert code == ExitCode.OK, err
    assert (f"warning: {source}: column 'my col (x)' is not a patient field; ignored (copy "
            "it to the output with --keep 'my col (x)')") in err
    assert (f"warning: {source}: column 'plain' is not a patient field; ignored (copy "
            "it to the output with --keep plain)") in err


@pytest.mark.parametrize(("header", "shown"), [
    ("id;histology;lung_metastasis_count", "';'"), ("id\thistology", "tabs"),
    ("id|histology", "'|'")])
def test_a_file_not_separated_by_commas_is_named_as_such(tmp_path: Path, header: str,
                                                         shown: str) -> None:
    source = write(tmp_path / "in.csv", [header, header.replace("histology", "lms")])
    code, _, err = cohort(str(source))
    assert code == ExitCode.BAD_INPUT
    assert err.strip().endswith(f"(see the README's field table); the header is one column "
                                f"holding {shown}: cells must be separated by commas (save "
                                "the file as comma-separated CSV)")


def test_a_comma_separated_header_without_fields_gets_no_separator_hint(
        tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", ["id,name;alias", "1,x"])
    code, _, err = cohort(str(source))
    assert code == ExitCode.BAD_INPUT
    assert err.strip().endswith("(see the README's field table)")


def test_a_column_named_twice_is_said_once(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", ["id,id,histology", "1,2,lms"])
    code, _, err = cohort(str(source))
    assert code == ExitCode.BAD_INPUT
    assert err.strip() == f"error: {source}: column 'id' appears twice in the header"


def test_keep_finds_its_column_ignoring_case_unless_two_match(tmp_path: Path) -> None:
    source = write(tmp_path / "in.csv", ["id,histology,MRN", "1,lms,9"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"), "--keep", "mrn")
    assert code == ExitCode.OK, err
    assert slms(tmp_path / "o.csv")[0]["MRN"] == "9"
    source = write(tmp_path / "two.csv", ["id,histology,MRN,mrn", "1,lms,9,8"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"), "--keep", "Mrn")
    assert code == ExitCode.BAD_INPUT
    assert "--keep Mrn: no such column; columns: id, histology, MRN, mrn" in err


def test_keep_finds_a_field_by_its_name_in_any_case_or_alias(tmp_path: Path) -> None:
    """A reviewer's `--keep HISTOLOGY` for a column 'Histology' was 'no such column'."""
    source = write(tmp_path / "in.csv", ["id,Histology,DFI [days]", "1,lms,400"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"), "--keep", "HISTOLOGY",
                          "--keep", "dfi")
    assert code == ExitCode.OK, err
    row = slms(tmp_path / "o.csv")[0]
    assert (row["histology"], row["disease_free_interval"]) == ("lms", "400")


@pytest.mark.parametrize(("header", "said"), [
    ("surgical_margins (R0/R1)", "note: {}: column 'surgical_margins (R0/R1)' is read as "
     "surgical_margins"),
    ("histology (WHO 2020)", "note: {}: column 'histology (WHO 2020)' is read as histology")])
def test_parentheses_beside_a_field_without_unit_are_a_remark(tmp_path: Path, header: str,
                                                             said: str) -> None:
    source = write(tmp_path / "in.csv", [f'id,lung_metastasis_count,"{header}"',
                                         "1,2,negative" if "margins" in header else "1,2,lms"])
    code, _, err = run("cohort", str(source), "--workers", "1", "--quiet")
    assert code == ExitCode.OK, err
    assert said.format(source) in err.splitlines()


@pytest.mark.parametrize(("header", "cell", "said"), [
    # brackets are a unit, whatever the field
    ("surgical_margins [R0/R1]", "negative",
     "column 'surgical_margins [R0/R1]': surgical_margins cannot be given in 'R0/R1'; it "
     "takes no unit"),
    # beside a count, parentheses stay a unit: more likely a length column misnamed
    ('"lung_metastasis_count (mm)"', "3",
     "column 'lung_metastasis_count (mm)': lung_metastasis_count cannot be given in 'mm'; "
     "it takes no unit")])
def test_a_unit_beside_a_field_that_takes_none_is_refused(tmp_path: Path, header: str,
                                                          cell: str, said: str) -> None:
    source = write(tmp_path / "in.csv", [f"id,histology,{header}", f"1,lms,{cell}"])
    code, _, err = cohort(str(source))
    assert code == ExitCode.BAD_INPUT
    assert said in err


@pytest.mark.parametrize("keep", [("DFI [days]", "disease_free_interval"),
                                  ("Histology", "HISTOLOGY"), ("dfi", "DFI [days]")])
def test_a_column_kept_under_two_names_is_kept_once(tmp_path: Path,
                                                     keep: tuple[str, str]) -> None:
    """The reviewer's `--keep "DFI [days]" --keep disease_free_interval` wrote the column
    twice; it is kept once, under the name given first."""
    source = write(tmp_path / "in.csv", ["id,Histology,DFI [days]", "1,lms,400"])
    code, _, err = cohort(str(source), "-o", str(tmp_path / "o.csv"), "--keep", keep[0],
                          "--keep", keep[1])
    assert code == ExitCode.OK, err
    with open(tmp_path / "o.csv", newline="") as handle:
        header = next(csv.reader(handle))
    first = {"dfi": "disease_free_interval"}.get(keep[0], keep[0])
    assert header[:3] == ["row", "id", first]
    assert header[3].endswith(".status")  # the first rule set's columns follow
