"""The suite tests the working tree, not an installed copy of it.

.venv holds an editable install (Makefile), so every `prognosis` module is the
checkout's own file: an edit to engine/logic.py is what the next `pytest` runs,
with no reinstall. (tests/installed checks the built wheel separately.)
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

import prognosis.cli
import prognosis.engine
from prognosis.engine.loader import bundled_rules_path

ROOT = Path(__file__).resolve().parent.parent


def test_every_prognosis_module_is_the_checkouts_own_file() -> None:
    for package, folder in ((prognosis.engine, "engine"), (prognosis.cli, "cli")):
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            module = importlib.import_module(info.name)
            path = Path(str(module.__file__)).resolve()
            relative = info.name.split(".")[2:]
            expected = ROOT / folder / Path(*relative)
            assert path in (expected.with_suffix(".py"), expected / "__init__.py"), info.name


def test_the_bundled_rules_are_the_checkouts_rules_folder() -> None:
    assert Path(bundled_rules_path()).resolve() == ROOT / "rules"
