"""Checks of the rule logic: impossible conditions, gaps and overlaps, score coverage."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterator
from itertools import combinations, pairwise

from ..model import AllOf, Condition, Not, RuleSet
from .base import Finding, Library, RuleFile, check, finding
from .solver import Interval, dnf, domain, interval_of, satisfiable


def _population(rs: RuleSet) -> Condition:
    return AllOf(tuple(c.when for c in rs.population)) if rs.population else AllOf(())


def _conditions(rs: RuleSet) -> Iterator[tuple[str, int, str, Condition]]:
    """(section, index, name, condition) for every condition of a rule set."""
    for i, c in enumerate(rs.population):
        yield "population", i, f"population condition '{c.id}'", c.when
    for i, f in enumerate(rs.factors):
        yield "factors", i, f"factor '{f.id}'", f.when
    for i, g in enumerate(rs.groups):
        yield "groups", i, f"group '{g.id}'", g.when
    for i, cv in enumerate(rs.caveats):
        if cv.when is not None:
            yield "caveats", i, f"caveat '{cv.id}'", cv.when


def _line(rf: RuleFile, section: str, index: int) -> int | None:
    if section == "population":
        return rf.line_of("population", "conditions", index)
    return rf.line_of(section, index)


@check("unsatisfiable", "error")
def unsatisfiable(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A condition no patient can meet (`> 20` and `< 10`; `lung_lobes_involved >= 6` when
    lobes run 1-5; `== x` and `!= x`), checked on converted thresholds and field ranges."""
    if rf.rule_set is None or lib.fields is None:
        return
    for section, index, name, condition in _conditions(rf.rule_set):
        if not satisfiable(condition, lib.fields):
            yield finding(rf, _line(rf, section, index),
                          f"{name} can never hold: no value of its fields satisfies it",
                          "unsatisfiable")


