"""Boundary patients of a rule set: for every numeric cut-off, a patient just under it,
at it and just over it (`prognosis rules examples --boundaries ID`).

Each starts from the rule set's first example that is complete, with only the
compared field changed, and comes with what the rule set now says about it, so
the author can check that against the paper and keep it as an example.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .fields import FieldDictionary
from .model import RuleSet, atoms_of


@dataclass(frozen=True)
class Boundary:
    field: str
    cut: str  # as the rule states it, e.g. "> 2 cm"
    where: str  # just under | at | just over
    value: str  # as a patient file would give it, e.g. "1.95 cm"
    patient: dict[str, Any]
    expect: dict[str, Any]


def _items(rs: RuleSet) -> Iterator[tuple[str, str, Any]]:
    for c in rs.population:
        yield "population condition", c.id, c.when
    for f in rs.factors:
        yield "factor", f.id, f.when
    for g in rs.groups:
        yield "group", g.id, g.when
    for k in rs.caveats:
        if k.when is not None:
            yield "caveat", k.id, k.when


def boundaries(rs: RuleSet, fields: FieldDictionary) -> list[Boundary]:
    from .evaluate import Comparator
    from .patient import normalise

    base = next((dict(e.patient) for e in rs.examples if e.expect.get("status") == "complete"),
                dict(rs.examples[0].patient) if rs.examples else {})
    comparator = Comparator([rs])
    out: list[Boundary] = []
    seen: set[tuple[str, Any]] = set()
    for _, _, condition in _items(rs):
        for atom in atoms_of(condition):
            stated = atom.stated_value
            if isinstance(stated, bool) or not isinstance(stated, int | float):
                continue
            if (atom.field, stated) in seen:
                continue
            seen.add((atom.field, stated))
            integer = fields[atom.field].type == "int"
            step = 1 if integer else round(abs(stated) * 0.05, 6) or 0.5
            given_unit = atom.stated_unit or (atom.unit if fields[atom.field].type == "quantity"
                                              else None)
            unit = f" {given_unit}" if given_unit else ""
            cut = f"{atom.op} {stated:g}{unit}"
            for where, value in (("just under", stated - step), ("at", stated),
                                 ("just over", stated + step)):
                text = f"{round(value, 6):g}{unit}"
                patient = {**base, atom.field: text if unit else round(value, 6)}
                try:
                    normalised = normalise(patient, fields, "boundary")
                except InputError as exc:  # another field contradicts this value: drop it
                    said = " ".join(p.message for p in exc.problems)
                    patient = {k: v for k, v in patient.items()
                               if k == atom.field or k not in said}
                    try:
                        normalised = normalise(patient, fields, "boundary")
                    except InputError:
                        continue
                [result] = comparator.evaluate(normalised)
                expect: dict[str, Any] = {"status": result.status}
                if result.score is not None:
                    expect["score"] = result.score
                if result.group is not None:
                    expect["group"] = result.group
                expect["factors"] = {f.id: f.present for f in result.factors
                                     if atom.field in {a.field for a in atoms_of(
                                         next(x.when for x in rs.factors if x.id == f.id))}}
                out.append(Boundary(atom.field, cut, where, text, patient, expect))
    return out
