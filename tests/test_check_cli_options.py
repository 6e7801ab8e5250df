"""`rules check`: --select/--ignore, configuration, inline suppression, SARIF and JUnit."""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import jsonschema
import pytest
from clirun import run

from prognosis.engine.checks import CHECKS
from prognosis.engine.loader import bundled_rules_dir

SARIF_SCHEMA = json.loads((Path(__file__).parent / "data" / "sarif-schema-2.1.0.json")
                          .read_text())


@pytest.fixture
def broken(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """slms with an out-of-range percentage (error) and a draft status (warning);
    the current directory is the temporary one, so no configuration applies."""
    monkeypatch.chdir(tmp_path)
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(bundled_rules_dir() / "fields.yaml", rules)
    text = (bundled_rules_dir() / "slms.yaml").read_text()
    text = text.replace("value: 89.5", "value: 189.5", 1).replace("status: research",
                                                                  "status: draft", 1)
    # the example that asserts the estimate agrees with the typo, so only checks see it
    text = text.replace("36 months: 89.5%", "36 months: 189.5%")
    (rules / "slms.yaml").write_text(text)
    return rules / "slms.yaml"


def checks_found(out: str) -> list[str]:
    """The check ids of the errors and warnings printed (info notes left out)."""
    return [line.rsplit("[", 1)[1].rstrip("]") for line in out.splitlines()
            if "[" in line and ": info: " not in line]


def test_select_and_ignore(broken: Path) -> None:
    code, out, _ = run("rules", "check", str(broken))
    assert (code, checks_found(out)) == (1, ["lifecycle", "percent-range"])
    code, out, _ = run("rules", "check", str(broken), "--select", "lifecycle")
    assert (code, checks_found(out)) == (0, ["lifecycle"])
    code, out, _ = run("rules", "check", str(broken), "--ignore", "percent-range,lifecycle")
    assert (code, checks_found(out)) == (0, [])
    code, _, err = run("rules", "check", str(broken), "--select", "percent_range")
    assert code == 2 and "unknown check id 'percent_range'" in err


@pytest.mark.parametrize(("name", "text"), [
    ("pyproject.toml", '[project]\nname = "x"\n\n[tool.prognosis.check]\n'
                       'ignore = ["percent-range"]\n'),
    (".prognosis.yaml", "check:\n  ignore: [percent-range]\n"),
])
def test_configuration_file(broken: Path, name: str, text: str) -> None:
    (broken.parent.parent / name).write_text(text)
    code, out, _ = run("rules", "check", str(broken))
    assert (code, checks_found(out)) == (0, ["lifecycle"])
    code, out, _ = run("rules", "check", str(broken), "--select", "percent-range")
    assert (code, checks_found(out)) == (0, [])  # --select replaces; the ignore still holds


def test_bad_configuration_is_bad_input(broken: Path) -> None:
    (broken.parent.parent / ".prognosis.yaml").write_text("check:\n  ignroe: [todo]\n")
    code, _, err = run("rules", "check", str(broken))
    assert code == 2 and "unknown key 'ignroe' in the check section" in err


def test_inline_suppression_needs_a_reason(broken: Path) -> None:
    text = broken.read_text()
    broken.write_text(text.replace("value: 189.5", "value: 189.5  # prognosis: ignore"
                                   "[percent-range] as printed in Table 2 (a typo there)", 1))
    code, out, _ = run("rules", "check", str(broken))
    assert (code, checks_found(out)) == (0, ["lifecycle"])
    broken.write_text(text.replace("value: 189.5", "value: 189.5  # prognosis: "
                                   "ignore[percent-range]", 1))
    code, out, _ = run("rules", "check", str(broken))
    assert (code, checks_found(out)) == (1, ["lifecycle", "percent-range", "suppression"])
    assert "gives no reason" in out


def test_a_suppression_on_its_own_line_covers_the_next_and_unused_ones_are_reported(
        broken: Path) -> None:
    text = broken.read_text().replace(
        "status: draft", "# prognosis: ignore[lifecycle] drafted for the test\nstatus: draft", 1)
    broken.write_text(text.replace("  year: 2021", "  year: 2021  # prognosis: ignore[todo] "
                                   "nothing to silence here", 1))
    code, out, _ = run("rules", "check", str(broken))
    assert code == 1 and checks_found(out) == ["suppression", "percent-range"]
    assert "suppression of todo silences nothing" in out


def test_sarif_validates_against_the_sarif_2_1_0_schema(broken: Path) -> None:
    code, out, _ = run("rules", "check", str(broken), "--format", "sarif")
    assert code == 1
    log = json.loads(out)
    jsonschema.validate(log, SARIF_SCHEMA)
    [run_] = log["runs"]
    assert [r["id"] for r in run_["tool"]["driver"]["rules"]] == list(CHECKS)
    results = {r["ruleId"]: r for r in run_["results"] if r["level"] != "note"}
    assert set(results) == {"lifecycle", "percent-range"}
    assert (results["percent-range"]["level"], results["lifecycle"]["level"]) == ("error",
                                                                                  "warning")
    location = results["percent-range"]["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == broken.as_uri()
    line = broken.read_text().splitlines()[location["region"]["startLine"] - 1]
    assert line.strip() == "value: 189.5"


def test_sarif_of_clean_rules_is_valid_and_empty(tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run("rules", "check", str(bundled_rules_dir() / "slms.yaml"), "--format",
                       "sarif", "--ignore", "population-aspect,field-meaning")
    assert code == 0
    jsonschema.validate(json.loads(out), SARIF_SCHEMA)
    assert json.loads(out)["runs"][0]["results"] == []


def test_junit(broken: Path) -> None:
    code, out, _ = run("rules", "check", str(broken), "--format", "junit")
    assert code == 1
    suites = ET.fromstring(out)
    [suite] = suites.findall("testsuite")
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == (
        str(broken), str(len(CHECKS)), "2")
    failed = {case.get("name"): case.find("failure") for case in suite.findall("testcase")
              if case.find("failure") is not None}
    assert set(failed) == {"lifecycle", "percent-range"}
    assert [case.get("name") for case in suite.findall("testcase")
            if case.find("system-out") is not None] == ["population-aspect"]
    assert failed["percent-range"].get("type") == "error"  # type: ignore[union-attr]


def test_unreadable_file_is_a_read_error_and_exit_2(broken: Path) -> None:
    broken.write_bytes(b"id: caf\xe9\n")
    code, out, _ = run("rules", "check", str(broken))
    assert code == 2 and checks_found(out) == ["read-error"]
