"""A sixth study, scaffolded with `rules new` and filled in, works with every command.

No Python is edited: the study is one YAML file in a copy of the rules directory.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import DEMO, run
from sixth_study import SIXTH, add_sixth_study, copy_rules

from prognosis.engine.loader import FIELDS_FILE, load_library

PATIENT = "id: p6\nlung_metastasis_count: 2\nlung_metastasis_max_diameter: 12 mm\n"


@pytest.fixture(scope="module")
def rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = copy_rules(tmp_path_factory.mktemp("six") / "rules")
    add_sixth_study(target)
    return target


def test_the_sixth_study_joins_the_roster_last(rules: Path) -> None:
    library = load_library(rules)
    assert [rs.id for rs in library.rule_sets][-1] == SIXTH
    bundled = {p.stem for p in rules.glob("*.yaml") if p.name != FIELDS_FILE}
    assert {rs.id for rs in library.rule_sets} == bundled


def test_rules_check_test_list_show(rules: Path) -> None:
    code, out, err = run("rules", "check", "--strict", str(rules))
    assert code == 0, out + err
    code, out, _ = run("rules", "test", str(rules))
    assert code == 0 and f"{SIXTH} " in out
    assert "4 passed, 0 failed" in run("rules", "test", str(rules / f"{SIXTH}.yaml"))[1]
    code, out, _ = run("rules", "list", "--rules", str(rules))
    assert code == 0 and SIXTH in out
    code, out, _ = run("rules", "show", SIXTH, "--rules", str(rules))
    assert code == 0 and "lung_metastasis_max_diameter >= 10 mm" in out


def test_compare_and_explain(rules: Path) -> None:
    code, out, err = run("compare", "-", "--rules", str(rules), "--format", "json",
                         "--study", SIXTH, stdin=PATIENT)
    assert code == 0, err
    [result] = json.loads(out)["results"]
    assert (result["rule_set"], result["status"]) == (SIXTH, "complete")
    assert [(f["id"], f["present"]) for f in result["factors"]] == [("example_factor", True)]
    code, out, err = run("compare", str(DEMO), "--rules", str(rules))
    assert code == 0 and "Short name" in out, err
    code, out, err = run("explain", "-", "--rules", str(rules), "--format", "json",
                         stdin=PATIENT)
    assert code == 0, err
    assert SIXTH in {r["rule_set"] for r in json.loads(out)["rule_sets"]}


@pytest.mark.parametrize("suffix", [".html", ".md", ".txt", ".svg"])
def test_exports(rules: Path, tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"report{suffix}"
    code, _, err = run("compare", str(DEMO), "--rules", str(rules), "--export", str(path))
    assert code == 0, err
    text = path.read_text().replace("&#160;", " ")
    assert SIXTH in text or "Short name" in text
    code, out, err = run("compare", str(DEMO), "--rules", str(rules), "--format", "fhir")
    assert code == 0 and f'"code": "{SIXTH}"' in out, err


def test_cohort(rules: Path, tmp_path: Path) -> None:
    source = tmp_path / "cohort.csv"
    source.write_text("id,lung_metastasis_count,lung_metastasis_max_diameter\n"
                      "a,2,12 mm\nb,2,8 mm\nc,0,\n")
    out_path = tmp_path / "out.jsonl"
    code, out, err = run("cohort", str(source), "--rules", str(rules), "--study", SIXTH,
                         "-o", str(out_path), "--workers", "1", "-q")
    assert code == 0, err
    assert f"Short name ({SIXTH}): complete 2, incomplete 0, not_applicable 1" in out + err
    assert out_path.exists()


def test_rules_diff(rules: Path, tmp_path: Path) -> None:
    changed = tmp_path / "changed"
    changed.mkdir()
    text = (rules / f"{SIXTH}.yaml").read_text()
    (changed / f"{SIXTH}.yaml").write_text(text.replace("value: 10, unit: mm", "value: 11, "
                                                        "unit: mm"))
    code, out, err = run("rules", "diff", str(rules / f"{SIXTH}.yaml"),
                         str(changed / f"{SIXTH}.yaml"))
    assert code == 1, out + err
    assert f"{SIXTH}: example 'Exactly at the cut-off': factor example_factor: true -> false" \
        in out
