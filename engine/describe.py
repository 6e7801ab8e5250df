"""Conditions and estimates as short text, as the paper states them."""

from __future__ import annotations

from .model import AllOf, AnyOf, Atom, Condition, Not


def _value(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(map(str, value)) + "]"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def describe_atom(atom: Atom) -> str:
    """`field op value unit`, as stated, with the converted value when it differs."""
    stated = f"{atom.field} {atom.op} {_value(atom.stated_value)}"
    if atom.stated_unit:
        stated += f" {atom.stated_unit}"
        if atom.stated_unit != atom.unit:
            stated += f" (= {_value(atom.value)} {atom.unit})"
    return stated


def describe(condition: Condition) -> str:
    if isinstance(condition, Atom):
        return describe_atom(condition)
    if isinstance(condition, Not):
        return f"not ({describe(condition.item)})"
    word = " and " if isinstance(condition, AllOf) else " or "
    assert isinstance(condition, AllOf | AnyOf)
    parts = [describe(c) if isinstance(c, Atom) else f"({describe(c)})"
             for c in condition.items]
    return word.join(parts)
