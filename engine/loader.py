"""Load rule sets and the field dictionary from YAML into frozen dataclasses.

Every problem in every file is collected before anything is reported. Rule
thresholds are converted to the field's canonical unit here (e.g. "2 cm"
becomes 20 mm) and kept as stated for display.
"""

from __future__ import annotations

import math
import os
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, cast

from . import model as m
from .errors import InputError, Problem, RuleSetError
from .fields import FieldDictionary, build_fields
from .yamlio import MarkedDict, parse_yaml, read_text

if TYPE_CHECKING:
    from pathlib import Path

# Paths are handled with os.path on the compare path: pathlib (with urllib.parse
# behind it) costs 5 ms of start-up. Functions accept str or Path.

VERSION = "0.1.0"  # keep in step with pyproject.toml; part of the rule-cache key

FIELDS_FILE = "fields.yaml"


def bundled_rules_path() -> str:
    """The rule sets shipped with the package: prognosis/rules beside prognosis/engine.

    Both an installed and an editable install keep rules/ beside engine/, so no
    importlib.resources look-up (8 ms of start-up) is needed.
    """
    here = os.path.dirname(os.path.realpath(__file__))
    sibling = os.path.join(os.path.dirname(here), "rules")
    if os.path.exists(os.path.join(sibling, FIELDS_FILE)):
        return sibling
    from importlib import resources

    return str(resources.files("prognosis.rules"))


def bundled_rules_dir() -> Path:
    from pathlib import Path

    return Path(bundled_rules_path())


@dataclass(frozen=True)
class RuleLibrary:
    fields: FieldDictionary
    rule_sets: tuple[m.RuleSet, ...]
    directory: str

    def select(self, ids: Iterable[str], asked_by: str = "--study") -> tuple[m.RuleSet, ...]:
        """The rule sets asked for, in that order (all when none); `asked_by` names the
        option or argument in the message about an unknown id."""
        wanted = list(dict.fromkeys(ids))  # each once, in the order asked
        if not wanted:
            return self.rule_sets
        known = {r.id: r for r in self.rule_sets}
        folded = {r.id.lower(): r.id for r in self.rule_sets}  # 'SLMS' is slms
        wanted = list(dict.fromkeys(folded.get(i.lower(), i) for i in wanted))
        missing = [i for i in wanted if i not in known]
        if missing:
            raise RuleSetError([Problem(asked_by, f"unknown rule set '{i}'; available: "
                                        + ", ".join(known)) for i in missing])
        return tuple(known[i] for i in wanted)


def load_fields(path: str | os.PathLike[str]) -> FieldDictionary:
    data = parse_yaml(read_text(str(path)), str(path))
    return build_fields(data, str(path))


def rule_files(directory: str | os.PathLike[str]) -> list[Path]:
    from pathlib import Path

    return sorted(p for p in Path(directory).glob("*.yaml") if p.name != FIELDS_FILE)


def load_library(directory: str | os.PathLike[str] | None = None) -> RuleLibrary:
    """Load fields.yaml and every rule set of a directory; all problems at once.

    A valid library is cached (see engine/cache.py); invalid rules are never cached.
    """
    path = os.fspath(directory) if directory is not None else bundled_rules_path()
    if not os.path.isdir(path):
        raise RuleSetError([Problem(path, "rules directory not found")])
    from .cache import cached

    sources = [_fields_path(path), *sorted(
        os.path.join(path, name) for name in os.listdir(path)
        if name.endswith(".yaml") and name != FIELDS_FILE)]
    return cached(sources, VERSION, lambda: _load_library(path))


def _fields_path(directory: str) -> str:
    """The directory's own fields.yaml, else the bundled one."""
    own = os.path.join(directory, FIELDS_FILE)
    return own if os.path.exists(own) else os.path.join(bundled_rules_path(), FIELDS_FILE)


