"""The README documents what the code does: its field table follows rules/fields.yaml."""

from __future__ import annotations

import re
from pathlib import Path

from clirun import DEMO, run

from prognosis.engine.loader import load_library

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def _field_rows() -> dict[str, str]:
    rows = {}
    section = README.split("## The patient file", 1)[1].split("\n## ", 1)[0]
    for line in section.splitlines():
        match = re.match(r"^\| `([a-z_]+)` \|(.*)\|$", line)
        if match and "|" in match.group(2):  # the field table has three columns
            rows[match.group(1)] = match.group(2)
    return rows


def test_every_input_field_is_documented_with_its_unit_or_values() -> None:
    fields = load_library().fields
    rows = _field_rows()
    assert set(rows) == {f.name for f in fields.input_fields()}
    for f in fields.input_fields():
        row = rows[f.name]
        if f.type == "enum":
            for value in f.values:
                assert value in row, (f.name, value)
        if f.canonical_unit:
            assert f.canonical_unit in row, (f.name, f.canonical_unit)


def test_quick_start_has_exactly_the_two_commands() -> None:
    block = README.split("## Quick start", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in block.strip().splitlines()]
    assert commands == ["make demo", "make test"]


def test_the_worked_patients_panel_is_what_compare_prints() -> None:
    """The panel the README quotes is the output itself (it had been shortened by hand and
    read as broken)."""
    start = README.index("```\nWhere the studies disagree, and why\n") + 4
    quoted = README[start:README.index("```\n", start)]
    code, out, err = run("compare", str(DEMO), width=100)
    assert code == 0, err
    printed = out[out.index("Where the studies disagree, and why\n"):]
    assert printed.startswith(quoted)
    assert printed[len(quoted):].startswith("\n")  # the whole panel: a blank line ends it
