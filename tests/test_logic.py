"""Kleene three-valued logic of `all`, `any` and `not` (engine/logic.py), exhaustively.

No bundled rule set uses `not` today, so the rule examples alone would not notice a
broken `not`: these truth tables would (tests/test_checkout.py shows they run on the
checkout's engine/logic.py, with no reinstall).
"""

from __future__ import annotations

import itertools

import pytest

from prognosis.engine.logic import truth
from prognosis.engine.model import AllOf, AnyOf, Atom, Not, Truth

A = Atom(key="a", field="f", op=">", value=1.0, unit=None, stated_value=1)
B = Atom(key="b", field="g", op=">", value=1.0, unit=None, stated_value=1)
VALUES: tuple[Truth, ...] = (True, False, None)


@pytest.mark.parametrize(("a", "expected"), [(True, False), (False, True), (None, None)])
def test_not(a: Truth, expected: Truth) -> None:
    assert truth(Not(A), {"a": a}) is expected
    assert truth(Not(Not(A)), {"a": a}) is a


ALL = {(True, True): True, (True, False): False, (True, None): None,
       (False, True): False, (False, False): False, (False, None): False,
       (None, True): None, (None, False): False, (None, None): None}
ANY = {(True, True): True, (True, False): True, (True, None): True,
       (False, True): True, (False, False): False, (False, None): None,
       (None, True): True, (None, False): None, (None, None): None}


@pytest.mark.parametrize(("a", "b"), list(itertools.product(VALUES, VALUES)))
def test_all_and_any(a: Truth, b: Truth) -> None:
    verdicts = {"a": a, "b": b}
    assert truth(AllOf((A, B)), verdicts) is ALL[a, b]
    assert truth(AnyOf((A, B)), verdicts) is ANY[a, b]
    # De Morgan holds in Kleene logic: not(a and b) == (not a) or (not b)
    assert truth(Not(AllOf((A, B))), verdicts) is truth(AnyOf((Not(A), Not(B))), verdicts)
