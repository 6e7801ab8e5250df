"""The durable_rules adapter: operator table, exponent-notation guard, coexisting versions."""

from __future__ import annotations

import pytest

from prognosis.engine.durable_adapter import (
    DurableAdapter,
    atom_expression,
    plain_number,
    representative,
)
from prognosis.engine.errors import EngineError
from prognosis.engine.model import Atom


def atom(key: str, op: str, value: object, field: str = "x") -> Atom:
    return Atom(key=key, field=field, op=op, value=value, unit=None,  # type: ignore[arg-type]
                stated_value=value)


@pytest.mark.parametrize(("op", "value", "expected"), [
    ("<", 730, {"$lt": {"x": 730.0}}), ("<=", 1, {"$lte": {"x": 1.0}}),
    (">", 2, {"$gt": {"x": 2.0}}), (">=", 6, {"$gte": {"x": 6.0}}),
    ("==", True, {"x": 1}), ("==", "uterus", {"x": "uterus"}),
    ("!=", "a", {"$neq": {"x": "a"}}),
    ("in", ("a", "b"), {"$or": [{"x": "a"}, {"x": "b"}]}),
    ("not_in", ("a",), {"$and": [{"$neq": {"x": "a"}}]}),
])
def test_operator_table(op: str, value: object, expected: dict) -> None:
    assert atom_expression(atom("k", op, value)) == expected


ATOMS = [atom("lt", "<", 730.0), atom("ge", ">=", 0.0), atom("eq", "==", 100.0)]


@pytest.mark.parametrize(("value", "fired"), [
    (5e-324, {"lt", "ge"}), (-1e-320, {"lt"}), (0.0, {"lt", "ge"}), (1e-5, {"lt", "ge"}),
    (100.0, {"lt", "ge", "eq"}), (730.0, {"ge"}), (1e16, {"ge"}), (1e300, {"ge"}),
    (-1e300, {"lt"}), (float("inf"), {"ge"}), (float("-inf"), {"lt"}),
])
def test_values_in_exponent_notation_keep_their_verdicts(value: float, fired: set) -> None:
    adapter = DurableAdapter()
    compiled = adapter.compile("exponent-probe", ATOMS)
    assert adapter.fired(compiled, {"x": value}) == fired


def test_representative_stays_in_its_cell() -> None:
    cuts = (0.0, 730.0)
    assert representative(5e-324, cuts) == 365.0
    assert representative(1e20, cuts) == 731.0
    assert representative(-1e20, cuts) == -1.0
    assert all(plain_number(representative(v, cuts)) for v in (5e-324, 1e20, -1e20))


def test_infinity_is_no_plain_number() -> None:
    """JSON cannot hold infinity: durable_rules failed on it with only "Could not delete
    state, error code: 309" (an overflowing ALP / ULN ratio in a cohort)."""
    assert not plain_number(float("inf"))
    assert not plain_number(float("-inf"))
    assert not plain_number(float("nan"))
    assert plain_number(730.0)
    assert representative(float("inf"), (0.0, 730.0)) == 731.0
    assert representative(float("-inf"), (0.0, 730.0)) == -1.0


def test_threshold_in_exponent_notation_is_refused() -> None:
    with pytest.raises(EngineError, match="exponent notation"):
        DurableAdapter().compile("tiny-threshold", [atom("t", ">", 1e-7)])


def test_two_versions_of_a_rule_set_coexist() -> None:
    adapter = DurableAdapter()
    old = adapter.compile("same-id", [atom("a", ">=", 15.0)])
    new = adapter.compile("same-id", [atom("a", ">=", 20.0)])
    assert old.name != new.name
    assert adapter.fired(old, {"x": 17.0}) == {"a"}
    assert adapter.fired(new, {"x": 17.0}) == frozenset()
    assert adapter.compile("same-id", [atom("a", ">=", 15.0)]) is old  # registered once


def test_unknown_fields_are_never_asserted() -> None:
    adapter = DurableAdapter()
    compiled = adapter.compile("missing-probe", [atom("ne", "!=", "a")])
    assert adapter.fired(compiled, {}) == frozenset()  # caller decides unknown, not durable