def _load_library(directory: str) -> RuleLibrary:
    fields = load_fields(_fields_path(directory))
    problems: list[Problem] = []
    rule_sets: list[m.RuleSet] = []
    for path in rule_files(directory):
        try:
            rule_sets.append(load_rule_set(path, fields))
        except InputError as exc:  # YAML errors too, so no file hides another's problems
            problems.extend(exc.problems)
    seen: dict[str, str] = {}
    for rs in rule_sets:
        if rs.id in seen:
            problems.append(Problem(rs.source, f"rule set id '{rs.id}' is also used by "
                                    f"{seen[rs.id]}", code="duplicate-id"))
        seen[rs.id] = rs.source
    if not rule_sets and not problems:
        problems.append(Problem(str(directory), "no rule sets (*.yaml) found"))
    if problems:
        raise RuleSetError(problems)
    # The roster is the data: each rule set's display_order (then year, then id).
    return RuleLibrary(fields, tuple(sorted(rule_sets, key=m.RuleSet.roster_key)), directory)


def load_rule_set(path: str | os.PathLike[str], fields: FieldDictionary) -> m.RuleSet:
    import hashlib  # only on a cache miss (3 ms of start-up)

    raw = read_text(str(path))
    data = parse_yaml(raw, str(path))
    return build_rule_set(data, fields, str(path), hashlib.sha256(raw.encode()).hexdigest())


def build_rule_set(data: Any, fields: FieldDictionary, source: str, sha256: str) -> m.RuleSet:
    from .ruleformat import RULE_SET  # only on a cache miss: compare's start-up skips it

    if data is None:
        raise RuleSetError([Problem(source, "file is empty")])
    issues = list(RULE_SET.check(data, "", (1, 1)))
    if issues:
        raise RuleSetError([Problem(source, f"{i.path}: {i.message}" if i.path else i.message,
                                    line=i.line, col=i.col, code="schema") for i in issues])
    builder = _Builder(fields, source)
    rule_set = builder.build(data, sha256)
    if builder.problems:
        raise RuleSetError(builder.problems)
    return rule_set


def _line(node: Any) -> int | None:
    return node.line if isinstance(node, MarkedDict) else None


