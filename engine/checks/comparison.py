"""Checks of what the disagreement panel reads: statements and population aspects."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator

from .base import Finding, Library, RuleFile, check, finding


@check("statement-field", "error")
def statement_field(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A statement's `about_field` is not a field of rules/fields.yaml, so the disagreement
    panel could never show it against the studies that score that field."""
    rs = rf.rule_set
    if rs is None or lib.fields is None:
        return
    for i, statement in enumerate(rs.statements):
        if statement.about_field not in lib.fields:
            hint = lib.fields.suggest(statement.about_field)
            extra = f" (did you mean '{hint}'?)" if hint else ""
            yield finding(rf, rf.line_of("statements", i, "about_field"),
                          f"statement about '{statement.about_field}': no such field"
                          f"{extra}", "statement-field")


@check("population-aspect", "info", scope="library")
def population_aspect(lib: Library) -> Iterator[Finding]:
    """A `population.admitted` aspect that no other rule set declares: it cannot be compared
    with any study (check its spelling against the other rule sets)."""
    declared: dict[str, list[tuple[RuleFile, int]]] = defaultdict(list)
    for rf, rs in lib.rule_sets():
        for i, aspect in enumerate(rs.admitted):
            declared[aspect.about].append((rf, i))
    # A file checked on its own (as pre-commit passes it) is compared with the rule sets
    # beside it too, or every aspect it shares with them would look unshared.
    elsewhere = _sibling_aspects({rf.path for rf in lib.files})
    for about, places in declared.items():
        if len({rf.path for rf, _ in places}) == 1 and not elsewhere.get(about, set()) - {
                places[0][0].path}:
            rf, i = places[0]
            known = ", ".join(sorted(a for a in declared if a != about)) or "none"
            yield finding(rf, rf.line_of("population", "admitted", i),
                          f"population aspect '{about}' is declared by no other rule set "
                          f"(others: {known})", "population-aspect")


def _sibling_aspects(paths: set[str]) -> dict[str, set[str]]:
    """aspect -> the rule files beside the checked ones that declare it (read leniently:
    a sibling that does not parse declares nothing here; checking it is its own job)."""
    import os

    from ..yamlio import parse_yaml, read_text

    found: dict[str, set[str]] = defaultdict(set)
    directories = {os.path.dirname(os.path.abspath(p)) for p in paths}
    checked = {os.path.abspath(p) for p in paths}
    for directory in directories:
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            if not name.endswith(".yaml") or name == "fields.yaml" or path in checked:
                continue
            try:
                data = parse_yaml(read_text(path), path)
                admitted = data["population"].get("admitted") or []
                for entry in admitted:
                    found[str(entry["about"])].add(path)
            except Exception:
                continue
    return found