def test_a_signal_during_a_comparison_is_held_then_delivered() -> None:
    """Ctrl-C inside durable_rules' action callback made it print a traceback fragment of
    its own; the signal now waits for the comparison to end, then raises as usual."""
    import signal

    from prognosis.engine.durable_adapter import _signals_held

    reached = []
    with pytest.raises(KeyboardInterrupt), _signals_held():
        signal.raise_signal(signal.SIGINT)
        reached.append("after the signal, inside")
    assert reached == ["after the signal, inside"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


CELLS = [atom("lt", "<", 730.0), atom("ge", ">=", 0.0), atom("eq", "==", 100.0)]


def test_a_value_in_a_cell_already_decided_is_not_asserted_again() -> None:
    """What fires depends only on each value's place among the thresholds: 5, 6 and 50
    share a cell (above 0, below 100), as do 1000 and 2000; each cell is asserted once."""
    adapter = DurableAdapter()
    compiled = adapter.compile("cells-probe", CELLS)
    seen = {v: adapter.fired(compiled, {"x": v}) for v in
            (5.0, 6.0, 50.0, 100.0, 0.0, -1.0, 730.0, 1000.0, 2000.0, 50.0)}
    assert seen == {5.0: {"lt", "ge"}, 6.0: {"lt", "ge"}, 50.0: {"lt", "ge"},
                    100.0: {"lt", "ge", "eq"}, 0.0: {"lt", "ge"}, -1.0: {"lt"},
                    730.0: {"ge"}, 1000.0: {"ge"}, 2000.0: {"ge"}}
    assert adapter.asserted == 6 and adapter.remembered == 6
    assert adapter.fired(compiled, {}) == set() and adapter.asserted == 7  # nothing known


def test_a_field_with_a_set_of_numbers_is_remembered_by_value() -> None:
    """1 and 2 are both above 0, but only 1 is in {1, 3}: a field compared with anything
    but single numbers has no cells, each value is its own."""
    adapter = DurableAdapter()
    compiled = adapter.compile("set-probe", [atom("in", "in", (1.0, 3.0)),
                                             atom("gt", ">", 0.0)])
    assert adapter.fired(compiled, {"x": 1.0}) == {"in", "gt"}
    assert adapter.fired(compiled, {"x": 2.0}) == {"gt"}
    assert adapter.fired(compiled, {"x": 3.0}) == {"in", "gt"}
    assert adapter.asserted == 3


def test_the_memory_of_answers_is_bounded() -> None:
    from prognosis.engine.durable_adapter import MEMO

    adapter = DurableAdapter()
    compiled = adapter.compile("memo-bound", [atom("eq", "==", "v0")])
    for i in range(MEMO + 5):
        assert adapter.fired(compiled, {"x": f"v{i}"}) == ({"eq"} if i == 0 else set())
    assert adapter.remembered == MEMO and adapter.asserted == MEMO + 5
    assert adapter.fired(compiled, {"x": "v0"}) == {"eq"}  # forgotten: asserted again
    assert adapter.asserted == MEMO + 6
    adapter.forget()
    assert adapter.remembered == 0
    assert adapter.fired(compiled, {"x": "v1"}) == set() and adapter.asserted == MEMO + 7


def test_a_boolean_never_shares_a_cell_with_a_number() -> None:
    """True is asserted as 1, which is no cell number: 0.5 (equal to the first cut, cell
    1) fires `eq`, and True must still fire `gt` (1 > 0.5), not the remembered `eq`."""
    adapter = DurableAdapter()
    compiled = adapter.compile("bool-probe", [atom("eq", "==", 0.5), atom("gt", ">", 0.5)])
    assert adapter.fired(compiled, {"x": 0.5}) == {"eq"}
    assert adapter.fired(compiled, {"x": True}) == {"gt"}
    assert adapter.asserted == 2


def test_a_signature_holds_every_field_of_the_fact() -> None:
    adapter = DurableAdapter()
    compiled = adapter.compile("two-fields", [atom("big", ">", 10.0),
                                              atom("a", "==", "a", field="y")])
    assert adapter.fired(compiled, {"x": 5.0, "y": "a"}) == {"a"}
    assert adapter.fired(compiled, {"x": 6.0, "y": "a"}) == {"a"}  # the same cells
    assert adapter.fired(compiled, {"x": 6.0, "y": "b"}) == set()
    assert adapter.fired(compiled, {"x": 11.0, "y": "a"}) == {"big", "a"}
    assert adapter.fired(compiled, {"y": "a"}) == {"a"}  # x unknown
    assert adapter.asserted == 4
