"""The console script (`prognosis`, cli.main.run) ends the process without the interpreter's
teardown: what a teardown would do that matters must still happen. Each test runs `run` in
a process of its own, from the checkout."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

import pytest

from prognosis.cli.app import ExitCode

ROOT = Path(__file__).resolve().parent.parent
DEMO = str(ROOT / "examples" / "lung-metastases-lms.yaml")


def _buffered() -> dict[str, str]:
    """The environment, with output block-buffered as a user's piped output is
    (PYTHONUNBUFFERED would hide a lost flush)."""
    return {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}


def _python(code: str, *args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True,
                          timeout=120, check=False, cwd=cwd, env=_buffered())


def _synth_then_a_late_write(tmp_path: Path, stdout: Any) -> subprocess.CompletedProcess[bytes]:
    """`prognosis synth 5 -o FILE` (nothing on stdout, exit 0) through run(), with an atexit
    handler that leaves 100 characters in stdout's buffer for the last flush."""
    code = ("import sys, atexit\n"
            "atexit.register(lambda: sys.stdout.write('x' * 100))\n"
            "from prognosis.cli.main import run\n"
            f"sys.argv = ['prognosis', 'synth', '5', '-o', {str(tmp_path / 's.csv')!r}]\n"
            "run()\n")
    return subprocess.run([sys.executable, "-c", code], stdout=stdout, stderr=subprocess.PIPE,
                          timeout=120, check=False, env=_buffered())


def _run(*args: str, before: str = "") -> subprocess.CompletedProcess[str]:
    """`prognosis ARGS` through run(), after the Python statements `before`."""
    return _python(f"import sys\n{before}\nfrom prognosis.cli.main import run\n"
                   "sys.argv = ['prognosis', *sys.argv[1:]]\nrun()\n", *args)


def _main(*args: str) -> subprocess.CompletedProcess[str]:
    return _python("import sys\nfrom prognosis.cli.main import main\n"
                   "sys.argv = ['prognosis', *sys.argv[1:]]\nmain()\n", *args)


def test_the_command_is_run_as_declared_and_as_installed() -> None:
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert scripts == {"prognosis": "prognosis.cli.main:run"}
    installed = entry_points(group="console_scripts")["prognosis"]
    assert installed.value == "prognosis.cli.main:run"  # a stale .venv would say main


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
    """The thread writes its mark only once the main thread has ended: os._exit would
    end the process first."""
    mark = tmp_path / "mark"
    done = _run("--version", before=(
        "import pathlib, threading\n"
        "def late():\n    threading.main_thread().join()\n"
        f"    pathlib.Path({str(mark)!r}).write_text('done')\n"
        "threading.Thread(target=late).start()"))
    assert done.returncode == ExitCode.OK and mark.read_text() == "done"


def test_a_closed_pipe_found_by_the_last_flush_exits_141(tmp_path: Path) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader has gone
    try:
        done = _synth_then_a_late_write(tmp_path, write)
    finally:
        os.close(write)
    assert done.returncode == ExitCode.PIPE_CLOSED, done.stderr
    assert (tmp_path / "s.csv").read_text().startswith('"synthetic","id",')


def test_a_full_disk_found_by_the_last_flush_exits_120(tmp_path: Path) -> None:
    with open("/dev/full", "w") as full:
        done = _synth_then_a_late_write(tmp_path, full)
    assert done.returncode == 120, done.stderr


def test_a_message_given_to_sys_exit_is_printed_and_exits_1() -> None:
    done = _run(before="import prognosis.cli.main as cli_main\n"
                "cli_main.main = lambda: sys.exit('gone wrong')")
    assert (done.returncode, done.stderr) == (1, "gone wrong\n")


def test_stdout_closed_from_the_start_exits_as_main_does(tmp_path: Path) -> None:
    """`prognosis ... >&-`: no standard output at all (sys.stdout is None)."""
    args = ["synth", "5", "-o", str(tmp_path / "s.csv")]
    runs = [subprocess.run([sys.executable, "-c", f"import sys\nfrom prognosis.cli.main "
                            f"import {name}\nsys.argv = ['prognosis', *sys.argv[1:]]\n"
                            f"{name}()\n", *args], stdout=subprocess.DEVNULL,
                           stderr=subprocess.PIPE, text=True, timeout=120, check=False,
                           cwd=ROOT, close_fds=True, preexec_fn=lambda: os.close(1))
            for name in ("run", "main")]
    assert runs[0].returncode == runs[1].returncode
    assert runs[0].stderr == runs[1].stderr
    assert "Traceback" not in runs[0].stderr
