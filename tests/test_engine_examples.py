"""Every bundled rule set's example patients give their expected results."""

from __future__ import annotations

import pytest
from helpers import library

from prognosis.engine.examples import run_examples

CASES = [(rs, ex) for rs in library().rule_sets for ex in rs.examples]


@pytest.mark.parametrize(("rule_set", "example"), CASES,
                         ids=[f"{rs.id}: {ex.name}" for rs, ex in CASES])
def test_example(rule_set: object, example: object) -> None:
    [outcome] = run_examples(rule_set, library().fields, [example])  # type: ignore[arg-type]
    assert outcome.passed, outcome.summary()


def test_every_rule_set_has_examples_on_both_sides() -> None:
    for rs in library().rule_sets:
        statuses = {ex.expect["status"] for ex in rs.examples}
        assert {"complete", "incomplete", "not_applicable"} <= statuses, rs.id
