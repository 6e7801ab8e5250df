"""Read and normalise one patient: canonical units, validated values, unknowns.

A field that is absent or null is UNKNOWN: it is left out of `values`, never
replaced by a default. Implications declared in fields.yaml (a pathologic
fracture implies bone metastases) fill in unstated fields and reject
contradictions; derived fields (the ALP/ULN ratio) are computed here.
"""

from __future__ import annotations

import datetime as dt
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .errors import InputError, Problem
from .fields import ROUND_DIGITS, FieldDictionary
from .yamlio import PATIENT, MarkedDict, parse_document, read_text

SHOWN_UNKNOWN = 20  # unknown keys named one by one; the rest are counted


@dataclass(frozen=True)
class Patient:
    """A normalised patient. `values` holds known fields only, in canonical units."""

    values: Mapping[str, Any]
    given: Mapping[str, Any] = field(default_factory=dict)
    derived: Mapping[str, str] = field(default_factory=dict)  # field -> how it was derived
    id: str | None = None
    source: str = "<patient>"
    # Durations given in calendar units, in months: compared with cut-offs in months/years.
    calendar: Mapping[str, float] = field(default_factory=dict)
    notes: Mapping[str, str] = field(default_factory=dict)  # field -> a synonym's warning
    # Lower bounds of unknown numeric fields implied by given ones (a measured nodule:
    # at least one nodule), in the canonical unit.
    bounds: Mapping[str, float] = field(default_factory=dict)
    given_units: Mapping[str, str] = field(default_factory=dict)  # "cm" for "1.7 cm"

    def known(self, name: str) -> bool:
        return name in self.values


def read_patient_file(path: str, fields: FieldDictionary) -> Patient:
    """Read a YAML or JSON patient file ('-' for standard input)."""
    data, shown = read_patient_data(path)
    return normalise(data, fields, shown)


def read_patient_data(path: str) -> tuple[Any, str]:
    """The raw data of a patient file and the name messages give it (for what-if edits).

    Bounded (engine/yamlio.py, `PATIENT`): a regular file or standard input, at most
    128 KiB, no aliases; a `.json` file is read as JSON.
    """
    shown = "<stdin>" if path == "-" else path
    return parse_document(read_text(path, PATIENT, shown), shown, PATIENT), shown


def normalise(data: Any, fields: FieldDictionary, source: str = "<patient>",
              mapping: bool = True) -> Patient:
    """Validate and convert raw patient data; every problem is collected first. `mapping`:
    whether a value could have been written as a {value, unit} mapping (a file: yes; the
    board's form: no), for the messages (FieldDef.allowed)."""
    if data is None:
        raise InputError([Problem(source, "file is empty; expected a mapping of "
                                  "field: value")])
    if not isinstance(data, Mapping):
        kind = "a list" if isinstance(data, list) else f"{type(data).__name__} {data!r}"
        raise InputError([Problem(source, f"expected a mapping of field: value, got {kind}")])
    problems: list[Problem] = []
    values: dict[str, Any] = {}
    given: dict[str, Any] = {}
    unknown = 0
    calendar: dict[str, float] = {}
    notes: dict[str, str] = {}
    given_units: dict[str, str] = {}
    lines: dict[str, int] = {}
    for name, raw in data.items():
        line, col = data.mark_of(name) if isinstance(data, MarkedDict) else (None, None)
        if line is not None:
            lines[str(name)] = line
        fdef = fields.fields.get(str(name))
        if fdef is None:
            unknown += 1
            if unknown > SHOWN_UNKNOWN:
                continue
            hint = fields.suggest(str(name))
            extra = f"did you mean '{hint}'? " if hint else ""
            known = ("known fields: " + ", ".join(f.name for f in fields.input_fields())
                     ) if unknown == 1 else ""  # the list once, not once per unknown key
            problems.append(Problem(source, f"unknown field; {extra}{known}".rstrip("; "),
                                    field=str(name), line=line, col=col))
            continue
        if raw is None:
            continue  # unknown, stated explicitly
        as_written = _as_written(data, str(name), fdef.name, fdef.type, raw)
        if fdef.name == "id":
            raw = as_written
        given[fdef.name] = shown_as_given(raw)
        try:
            values[fdef.name] = fdef.coerce(as_written, mapping=mapping)
        except ValueError as exc:
            problems.append(Problem(source, f"{exc}", field=fdef.name, line=line, col=col))
            continue
        months = fdef.calendar_months(raw)
        if months is not None:
            calendar[fdef.name] = months
        written = fdef.unit_given(raw)
        if written is not None:
            given_units[fdef.name] = written
        note = fdef.alias_note(raw)
        if note:
            notes[fdef.name] = note
    if unknown > SHOWN_UNKNOWN:
        problems.append(Problem(source, f"and {unknown - SHOWN_UNKNOWN:,} more unknown "
                                "field(s) not shown"))
    derived: dict[str, str] = {}
    bounds: dict[str, float] = {}
    if not problems:
        problems += apply_implications(values, derived, fields, source)
        problems += lower_bounds(values, bounds, fields, source)
        problems += derive_fields(values, derived, fields, source, lines=lines)
    if problems:
        raise InputError(problems)
    patient_id = values.pop("id", None)
    return Patient(values=values, given=given, derived=derived, id=patient_id, source=source,
                   calendar=calendar, notes=notes, bounds=bounds, given_units=given_units)


