"""fields.yaml `contradicted_by`: a field given at all that other values leave impossible.

The case that made it: a metastasis timing beside no lung metastasis (a count of 0) and
none elsewhere was scored by NCDB as stage IV, with its figures, for a patient with no
metastasis at all (a reviewer's finding; `synth` wrote such rows too).
"""

from __future__ import annotations

import copy
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from clirun import run

from prognosis.cli.app import ExitCode
from prognosis.engine.errors import InputError, RuleSetError
from prognosis.engine.fields import build_fields
from prognosis.engine.loader import bundled_rules_dir

NO_METASTASES = ("metastasis_timing is given, but lung_metastasis_count is 0 and "
                 "extrapulmonary_metastases is false: there are then no metastases to time")
NCDB = {"histology": "leiomyosarcoma", "primary_site": "extremity",
        "metastasis_timing": "synchronous", "primary_surgery": True, "metastasectomy": True,
        "chemotherapy": True, "radiotherapy": True}


@pytest.mark.parametrize("timing", ["synchronous", "metachronous", "at_diagnosis"])
def test_a_timing_with_no_metastasis_anywhere_is_refused(
        make_patient: Callable[..., Any], timing: str) -> None:
    with pytest.raises(InputError) as caught:
        make_patient(**{**NCDB, "metastasis_timing": timing, "lung_metastasis_count": 0,
                        "extrapulmonary_metastases": False})
    assert [str(p) for p in caught.value.problems] == [
        f"test-patient: field 'metastasis_timing': {NO_METASTASES}"]


@pytest.mark.parametrize("others", [
    {"lung_metastasis_count": 1, "extrapulmonary_metastases": False},  # a lung metastasis
    {"lung_metastasis_count": 0, "extrapulmonary_metastases": True},  # one elsewhere
    {"lung_metastasis_count": 0},  # elsewhere unknown
    {"extrapulmonary_metastases": False},  # the count unknown
    {"lung_metastasis_count": 0, "bone_metastases": True},  # elsewhere implied by bone
])
def test_a_timing_beside_a_metastasis_known_or_possible_stands(
        results_for: Callable[..., Any], others: dict[str, Any]) -> None:
    result = results_for(**NCDB, **others)["abugideiri-2022"]
    assert (result.status, result.group) == ("complete", "metastasectomy")


def test_no_timing_beside_no_metastasis_is_no_contradiction(
        make_patient: Callable[..., Any]) -> None:
    patient = make_patient(histology="leiomyosarcoma", lung_metastasis_count=0,
                           extrapulmonary_metastases=False)
    assert "metastasis_timing" not in patient.values


def test_compare_and_cohort_refuse_it_alike(tmp_path: Path) -> None:
    (tmp_path / "p.yaml").write_text(yaml.safe_dump({
        **NCDB, "lung_metastasis_count": 0, "extrapulmonary_metastases": False}))
    code, _, err = run("compare", str(tmp_path / "p.yaml"))
    assert code == ExitCode.BAD_INPUT
    assert err.strip() == f"error: {tmp_path / 'p.yaml'}: field 'metastasis_timing': " \
        f"{NO_METASTASES}"
    rows = ["id,histology,primary_site,metastasis_timing,lung_metastasis_count,"
            "extrapulmonary_metastases,bone_metastases,primary_surgery",
            "a,lms,extremity,synchronous,0,false,,true",  # refused
            "b,lms,extremity,synchronous,0,,,true",  # elsewhere unknown
            "c,lms,extremity,synchronous,1,false,,true",
            "d,lms,extremity,,0,false,,true",  # no timing given
            "e,lms,extremity,metachronous,0,,true,true",  # bone implies elsewhere
            "f,lms,extremity,at diagnosis,0,no,,true"]  # refused, as written
    (tmp_path / "in.csv").write_text("\n".join(rows) + "\n")
    code, _, err = run("cohort", str(tmp_path / "in.csv"), "-o", str(tmp_path / "o.csv"),
                       "--quiet", "--workers", "1")
    assert code == ExitCode.REJECTED_ROWS
    assert [line for line in err.splitlines() if line.startswith("rejected:")] == [
        f"rejected: row 1: field 'metastasis_timing' = 'synchronous': {NO_METASTASES}",
        f"rejected: row 6: field 'metastasis_timing' = 'at diagnosis': {NO_METASTASES}"]
    with open(tmp_path / "o.csv", newline="") as handle:
        scored = [(r["id"], r["abugideiri-2022.status"]) for r in csv.DictReader(handle)]
    assert scored == [("b", "complete"), ("c", "complete"), ("d", "incomplete"),
                      ("e", "not_applicable")]


