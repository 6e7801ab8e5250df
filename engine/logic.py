"""Three-valued (Kleene) combination of condition verdicts.

durable_rules decides each comparison (an `Atom`) for the known fields; an
atom whose field is unknown is None. `all`, `any` and `not` then combine
verdicts so that unknown never turns into false: `all` is false as soon as
one item is false, `any` is true as soon as one item is true, otherwise an
unknown item leaves the result unknown.
"""

from __future__ import annotations

from collections.abc import Mapping

from .model import AllOf, AnyOf, Atom, Condition, Not, Truth


def truth(condition: Condition, verdicts: Mapping[str, Truth]) -> Truth:
    """The verdict of a condition, given the verdict of each atom by key."""
    if isinstance(condition, Atom):
        return verdicts[condition.key]
    if isinstance(condition, Not):
        inner = truth(condition.item, verdicts)
        return None if inner is None else not inner
    results = [truth(item, verdicts) for item in condition.items]
    if isinstance(condition, AllOf):
        if any(r is False for r in results):
            return False
        return True if all(r is True for r in results) else None
    assert isinstance(condition, AnyOf)
    if any(r is True for r in results):
        return True
    return False if all(r is False for r in results) else None
