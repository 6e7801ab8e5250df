"""Signals (issue 11, item 4): a cohort run with worker processes, interrupted by SIGINT
(to the whole process group, as Ctrl-C is), SIGTERM, SIGHUP or SIGKILL, leaves no worker,
no temporary file (after SIGKILL: until the next run on the same output) and no traceback,
and exits 128 + the signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from prognosis.cli.app import ExitCode

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"),
                                reason="reads /proc; the parent-death signal is Linux's")

PROGNOSIS = str(Path(sys.executable).with_name("prognosis"))
HEADER = "id,histology,lung_metastasis_count,lung_metastasis_max_diameter,disease_free_interval"
ROWS = ["a,leiomyosarcoma,8,22 mm,300 days", "b,lms,1,15 mm,800 days",
        "c,osteosarcoma,2,3 cm,12 months"] * 80_000  # several batches: the workers start


def descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            fields = stat.rsplit(")", 1)[1].split()
            if fields[0] != "Z":
                children.setdefault(int(fields[1]), []).append(int(entry))
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def alive(pids: list[int]) -> list[int]:
    living = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            living.append(pid)
    return living


def start_run(tmp_path: Path) -> tuple[subprocess.Popen[bytes], list[int]]:
    """A run with 2 processes, busy (its input still open), and its worker processes."""
    process = subprocess.Popen([PROGNOSIS, "cohort", "-", "-o", "out.csv", "--workers", "2"],
                               stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, cwd=tmp_path, start_new_session=True)
    assert process.stdin is not None
    process.stdin.write(("\n".join([HEADER, *ROWS]) + "\n").encode())
    process.stdin.flush()
    deadline = time.monotonic() + 60
    while True:
        workers = descendants(process.pid)
        parts = [p for p in os.listdir(tmp_path) if p.startswith(".out.csv.part-")]
        if parts and len(workers) >= 3:  # resource tracker, fork server, a worker
            return process, workers
        assert process.poll() is None, process.communicate()[1].decode()
        assert time.monotonic() < deadline, "the run never started its workers"
        time.sleep(0.05)


def wait_gone(pids: list[int], seconds: float = 20) -> list[int]:
    deadline = time.monotonic() + seconds
    while alive(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    return alive(pids)


@pytest.mark.parametrize(("signum", "to_group", "code"), [
    (signal.SIGINT, True, ExitCode.INTERRUPTED),
    (signal.SIGINT, False, ExitCode.INTERRUPTED),
    (signal.SIGTERM, False, ExitCode.TERMINATED),
    (signal.SIGHUP, True, ExitCode.HUNG_UP),
])
def test_a_signal_ends_the_run_cleanly(tmp_path: Path, signum: int, to_group: bool,
                                       code: int) -> None:
    process, workers = start_run(tmp_path)
    if to_group:
        os.killpg(process.pid, signum)
    else:
        process.send_signal(signum)
    _, err = process.communicate(timeout=60)
    assert process.returncode == code, err.decode()
    assert b"Traceback" not in err
    assert err.decode().rstrip().endswith("interrupted")
    assert wait_gone(workers) == []
    assert os.listdir(tmp_path) == []


def test_after_sigkill_workers_die_and_the_next_run_removes_the_part_file(
        tmp_path: Path) -> None:
    process, workers = start_run(tmp_path)
    process.kill()
    process.wait(timeout=30)
    assert process.stderr is not None
    process.stderr.close()
    assert wait_gone(workers) == []  # the kernel's parent-death signal, not luck
    [part] = os.listdir(tmp_path)
    assert part == f".out.csv.part-{process.pid}"
    (tmp_path / "in.csv").write_text("\n".join([HEADER, *ROWS[:3]]) + "\n")
    done = subprocess.run([PROGNOSIS, "cohort", "in.csv", "-o", "out.csv", "--workers", "1"],
                          cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr.decode()
    assert sorted(os.listdir(tmp_path)) == ["in.csv", "out.csv"]
