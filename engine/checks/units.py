"""Checks of fields.yaml's unit table, which every conversion of a patient value uses."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Finding, Library, check, finding


@check("unit-table", "error", scope="library")
def unit_table(lib: Library) -> Iterator[Finding]:
    """The calendar units of a dimension (month, year and their spellings) disagree with its
    factors: each calendar unit's factor must be its length in months times the same
    number of canonical units per month (1 year = 12 months = 365.25 days). A slip there
    would change every value given in that spelling while no rule threshold notices."""
    if lib.fields is None:
        return
    for dimension in lib.fields.dimensions.values():
        if not dimension.calendar:
            continue
        per_month: dict[float, list[str]] = {}
        for unit, months in dimension.calendar.items():
            factor = dimension.factors.get(unit)
            if factor is None:
                yield finding(lib.fields_path, None, f"calendar unit '{unit}' of "
                              f"{dimension.name} has no factor", "unit-table")
                continue
            per_month.setdefault(round(factor / months, 9), []).append(unit)
        if len(per_month) > 1:
            shown = "; ".join(f"{', '.join(units)}: {value:g} {dimension.canonical} per month"
                              for value, units in sorted(per_month.items()))
            yield finding(lib.fields_path, None, f"the calendar units of {dimension.name} "
                          f"disagree on the length of a month ({shown})", "unit-table")
