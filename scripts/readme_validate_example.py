"""Regenerate the `validate` example of the README (and its calibration plot).

    .venv/bin/python scripts/readme_validate_example.py          # rewrite README.md
    .venv/bin/python scripts/readme_validate_example.py --check  # exit 1 if it is stale

The example is `prognosis validate` on `prognosis synth 5000 --seed 1`, at 100
columns, with the default bootstrap and seed: the numbers are reproducible, so
tests/test_readme_validate.py checks that the README shows exactly this output.
"""

from __future__ import annotations

import io
import sys
import tempfile
from pathlib import Path

from click.testing import CliRunner
from rich.console import Console

from prognosis.cli.app import App
from prognosis.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PLOT = ROOT / "docs" / "calibration-slms-synthetic.png"
START, END = "<!-- validate-example:start -->", "<!-- validate-example:end -->"
SYNTH = ("synth", "5000", "--seed", "1")
VALIDATE = ("validate", "s.csv", "--study", "slms", "--time", "os_months", "--event", "death")


def _run(*args: str) -> str:
    out = io.StringIO()
    app = App(out=Console(file=out, width=100, no_color=True, highlight=False),
              err=Console(file=io.StringIO(), width=100, no_color=True))
    result = CliRunner().invoke(cli, list(args), obj=app, catch_exceptions=False)
    if result.exit_code != 0:
        raise SystemExit(f"prognosis {' '.join(args)} failed: {result.output}")
    return out.getvalue() + result.stdout


def example(plot: Path | None = None) -> str:
    """The README block: the commands and what validate prints."""
    with tempfile.TemporaryDirectory() as scratch:
        cohort = str(Path(scratch) / "s.csv")
        _run(*SYNTH, "-o", cohort)
        extra = ("--calibration-plot", str(plot)) if plot else ()
        shown = _run(*[cohort if a == "s.csv" else a for a in VALIDATE], *extra)
    commands = (f"$ prognosis {' '.join(SYNTH)} -o s.csv\n$ prognosis {' '.join(VALIDATE)}\n")
    return f"{START}\n```\n{commands}{shown.rstrip()}\n```\n{END}"


def replaced(readme: str, block: str) -> str:
    head, rest = readme.split(START, 1)
    return head + block + rest.split(END, 1)[1]


def main(argv: list[str]) -> int:
    current = README.read_text(encoding="utf-8")
    if "--check" in argv:
        if replaced(current, example()) != current:
            print("README.md: the validate example is stale; run "
                  "scripts/readme_validate_example.py", file=sys.stderr)
            return 1
        return 0
    README.write_text(replaced(current, example(PLOT)), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
