"""`prognosis explain` wraps at the terminal width: hanging indents, no word broken."""

from __future__ import annotations

import pytest
from clirun import DEMO, EXAMPLES, run

from prognosis.cli.render_explain import HANG, wrap_line

PATIENTS = sorted([*EXAMPLES.glob("*.yaml"), *EXAMPLES.glob("*.json")])


def explain(patient: str, width: int) -> list[str]:
    code, out, err = run("explain", patient, width=width)
    assert code == 0, err
    return out.splitlines()


@pytest.mark.parametrize("width", [80, 100])
@pytest.mark.parametrize("patient", PATIENTS, ids=lambda p: p.name)
def test_explain_wraps_at_the_width_without_breaking_a_word(patient: object,
                                                            width: int) -> None:
    wide = explain(str(patient), 10_000)
    narrow = explain(str(patient), width)
    # The same words in the same order: nothing cut, nothing broken inside.
    assert " ".join(narrow).split() == " ".join(wide).split()
    assert len(narrow) > len(wide)  # every example has lines longer than 100 characters
    words = {w for line in wide for w in line.split()}
    for line in narrow:
        # A line exceeds the width only when it is one word that is wider itself.
        assert len(line) <= width or len(line.split()) == 1, line
        assert all(w in words for w in line.split()), line


def test_continuations_hang_under_their_line() -> None:
    wide = explain(str(DEMO), 10_000)
    narrow = iter(explain(str(DEMO), 80))
    for line in wide:
        first = next(narrow)
        indent = len(line) - len(line.lstrip(" "))
        assert first.startswith(" " * indent) and first.split() == line.split()[
            :len(first.split())]
        rest = line.split()[len(first.split()):]
        while rest:
            continuation = next(narrow)
            assert continuation.startswith(" " * (indent + HANG) + rest[0]), continuation
            rest = rest[len(continuation.split()):]


def test_wrap_line_keeps_a_line_that_fits_and_long_words_whole() -> None:
    aligned = "  SLMS: DFI < 2 years      |   [---o---]    OR 4.22"
    assert wrap_line(aligned, len(aligned)) == [aligned]
    url = "https://doi.org/10.1245/s10434-025-17450-2"
    assert wrap_line(f"  see {url} now", 20) == ["  see", f"      {url}", "      now"]


@pytest.mark.parametrize(("line", "width", "expected"), [
    # A number stays with its unit, a comparison with its number, a measure with its size.
    ("  patient 23 months", 17, ["  patient", "      23 months"]),
    ("  DFI < 2 years holds", 14, ["  DFI", "      < 2 years", "      holds"]),
    ("  effect OR 4.22 (1.67-10.7)", 20, ["  effect", "      OR 4.22 (1.67-10.7)"]),
])
def test_wrap_line_never_separates_a_number_from_its_unit(line: str, width: int,
                                                          expected: list[str]) -> None:
    assert wrap_line(line, width) == expected
