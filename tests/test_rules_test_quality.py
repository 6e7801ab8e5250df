"""`rules test`: formats, --coverage/--min-coverage and --mutate, on a scaffolded study."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from clirun import run
from sixth_study import SIXTH, add_sixth_study

from prognosis.engine.loader import RuleLibrary


@pytest.fixture(scope="module")
def study(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return add_sixth_study(tmp_path_factory.mktemp("quality"))


def test_coverage_names_the_side_no_example_reaches(study: Path) -> None:
    code, out, _ = run("rules", "test", str(study), "--coverage")
    assert code == 0
    assert f"coverage {SIXTH}: 75% (3 of 4 sides)" in out
    assert "no example makes factor 'example_factor' false" in out
    assert run("rules", "test", str(study), "--min-coverage", "75")[0] == 0
    code, out, _ = run("rules", "test", str(study), "--min-coverage", "75.1")
    assert code == 1 and "BELOW 75.1%" in out


def test_mutants_that_survive_come_with_their_line_and_a_boundary_patient(study: Path) -> None:
    code, out, _ = run("rules", "test", str(study), "--mutate", "--format", "json")
    assert code == 1
    [report] = json.loads(out)["mutants"]  # the bundled fields.yaml is not mutated here
    assert report["rule_set"] == SIXTH
    survivors = {m["mutant"]: m for m in report["mutants"] if m["survived"]}
    assert (len(report["mutants"]), len(survivors)) == (10, 3)
    moved = survivors["factors[example_factor].when.value: >= 10 -> >= 9 mm"]
    line = study.read_text().splitlines()[moved["line"] - 1]
    assert "value: 10, unit: mm" in line
    assert moved["suggest"] == {"lung_metastasis_max_diameter": ["9.5 mm", "10 mm", "10.5 mm"]}
    killed = {m["mutant"]: m["killed_by"] for m in report["mutants"] if not m["survived"]}
    assert killed["factors[example_factor].when.value: >= 10 -> >= 11 mm"] == \
        "example: Exactly at the cut-off"


def test_an_example_at_the_suggested_boundary_kills_the_survivor(study: Path,
                                                                 tmp_path: Path) -> None:
    fixed = tmp_path / f"{SIXTH}.yaml"
    fixed.write_text(study.read_text() + """\
  - name: just under the cut-off (9.5 mm)
    patient: {lung_metastasis_count: 2, lung_metastasis_max_diameter: 9.5 mm}
    expect: {status: complete, factors: {example_factor: false}}
""")
    code, out, _ = run("rules", "test", str(fixed), "--mutate", "--coverage")
    assert f"coverage {SIXTH}: 100% (4 of 4 sides)" in out
    assert "survived: factors[example_factor].when.value" not in out
    assert f"mutants {SIXTH}: 10 generated, 8 killed, 2 survived" in out
    assert code == 1


def test_junit_and_json_formats(study: Path) -> None:
    code, out, _ = run("rules", "test", str(study), "--format", "junit")
    assert code == 0
    [suite] = ET.fromstring(out).findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (SIXTH, "4", "0")
    code, out, _ = run("rules", "test", str(study), "--format", "json")
    assert code == 0
    assert [e["passed"] for e in json.loads(out)["examples"]] == [True] * 4


def test_examples_may_assert_estimates_and_effects(tmp_path: Path) -> None:
    from prognosis.engine.loader import bundled_rules_dir

    text = (bundled_rules_dir() / "slms.yaml").read_text()
    old = "      status: complete\n      score: 3\n"
    assert old in text
    path = tmp_path / "slms.yaml"
    path.write_text(text.replace(old, old + (
        "      estimates: ['overall_survival 36 months: 10.5%']\n"
        "      effects: ['dfi_under_2_years: adverse OR 4.22', "
        "'max_diameter_15mm_or_more: adverse OR 3.86', "
        "'six_or_more_metastases: adverse OR 2.65']\n"), 1))
    assert run("rules", "test", str(path))[0] == 0
    path.write_text(path.read_text().replace("36 months: 10.5%", "36 months: 11.5%", 1))
    code, out, _ = run("rules", "test", str(path), "--format", "json")
    [failed] = [e for e in json.loads(out)["examples"] if not e["passed"]]
    assert code == 1 and failed["message"] == ("estimates: expected ['overall_survival 36 "
                                               "months: 11.5%'], got ['overall_survival 36 "
                                               "months: 10.5%']")


def test_boundary_patients_at_each_cut_off() -> None:
    code, out, _ = run("rules", "examples", "--boundaries", "burkhard-meier-2025")
    assert code == 0
    lines = out.splitlines()
    at = lines.index("  - name: lung_metastasis_max_diameter at > 2 cm (2 cm)")
    assert "lung_metastasis_max_diameter: 2 cm" in lines[at + 1]
    assert lines[at + 2] == "    expect: {status: complete, factors: {diameter_over_2cm: false}}"
    assert lines[at + 5] == "    expect: {status: complete, factors: {diameter_over_2cm: true}}"
    assert "  - name: lung_metastasis_max_diameter just under > 2 cm (1.9 cm)" in lines
    code, _, err = run("rules", "examples", "--boundaries", "nope")
    assert code == 2 and "unknown rule set 'nope'" in err


def test_the_bundled_examples_cover_everything_and_kill_every_mutant(
        library: RuleLibrary) -> None:
    """The promise of issue 13: 100% coverage, no surviving mutant (fields.yaml too).

    In a process of its own: hundreds of mutants register hundreds of durable_rules
    rulesets, memory this test process (and the RSS limits other tests measure in the
    processes it forks) should not carry."""
    import subprocess
    import sys

    done = subprocess.run([str(Path(sys.executable).parent / "prognosis"), "rules", "test",
                           "--coverage", "--mutate", "--format", "json"],
                          capture_output=True, text=True, check=False)
    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert {c["rule_set"]: c["percent"] for c in report["coverage"]} == {
        rs.id: 100.0 for rs in library.rule_sets}
    survivors = {r["rule_set"]: [m["mutant"] for m in r["mutants"] if m["survived"]]
                 for r in report["mutants"]}
    assert survivors == {**{rs.id: [] for rs in library.rule_sets}, "fields.yaml": []}
    assert all(len(r["mutants"]) >= 10 for r in report["mutants"])


def test_each_value_of_a_contradiction_is_mutated() -> None:
    """`contradicted_by` values flip (a boolean) or step (a number); the bundled examples
    beside the contradiction (NCDB: synchronous with one nodule only, with metastases
    outside the lung only) are what kill them (the test above)."""
    from prognosis.engine.loader import bundled_rules_dir
    from prognosis.engine.mutate import fields_mutants
    from prognosis.engine.yamlio import parse_yaml

    path = bundled_rules_dir() / "fields.yaml"
    doc = parse_yaml(path.read_text(), str(path))
    assert [m.description for m in fields_mutants(doc, str(path))
            if m.kind == "contradiction"] == [
        "fields.metastasis_timing.contradicted_by.lung_metastasis_count: "
        "lung_metastasis_count: 0 -> 1",
        "fields.metastasis_timing.contradicted_by.extrapulmonary_metastases: "
        "extrapulmonary_metastases: false -> true"]
