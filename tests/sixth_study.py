"""A sixth study as its author would add it: `rules new`, then every TODO filled in.

The study is fictional (it exists only in tests); nothing here is bundled.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from clirun import run

from prognosis.engine.loader import bundled_rules_dir

SIXTH = "smith-2026"


def copy_rules(target: Path) -> Path:
    shutil.copytree(bundled_rules_dir(), target, ignore=shutil.ignore_patterns("__*", "*.py"))
    return target


def fill(text: str) -> str:
    """What an author does to the scaffold: write each TODO out, review, set the status."""
    text = re.sub(r"TODO (\S)", lambda m: m.group(1).upper(), text)
    return text.replace("status: draft", "status: research")


def add_sixth_study(rules: Path) -> Path:
    code, _, err = run("rules", "new", SIXTH, "--dir", str(rules))
    assert code == 0, err
    path = rules / f"{SIXTH}.yaml"
    path.write_text(fill(path.read_text()))
    return path
