"""Treatments the board has not decided: one option per choice, side by side.

A treatment field (fields.yaml `treatment: true`) that the patient file leaves
out is undecided, not unknown. For a rule set whose conditions read such
fields, every combination of their values is evaluated as if decided:

- a combination under which the study does not apply (SLMS without a
  pulmonary metastasectomy, Liu without chemotherapy) is no option; a choice
  that every remaining combination shares is a condition of the whole result
  (`conditional_on`: "if pulmonary metastasectomy");
- the remaining combinations, merged where they lead to the same outcome
  (status, score, group, subgroup, figures), are the `options`, each saying
  which choices it assumes;
- the result's own `estimates` keep only the figures that hold whatever the
  option; each option lists the figures of its own.

The combinations are evaluated through the same `assemble` as any patient, so
an option is exactly what `compare` shows once that treatment is decided.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from .model import Estimate, RuleSet, Treatment, Truth
from .results import Assumption, Option, Reason, Result

MAX_UNDECIDED = 6  # 64 combinations at most; rule sets read far fewer treatment fields

VerdictsOf = Callable[[Mapping[str, Any]], Mapping[str, Truth]]


def undecided(rs: RuleSet, values: Mapping[str, Any]) -> tuple[Treatment, ...]:
    """The treatment fields the rule set reads that the patient leaves undecided."""
    return tuple(t for t in rs.treatments if t.field not in values)[:MAX_UNDECIDED]


def combinations(open_: Sequence[Treatment]) -> list[dict[str, bool]]:
    """Every consistent choice of the undecided treatments (true before false)."""
    out = []
    for choice in itertools.product((True, False), repeat=len(open_)):
        assumed = {t.field: v for t, v in zip(open_, choice, strict=True)}
        if all(assumed.get(then, is_) == is_ for t in open_ for when, then, is_ in t.implies
               if assumed[t.field] is when):
            out.append(assumed)
    return out


def with_options(rs: RuleSet, values: Mapping[str, Any], verdicts_of: VerdictsOf,
                 base: Result, calendar: Mapping[str, float] | None = None,
                 bounds: Mapping[str, float] | None = None) -> Result:
    """`base` (the result with the treatments undecided) with its options and conditions."""
    from .evaluate import assemble

    open_ = undecided(rs, values)
    if not open_ or base.status == "not_applicable":
        return base
    combos = []
    for assumed in combinations(open_):
        decided = {**values, **assumed}
        combos.append((assumed, assemble(rs, decided, verdicts_of(decided), False,
                                         calendar, bounds)))
    viable = [(a, r) for a, r in combos if r.status != "not_applicable"]
    if not viable:
        why = _unique(x for _, r in combos for x in r.why)
        return replace(base, status="not_applicable", why=why, score=None,
                       score_range=None, group=None, group_label=None, subgroup=None,
                       possible_groups=(), estimates=(), candidate_estimates=(),
                       outside_range=())
    labels = {t.field: t.labels for t in open_}
    reasons_of = _population_reasons(rs, base)
    fixed = {f: v for f, v in viable[0][0].items() if all(a[f] == v for a, _ in viable)}
    conditional = tuple(Assumption(f, v, labels[f][0 if v else 1], reasons_of.get(f))
                        for f, v in fixed.items())
    merged: dict[tuple[Any, ...], list[tuple[dict[str, bool], Result]]] = {}
    for assumed, result in viable:
        merged.setdefault(_outcome(result), []).append((assumed, result))
    if len(merged) == 1:
        only = viable[0][1]
        return replace(base, status=only.status, why=only.why, score=only.score,
                       score_range=only.score_range, group=only.group,
                       group_label=only.group_label, subgroup=only.subgroup,
                       possible_groups=only.possible_groups, estimates=only.estimates,
                       candidate_estimates=only.candidate_estimates,
                       conditional_on=conditional)
    results = [members[0][1] for members in merged.values()]
    common = tuple(e for e in results[0].estimates if all(e in r.estimates for r in results))
    options = tuple(_option(members, fixed, labels, common, rs)
                    for members in merged.values())
    shown = {e for o in options for e in (*o.estimates, *o.candidate_estimates)}
    status = "complete" if base.status == "complete" and all(
        o.status == "complete" for o in options) else "incomplete"
    scores = {r.score for r in results}
    groups = {r.group for r in results}
    subgroups = {r.subgroup for r in results}
    ranges = [r.score_range for r in results if r.score_range is not None]
    return replace(
        base, status=status,
        why=_unique((*base.why, *(x for r in results for x in r.why))),
        score=scores.pop() if len(scores) == 1 else None,
        score_range=(min(r[0] for r in ranges), max(r[1] for r in ranges)) if ranges else None,
        group=groups.pop() if len(groups) == 1 else None,
        group_label=results[0].group_label if len({r.group for r in results}) == 1 else None,
        subgroup=subgroups.pop() if len(subgroups) == 1 else None,
        possible_groups=tuple(dict.fromkeys(g for r in results for g in (r.group, r.subgroup)
                                            if g is not None)),
        estimates=common,
        candidate_estimates=tuple(e for e in base.candidate_estimates if e not in shown),
        conditional_on=conditional, options=options)


def _unique(reasons: Iterable[Reason]) -> tuple[Reason, ...]:
    """Each reason once (the same condition can fail under several options)."""
    seen: dict[tuple[Any, ...], Reason] = {}
    for r in reasons:
        seen.setdefault((r.kind, r.item, r.fields, r.detail), r)
    return tuple(seen.values())


def _outcome(r: Result) -> tuple[Any, ...]:
    """What tells two options apart: everything a reader would see differ."""
    return (r.status, r.score, r.score_range, r.group, r.subgroup, r.estimates,
            r.candidate_estimates, tuple(f.present for f in r.factors),
            tuple(c.present for c in r.caveats))


def _option(members: list[tuple[dict[str, bool], Result]], fixed: Mapping[str, bool],
            labels: Mapping[str, tuple[str, str]], common: tuple[Estimate, ...],
            rs: RuleSet) -> Option:
    first, result = members[0]
    kept = {f: v for f, v in first.items()
            if f not in fixed and all(a[f] == v for a, _ in members)}
    implied = {(then, is_) for t in rs.treatments if t.field in kept
               for when, then, is_ in t.implies if kept[t.field] is when}
    assumes = tuple(Assumption(f, v, labels[f][0 if v else 1]) for f, v in kept.items()
                    if (f, v) not in implied)  # "if pulmonary metastasectomy" says the rest
    subgroup_label = next((g.label for g in rs.groups if g.id == result.subgroup), None)
    return Option(assumes=assumes, status=result.status, why=result.why,
                  score=result.score, score_range=result.score_range, group=result.group,
                  group_label=result.group_label, subgroup=result.subgroup,
                  subgroup_label=subgroup_label,
                  estimates=tuple(e for e in result.estimates if e not in common),
                  candidate_estimates=result.candidate_estimates)


def _population_reasons(rs: RuleSet, base: Result) -> dict[str, str]:
    """Treatment field -> the reason of the population condition that reads it."""
    from .model import atoms_of

    treatments = {t.field for t in rs.treatments}
    out: dict[str, str] = {}
    for condition, verdict in zip(rs.population, base.population, strict=True):
        for atom in atoms_of(condition.when):
            if atom.field in treatments:
                out.setdefault(atom.field, verdict.label)
    return out