class _Builder:
    """Turns a structurally valid document into a RuleSet, collecting problems.

    Every object is built through the format's declaration (engine/binding.py): the
    methods here are the steps for what is more than a key's value (thresholds in the
    field's unit, a median in months, a factor's role, the case mix's conditions)."""

    def __init__(self, fields: FieldDictionary, source: str) -> None:
        from . import ruleformat
        from .binding import Binder

        self.format = ruleformat  # the declaration every object is built from
        self.fields = fields
        self.source = source
        self.problems: list[Problem] = []
        self._atom_keys: dict[tuple[Any, ...], str] = {}
        self.model = "score"
        self.binder = Binder(vars(m), {
            "Atom": self.atom, "Estimate": self.estimate, "Factor": self.factor,
            "ObservedRange": self.observed_range,
            "Example": lambda node: self.binder.build(self.format.EXAMPLE, node,
                                                      line=_line(node))})

    def bad(self, node: Any, message: str, field: str | None = None,
            code: str = "consistency") -> None:
        self.problems.append(Problem(self.source, message, field=field, line=_line(node),
                                     code=code))

    # -- conditions ---------------------------------------------------------
    def condition(self, node: Any) -> m.Condition:
        condition: m.Condition = self.binder.convert(self.format.CONDITION, node)
        return condition

    def atom(self, node: Any) -> m.Atom:
        name, op, stated, unit = node["field"], node["op"], node["value"], node.get("unit")
        value: m.Threshold = stated
        fdef = self.fields.fields.get(name)
        if fdef is None:
            hint = self.fields.suggest(name)
            extra = f" (did you mean '{hint}'?)" if hint else ""
            self.bad(node, f"field '{name}' is not declared in fields.yaml{extra}",
                     code="unknown-field")
        elif fdef.type == "text":
            self.bad(node, f"field '{name}' is free text and cannot be used in a rule",
                     code="unknown-field")
        elif fdef.type == "date":
            self.bad(node, f"field '{name}' is a date and cannot be compared in a rule; use the "
                     "interval derived from it", code="operator-type")
        else:
            value = self._threshold(node, fdef.name, fdef.type, op, stated, unit)
        months, same_as = None, None
        if fdef is not None and isinstance(value, float):
            value, months, same_as = self._calendar(node, fdef, value, stated, unit)
        canonical_unit = fdef.canonical_unit if fdef else None
        key_value = value if not isinstance(value, list) else tuple(value)
        identity = (name, op, key_value, months)
        key = self._atom_keys.setdefault(identity, f"a{len(self._atom_keys)}")
        atom: m.Atom = self.binder.build(self.format.ATOM, node, key=key, value=key_value,
                                         unit=canonical_unit, months=months, same_as=same_as)
        return atom

    def _calendar(self, node: Any, fdef: Any, value: float, stated: Any, unit: str | None
                  ) -> tuple[float, float | None, tuple[float, str] | None]:
        """The threshold in the canonical unit and in months (for values given in months or
        years), taking the paper's own equivalence (`same_as`) where it states one."""
        dimension = fdef.dimension
        same = node.get("same_as")
        if dimension is None or not dimension.calendar:
            if same is not None:
                self.bad(node, f"same_as is for durations; '{fdef.name}' has no calendar units",
                         fdef.name, code="unit-dimension")
            return value, None, None
        months = dimension.months(float(stated), unit) if unit else None
        same_as = None
        if same is not None:
            same_as = (float(same["value"]), str(same["unit"]))
            try:
                other = dimension.convert(same_as[0], same_as[1])
            except ValueError as exc:
                self.bad(node, f"same_as {same_as[0]:g} {same_as[1]}: {exc}", fdef.name,
                         code="unit-dimension")
                return value, months, None
            other_months = dimension.months(*same_as)
            if (months is None) == (other_months is None):
                self.bad(node, "same_as states the threshold in the other kind of unit: one "
                         "of the two in days or weeks, the other in months or years",
                         fdef.name, code="unit-dimension")
                return value, months, None
            if months is None:
                months = other_months
            else:
                value = other  # the paper's day figure is what days are compared with
        if months is None:
            months = round(value / dimension.convert(1, "month"), 9)
        return value, months, same_as

    def _threshold(self, node: Any, name: str, ftype: str, op: str, stated: Any,
                   unit: str | None) -> m.Threshold:
        fdef = self.fields[name]
        numeric = ftype in ("int", "quantity", "number", "derived")
        if op in ("in", "not_in"):
            if not isinstance(stated, list) or not stated:
                self.bad(node, f"'{op}' needs a non-empty list of values", name)
                return ()
            if ftype != "enum":
                self.bad(node, f"'{op}' works on enum fields; '{name}' is {ftype}", name,
                         code="operator-type")
                return ()
            return tuple(self._enum_value(node, fdef.name, v) for v in stated)
        if op in ("<", "<=", ">", ">=") and not numeric:
            self.bad(node, f"'{op}' needs a numeric field; '{name}' is {ftype}", name,
                     code="operator-type")
            return stated  # type: ignore[no-any-return]
        if ftype == "enum":
            return self._enum_value(node, name, stated)
        if ftype == "bool":
            if not isinstance(stated, bool):
                self.bad(node, f"'{name}' is true/false; got {stated!r}", name,
                         code="operator-type")
            return bool(stated)
        if isinstance(stated, bool) or not isinstance(stated, int | float):
            self.bad(node, f"threshold for '{name}' must be a number, got {stated!r}", name,
                     code="operator-type")
            return 0.0
        try:
            finite = math.isfinite(stated)
        except OverflowError:  # an integer of hundreds of digits
            finite = False
        if not finite:
            self.bad(node, f"threshold for '{name}' must be a finite number, got {stated!r}",
                     name, code="operator-type")
            return 0.0
        if "e" in repr(float(stated)):
            self.bad(node, f"threshold {stated!r} for '{name}' is too small or too large for the "
                     "rule engine (it would be written in exponent notation)", name,
                     code="operator-type")
        if unit is None:
            if fdef.dimension is not None:
                self.bad(node, f"threshold {stated!r} for '{name}' needs a unit: a "
                         f"{fdef.dimension.name} is never assumed to be in "
                         f"{fdef.dimension.canonical}", name, code="unit-dimension")
            return float(stated)
        if fdef.dimension is not None:
            try:
                return fdef.dimension.convert(float(stated), unit)
            except ValueError as exc:
                self.bad(node, f"threshold {stated} {unit}: {exc}", name, code="unit-dimension")
                return float(stated)
        if fdef.unit is None or unit.lower() != fdef.unit.lower():
            self.bad(node, f"unit '{unit}' does not fit '{name}' "
                     f"({fdef.unit or 'no unit'})", name, code="unit-dimension")
        return float(stated)

    def _enum_value(self, node: Any, name: str, stated: Any) -> str:
        try:
            value: str = self.fields[name].coerce(stated)
        except ValueError as exc:
            self.bad(node, f"{exc}", name, code="enum-value")
            return str(stated)
        if value != stated:
            self.bad(node, f"write the value as '{value}', not {stated!r}", name,
                     code="enum-value")
        return value

    # -- parts --------------------------------------------------------------
    def estimate(self, node: Any) -> m.Estimate:
        selector_node = node["for"]
        if len(selector_node) != 1:
            self.bad(selector_node, "'for' needs exactly one of: score, group, factor, "
                     "population, cohort")
        kind, value = next(iter(selector_node.items())) if selector_node else ("population", True)
        statistic = node["statistic"]
        unit = node.get("unit") or ("percent" if statistic == "survival_percent" else "months")
        stated = float(node["value"])
        value_c = stated
        if statistic == "median_months":
            if unit not in ("months", "years"):
                self.bad(node, f"a median is in months or years, not {unit}")
            value_c = round(stated * 12, 6) if unit == "years" else stated
            if node["horizon_months"] is not None:
                self.bad(node, "a median has horizon_months: null")
        elif unit != "percent":
            self.bad(node, f"survival_percent is in percent, not {unit}")
        scope = node["scope"]
        fitting = {"score": ("score",), "group": ("group", "subgroup"),
                   "factor": ("histology",), "population": ("cohort",),
                   "cohort": ("cohort",)}.get(kind, ())
        if scope not in fitting:
            self.bad(node, f"an estimate 'for: {{{kind}: ...}}' has scope "
                     f"{' or '.join(fitting) or '?'}, not '{scope}'", code="estimate-scope")
        estimate: m.Estimate = self.binder.build(
            self.format.ESTIMATE, node, selector=m.Selector(cast(m.SelectorKind, kind), value),
            value=value_c, stated_unit=unit)
        return estimate

    def factor(self, node: Any) -> m.Factor:
        model = self.model
        points = node.get("points")
        role = node.get("role") or ("score" if points is not None else "signal")
        if role == "score" and points is None:
            self.bad(node, f"factor '{node['id']}' has role 'score' but no points")
        if points is not None and role != "score":
            self.bad(node, f"factor '{node['id']}' has points but role '{role}'")
        if points is not None and model != "score":
            self.bad(node, f"factor '{node['id']}' has points but the model is '{model}'")
        factor: m.Factor = self.binder.build(self.format.FACTOR, node, role=role)
        return factor

    def case_mix(self, items: Any, factors: tuple[m.Factor, ...],
                 groups: tuple[m.Group, ...]) -> tuple[m.CaseMix, ...]:
        """`case_mix` entries, each naming one factor, group or condition."""
        known: dict[str, dict[str, m.Condition]] = {
            "factor": {f.id: f.when for f in factors}, "group": {g.id: g.when for g in groups}}
        out = []
        for node in items:
            given = [k for k in ("factor", "group", "when") if k in node]
            if len(given) != 1:
                self.bad(node, f"case_mix '{node['id']}' needs exactly one of factor, group, "
                         "when")
                continue
            kind = given[0]
            if kind == "when":
                when = self.condition(node["when"])
            elif node[kind] in known[kind]:
                when = known[kind][node[kind]]
            else:
                self.bad(node, f"case_mix '{node['id']}' names unknown {kind} '{node[kind]}'")
                continue
            if not 0 <= node["count"] <= node["of"] or node["of"] < 1:
                self.bad(node, f"case_mix '{node['id']}': count {node['count']} of "
                         f"{node['of']} is not a share (need 0 <= count <= of, of >= 1)")
                continue
            out.append(self.binder.build(self.format.CASE_MIX, node, when=when))
        return tuple(out)

    def observed_range(self, node: Any) -> m.ObservedRange:
        name, unit = node["field"], node.get("unit")
        low, high = float(node["min"]), float(node["max"])
        fdef = self.fields.fields.get(name)
        if fdef is None or fdef.type not in ("int", "quantity", "number", "derived"):
            hint = self.fields.suggest(name) if fdef is None else None
            extra = f" (did you mean '{hint}'?)" if hint else ""
            self.bad(node, f"observed range of '{name}': not a numeric field of "
                     f"fields.yaml{extra}", name, code="unknown-field")
            return self._range(node, low, high)
        if fdef.dimension is not None:
            if unit is None:
                self.bad(node, f"observed range of '{name}' needs a unit", name,
                         code="unit-dimension")
            else:
                try:
                    low_c, high_c = (fdef.dimension.convert(low, unit),
                                     fdef.dimension.convert(high, unit))
                    return self._range(node, low_c, high_c)
                except ValueError as exc:
                    self.bad(node, f"observed range of '{name}': {exc}", name,
                             code="unit-dimension")
        if low > high:
            self.bad(node, f"observed range of '{name}': min {low:g} is above max {high:g}",
                     name)
        return self._range(node, low, high)

    def _range(self, node: Any, low: float, high: float) -> m.ObservedRange:
        observed: m.ObservedRange = self.binder.build(self.format.OBSERVED_RANGE, node,
                                                      min=low, max=high)
        return observed

    def treatments(self, conditions: list[m.Condition]) -> tuple[m.Treatment, ...]:
        """The treatment decisions (fields.yaml `treatment: true`) the conditions read."""
        read = {a.field for c in conditions for a in m.atoms_of(c)}
        names = [f.name for f in self.fields.fields.values() if f.treatment and f.name in read]
        out = []
        for name in names:
            fdef = self.fields[name]
            implies = [(True, t, v) for t, v in (fdef.implies or {}).items() if t in names]
            implies += [(False, t, v) for t, v in (fdef.implies_if_false or {}).items()
                        if t in names]
            out.append(m.Treatment(name, (fdef.option_text(True), fdef.option_text(False)),
                                   tuple(implies)))
        return tuple(out)

    def build(self, d: Any, sha256: str) -> m.RuleSet:
        stem = os.path.splitext(os.path.basename(self.source))[0]
        if d["id"] != stem:
            self.bad(d, f"rule set id '{d['id']}' differs from its file name '{stem}.yaml'",
                     code="id-filename")
        self.model = d["model"]
        rule_set: m.RuleSet = self.binder.build(self.format.RULE_SET, d, source=self.source,
                                                sha256=sha256, treatments=(), case_mix=())
        conditions = [c.when for c in rule_set.population] + [f.when for f in rule_set.factors]
        conditions += [g.when for g in rule_set.groups]
        conditions += [c.when for c in rule_set.caveats if c.when]
        rule_set = replace(
            rule_set, treatments=self.treatments(conditions),
            case_mix=self.case_mix(d.get("case_mix", []), rule_set.factors, rule_set.groups))
        self.consistency(d, rule_set)
        return rule_set

    def consistency(self, d: Any, rs: m.RuleSet) -> None:
        """Cross-references the engine relies on (the rules check adds many more)."""
        for kind, items in (("factor", rs.factors), ("group", rs.groups),
                            ("caveat", rs.caveats), ("population condition", rs.population)):
            ids = [i.id for i in items]
            for dup in sorted({i for i in ids if ids.count(i) > 1}):
                self.bad(d, f"duplicate {kind} id '{dup}'", code="duplicate-id")
        group_ids = {g.id for g in rs.groups}
        factor_ids = {f.id for f in rs.factors}
        for g in rs.groups:
            if g.parent is not None and g.parent not in group_ids:
                self.bad(d, f"group '{g.id}' has unknown parent '{g.parent}'")
        if rs.model == "score" and not any(f.points for f in rs.factors):
            self.bad(d, "model 'score' needs factors with points")
        if rs.model == "group" and not any(g.parent is None for g in rs.groups):
            self.bad(d, "model 'group' needs groups")
        for e in rs.estimates:
            kind, value = e.selector.kind, e.selector.value
            if kind == "score" and not (isinstance(value, int) and 0 <= value <= rs.max_score()):
                self.bad(d, f"estimate '{e.label}' is for score {value}, outside 0.."
                         f"{rs.max_score()}")
            elif kind == "group" and value not in group_ids:
                self.bad(d, f"estimate '{e.label}' is for unknown group '{value}'")
            elif kind == "factor" and value not in factor_ids:
                self.bad(d, f"estimate '{e.label}' is for unknown factor '{value}'")
            elif kind == "cohort":
                self.bad(d, f"estimate '{e.label}': 'cohort' estimates belong under "
                         "reference_estimates")
        for e in rs.reference_estimates:
            if e.selector.kind != "cohort":
                self.bad(d, f"reference estimate '{e.label}' must be 'for: {{cohort: ...}}'")
