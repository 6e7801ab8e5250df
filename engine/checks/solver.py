"""Satisfiability of conditions over the fields' domains (for the logic checks).

A condition is expanded into disjunctive normal form; a conjunction is
satisfiable when, field by field, its comparisons leave some value: an
interval for numbers (inside the field's min..max), a set for enums, a value
for booleans. Exact for the operators rule sets use; conditions that expand
beyond `MAX_TERMS` are treated as satisfiable (no false alarms).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import product

from ..fields import FieldDictionary
from ..model import AllOf, Atom, Condition, Not

MAX_TERMS = 256
Literal_ = tuple[Atom, bool]  # (comparison, True if it must hold / False if it must fail)
FLIP = {"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "==", "in": "not_in",
        "not_in": "in"}


def dnf(condition: Condition, positive: bool = True) -> list[list[Literal_]] | None:
    if isinstance(condition, Atom):
        return [[(condition, positive)]]
    if isinstance(condition, Not):
        return dnf(condition.item, not positive)
    conjunctive = isinstance(condition, AllOf) == positive
    parts = [dnf(item, positive) for item in condition.items]
    if any(p is None for p in parts):
        return None
    if not conjunctive:  # a disjunction: concatenate
        return [term for part in parts for term in part]  # type: ignore[union-attr]
    terms: list[list[Literal_]] = []
    for combo in product(*parts):  # type: ignore[arg-type]
        terms.append([lit for term in combo for lit in term])
        if len(terms) > MAX_TERMS:
            return None
    return terms


@dataclass
class Interval:
    lo: float
    lo_closed: bool
    hi: float
    hi_closed: bool

    def empty(self, integer: bool) -> bool:
        if self.lo > self.hi or (self.lo == self.hi and not (self.lo_closed and self.hi_closed)):
            return True
        if integer and math.isfinite(self.lo) and math.isfinite(self.hi):
            first = math.ceil(self.lo) if self.lo_closed else math.floor(self.lo) + 1
            last = math.floor(self.hi) if self.hi_closed else math.ceil(self.hi) - 1
            return first > last
        return False

    def cut(self, op: str, value: float) -> None:
        if op in (">", ">=") and (value > self.lo or (value == self.lo and op == ">")):
            self.lo, self.lo_closed = value, op == ">="
        if op in ("<", "<=") and (value < self.hi or (value == self.hi and op == "<")):
            self.hi, self.hi_closed = value, op == "<="
        if op == "==":
            self.cut(">=", value)
            self.cut("<=", value)


def domain(fields: FieldDictionary, name: str) -> Interval:
    f = fields.fields.get(name)
    lo = f.min if f and f.min is not None else (0.0 if f and f.type == "derived" else -math.inf)
    hi = f.max if f and f.max is not None else math.inf
    return Interval(lo, not (f and f.exclusive_min), hi, True)


def interval_of(term: list[Literal_], name: str, fields: FieldDictionary) -> Interval:
    box = domain(fields, name)
    for atom, positive in term:
        if atom.field == name and isinstance(atom.value, int | float):
            op = atom.op if positive else FLIP[atom.op]
            if op != "!=":
                box.cut(op, float(atom.value))
    return box


def term_satisfiable(term: list[Literal_], fields: FieldDictionary) -> bool:
    names = {atom.field for atom, _ in term}
    for name in names:
        f = fields.fields.get(name)
        if f is None:
            continue
        lits = [(a, p) for a, p in term if a.field == name]
        if f.type == "enum" or f.type == "bool":
            allowed: set[object] = set(f.values) if f.type == "enum" else {True, False}
            for atom, positive in lits:
                op = atom.op if positive else FLIP[atom.op]
                values = set(atom.value) if isinstance(atom.value, tuple) else {atom.value}
                allowed = allowed & values if op in ("==", "in") else allowed - values
            if not allowed:
                return False
        else:
            box = interval_of(term, name, fields)
            if box.empty(integer=f.type == "int"):
                return False
            for atom, positive in lits:  # a != that pins the only value left
                op = atom.op if positive else FLIP[atom.op]
                if op == "!=" and box.lo == box.hi == atom.value:
                    return False
    return True


def satisfiable(condition: Condition, fields: FieldDictionary) -> bool:
    terms = dnf(condition)
    if terms is None:
        return True
    return any(term_satisfiable(term, fields) for term in terms)
