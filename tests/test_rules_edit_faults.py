"""`rules edit` faults (issue 11, item 5): a concurrent change is never overwritten, a
symlink's target is edited, mode is kept, `.bak` is atomic, warnings fail as with
`rules check --strict`, and every failure names the edited copy (SIGTERM and SIGHUP too)."""

from __future__ import annotations

import os
import shutil
import signal
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from test_cli_rules import _editor, run

from prognosis.cli.app import ExitCode
from prognosis.engine.loader import bundled_rules_dir

PROGNOSIS = str(Path(sys.executable).with_name("prognosis"))
# the estimate and the example that asserts it change together (rules test would see one)
CHANGE = 'sed -i "s/value: 39.0/value: 39.5/; s/36 months: 39%/36 months: 39.5%/" "$1"\n'


@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), target, ignore=shutil.ignore_patterns("__*", "*.py"))
    return target


def edit(rules: Path, editor: str, *extra: str) -> tuple[int, str, str]:
    return run("rules", "edit", "slms", "--rules", str(rules), *extra,
               env={"EDITOR": editor, "VISUAL": ""})


def copy_named(err: str) -> Path:
    assert "your edited copy is " in err, err
    return Path(err.split("your edited copy is ")[1].split()[0])


def test_a_change_made_by_someone_else_during_the_edit_is_not_overwritten(
        rules: Path, tmp_path: Path) -> None:
    path = rules / "slms.yaml"
    editor = _editor(tmp_path, CHANGE + f'echo "# theirs" >> {path}\n')
    code, _, err = edit(rules, editor)
    assert code == ExitCode.FINDINGS
    assert "was changed by someone else while you were editing" in err
    assert path.read_text().endswith("# theirs\n")  # their change kept
    assert "value: 39.5" in copy_named(err).read_text()  # and ours, in the copy
    assert not (rules / "slms.yaml.bak").exists()


def test_a_symlinked_rule_file_is_edited_through_the_link(rules: Path, tmp_path: Path) -> None:
    real = tmp_path / "elsewhere" / "slms.yaml"
    real.parent.mkdir()
    shutil.move(rules / "slms.yaml", real)
    (rules / "slms.yaml").symlink_to(real)
    code, _, err = edit(rules, _editor(tmp_path, CHANGE))
    assert code == ExitCode.OK, err
    assert (rules / "slms.yaml").is_symlink()
    assert "value: 39.5" in real.read_text()
    assert (real.parent / "slms.yaml.bak").exists()
    assert f"(a link to {real}) updated" in err


@pytest.mark.parametrize("mode", [0o644, 0o664, 0o600])
def test_mode_is_kept_for_the_file_and_its_backup(rules: Path, tmp_path: Path,
                                                  mode: int) -> None:
    path = rules / "slms.yaml"
    path.chmod(mode)
    code, _, err = edit(rules, _editor(tmp_path, CHANGE))
    assert code == ExitCode.OK, err
    assert stat.S_IMODE(path.stat().st_mode) == mode
    assert stat.S_IMODE((rules / "slms.yaml.bak").stat().st_mode) == mode


def test_a_failed_write_leaves_the_original_and_names_the_copy(rules: Path,
                                                                tmp_path: Path) -> None:
    path = rules / "slms.yaml"
    before = path.read_text()
    (rules / "slms.yaml.bak").mkdir()  # the backup cannot be written (as a full disk)
    code, _, err = edit(rules, _editor(tmp_path, CHANGE))
    assert code == ExitCode.BAD_INPUT
    assert "cannot write" in err
    assert path.read_text() == before
    assert "value: 39.5" in copy_named(err).read_text()
    assert [p.name for p in rules.iterdir() if p.name.endswith(".tmp")] == []


def test_warnings_fail_as_with_check_strict_unless_no_strict(rules: Path,
                                                             tmp_path: Path) -> None:
    path = rules / "slms.yaml"
    editor = _editor(tmp_path, 'sed -i "s/^title: /title: TODO /" "$1"\n')
    code, _, err = edit(rules, editor)
    assert code == ExitCode.FINDINGS
    assert "[todo]" in err and "--no-strict lets them through" in err
    assert "TODO" not in path.read_text()
    copy_named(err)
    code, _, err = edit(rules, editor, "--no-strict")
    assert code == ExitCode.OK, err
    assert "title: TODO " in path.read_text()


@pytest.mark.parametrize("body", [
    "rm \"$1\"\n",                               # the copy removed
    "printf '\\377\\376' >> \"$1\"\n",           # not UTF-8
    "exit 5\n",                                  # the editor fails
])
def test_every_failure_names_the_edited_copy(rules: Path, tmp_path: Path, body: str) -> None:
    before = (rules / "slms.yaml").read_text()
    code, _, err = edit(rules, _editor(tmp_path, CHANGE + body))
    assert code in (ExitCode.FINDINGS, ExitCode.BAD_INPUT), err
    assert "the original" in err and "is untouched; your edited copy is" in err
    assert (rules / "slms.yaml").read_text() == before


@pytest.mark.parametrize(("signum", "code"), [(signal.SIGTERM, ExitCode.TERMINATED),
                                              (signal.SIGHUP, ExitCode.HUNG_UP),
                                              (signal.SIGINT, ExitCode.INTERRUPTED)])
def test_a_signal_during_the_edit_names_the_copy(rules: Path, tmp_path: Path, signum: int,
                                                 code: int) -> None:
    path = rules / "slms.yaml"
    before = path.read_text()
    editor = _editor(tmp_path, CHANGE + f"kill -{signum} $PPID\nsleep 1\n")
    done = subprocess.run([PROGNOSIS, "rules", "edit", "slms", "--rules", str(rules)],
                          env={**os.environ, "EDITOR": editor, "VISUAL": ""},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    assert "interrupted: the original" in done.stderr
    assert "value: 39.5" in copy_named(done.stderr).read_text()
    assert path.read_text() == before
