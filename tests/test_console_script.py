"""The console script (`prognosis`, cli.main.run) ends the process without the interpreter's
teardown: what a teardown would do that matters must still happen. Each test runs `run` in
a process of its own, from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from prognosis.cli.app import ExitCode

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "examples" / "lung-metastases-lms.yaml")


def _python(code: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    # Block-buffered, as a user's piped output is (PYTHONUNBUFFERED would hide a lost flush).
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, check=False, cwd=cwd, env=env)


def _run(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """`prognosis ARGS` through run(), after the Python statements `before`."""
    return _python(f"import sys\n{before}\nfrom prognosis.cli.main import run\n"
                   "sys.argv = ['prognosis', *sys.argv[1:]]\nrun()\n", *args)


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return _python("import sys\nfrom prognosis.cli.main import main\n"
                   "sys.argv = ['prognosis', *sys.argv[1:]]\nmain()\n", *args)


def test_the_installed_command_is_run() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"prognosis": "prognosis.cli.main:run"}


def test_everything_printed_is_flushed() -> None:
    """Piped stdout is block-buffered: the whole JSON arrives, as through main."""
    through_run, through_main = _run("compare", DEMO, "--format", "json"), _main(
        "compare", DEMO, "--format", "json")
    assert (through_run.returncode, through_run.stderr) == (ExitCode.OK, "")
    assert through_run.stdout == through_main.stdout
    assert json.loads(through_run.stdout)["patient_id"] == "example-lms-lung"


@pytest.mark.parametrize(("args", "code"), [
    (["--version"], ExitCode.OK),
    (["compare", "no-such-patient.yaml"], ExitCode.BAD_INPUT),
    (["rules", "show", "no-such-study"], ExitCode.BAD_INPUT),
], ids=["ok", "missing-file", "unknown-study"])
def test_the_exit_code_is_mains(args: list[str], code: int) -> None:
    through_run, through_main = _run(*args), _main(*args)
    assert through_run.returncode == through_main.returncode == code
    assert through_run.stderr == through_main.stderr


def test_a_cohort_with_a_rejected_row_exits_3_with_its_output_whole(tmp_path: Path) -> None:
    source = tmp_path / "in.csv"
    source.write_text("id,histology,lung_metastasis_count\na,leiomyosarcoma,2\nb,x,2\n")
    out = tmp_path / "out.csv"
    done = _run("cohort", str(source), "-o", str(out), "--quiet")
    assert done.returncode == ExitCode.REJECTED_ROWS, done.stderr
    assert [line.split(",")[:2] for line in out.read_text().splitlines()] == [
        ['"row"', '"id"'], ["1", '"a"']]
    assert "row 2" in done.stderr


def test_atexit_handlers_run_and_what_they_print_is_flushed() -> None:
    done = _run("--version", before="import atexit\n"
                "atexit.register(lambda: sys.stdout.write('last words'))")
    assert done.returncode == ExitCode.OK
    assert done.stdout.endswith("last words") and "prognosis" in done.stdout


def test_a_thread_still_working_is_waited_for(tmp_path: Path) -> None:
    mark = tmp_path / "mark"
    done = _run("--version", before=(
        "import pathlib, threading, time\n"
        "def late():\n    time.sleep(0.3)\n"
        f"    pathlib.Path({str(mark)!r}).write_text('done')\n"
        "threading.Thread(target=late).start()"))
    assert done.returncode == ExitCode.OK and mark.read_text() == "done"