def _fields() -> dict[str, Any]:
    with open(Path(bundled_rules_dir()) / "fields.yaml", encoding="utf-8") as handle:
        data: dict[str, Any] = yaml.safe_load(handle)
    return data


@pytest.mark.parametrize(("change", "said"), [
    ({"contradicted_by": {"no_such_field": 0}},
     "field 'metastasis_timing': refers to undeclared field 'no_such_field'"),
    ({"contradicted_by": {"lung_metastasis_count": "none"}},
     "field 'metastasis_timing': contradicted_by: 'none' is not a value of "
     "lung_metastasis_count"),
    ({"contradicted_by": {"extrapulmonary_metastases": 0}},
     "field 'metastasis_timing': contradicted_by: 0 is not a value of "
     "extrapulmonary_metastases"),
    ({"contradiction": None},
     "field 'metastasis_timing': contradicted_by and contradiction go together"),
])
def test_a_wrong_contradicted_by_is_refused(change: dict[str, Any], said: str) -> None:
    data = copy.deepcopy(_fields())
    spec = data["fields"]["metastasis_timing"]
    spec.update(change)
    if spec.get("contradiction") is None:
        del spec["contradiction"]
    with pytest.raises(RuleSetError) as caught:
        build_fields(data, "fields.yaml")
    assert [str(p) for p in caught.value.problems] == [f"fields.yaml: {said}"]


def test_the_bundled_declaration_is_read() -> None:
    fields = build_fields(_fields(), "fields.yaml")
    timing = fields.fields["metastasis_timing"]
    assert timing.contradicted_by == {"lung_metastasis_count": 0,
                                      "extrapulmonary_metastases": False}
    assert timing.contradiction == "there are then no metastases to time"


def test_every_row_synth_writes_is_accepted(tmp_path: Path) -> None:
    """synth once wrote patients with a metastasis timing, no lung metastasis and none
    elsewhere (8% of them): all are metastatic now, and nothing it writes is rejected."""
    code, _, err = run("synth", "3000", "--seed", "7", "-o", str(tmp_path / "s.csv"))
    assert code == ExitCode.OK, err
    with open(tmp_path / "s.csv", newline="") as handle:
        rows = list(csv.DictReader(handle))
    none = [r for r in rows if r["lung_metastasis_count"] == "0"]
    assert len(none) > 100
    assert {r["extrapulmonary_metastases"] for r in none} == {"true", ""}  # "" : left blank
    code, out, err = run("cohort", str(tmp_path / "s.csv"), "--quiet", "--workers", "1")
    assert code == ExitCode.OK, err
    assert "rows read 3000, scored 3000, rejected 0" in out + err


def test_a_contradicted_by_target_is_never_read_as_given_only() -> None:
    """The scorer reads a field only as given or blank when its value can matter nowhere
    (a resection date: it implies surgery when given). Once another field's contradicted_by
    reads that field's value, it must be read by value (a reviewer's risk: the same id for
    every date could fire or hide the contradiction)."""
    from prognosis.engine.cohort.scorer import _given_only

    assert "primary_resection_date" in _given_only(build_fields(_fields(), "fields.yaml"))
    data = copy.deepcopy(_fields())
    data["fields"]["histology"]["contradicted_by"] = {"primary_resection_date": "2020-01-01"}
    data["fields"]["histology"]["contradiction"] = "a made-up rule"
    fields = build_fields(data, "fields.yaml")
    assert "primary_resection_date" not in _given_only(fields)
    assert "metastasis_timing" in _given_only(fields)
