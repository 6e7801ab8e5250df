"""Read and normalise one patient: canonical units, validated values, unknowns.

A field that is absent or null is UNKNOWN: it is left out of `values`, never
replaced by a default. Implications declared in fields.yaml (a pathologic
fracture implies bone metastases) fill in unstated fields and reject
contradictions; derived fields (the ALP/ULN ratio) are computed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError, Problem
from .fields import ROUND_DIGITS, FieldDictionary
from .yamlio import MarkedDict, parse_yaml, read_text


@dataclass(frozen=True)
class Patient:
    """A normalised patient. `values` holds known fields only, in canonical units."""

    values: Mapping[str, Any]
    given: Mapping[str, Any] = field(default_factory=dict)
    derived: Mapping[str, str] = field(default_factory=dict)  # field -> how it was derived
    id: str | None = None
    source: str = "<patient>"

    def known(self, name: str) -> bool:
        return name in self.values


def read_patient_file(path: str, fields: FieldDictionary) -> Patient:
    """Read a YAML or JSON patient file ('-' for standard input)."""
    shown = "<stdin>" if path == "-" else path
    data = parse_yaml(read_text(path), shown)
    return normalise(data, fields, shown)


def normalise(data: Any, fields: FieldDictionary, source: str = "<patient>") -> Patient:
    """Validate and convert raw patient data; every problem is collected first."""
    if data is None:
        raise InputError([Problem(source, "file is empty; expected a mapping of "
                                  "field: value")])
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"
        raise InputError([Problem(source, f"expected a mapping of field: value, got {kind}")])
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    given: dict[str, Any] = {}
    for name, raw in data.items():
        line, col = data.mark_of(name) if isinstance(data, MarkedDict) else (None, None)
        fdef = fields.fields.get(str(name))
        if fdef is None:
            hint = fields.suggest(str(name))
            extra = f"did you mean '{hint}'? " if hint else ""
            problems.append(Problem(source, f"unknown field; {extra}known fields: "
                                    + ", ".join(f.name for f in fields.input_fields()),
                                    field=str(name), line=line, col=col))
            continue
        if raw is None:
            continue  # unknown, stated explicitly
        given[fdef.name] = raw if isinstance(raw, str | int | float | bool) else str(raw)
        try:
            values[fdef.name] = fdef.coerce(raw)
        except ValueError as exc:
            problems.append(Problem(source, f"{exc}", field=fdef.name, line=line, col=col))
    derived: dict[str, str] = {}
    if not problems:
        problems += apply_implications(values, derived, fields, source)
        problems += derive_fields(values, derived, fields, source)
    if problems:
        raise InputError(problems)
    patient_id = values.pop("id", None)
    return Patient(values=values, given=given, derived=derived, id=patient_id, source=source)


def apply_implications(values: dict[str, Any], derived: dict[str, str],
                        fields: FieldDictionary, source: str) -> list[Problem]:
    problems: list[Problem] = []
    origin = {name: name for name in values}  # the given field each value comes from
    seen: set[tuple[str, str]] = set()
    changed = True
    while changed:
        changed = False
        # What a true value implies first, so a direct contradiction reads in that direction.
        for fdef, value in [(f, v) for v in (True, False) for f in fields.fields.values()
                            if values.get(f.name) is v]:
            rules = fdef.implies if value else fdef.implies_if_false
            for target, implied in (rules or {}).items():
                if target not in values:
                    values[target] = implied
                    origin[target] = origin[fdef.name]
                    derived[target] = f"implied by {fdef.name}: {str(value).lower()}"
                    changed = True
                elif values[target] != implied:
                    a, b = origin[fdef.name], origin[target]
                    if (min(a, b), max(a, b)) in seen:
                        continue
                    seen.add((min(a, b), max(a, b)))
                    if a == fdef.name and b == target:  # both given: say it directly
                        message = (f"{a}: {str(value).lower()} implies {target}: "
                                   f"{str(implied).lower()}, but {target} is "
                                   f"{str(values[target]).lower()}")
                    else:
                        message = (f"{a}: {str(values[a]).lower()} and {b}: "
                                   f"{str(values[b]).lower()} contradict each other "
                                   f"(through {fdef.name if a != fdef.name else target})")
                    problems.append(Problem(source, message, field=b))
    return problems


def derive_fields(values: dict[str, Any], derived: dict[str, str], fields: FieldDictionary,
                  source: str = "<patient>") -> list[Problem]:
    """Compute the derived fields in place; return the problems found.

    Contract (the cohort scorer relies on it to derive once per distinct
    combination): a derived field depends only on the values of
    `FieldDef.sources` of that field.
    """
    for fdef in fields.derived_fields():
        if fdef.ratio is None:
            continue
        top, bottom = fdef.ratio
        if top in values and bottom in values and values[bottom]:
            values[fdef.name] = round(values[top] / values[bottom], ROUND_DIGITS)
            derived[fdef.name] = f"{top} / {bottom}"
    return []
