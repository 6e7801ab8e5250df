"""`prognosis compare` start-up stays lean: it must not import what only other commands need.

A deterministic guard for the latency benchmark (bench/compare_startup.py): the
ratio there went from 1.78 to 1.42 by keeping these modules off the compare path.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "lung-metastases-lms.yaml"
# Through the console script's own entry (run), to its very end: the modules are listed
# by an atexit handler, which run() calls after everything it imports itself.
SCRIPT = """
import atexit, json, sys
sys.argv = ["prognosis", "compare", sys.argv[1]]

def listed():
    with open({out!r}, "w") as handle:
        json.dump(sorted(sys.modules), handle)

atexit.register(listed)
from prognosis.cli.main import run
run()
"""

FORBIDDEN = {
    "prognosis.engine.explain", "prognosis.cli.explain", "prognosis.cli.forest",
    "prognosis.engine.what_if", "prognosis.cli.what_if", "prognosis.cli.export",
    "prognosis.engine.report", "prognosis.engine.fhir", "html",
    "pathlib", "hashlib", "tempfile", "subprocess", "shutil", "jsonschema",
    "importlib.resources", "prognosis.engine.schema", "prognosis.engine.ruleformat",
    "prognosis.engine.checks", "prognosis.cli.rules_group", "prognosis.cli.rules_edit",
    "pandas", "pyarrow", "lifelines", "matplotlib", "dask",
    "textual", "prognosis.cli.board",  # `prognosis board` only
    "prognosis.engine.cohort",  # cohorts only (its package says so)
}


def test_compare_imports_nothing_it_does_not_need(tmp_path: Path) -> None:
    """With the rule cache warm (the first run fills it, validating the YAML)."""
    out = tmp_path / "modules.json"
    for _ in range(2):
        subprocess.run([sys.executable, "-c", SCRIPT.format(out=str(out)), str(EXAMPLE)],
                       check=True, capture_output=True)
    loaded = set(json.loads(out.read_text()))
    assert "durable.engine" in loaded and "prognosis.engine.evaluate" in loaded
    assert loaded & FORBIDDEN == set()
