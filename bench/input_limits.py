"""Bounded input (issue 11, item 2): time and peak memory of each bomb (a benchmark, not a test).

Each reproducer of the issue (tests/bombs.py) is run as its own `prognosis`
process; the script prints its exit code, wall time and peak RSS, and the
floor they are compared with: exit 2 (1 for `rules check`, a finding) in under
1 s and 200 MB. Exit status 1 when any bomb misses the floor.

Run: .venv/bin/python bench/input_limits.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from bombs import BOMBS  # noqa: E402

PROGNOSIS = str(Path(sys.executable).with_name("prognosis"))
FLOOR_SECONDS, FLOOR_MB = 1.0, 200


def main() -> int:
    failed = 0
    print(f"{'bomb':45} {'exit':>4} {'seconds':>8} {'peak MB':>8}  floor: < {FLOOR_SECONDS:g} s, "
          f"< {FLOOR_MB} MB")
    with tempfile.TemporaryDirectory() as directory:
        for name, make in BOMBS.items():
            folder = Path(directory) / str(abs(hash(name)))
            folder.mkdir()
            args = make(folder)
            start = time.perf_counter()
            process = subprocess.Popen([PROGNOSIS, *args], stdout=subprocess.DEVNULL,
                                       stderr=subprocess.DEVNULL)
            _, status, usage = os.wait4(process.pid, 0)
            seconds = time.perf_counter() - start
            code = os.waitstatus_to_exitcode(status)
            mb = usage.ru_maxrss / 1024
            expected = 2 if args[0] == "compare" else 1
            ok = code == expected and seconds < FLOOR_SECONDS and mb < FLOOR_MB
            failed += not ok
            print(f"{name:45} {code:>4} {seconds:>8.2f} {mb:>8.0f}  {'ok' if ok else 'MISSED'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
