"""Bounded input (issue 11, item 2): every bomb ends with exit 2, a short message and
little memory. Timing is measured by bench/input_limits.py (no timed tests); the
subprocess timeout here only catches a hang."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from bombs import BOMBS, alias_bomb
from clirun import run

from prognosis.engine.errors import InputError
from prognosis.engine.yamlio import PATIENT, RULES, parse_yaml

PROGNOSIS = str(Path(sys.executable).with_name("prognosis"))
MAX_RSS_MB = 200


# A process started by this one reports at least this one's peak RSS (Linux keeps the
# parent's high-water mark across fork and exec), so a test run that has grown past the
# limit would fail every bomb: a lean Python in between starts and measures prognosis.
MEASURE = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[1:], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
err = process.stderr.read(1 << 20)
process.stderr.close()
_, status, usage = os.wait4(process.pid, 0)
sys.stderr.buffer.write(err)
sys.stdout.write(f"{os.waitstatus_to_exitcode(status)} {usage.ru_maxrss}")
"""


def run_measured(args: list[str], stdin: int | None = None) -> tuple[int, str, float]:
    """Exit code, stderr and peak RSS (MB) of one prognosis process."""
    done = subprocess.run([sys.executable, "-S", "-c", MEASURE, PROGNOSIS, *args],
                          stdin=stdin, capture_output=True, check=True)
    code, rss = done.stdout.split()
    return int(code), done.stderr.decode(errors="replace"), int(rss) / 1024


@pytest.mark.parametrize("name", list(BOMBS))
def test_each_bomb_is_exit_2_with_a_short_message_in_little_memory(
        tmp_path: Path, name: str) -> None:
    args = BOMBS[name](tmp_path)
    code, err, rss = run_measured(args)
    assert code == 2 if args[0] == "compare" else code == 1, err  # rules check: a finding
    assert "Traceback" not in err and "internal error" not in err
    assert len(err) < 5_000
    assert rss < MAX_RSS_MB, f"{name}: {rss:.0f} MB"


def test_standard_input_is_bounded_too(tmp_path: Path) -> None:
    with open("/dev/zero", "rb") as zero:
        code, err, rss = run_measured(["compare", "-"], stdin=zero.fileno())
    assert code == 2 and "larger than 128 KiB, the most a patient file may be" in err
    assert rss < MAX_RSS_MB


def test_the_messages_of_each_limit(tmp_path: Path) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(alias_bomb())
    code, _, err = run("compare", str(path))
    assert code == 2 and "p.yaml:2:10: aliases (*a0) are not allowed in a patient file" in err
    path.write_text("histology: leiomyosarcoma\n" + "x" * (128 * 1024))
    code, _, err = run("compare", str(path))
    assert code == 2 and "larger than 128 KiB, the most a patient file may be" in err
    path.write_text("".join(f"unknown_{i}: 1\n" for i in range(100)))
    code, _, err = run("compare", str(path))
    assert code == 2 and err.count(": unknown field") == 20
    assert err.count("known fields: id,") == 1  # the list once
    assert "and 80 more unknown field(s) not shown" in err
    path.write_text("histology: " + "x" * 100_000 + "\n")
    code, _, err = run("compare", str(path))
    assert code == 2 and "(100,000 characters) is not allowed" in err and len(err) < 1_000


def test_rule_files_may_use_aliases_within_the_cap() -> None:
    assert parse_yaml("a: &x [1, 2]\nb: *x\n", "r.yaml", RULES) == {"a": [1, 2], "b": [1, 2]}
    with pytest.raises(InputError, match="aliases expand this document to more than 200,000"):
        parse_yaml(alias_bomb(), "r.yaml", RULES)
    with pytest.raises(InputError, match=r"alias \*x refers to itself"):
        parse_yaml("a: &x [1, *x]\n", "r.yaml", RULES)
    with pytest.raises(InputError, match=r"aliases .* are not allowed in a patient file"):
        parse_yaml("a: &x 1\nb: *x\n", "p.yaml", PATIENT)


@pytest.mark.parametrize(("depth", "ok"), [(32, True), (33, False)])
def test_nesting_depth_limit_both_sides(depth: int, ok: bool) -> None:
    text = "a: " + "[" * (depth - 1) + "]" * (depth - 1) + "\n"  # the mapping is level 1
    if ok:
        parse_yaml(text, "p.yaml", PATIENT)
    else:
        with pytest.raises(InputError, match="nested more than 32 levels deep"):
            parse_yaml(text, "p.yaml", PATIENT)


def test_size_limit_both_sides(tmp_path: Path) -> None:
    from prognosis.engine.yamlio import read_text

    path = tmp_path / "p.yaml"
    path.write_text("#" * (128 * 1024 - 1) + "\n")
    assert len(read_text(str(path), PATIENT)) == 128 * 1024
    path.write_text("#" * (128 * 1024) + "\n")
    with pytest.raises(InputError, match="larger than 128 KiB"):
        read_text(str(path), PATIENT)