def lower_bounds(values: Mapping[str, Any], bounds: dict[str, float],
                 fields: FieldDictionary, source: str) -> list[Problem]:
    """What `implies_at_least` entails: a lower bound for each unknown target field (in
    `bounds`), a problem for a given one below it."""
    problems: list[Problem] = []
    for fdef in fields.fields.values():
        value = values.get(fdef.name)
        if not fdef.implies_at_least or not isinstance(value, int | float) or value <= 0:
            continue
        for target, least in fdef.implies_at_least.items():
            if target in values:
                if values[target] < least:
                    problems.append(Problem(source, f"{fdef.name} is given, which implies "
                                            f"{target} of at least {least:g}, but {target} is "
                                            f"{values[target]:g}", field=target))
            elif least > bounds.get(target, float("-inf")):
                bounds[target] = least
    return problems


def shown_as_given(raw: Any) -> Any:
    """A raw value as the person wrote it: scalars as they are, {value, unit} as "25 mm"."""
    if isinstance(raw, str | int | float | bool):
        return raw
    if isinstance(raw, Mapping) and set(raw) == {"value", "unit"}:
        return f"{raw['value']} {raw['unit']}"
    return str(raw)


def _as_written(data: Any, key: str, name: str, ftype: str, raw: Any) -> Any:
    """The text a scalar was written as, where the parsed value could differ from it.

    `id` keeps its source text exactly (`00123` stays "00123"); a number is read from
    its text, as a cohort cell is, so both agree to the last digit.
    """
    if not isinstance(data, MarkedDict):
        return raw
    text = data.text_of(key)
    if text is None or isinstance(raw, bool):
        return raw
    if name == "id" and isinstance(raw, int | float | dt.date):
        return text
    if ftype in ("int", "number") and isinstance(raw, int | float):
        return text  # (a bare length or duration is refused whatever its text)
    return raw


def apply_implications(values: dict[str, Any], derived: dict[str, str],
                        fields: FieldDictionary, source: str) -> list[Problem]:
    problems: list[Problem] = []
    origin = {name: name for name in values}  # the given field each value comes from
    for fdef in fields.fields.values():  # what a field given at all entails
        if fdef.name not in values:
            continue
        for target, implied in (fdef.implies_if_given or {}).items():
            if target not in values:
                values[target] = implied
                origin[target] = fdef.name
                derived[target] = f"implied by {fdef.name} (given)"
            elif values[target] != implied:
                problems.append(Problem(source, f"{fdef.name} is given, which implies "
                                        f"{target}: {str(implied).lower()}, but {target} is "
                                        f"{str(values[target]).lower()}", field=target))
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
    for fdef in fields.fields.values():  # given at all, it cannot be with all of these
        if fdef.contradicted_by and fdef.name in values and all(
                name in values and values[name] == value
                and isinstance(values[name], bool) == isinstance(value, bool)
                for name, value in fdef.contradicted_by.items()):
            said = " and ".join(f"{name} is {str(value).lower()}"
                                for name, value in fdef.contradicted_by.items())
            problems.append(Problem(source, f"{fdef.name} is given, but {said}: "
                                    f"{fdef.contradiction}", field=fdef.name))
    return problems


