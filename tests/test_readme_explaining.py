"""The README's worked patient (disagreements, near cut-offs, explain, what-if) is what the
tool prints: every line of its example blocks appears in the real output."""

from __future__ import annotations

from clirun import DEMO, ROOT, run
from conftest import ROSTER_STUDIES

SECTION = (ROOT / "README.md").read_text().split(
    "## Explaining a comparison", 1)[1].split("\n## ", 1)[0]


def _flat(text: str) -> str:
    return " ".join(text.split())


def _output() -> str:
    outputs = []
    for args in (["compare", str(DEMO)], ["explain", str(DEMO)],
                 ["compare", str(DEMO), "--what-if", "disease_free_interval=25 months"]):
        code, out, err = run(*args, *ROSTER_STUDIES)
        assert code == 0, err
        outputs.append(out)
    return _flat("\n".join(outputs))


def test_every_example_line_is_real_output() -> None:
    output = _output()
    blocks = SECTION.split("```")[3::2]  # the example blocks after the usage block
    assert len(blocks) >= 4
    checked = 0
    for block in blocks:
        for line in block.splitlines():
            line = line.split("[")[0] if "  [" in line and "..." in line else line
            if not line.strip() or "..." in line:
                continue
            assert _flat(line) in output, line
            checked += 1
    assert checked > 40


def test_margins_are_said_to_be_conventions() -> None:
    assert "**this tool's conventions, not evidence**" in SECTION
