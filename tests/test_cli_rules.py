"""`prognosis rules ...`: check, test, list, show, new, edit, diff, schema."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROSTER
from rich.console import Console

from prognosis.cli.app import App
from prognosis.cli.main import cli
from prognosis.engine.loader import RuleLibrary, bundled_rules_dir

RULES = bundled_rules_dir()
ROOT = Path(__file__).resolve().parent.parent


def run(*args: str, stdin: str | None = None, env: dict[str, str] | None = None
        ) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    app = App(out=Console(file=out, width=160, no_color=True),
              err=Console(file=err, width=160, no_color=True))
    result = CliRunner().invoke(cli, list(args), obj=app, input=stdin, env=env,
                                catch_exceptions=False)
    return result.exit_code, out.getvalue() + result.stdout, err.getvalue() + result.stderr


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(RULES, target, ignore=shutil.ignore_patterns("__*", "*.py"))
    return target


def _break(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))


# --- check -------------------------------------------------------------------------

def test_check_clean_rules_exit_0(rules: Path) -> None:
    code, out, err = run("rules", "check", str(rules), "--strict")
    assert code == 0, out
    # the cross-study notes, pinned over the roster's studies (a new study may add some)
    code, out, err = run("rules", "check", "--strict", str(rules / "fields.yaml"),
                         *(str(rules / f"{rule_set}.yaml") for rule_set in ROSTER))
    assert code == 0
    assert f"0 error(s), 0 warning(s), 2 info in {len(ROSTER)} rule file(s)" in err
    assert out.count("[field-meaning]") == 2


def test_check_collects_every_finding_across_files(rules: Path) -> None:
    _break(rules / "slms.yaml", "value: 89.5", "value: 189.5")
    _break(rules / "liu-2022.yaml", "value: osteosarcoma}", "value: osteosarcomaa}")
    code, out, _ = run("rules", "check", str(rules))
    assert code == 1
    lines = [line for line in out.splitlines() if ": error: " in line]
    # the slms typo also fails the example that asserts that estimate (89.5%)
    assert sorted(line.rsplit("[", 1)[1] for line in lines) == [
        "enum-value]", "examples]", "percent-range]"]
    assert any(line.startswith(f"{rules}/liu-2022.yaml:") and line.endswith("[enum-value]")
               for line in lines)
    assert any(line.startswith(f"{rules}/slms.yaml:") and line.endswith("[percent-range]")
               for line in lines)


def test_check_warning_fails_only_with_strict(rules: Path) -> None:
    _break(rules / "slms.yaml", "status: research", "status: draft")
    assert run("rules", "check", str(rules))[0] == 0
    assert run("rules", "check", str(rules), "--strict")[0] == 1


def test_check_json_and_github_formats(rules: Path) -> None:
    _break(rules / "slms.yaml", "value: 89.5", "value: 189.5")
    code, out, _ = run("rules", "check", str(rules / "slms.yaml"), "--format", "json")
    assert code == 1
    [item] = [f for f in json.loads(out) if f["check"] == "percent-range"]
    assert item["severity"] == "error" and item["line"] > 1
    code, out, _ = run("rules", "check", str(rules / "slms.yaml"), "--format", "github")
    assert code == 1
    assert f"::error file={rules}/slms.yaml,line={item['line']},col=1,title=percent-range::" \
        in out


def test_check_usage_errors_exit_2(tmp_path: Path) -> None:
    assert run("rules", "check", str(tmp_path / "missing.yaml"))[0] == 2
    assert run("rules", "check", "--format", "xml")[0] == 2


def test_check_list_documents_every_check() -> None:
    from prognosis.engine.checks import CHECKS

    code, out, _ = run("rules", "check", "--list")
    assert code == 0
    for check_id in CHECKS:
        assert check_id in out


# --- test --------------------------------------------------------------------------

def test_rules_test_passes_on_bundled_rules() -> None:
    from conftest import bundled_library

    code, out, _ = run("rules", "test")
    assert code == 0
    total = sum(len(rs.examples) for rs in bundled_library().rule_sets)
    assert f"{total} passed, 0 failed" in out


def test_rules_test_shows_expected_and_actual(rules: Path) -> None:
    _break(rules / "slms.yaml", "      status: complete\n      score: 3\n",
           "      status: complete\n      score: 2\n")
    code, out, _ = run("rules", "test", str(rules / "slms.yaml"))
    assert code == 1
    assert "FAIL" in out and "score: expected 2, got 3" in out
    from conftest import bundled_library

    [slms] = bundled_library().select(["slms"])
    assert f"{len(slms.examples) - 1} passed, 1 failed" in out


def test_rules_test_invalid_file_exits_2(rules: Path) -> None:
    _break(rules / "slms.yaml", "model: score", "model: [score")
    code, _, err = run("rules", "test", str(rules / "slms.yaml"))
    assert code == 2 and "YAML syntax error" in err


# --- list and show -----------------------------------------------------------------

def test_list_shows_every_rule_set_with_lifecycle(library: RuleLibrary) -> None:
    code, out, _ = run("rules", "list")
    assert code == 0
    for rule_set in library.rule_sets:
        assert rule_set.id in out
    assert "research v1.0.0" in out and "1124" in out
    assert "overall survival from" in out and "post relapse survival from" in out


@pytest.mark.parametrize("width", [80, 100])
def test_rules_list_never_splits_an_id_or_a_word(width: int) -> None:
    from clirun import run as run_at
    from conftest import bundled_library

    code, out, _ = run_at("rules", "list", width=width)
    assert code == 0
    tokens = set(out.split())
    for rs in bundled_library().rule_sets:
        words = [rs.id, *rs.population_summary.split(), *(f.id for f in rs.factors
                                                          if f.role != "covariate")]
        assert [w for w in words if w not in tokens] == []


def test_show_is_a_card_with_provenance() -> None:
    code, out, _ = run("rules", "show", "burkhard-meier-2025")
    assert code == 0
    assert "lung_metastasis_max_diameter > 2 cm (= 20 mm)" in out
    assert "HR 5.6, p<0.001" in out and "[Abstract (Results)]" in out
    code, _, err = run("rules", "show", "nope")
    assert code == 2 and "unknown rule set 'nope'" in err


# --- new ---------------------------------------------------------------------------

def test_new_scaffold_passes_check_apart_from_todo_warnings(tmp_path: Path) -> None:
    code, _, err = run("rules", "new", "smith-2026", "--dir", str(tmp_path))
    assert code == 0 and "wrote" in err
    path = tmp_path / "smith-2026.yaml"
    code, out, _ = run("rules", "check", str(path))
    assert code == 0
    findings = [line for line in out.splitlines() if line.strip()]
    assert findings and all(": warning: " in f and "TODO" in f for f in findings)
    assert run("rules", "check", str(path), "--strict")[0] == 1
    assert run("rules", "test", str(path))[0] == 0
    code, _, err = run("rules", "new", "smith-2026", "--dir", str(tmp_path))
    assert code == 2 and "exists" in err
    assert run("rules", "new", "Bad Id", "--dir", str(tmp_path))[0] == 2


# --- edit --------------------------------------------------------------------------

def _editor(tmp_path: Path, body: str) -> str:
    script = tmp_path / "editor.sh"
    script.write_text("#!/bin/sh\n" + body)
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_edit_valid_change_replaces_atomically_and_keeps_bak(rules: Path,
                                                              tmp_path: Path) -> None:
    path = rules / "slms.yaml"
    before = path.read_text()
    editor = _editor(tmp_path, 'sed -i "s/value: 39.0/value: 39.5/; '
                     's/36 months: 39%/36 months: 39.5%/" "$1"\n')
    code, _, err = run("rules", "edit", "slms", "--rules", str(rules),
                       env={"EDITOR": editor, "VISUAL": ""})
    assert code == 0, err
    after = path.read_text()
    assert "value: 39.5" in after and after.startswith("# yaml-language-server")
    assert after == before.replace("value: 39.0", "value: 39.5").replace(
        "36 months: 39%", "36 months: 39.5%")  # comments, layout kept
    assert (rules / "slms.yaml.bak").read_text() == before
    assert not list(rules.glob(".slms.yaml.*.tmp"))


def test_edit_editor_failure_leaves_original(rules: Path, tmp_path: Path) -> None:
    path = rules / "slms.yaml"
    before = path.read_text()
    editor = _editor(tmp_path, 'echo broken >> "$1"\nexit 3\n')
    code, _, err = run("rules", "edit", "slms", "--rules", str(rules),
                       env={"EDITOR": editor, "VISUAL": ""})
    assert code == 1
    assert path.read_text() == before and not (rules / "slms.yaml.bak").exists()
    assert "editor exited with status 3" in err
    copy = Path(err.split("your edited copy is ")[1].split()[0])
    assert copy.exists() and copy.read_text().endswith("broken\n")


def test_edit_invalid_then_abort_leaves_original(rules: Path, tmp_path: Path) -> None:
    path = rules / "slms.yaml"
    before = path.read_text()
    editor = _editor(tmp_path, 'sed -i "s/value: 89.5/value: 189.5/" "$1"\n')
    code, _, err = run("rules", "edit", "slms", "--rules", str(rules), stdin="a\n",
                       env={"EDITOR": editor, "VISUAL": "", "PROGNOSIS_EDIT_PROMPT": "1"})
    assert code == 1
    assert "[percent-range]" in err and "aborted" in err
    assert path.read_text() == before


def test_edit_invalid_then_edit_again_then_valid(rules: Path, tmp_path: Path) -> None:
    counter = tmp_path / "count"
    editor = _editor(tmp_path, f'''if [ -f {counter} ]; then
  sed -i "s/value: 189.5/value: 88.5/; s/36 months: 89.5%/36 months: 88.5%/" "$1"
else
  touch {counter}; sed -i "s/value: 89.5/value: 189.5/" "$1"
fi
''')
    code, _, err = run("rules", "edit", "slms", "--rules", str(rules), stdin="e\n",
                       env={"EDITOR": editor, "VISUAL": "", "PROGNOSIS_EDIT_PROMPT": "1"})
    assert code == 0, err
    assert "value: 88.5" in (rules / "slms.yaml").read_text()


def test_edit_without_changes_and_unknown_id(rules: Path, tmp_path: Path) -> None:
    code, _, err = run("rules", "edit", "slms", "--rules", str(rules),
                       env={"EDITOR": _editor(tmp_path, "exit 0\n"), "VISUAL": ""})
    assert code == 0 and "no changes" in err
    code, _, err = run("rules", "edit", "nope", "--rules", str(rules),
                       env={"EDITOR": "true", "VISUAL": ""})
    assert code == 2 and "no rule set 'nope'" in err


def test_edit_interrupted_leaves_original(rules: Path, tmp_path: Path) -> None:
    path = rules / "slms.yaml"
    before = path.read_text()
    editor = _editor(tmp_path, 'sed -i "s/value: 39.0/value: 39.5/; '
                     's/36 months: 39%/36 months: 39.5%/" "$1"\nkill -INT $PPID\n'
                     'sleep 1\n')
    code, _, err = run("rules", "edit", "slms", "--rules", str(rules),
                       env={"EDITOR": editor, "VISUAL": ""})
    assert path.read_text() == before
    assert code in (1, 130) and ("interrupted" in err or "editor exited" in err)


# --- diff --------------------------------------------------------------------------

def test_diff_shows_patients_whose_results_change(rules: Path, tmp_path: Path) -> None:
    new = tmp_path / "new"
    shutil.copytree(rules, new)
    _break(new / "slms.yaml", 'op: ">=", value: 15, unit: mm}', 'op: ">=", value: 20, '
           'unit: mm}')
    patient = tmp_path / "p.yaml"
    patient.write_text("lung_metastasis_count: 2\nlung_metastasis_max_diameter: 17 mm\n"
                       "disease_free_interval: 1000 days\n")
    code, out, _ = run("rules", "diff", str(rules / "slms.yaml"), str(new / "slms.yaml"),
                       "--patients", str(patient))
    assert code == 1
    assert f"slms: {patient}: score: 1 -> 0" in out  # 17 mm no longer scores
    assert "slms: example 'exactly at every cut-off (DFI 730 days, 15 mm, 6 nodules)': " \
        "score: 2 -> 1" in out
    code, out, _ = run("rules", "diff", str(rules), str(rules))
    assert code == 0 and "0 change(s)" in out


# --- schema ------------------------------------------------------------------------

def test_committed_schema_is_up_to_date() -> None:
    from prognosis.engine.jsonschema_export import schema_files

    for name, text in schema_files().items():
        assert (ROOT / "rules" / "schema" / name).read_text() == text, \
            f"run: prognosis rules schema --output rules/schema ({name} is stale)"
    code, _, _ = run("rules", "schema", "--output", str(ROOT / "rules" / "schema"), "--check")
    assert code == 0


def _as_json(data: object) -> object:
    return json.loads(json.dumps(data, default=str))  # dates as the editor sees them: text


def test_schema_accepts_every_bundled_rule_set_and_rejects_a_broken_one() -> None:
    import jsonschema
    import yaml

    from prognosis.engine.jsonschema_export import fields_schema, rule_set_schema

    validator = jsonschema.Draft202012Validator(rule_set_schema())
    for path in sorted(RULES.glob("*.yaml")):
        data = _as_json(yaml.safe_load(path.read_text()))
        if path.name == "fields.yaml":
            jsonschema.validate(data, fields_schema())
        else:
            assert list(validator.iter_errors(data)) == [], path.name
    broken = _as_json(yaml.safe_load((RULES / "slms.yaml").read_text()))
    assert isinstance(broken, dict)
    broken["modle"] = "score"
    broken["factors"][0]["when"]["op"] = "=>"
    messages = [e.message for e in validator.iter_errors(broken)]
    assert any("'modle'" in m for m in messages)
    assert any("'=>'" in m for m in messages)


def test_every_bundled_rule_file_references_the_schema() -> None:
    for path in RULES.glob("*.yaml"):
        first = path.read_text().splitlines()[0]
        expected = "fields" if path.name == "fields.yaml" else "rule-set"
        assert first == f"# yaml-language-server: $schema=schema/{expected}.schema.json"


def test_environment_is_clean_for_editor_tests() -> None:
    assert os.environ.get("PROGNOSIS_EDIT_PROMPT") is None


def test_rules_show_names_itself_for_an_unknown_id() -> None:
    code, _, err = run("rules", "show", "nope")
    assert code == 2
    assert err.startswith("error: rules show: unknown rule set 'nope'; available: slms, ")


def test_rules_schema_needs_an_output_directory(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """It once created ./rules/schema/ wherever it ran."""
    monkeypatch.chdir(tmp_path)
    code, _, err = run("rules", "schema")
    assert code == 2 and "--output" in err
    assert list(tmp_path.iterdir()) == []


P23 = ("id: p23\nhistology: leiomyosarcoma\nlung_metastasis_count: 2\n"
       "lung_metastasis_max_diameter: 2.3 cm\nextrapulmonary_metastases: false\n")


def _bm_over_2_5_cm(rules: Path, tmp_path: Path) -> tuple[Path, Path]:
    new = tmp_path / "changed"
    shutil.copytree(rules, new)
    _break(new / "burkhard-meier-2025.yaml", "value: 2, unit: cm}", "value: 2.5, unit: cm}")
    patient = tmp_path / "p23.yaml"
    patient.write_text(P23)
    return new, patient


def test_diff_names_the_factor_a_cut_off_change_flips(rules: Path, tmp_path: Path) -> None:
    """Burkhard-Meier's `> 2 cm` -> `> 2.5 cm`: the 2.3 cm patient loses diameter_over_2cm."""
    new, patient = _bm_over_2_5_cm(rules, tmp_path)
    code, out, _ = run("rules", "diff", str(rules), str(new), "--patients", str(patient))
    assert code == 1
    edited = new / "burkhard-meier-2025.yaml"
    line = next(i for i, text in enumerate(edited.read_text().splitlines(), 1)
                if "diameter_over_2cm" in text) + 2
    assert f"{edited}:{line}: factors[diameter_over_2cm].when.value: 2 -> 2.5" in out
    assert "value: 2.5, unit: cm}" in edited.read_text().splitlines()[line - 1]
    assert f"burkhard-meier-2025: {patient}: factor diameter_over_2cm: true -> false" in out
    assert "caveat" not in out  # only the factor's cut-off was edited, not the caveat's
    changes = [line for line in out.splitlines() if line.startswith("burkhard-meier-2025: ")]
    assert {line.split(": ", 2)[2] for line in changes} == {
        "factor diameter_over_2cm: true -> false"}  # 2.1 cm and 2.5 cm examples, the 2.3 cm patient
    assert out.splitlines()[-1] == (f"{len(changes)} change(s) for {len(changes)} patient(s); "
                                    "1 change(s) in the rule files")


