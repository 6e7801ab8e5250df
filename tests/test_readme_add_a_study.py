"""The README's "add a study" walk-through, followed line by line with no Python edit.

Each `prognosis ...` line of the README block runs as written (from a temporary
directory holding a copy of the rules); `cp` copies; the three `$EDITOR` steps are
done as the README says: fill in every TODO, keep the boundary patients after
checking them (here: as printed), then a later edit (the cut-off 10 mm -> 11 mm).
"""

from __future__ import annotations

import shlex
import shutil
from pathlib import Path

import pytest
from clirun import ROOT, run
from sixth_study import copy_rules, fill

SECTION = (ROOT / "README.md").read_text().split("### Adding a new study, step by step", 1)[1]
BLOCK = SECTION.split("```sh\n", 1)[1].split("```", 1)[0]


def test_the_walk_through_has_every_step() -> None:
    commands = [line.split("#")[0].split()[:3] for line in BLOCK.splitlines()]
    assert [c[:3] for c in commands if c[0] == "prognosis"] == [
        ["prognosis", "rules", "new"], ["prognosis", "rules", "check"],
        ["prognosis", "rules", "test"], ["prognosis", "rules", "examples"],
        ["prognosis", "rules", "test"], ["prognosis", "rules", "diff"]]


def test_following_the_walk_through(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    copy_rules(tmp_path / "rules")
    study = tmp_path / "rules" / "smith-2026.yaml"
    edits = iter([
        lambda: study.write_text(fill(study.read_text())),
        lambda: None,  # the printed boundary patients, checked against the paper, are kept
        lambda: study.write_text(study.read_text().replace("value: 10, unit: mm",
                                                           "value: 11, unit: mm")),
    ])
    codes: list[tuple[str, int]] = []
    outputs: list[str] = []
    for line in BLOCK.splitlines():
        words = shlex.split(line, comments=True)
        if not words:
            continue
        if words[0] == "$EDITOR":
            next(edits)()
            continue
        if words[0] == "mkdir":
            Path(words[1]).mkdir()
            continue
        if words[0] == "cp":
            shutil.copy(words[1], words[2])
            continue
        assert words[0] == "prognosis", line
        target = None
        if ">>" in words:
            words, target = words[:words.index(">>")], words[words.index(">>") + 1]
        code, out, err = run(*words[1:], width=200)
        if target:
            with open(target, "a") as handle:
                handle.write(out)
        codes.append((" ".join(words[1:3]), code))
        outputs.append(out + err)
    assert codes == [("rules new", 0), ("rules check", 0), ("rules test", 0),
                     ("rules examples", 0), ("rules test", 0), ("rules diff", 1)]
    assert "coverage smith-2026: 75% (3 of 4 sides)" in outputs[2]
    assert "coverage smith-2026: 100% (4 of 4 sides)" in outputs[4]
    assert "mutants smith-2026: 10 generated, 10 killed, 0 survived" in outputs[4]
    assert "smith-2026: example 'lung_metastasis_max_diameter at >= 10 mm (10 mm)': " \
        "factor example_factor: true -> false" in outputs[5]
