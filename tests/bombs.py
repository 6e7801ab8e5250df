"""The bounded-input reproducers of issue 11 (item 2), shared by tests/test_bounded_input.py
and bench/input_limits.py (which times them). Each writes its input under `directory` and
returns the prognosis arguments that read it."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

MB = 1 << 20


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """A "billion laughs": width ** levels values from a few hundred bytes."""
    lines = ["histology: &a0 [" + ", ".join(['"lol"'] * width) + "]"]
    for level in range(1, levels):
        lines.append(f"x{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * width) + "]")
    lines.append(f"lung_metastasis_count: *a{levels - 1}")
    return "\n".join(lines) + "\n"


def _patient_alias_bomb(directory: Path) -> list[str]:
    path = directory / "alias-bomb.yaml"
    path.write_text(alias_bomb())
    return ["compare", str(path)]


def _unknown_keys(directory: Path) -> list[str]:
    path = directory / "unknown-keys.yaml"
    with path.open("w") as out:
        out.write("histology: leiomyosarcoma\n")
        for i in range(24 * MB // 24):
            out.write(f"unknown_key_{i:010d}: 1\n")
    return ["compare", str(path)]


def _small_unknown_keys(directory: Path) -> list[str]:
    """As many unknown keys as the size limit lets through (120 KiB)."""
    path = directory / "unknown-keys-small.yaml"
    path.write_text("histology: leiomyosarcoma\n" + "".join(
        f"unknown_key_{i:07d}: 1\n" for i in range(120 * 1024 // 23)))
    assert 100 * 1024 < path.stat().st_size < 128 * 1024
    return ["compare", str(path)]


def _enum_value(directory: Path) -> list[str]:
    path = directory / "enum.yaml"
    with path.open("w") as out:
        out.write("histology: ")
        for _ in range(50):
            out.write("x" * MB)
        out.write("\n")
    return ["compare", str(path)]


def _deep(directory: Path) -> list[str]:
    path = directory / "deep.yaml"
    path.write_text("id: " + "[" * 50_000 + "]" * 50_000 + "\n")
    return ["compare", str(path)]


def _fifo(directory: Path) -> list[str]:
    path = directory / "fifo.yaml"
    os.mkfifo(path)
    return ["compare", str(path)]


def _rule_alias_bomb(directory: Path) -> list[str]:
    rules = directory / "bomb-rules"
    rules.mkdir()
    (rules / "bomb.yaml").write_text(alias_bomb().replace("histology", "id"))
    return ["rules", "check", str(rules)]


BOMBS: dict[str, Callable[[Path], list[str]]] = {
    "alias bomb in a patient file": _patient_alias_bomb,
    "24 MB of unknown keys": _unknown_keys,
    "120 KiB of unknown keys (under the limit)": _small_unknown_keys,
    "50 MB enum value": _enum_value,
    "nesting 50,000 deep": _deep,
    "/dev/urandom": lambda d: ["compare", "/dev/urandom"],
    "/dev/zero": lambda d: ["compare", "/dev/zero"],
    "a FIFO with no writer": _fifo,
    "alias bomb in a rule file (rules check)": _rule_alias_bomb,
}