@check("never-fires", "error")
def never_fires(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A factor, group or caveat that cannot hold for any patient inside the population
    (error), or that holds for every such patient and so says nothing (warning)."""
    if rf.rule_set is None or lib.fields is None:
        return
    population = _population(rf.rule_set)
    if not satisfiable(population, lib.fields):
        yield finding(rf, rf.line_of("population"), "the population conditions exclude every "
                      "patient", "never-fires")
        return
    for section, index, name, condition in _conditions(rf.rule_set):
        if section == "population" or not satisfiable(condition, lib.fields):
            continue  # reported by 'unsatisfiable'
        line = _line(rf, section, index)
        if not satisfiable(AllOf((population, condition)), lib.fields):
            yield finding(rf, line, f"{name} can never hold for a patient in the population",
                          "never-fires")
        elif not satisfiable(AllOf((population, Not(condition))), lib.fields):
            yield finding(rf, line, f"{name} holds for every patient in the population",
                          "never-fires", severity="warning")


def _band(condition: Condition, lib: Library) -> tuple[str, Interval] | None:
    terms = dnf(condition)
    if terms is None or len(terms) != 1 or lib.fields is None:
        return None
    names = {a.field for a, _ in terms[0]}
    if len(names) != 1:
        return None
    name = names.pop()
    f = lib.fields.fields.get(name)
    if f is None or f.type not in ("int", "quantity", "number", "derived"):
        return None
    return name, interval_of(terms[0], name, lib.fields)


def _show(box: Interval) -> str:
    lo = "[" if box.lo_closed else "("
    hi = "]" if box.hi_closed else ")"
    return f"{lo}{box.lo:g}, {box.hi:g}{hi}"


@check("band-coverage", "error")
def band_coverage(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The levels of a banded variable (factors sharing `variable` on one numeric field,
    like the NCDB tumour-size bands) leave a gap or overlap over the field's range."""
    if rf.rule_set is None or lib.fields is None:
        return
    levels: dict[str, list[tuple[int, str, Interval, str]]] = defaultdict(list)
    for index, f in enumerate(rf.rule_set.factors):
        if f.variable is None:
            continue
        band = _band(f.when, lib)
        if band is not None:
            levels[f.variable].append((index, f.id, band[1], band[0]))
    for variable, items in levels.items():
        if len(items) < 2 or len({field for *_, field in items}) != 1:
            continue
        items.sort(key=lambda item: (item[2].lo, not item[2].lo_closed))
        whole = domain(lib.fields, items[0][3])
        first, last = items[0][2], items[-1][2]
        line = rf.line_of("factors", items[0][0])
        if (first.lo, first.lo_closed) != (whole.lo, whole.lo_closed) and not (
                first.lo == whole.lo and first.lo_closed):
            yield finding(rf, line, f"bands of '{variable}' leave values from {whole.lo:g} "
                          f"uncovered (first band {_show(first)})", "band-coverage")
        if last.hi != whole.hi and not (math.isinf(last.hi) and math.isinf(whole.hi)):
            yield finding(rf, rf.line_of("factors", items[-1][0]),
                          f"bands of '{variable}' stop at {last.hi:g}; values above are "
                          "uncovered", "band-coverage")
        for (_, id1, a, _), (i2, id2, b, _) in pairwise(items):
            if a.hi < b.lo or (a.hi == b.lo and not a.hi_closed and not b.lo_closed):
                yield finding(rf, rf.line_of("factors", i2), f"gap between bands '{id1}' "
                              f"{_show(a)} and '{id2}' {_show(b)}", "band-coverage")
            elif a.hi > b.lo or (a.hi == b.lo and a.hi_closed and b.lo_closed):
                yield finding(rf, rf.line_of("factors", i2), f"bands '{id1}' {_show(a)} and "
                              f"'{id2}' {_show(b)} overlap", "band-coverage")


@check("group-overlap", "error")
def group_overlap(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """Two treatment groups (or two subgroups of one group) can hold for the same patient,
    or a subgroup can hold outside its parent group; levels of one categorical variable
    that overlap are reported too."""
    if rf.rule_set is None or lib.fields is None:
        return
    rs = rf.rule_set
    population = _population(rs)
    index = {g.id: i for i, g in enumerate(rs.groups)}
    siblings: dict[str | None, list[int]] = defaultdict(list)
    for i, g in enumerate(rs.groups):
        siblings[g.parent].append(i)
    for members in siblings.values():
        for a, b in combinations(members, 2):
            ga, gb = rs.groups[a], rs.groups[b]
            if satisfiable(AllOf((population, ga.when, gb.when)), lib.fields):
                yield finding(rf, rf.line_of("groups", b), f"groups '{ga.id}' and '{gb.id}' "
                              "can both hold for one patient", "group-overlap")
    for i, g in enumerate(rs.groups):
        if g.parent in index:
            parent = rs.groups[index[g.parent]]
            if satisfiable(AllOf((population, g.when, Not(parent.when))), lib.fields):
                yield finding(rf, rf.line_of("groups", i), f"subgroup '{g.id}' can hold "
                              f"outside its parent '{parent.id}'", "group-overlap")
    variables: dict[str, list[int]] = defaultdict(list)
    for i, f in enumerate(rs.factors):
        if f.variable:
            variables[f.variable].append(i)
    for variable, members in variables.items():
        for a, b in combinations(members, 2):
            fa, fb = rs.factors[a], rs.factors[b]
            if _band(fa.when, lib) and _band(fb.when, lib):
                continue  # numeric bands: reported by band-coverage
            if satisfiable(AllOf((fa.when, fb.when)), lib.fields):
                yield finding(rf, rf.line_of("factors", b), f"levels '{fa.id}' and '{fb.id}' "
                              f"of '{variable}' can both hold", "group-overlap")


def reachable_scores(rs: RuleSet, lib: Library) -> set[int]:
    """Scores some patient in the population can have (points of factors that can be
    present, absent, or both)."""
    assert lib.fields is not None
    population = _population(rs)
    scores = {0}
    for f in rs.factors:
        if not f.points:
            continue
        can_hold = satisfiable(AllOf((population, f.when)), lib.fields)
        can_fail = satisfiable(AllOf((population, Not(f.when))), lib.fields)
        options = ({f.points} if can_hold else set()) | ({0} if can_fail else set())
        scores = {s + o for s in scores for o in options}
    return scores


@check("score-mapping", "error")
def score_mapping(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A reachable score has no estimate, or two, for an endpoint/horizon the rule set maps
    by score (a missing or doubly covered score); an estimate for an unreachable score is a
    warning."""
    rs = rf.rule_set
    if rs is None or lib.fields is None or rs.model != "score":
        return
    reachable = reachable_scores(rs, lib)
    series: dict[tuple[str, str, int | None, str], list[int]] = defaultdict(list)
    for i, e in enumerate(rs.estimates):
        if e.selector.kind == "score":
            series[(e.series, e.endpoint, e.horizon_months, e.statistic)].append(i)
    if not series:
        yield finding(rf, rf.line_of("estimates"), "a score model with no estimate by score",
                      "score-mapping")
    for (_, endpoint, horizon, statistic), members in series.items():
        what = f"{endpoint} {statistic}" + (f" at {horizon} months" if horizon else "")
        by_score: dict[int, list[int]] = defaultdict(list)
        for i in members:
            by_score[rs.estimates[i].selector.value].append(i)
        for score in sorted(reachable - set(by_score)):
            yield finding(rf, rf.line_of("estimates", members[0]),
                          f"score {score} is reachable but has no estimate of {what}",
                          "score-mapping")
        for score, items in sorted(by_score.items()):
            if len(items) > 1:
                yield finding(rf, rf.line_of("estimates", items[1]),
                              f"score {score} has {len(items)} estimates of {what}",
                              "score-mapping")
            if score not in reachable:
                yield finding(rf, rf.line_of("estimates", items[0]),
                              f"score {score} cannot be reached; its estimate of {what} is "
                              "never shown", "score-mapping", severity="warning")
