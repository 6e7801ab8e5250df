"""Checks of what a rule set must say: provenance, citation, lifecycle, examples."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from typing import Any

from ..yamlio import MarkedDict
from .base import Finding, Library, RuleFile, check, finding

# Where a mapping carries published numbers (or statements) and so needs provenance.
_WITH_PROVENANCE = (
    ("cohort",), ("population", "conditions", "*"), ("population", "conditions_of_use", "*"),
    ("population", "admitted", "*"),
    ("factors", "*"), ("factors", "*", "effects", "*"), ("groups", "*"),
    ("groups", "*", "effects", "*"), ("estimates", "*"), ("reference_estimates", "*"),
    ("caveats", "*"), ("limitations", "*"), ("conflicts", "*"), ("performance", "*"),
    ("reported_effects", "*"), ("statements", "*"), ("case_mix", "*"),
)


def _walk(node: Any, path: tuple[str, ...], trail: tuple[str | int, ...] = ()
          ) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    if not path:
        yield trail, node
        return
    head, rest = path[0], path[1:]
    if head == "*":
        for i, item in enumerate(node if isinstance(node, list) else []):
            yield from _walk(item, rest, (*trail, i))
    elif isinstance(node, dict) and head in node:
        yield from _walk(node[head], rest, (*trail, head))


@check("missing-provenance", "error")
def missing_provenance(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A number or statement without `provenance` (the section, table or figure of the
    paper it comes from). Every number in a rule set must trace to its source."""
    if not isinstance(rf.data, dict):
        return
    for path in _WITH_PROVENANCE:
        for trail, node in _walk(rf.data, path):
            if not isinstance(node, dict):
                continue
            value = node.get("provenance")
            if not isinstance(value, str) or not value.strip():
                name = node.get("id") or node.get("label") or ".".join(map(str, trail))
                yield finding(rf, rf.line_of(*trail), f"'{name}' has no provenance",
                              "missing-provenance")


@check("citation-doi", "warning")
def citation_doi(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The citation has no DOI and no `note` saying why (e.g. the source gives none)."""
    citation = rf.data.get("citation") if isinstance(rf.data, dict) else None
    if isinstance(citation, dict) and not citation.get("doi") and not citation.get("note"):
        yield finding(rf, rf.line_of("citation"), "citation has no DOI; give it, or a note "
                      "saying the source has none", "citation-doi")


@check("lifecycle", "warning")
def lifecycle(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The rule set is `draft` or `retired`, or its `reviewed` date lies in the future."""
    rs = rf.rule_set
    if rs is None:
        return
    if rs.status == "draft":
        yield finding(rf, rf.line_of("status"), "status is 'draft' (TODO: review the rule set "
                      "against its paper, then set status to research or validated)",
                      "lifecycle")
    elif rs.status == "retired":
        yield finding(rf, rf.line_of("status"), "status is 'retired': it should not be used",
                      "lifecycle")
    if isinstance(rs.reviewed, dt.date) and rs.reviewed > dt.date.today():
        yield finding(rf, rf.line_of("reviewed"), f"reviewed date {rs.reviewed} is in the "
                      "future", "lifecycle")


def _strings(node: Any, line: int | None) -> Iterator[tuple[int | None, str]]:
    if isinstance(node, MarkedDict):
        for key, value in node.items():
            yield from _strings(value, node.mark_of(key)[0] or line)
    elif isinstance(node, list):
        for item in node:
            yield from _strings(item, getattr(item, "line", None) or line)
    elif isinstance(node, str):
        yield line, node


@check("todo", "warning")
def todo(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A value still contains TODO (as written by `prognosis rules new`)."""
    for line, text in _strings(rf.data, 1):
        if "TODO" in text:
            yield finding(rf, line, f"TODO left in: {text[:70]}", "todo")


@check("examples", "error")
def examples(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The rule set has no example patients, or an example does not give its expected
    result (status, score, score range, group, factor and caveat verdicts). Examples run
    once the file has no other error (a broken part would fail them for its own reason)."""
    rs = rf.rule_set
    if rs is None or lib.fields is None or rf.problems:
        return
    if not rs.examples:
        yield finding(rf, rf.line_of("examples"), "no example patients: add at least one per "
                      "cut-off side and one outside the population", "examples")
        return
    from ..examples import run_examples

    for outcome in run_examples(rs, lib.fields):
        if not outcome.passed:
            yield finding(rf, outcome.example.line, f"example '{outcome.example.name}': "
                          f"{outcome.summary()}", "examples")


@check("field-meaning", "info", scope="library")
def field_meaning(lib: Library) -> Iterator[Finding]:
    """The same field is read with a different meaning, or stated in different units,
    by different rule sets (from their `field_meanings` and their thresholds' units).
    Information for reviewers: the engine converts units, but readers compare them."""
    meanings: dict[str, dict[str, tuple[str, int | None, str]]] = defaultdict(dict)
    units: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
    for rf, rs in lib.rule_sets():
        declared = rf.data.get("field_meanings") if isinstance(rf.data, dict) else None
        for name, meaning in (declared or {}).items():
            meanings[name][rs.id] = (meaning, rf.line_of("field_meanings", name), rf.path)
        for atom in rs.atoms():
            if atom.stated_unit:
                units[atom.field].setdefault(atom.stated_unit, (rs.id, rf.path))
    for name, by_rule_set in meanings.items():
        if len({m for m, _, _ in by_rule_set.values()}) > 1:
            for rule_set, (meaning, line, path) in by_rule_set.items():
                others = "; ".join(f"{r}: {m}" for r, (m, _, _) in by_rule_set.items()
                                   if r != rule_set)
                yield finding(path, line, f"'{name}' means \"{meaning}\" here but {others}",
                              "field-meaning")
    for name, stated in units.items():
        if len(stated) > 1:
            listing = ", ".join(f"{unit} ({rs})" for unit, (rs, _) in stated.items())
            for _, path in stated.values():
                yield finding(path, None, f"'{name}' thresholds are stated in different "
                              f"units across rule sets: {listing}", "field-meaning")
