"""Piped output. Into a reader that has gone (`prognosis ... | head -1`): no traceback, no
message, exit PIPE_CLOSED (141, as a shell reports a process ended by SIGPIPE), never 1,
which means "findings". rich's and click's own handling both exit 1."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from prognosis.cli.app import ExitCode

PROGNOSIS = str(Path(sys.executable).with_name("prognosis"))
DEMO = str(Path(__file__).resolve().parent.parent / "examples" / "lung-metastases-lms.yaml")


@pytest.mark.parametrize("args", [
    ["compare", DEMO],  # rich's table
    ["compare", DEMO, "--format", "json"],  # plain text on stdout
    ["rules", "list"],
    ["--help"],  # click's help, written before any command runs
], ids=["table", "json", "rules-list", "help"])
def test_a_closed_pipe_exits_141_quietly(args: list[str]) -> None:
    read, write = os.pipe()
    os.close(read)  # the reader is gone before the first byte is written
    try:
        done = subprocess.run([PROGNOSIS, *args], stdout=write, stderr=subprocess.PIPE,
                              timeout=60, check=False)
    finally:
        os.close(write)
    assert (done.returncode, done.stderr) == (ExitCode.PIPE_CLOSED, b"")
    assert ExitCode.PIPE_CLOSED == 141


def test_an_open_pipe_still_exits_0() -> None:
    done = subprocess.run([PROGNOSIS, "rules", "list"], capture_output=True, timeout=60,
                          check=False)
    assert done.returncode == ExitCode.OK and b"slms" in done.stdout


@pytest.mark.parametrize("args", [["compare", DEMO], ["explain", DEMO], ["rules", "list"],
                                  ["rules", "show", "slms"]],
                         ids=["compare", "explain", "rules-list", "rules-show"])
def test_piped_output_has_no_trailing_spaces(args: list[str]) -> None:
    """rich pads every line of a table to its width; piped into a file or a diff, the
    padding is noise, so it is dropped (the text and its layout are unchanged)."""
    done = subprocess.run([PROGNOSIS, *args], capture_output=True, timeout=60, check=False,
                          env={**os.environ, "COLUMNS": "80"})
    lines = done.stdout.decode().splitlines()
    assert done.returncode == ExitCode.OK and len(lines) > 5
    assert [line for line in lines if line != line.rstrip(" ")] == []
