"""Run the CLI with injected consoles (shared by the issue-6 test files)."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from click.testing import CliRunner
from rich.console import Console

from prognosis.cli.app import App
from prognosis.cli.main import cli

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
DEMO = EXAMPLES / "lung-metastases-lms.yaml"
# A patient whose DFI comes from two dates (2022-06-01 to 2024-05-01: 700 days).
DATED = """id: dated
histology: leiomyosarcoma
lung_metastasis_count: 2
lung_metastasis_max_diameter: 12 mm
extrapulmonary_metastases: false
primary_resection_date: 2022-06-01
lung_metastasis_diagnosis_date: 2024-05-01
"""


def run(*args: str, stdin: str | None = None, width: int = 100) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    app = App(out=Console(file=out, width=width, no_color=True, highlight=False),
              err=Console(file=err, width=width, no_color=True, highlight=False))
    result = CliRunner().invoke(cli, list(args), obj=app, input=stdin, catch_exceptions=False)
    return result.exit_code, out.getvalue() + result.stdout, err.getvalue() + result.stderr


def run_json(*args: str, stdin: str | None = None) -> Any:
    code, out, err = run(*args, stdin=stdin)
    assert code == 0, err
    return json.loads(out)
