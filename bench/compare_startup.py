"""Start-up benchmark of `prognosis compare` (a benchmark, not a test).

Times `prognosis compare` on a bundled example against the bare imports it
cannot avoid (`python -c "import click, rich.console, rich.table, yaml,
durable.lang"`), in alternation so that machine noise hits both alike, and
prints the ratio of the medians. Goal (issue "Compare one patient"): <= 1.5.

Run: make bench   (or .venv/bin/python bench/compare_startup.py [--runs N])
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
EXAMPLE = ROOT / "examples" / "lung-metastases-lms.yaml"
BASELINE = [sys.executable, "-c", "import click, rich.console, rich.table, yaml, durable.lang"]


def _time(command: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                   env={**os.environ, "NO_COLOR": "1"})
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--format", default="table", choices=["table", "json", "markdown"])
    args = parser.parse_args()
    prognosis = str(BIN / "prognosis")
    compare = [prognosis, "compare", str(EXAMPLE), "--format", args.format]
    for _ in range(2):  # warm the file cache and .pyc files
        _time(BASELINE)
        _time(compare)
    base, tool = [], []
    for _ in range(args.runs):
        base.append(_time(BASELINE))
        tool.append(_time(compare))
    b, t = statistics.median(base), statistics.median(tool)
    print(f"runs: {args.runs} each, alternating")
    print(f"baseline imports  median {b * 1000:7.1f} ms")
    print(f"prognosis compare median {t * 1000:7.1f} ms  (--format {args.format})")
    print(f"ratio of medians: {t / b:.2f}  (goal <= 1.5)")


if __name__ == "__main__":
    main()
