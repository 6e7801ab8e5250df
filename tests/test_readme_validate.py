"""The README's `validate` example is the output of scripts/readme_validate_example.py:
the default seed is fixed, so the numbers a reader sees are the numbers they will get."""

from __future__ import annotations

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location(
        "readme_validate_example", ROOT / "scripts" / "readme_validate_example.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_readme_shows_exactly_what_validate_prints() -> None:
    script = _script()
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = script.example()
    assert block in readme, "stale: run .venv/bin/python scripts/readme_validate_example.py"
    assert "seed 20211" in block and "Calibration-in-the-large" in block


def test_the_check_mode_fails_on_a_stale_readme(tmp_path: Path) -> None:
    script = _script()
    stale = "intro\n" + script.START + "\nold numbers\n" + script.END + "\nrest\n"
    assert script.replaced(stale, "NEW") == "intro\nNEW\nrest\n"