def derive_fields(values: dict[str, Any], derived: dict[str, str], fields: FieldDictionary,
                  source: str = "<patient>", today: dt.date | None = None,
                  lines: Mapping[str, int] | None = None) -> list[Problem]:
    """Compute the derived fields in place; return the problems found.

    Contract (the cohort scorer relies on it to derive once per distinct
    combination): a derived field depends only on the values of
    `FieldDef.sources` of that field. `today` (for the future-date check)
    defaults to $PROGNOSIS_TODAY (an ISO date) or else the system date.
    """
    problems: list[Problem] = []
    for fdef in fields.derived_fields():
        if fdef.ratio is not None:
            top, bottom = fdef.ratio
            if top in values and bottom in values and values[bottom]:
                ratio = values[top] / values[bottom]
                if not math.isfinite(ratio):
                    problems.append(Problem(source, f"{top} / {bottom} is too large to "
                                            f"compute ({values[top]:g} / {values[bottom]:g})",
                                            field=top))
                    continue
                values[fdef.name] = round(ratio, ROUND_DIGITS)
                derived[fdef.name] = f"{top} / {bottom}"
        elif fdef.interval is not None:
            problems += _derive_interval(fdef.name, fdef.interval, values, derived, source,
                                         today, lines or {})
    return problems


def today_date() -> dt.date:
    """The date the future-date check compares with: $PROGNOSIS_TODAY if set, else today."""
    override = os.environ.get("PROGNOSIS_TODAY")
    if override:
        try:
            return dt.date.fromisoformat(override)
        except ValueError:
            raise InputError([Problem("PROGNOSIS_TODAY", f"{override!r} is not an ISO date "
                                      "(YYYY-MM-DD)")]) from None
    return dt.date.today()


def _derive_interval(name: str, interval: tuple[str, str], values: dict[str, Any],
                     derived: dict[str, str], source: str, today: dt.date | None,
                     lines: Mapping[str, int]) -> list[Problem]:
    """Days from one date to another (the SLMS DFI: primary resection to diagnosis of the
    lung metastases); both dates must be past, in order, and agree with a given value."""
    start_name, end_name = interval
    if start_name not in values and end_name not in values:
        return []
    today = today or today_date()
    problems = [Problem(source, f"{values[d]} is in the future (today is {today.isoformat()})",
                        field=d, line=lines.get(d))
                for d in interval if d in values and dt.date.fromisoformat(values[d]) > today]
    if problems or start_name not in values or end_name not in values:
        return problems
    start = dt.date.fromisoformat(values[start_name])
    end = dt.date.fromisoformat(values[end_name])
    if end < start:
        # Metastatic at diagnosis: the lung metastases were found before the primary was
        # resected. The SLMS admitted such patients with a DFI of 0 days (Table 1: DFI
        # range 0-8985 days; 22 of 135 metastatic at diagnosis).
        days = 0.0
        how = (f"0 days: {end_name} {end.isoformat()} is before {start_name} "
               f"{start.isoformat()} (metastases found before the primary was resected)")
    else:
        days = float((end - start).days)
        how = (f"{end_name} - {start_name} ({start.isoformat()} to {end.isoformat()}: "
               f"{days:g} days)")
    if name in values and name not in derived:  # also given: the two must agree
        given = float(values[name])
        if abs(given - days) > 1:
            return [Problem(source, f"{name} is given as {given:g} days but {start_name} "
                            f"{start.isoformat()} and {end_name} {end.isoformat()} give "
                            f"{days:g} days; they differ by {abs(given - days):g} days (more "
                            "than one day): correct one of them, or leave the interval out",
                            field=name, line=lines.get(name))]
        return []
    values[name] = days
    derived[name] = how
    return []
