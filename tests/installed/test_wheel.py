"""What an installed user gets, checked in a venv holding the built wheel (not editable).

Run by `make wheel-check` (part of `make test` and CI) from tests/installed with
.venv-wheel's Python. The development suite (tests/) runs on the checkout instead.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import prognosis.engine
from prognosis.engine.loader import FIELDS_FILE, bundled_rules_path, load_library

ROOT = Path(__file__).resolve().parents[2]


def test_the_package_comes_from_the_wheel_not_the_checkout() -> None:
    where = Path(prognosis.engine.__file__).resolve()
    assert Path(sysconfig.get_paths()["purelib"]).resolve() in where.parents
    assert where.parent != ROOT / "engine"


def test_the_wheel_ships_every_rule_file_and_the_schema() -> None:
    shipped = Path(bundled_rules_path())
    assert Path(sysconfig.get_paths()["purelib"]).resolve() in shipped.resolve().parents
    names = {p.name for p in shipped.glob("*.yaml")}
    assert names == {p.name for p in (ROOT / "rules").glob("*.yaml")}
    assert FIELDS_FILE in names
    schemas = {p.name for p in (shipped / "schema").glob("*.json")}
    assert schemas == {p.name for p in (ROOT / "rules" / "schema").glob("*.json")}
    assert all(json.loads((shipped / "schema" / s).read_text()) for s in schemas)
    assert (Path(prognosis.engine.__file__).parent / "py.typed").exists()


def test_the_shipped_rules_load_and_pass_their_checks_and_examples() -> None:
    os.environ["PROGNOSIS_NO_CACHE"] = "1"
    library = load_library()
    assert {rs.id for rs in library.rule_sets} == {
        p.stem for p in (ROOT / "rules").glob("*.yaml") if p.name != FIELDS_FILE}
    prognosis = Path(sys.executable).parent / "prognosis"
    for command in (["rules", "check", "--strict"], ["rules", "test"]):
        done = subprocess.run([str(prognosis), *command], capture_output=True, text=True)
        assert done.returncode == 0, done.stdout + done.stderr


def test_the_console_script_compares_the_demo_patient() -> None:
    prognosis = Path(sys.executable).parent / "prognosis"
    done = subprocess.run([str(prognosis), "compare", str(ROOT / "examples" /
                                                          "lung-metastases-lms.yaml"),
                           "--format", "json"], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert len(json.loads(done.stdout)["results"]) == len(load_library().rule_sets)
