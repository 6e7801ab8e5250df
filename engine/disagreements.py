"""Where the studies disagree for one patient, and why (the disagreement panel).

Everything is read from what the rule sets and fields.yaml declare, with no
per-study case: factors on the same field (thresholds, directions, effects),
statements one study makes about a factor another scores, fields declared
`distinct_from` each other, the endpoint, origin and horizon of estimates,
and the population aspects each study `admitted`. Only applicable studies
(status other than not_applicable) take part.
"""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from .fields import FieldDictionary
from .model import Atom, Estimate, Factor, RuleSet, Truth, atoms_of
from .results import FactorResult, Result, effect_dict

KINDS = ("threshold", "statement", "different_quantity", "different_endpoint",
         "different_population")


@dataclass(frozen=True)
class Position:
    """What one study says on the question of a disagreement."""

    rule_set: str
    short_name: str
    factor: str | None = None
    label: str | None = None
    op: str | None = None
    threshold: Any = None  # canonical unit; a list for a band (two comparisons)
    unit: str | None = None
    stated: str | None = None  # the cut-off as the paper states it, e.g. "> 2 cm"
    present: Truth = None
    direction: str | None = None  # adverse | favourable | None
    adverse_side: Truth = None  # is the patient on the adverse side of this cut-off?
    effect: Mapping[str, Any] | None = None
    detail: Mapping[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {"rule_set": self.rule_set, "short_name": self.short_name,
                "factor": self.factor, "label": self.label, "op": self.op,
                "threshold": self.threshold, "unit": self.unit, "stated": self.stated,
                "present": self.present, "direction": self.direction,
                "adverse_side": self.adverse_side, "effect": self.effect, **self.detail}


@dataclass(frozen=True)
class Disagreement:
    kind: str
    field: str | None
    message: str
    flagged: bool  # the studies point different ways (or cannot be set side by side)
    studies: tuple[Position, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "field": self.field, "message": self.message,
                "flagged": self.flagged, "agreement": not self.flagged,
                "studies": [s.to_dict() for s in self.studies]}


def value_text(name: str, values: Mapping[str, Any], given: Mapping[str, Any],
               fields: FieldDictionary) -> str:
    """"1.7 cm (17 mm)"; "unknown" when the field is not known."""
    from .text import as_given

    if name not in values:
        return "unknown"
    unit = fields[name].canonical_unit if name in fields else None
    return as_given(given.get(name), values[name], unit)


def _stated(atoms: Sequence[Atom]) -> str:
    from .text import stated

    return " and ".join(stated(a.op, a.stated_value, a.stated_unit) for a in atoms)


def _adverse_side(f: FactorResult) -> Truth:
    if f.present is None:
        return None
    if f.variable is not None:  # one level of a banded or categorical variable
        return f.direction == "adverse" if f.present else None
    if f.direction == "adverse":
        return f.present
    if f.direction == "favourable":
        return not f.present
    return False if f.present else None


def _position(rs: RuleSet, result: Result, factor: Factor, name: str) -> Position:
    fr = result.factor(factor.id)
    atoms = [a for a in atoms_of(factor.when) if a.field == name]
    threshold: Any = atoms[0].value if len(atoms) == 1 else [a.value for a in atoms]
    if isinstance(threshold, tuple):
        threshold = list(threshold)
    return Position(
        rule_set=rs.id, short_name=rs.short_name, factor=factor.id, label=factor.label,
        op=atoms[0].op if len(atoms) == 1 else " and ".join(a.op for a in atoms),
        threshold=threshold, unit=atoms[0].unit if atoms else None, stated=_stated(atoms),
        present=fr.present,
        direction=factor.direction if factor.direction in ("adverse", "favourable") else None,
        adverse_side=_adverse_side(fr),
        effect=effect_dict(factor.effects[0]) if factor.effects else None,
        detail={"variable": factor.variable} if factor.variable else {})


_HOLDS = {True: "holds", False: "does not hold", None: "unknown"}


def _phrases(positions: Sequence[Position]) -> str:
    """Each study's verdict; of a banded variable only the level(s) the patient is in."""
    shown = [p for p in positions if p.present is not False or not _banded(p)]
    return "; ".join(_phrase(p) for p in shown or positions)


def _banded(p: Position) -> bool:
    return bool(p.detail.get("variable"))


def _phrase(p: Position) -> str:
    stated = "" if p.stated and p.label and p.stated in p.label else f" ({p.stated})"
    direction = ""
    if p.direction:  # the factor's direction in the study, whether or not it holds here
        article = "an" if p.direction[0] in "aeiou" else "a"
        direction = f", {p.direction}" if p.present else f" ({article} {p.direction} factor)"
    return f"{p.short_name}: {p.label}{stated} {_HOLDS[p.present]}{direction}"


class _Finder:
    def __init__(self, rule_sets: Sequence[RuleSet], results: Sequence[Result],
                 fields: FieldDictionary, values: Mapping[str, Any],
                 given: Mapping[str, Any]) -> None:
        # Studies that apply (or would, if a treatment is chosen): one whose applicability
        # is itself unknown is not set against another.
        self.pairs = [(rs, r) for rs, r in zip(rule_sets, results, strict=True)
                      if r.status != "not_applicable"
                      and not any(w.kind == "applicability_unknown" for w in r.why)]
        self.fields, self.values, self.given = fields, values, given
        self.users: dict[str, list[tuple[RuleSet, Result, Factor]]] = {}
        for rs, r in self.pairs:
            for f in rs.factors:
                for name in dict.fromkeys(a.field for a in atoms_of(f.when)):
                    self.users.setdefault(name, []).append((rs, r, f))

    def value(self, name: str) -> str:
        return value_text(name, self.values, self.given, self.fields)

    def positions(self, name: str) -> list[Position]:
        return [_position(rs, r, f, name) for rs, r, f in self.users.get(name, [])]

    def thresholds(self) -> list[Disagreement]:
        found = []
        for name in self.users:
            positions = self.positions(name)
            if len({p.rule_set for p in positions}) < 2 or name not in self.values:
                continue  # an unknown value neither agrees nor disagrees
            sides: dict[str, list[bool]] = {}
            for p in positions:
                if p.adverse_side is not None:
                    sides.setdefault(p.rule_set, []).append(p.adverse_side)
            by_study = {rid: any(found) for rid, found in sides.items()}
            flagged = len(set(by_study.values())) > 1
            head = f"{name} {self.value(name)}"
            if flagged:
                against = [p.short_name for p in positions if by_study.get(p.rule_set)]
                others = [p.short_name for p in positions if by_study.get(p.rule_set) is False]
                head += (f": on the adverse side for {', '.join(dict.fromkeys(against))} but "
                         f"not for {', '.join(dict.fromkeys(others))}")
            message = head + ". " + _phrases(positions) + "."
            found.append(Disagreement("threshold", name, message, flagged, tuple(positions)))
        return found

    def statements(self) -> list[Disagreement]:
        found = []
        for rs, _ in self.pairs:
            for st in rs.statements:
                scorers = [p for p in self.positions(st.about_field) if p.rule_set != rs.id]
                if not scorers:
                    continue
                said = Position(rs.id, rs.short_name, detail={
                    "quote": st.quote, "note": st.note, "provenance": st.provenance})
                message = (f"{rs.short_name} on {st.about_field}: {st.quote} "
                           f"({st.provenance})." + (f" {st.note}" if st.note else "")
                           + f" For this patient ({st.about_field} "
                           f"{self.value(st.about_field)}): "
                           + _phrases(scorers) + ".")
                found.append(Disagreement("statement", st.about_field, message, True,
                                          (said, *scorers)))
        return found

    def quantities(self) -> list[Disagreement]:
        found = []
        seen: set[frozenset[str]] = set()
        for name, fdef in self.fields.fields.items():
            for other in fdef.distinct_from:
                pair = frozenset((name, other))
                if pair in seen or not self.users.get(name) or not self.users.get(other) \
                        or (name not in self.values and other not in self.values):
                    continue
                seen.add(pair)
                positions = [*self.positions(name), *self.positions(other)]

                def what(n: str) -> str:
                    f = self.fields[n]
                    return f"{n} ({f.measures or f.description}) = {self.value(n)}"

                message = (f"{what(name)} and {what(other)} are different quantities, not one "
                           "value measured twice. " + _phrases(positions) + ".")
                if len({p.adverse_side for p in positions if p.adverse_side is not None}) > 1:
                    message += " They point different ways for this patient."
                found.append(Disagreement("different_quantity", name, message, True,
                                          tuple(positions)))
        return found

    def endpoints(self) -> list[Disagreement]:
        shown = [(rs, *_shown_estimates(r)) for rs, r in self.pairs]
        shown = [s for s in shown if s[1]]
        found = []
        for (ra, ea, wa), (rb, eb, wb) in itertools.combinations(shown, 2):
            if {_frame(e) for e in ea} & {_frame(e) for e in eb}:
                continue  # some figure of each counts the same thing from the same time
            parts = []
            oa, ob = _listed(e.origin for e in ea), _listed(e.origin for e in eb)
            parts.append(f"both count from {oa}" if oa == ob else
                         f"{ra.short_name} counts from {oa}, {rb.short_name} from {ob}")
            pa, pb = _listed(_endpoint(e) for e in ea), _listed(_endpoint(e) for e in eb)
            if pa != pb:
                parts.append(f"{ra.short_name} reports {pa}, {rb.short_name} {pb}")
            ha, hb = _listed(_horizon(e) for e in ea), _listed(_horizon(e) for e in eb)
            if ha != hb:
                parts.append(f"{ra.short_name} gives {ha}, {rb.short_name} {hb}")
            for rs, whole in ((ra, wa), (rb, wb)):
                if whole:
                    parts.append(f"{rs.short_name}'s figures are for its whole cohort, not "
                                 "for patients like this one")
            message = (f"{ra.short_name} and {rb.short_name}: estimates not directly "
                       "comparable (cannot be ranked): " + "; ".join(parts) + ".")
            studies = tuple(Position(rs.id, rs.short_name, detail={"estimates": [
                {"endpoint": e.endpoint, "origin": e.origin, "horizon_months": e.horizon_months,
                 "statistic": e.statistic, "value": e.value, "label": e.label,
                 "whole_cohort": whole} for e in es]})
                for rs, es, whole in ((ra, ea, wa), (rb, eb, wb)))
            found.append(Disagreement("different_endpoint", None, message, True, studies))
        return found

    def populations(self) -> list[Disagreement]:
        aspects: dict[str, list[tuple[RuleSet, Any]]] = {}
        for rs, _ in self.pairs:
            for aspect in rs.admitted:
                aspects.setdefault(aspect.about, []).append((rs, aspect))
        found = []
        for about, entries in aspects.items():
            if not {True, False} <= {a.admitted for _, a in entries}:
                continue
            ids = {rs.id for rs, _ in entries}
            shared = [n for n, users in self.users.items()
                      if ids <= {rs.id for rs, _, _ in users}]
            question = f" for the question they share ({', '.join(shared)})" if shared else ""
            words = {True: "included", False: "excluded", None: "does not say"}
            message = (f"The populations differ on {about.replace('_', ' ')}{question}: "
                       + "; ".join(f"{rs.short_name} {words[a.admitted]} them ({a.text}; "
                                   f"{a.provenance})" for rs, a in entries) + ".")
            studies = tuple(Position(rs.id, rs.short_name, detail={
                "admitted": a.admitted, "text": a.text, "provenance": a.provenance})
                for rs, a in entries)
            found.append(Disagreement("different_population",
                                      about if about in self.fields else None, message, True,
                                      studies))
        return found


def _shown_estimates(r: Result) -> tuple[tuple[Estimate, ...], bool]:
    """The estimates a reader sees for the patient; whole-cohort figures when there are none."""
    own = (*r.estimates, *r.candidate_estimates,
           *(e for o in r.options for e in (*o.estimates, *o.candidate_estimates)))
    return (own, False) if own else (r.reference_estimates, True)


def _frame(e: Estimate) -> tuple[str, str, int | None, str]:
    return (e.endpoint, e.origin, e.horizon_months, e.statistic)


def _endpoint(e: Estimate) -> str:
    return e.endpoint.replace("_", " ")


def _horizon(e: Estimate) -> str:
    if e.statistic == "median_months":
        return "a median"
    months = e.horizon_months or 0
    return f"{months // 12}-year survival" if months % 12 == 0 else f"{months}-month survival"


def _listed(items: Any) -> str:
    return " and ".join(dict.fromkeys(items))


def find_disagreements(rule_sets: Sequence[RuleSet], results: Sequence[Result],
                       fields: FieldDictionary, values: Mapping[str, Any],
                       given: Mapping[str, Any] | None = None) -> list[Disagreement]:
    """Every disagreement among the applicable studies, in the order of KINDS."""
    finder = _Finder(rule_sets, results, fields, values, given or {})
    return [*finder.thresholds(), *finder.statements(), *finder.quantities(),
            *finder.endpoints(), *finder.populations()]