def test_diff_reports_estimate_values_and_units(rules: Path, tmp_path: Path) -> None:
    new = tmp_path / "changed"
    shutil.copytree(rules, new)
    text = (new / "abugideiri-2022.yaml").read_text()
    assert "unit: years" in text
    (new / "abugideiri-2022.yaml").write_text(text.replace("unit: years", "unit: months", 1))
    code, out, _ = run("rules", "diff", str(rules), str(new), "--format", "json")
    assert code == 1
    report = json.loads(out)
    [edit] = report["rule_file_changes"]
    assert (edit["before"], edit["after"], edit["what"].endswith(".unit")) == (
        "years", "months", True)
    changed = {(c["what"].split(" (")[0], c["before"] / c["after"])
               for c in report["patient_changes"] if c["what"].startswith("estimate")}
    assert changed and all(ratio == pytest.approx(12) for _, ratio in changed)


def test_diff_markdown_for_a_pull_request(rules: Path, tmp_path: Path) -> None:
    new, patient = _bm_over_2_5_cm(rules, tmp_path)
    code, out, _ = run("rules", "diff", str(rules), str(new), "--patients", str(patient),
                       "--format", "markdown")
    assert code == 1
    assert out.startswith("## Rule diff\n\n**")
    assert "patient(s); 1 change(s) in the rule files**" in out.splitlines()[2]
    assert "| `burkhard-meier-2025.yaml:" in out and "| `factors[diameter_over_2cm].when." \
        "value` | 2 | 2.5 |" in out
    assert f"| burkhard-meier-2025 | {patient} | factor diameter_over_2cm | true | false |" in out


def test_diff_of_text_only_edits_exits_0(rules: Path, tmp_path: Path) -> None:
    new = tmp_path / "changed"
    shutil.copytree(rules, new)
    _break(new / "slms.yaml", "short_name: SLMS", "short_name: S.L.M.S.")
    code, out, _ = run("rules", "diff", str(rules), str(new))
    assert code == 0
    assert out.splitlines() == [f"{new / 'slms.yaml'}:7: short_name: SLMS -> S.L.M.S.",
                                "0 change(s) for 0 patient(s); 1 change(s) in the rule files"]
