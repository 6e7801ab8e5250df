"""Built-in mutation testing of rule sets and fields.yaml (`prognosis rules test --mutate`).

Each mutant is one small edit of a rule document, the kind a slip of the keyboard
or a misread table makes: a threshold moved just past the cut-off, an operator
flipped (`>=`/`>`, `<`/`<=`, `==`/`!=`, `in`/`not_in`), a condition removed, an enum
set shrunk, a comparison reading a look-alike field, a point value changed; an
estimate's value, horizon, selector (`for`) or unit changed; an effect's value or
direction changed; in fields.yaml an alias, a unit factor, an implication, a
derivation or a value of a contradiction (`contradicted_by`) changed. A mutant is
killed when `rules check` reports an error or an example fails; it survives when
everything still passes: no example guards that part of the rule set. Survivors
come with the edited line and, for cut-offs, the boundary patients (at, just
under, just over) whose examples would kill them.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .fields import FieldDictionary, build_fields
from .text import stated_value
from .yamlio import MarkedDict

Path_ = tuple[str | int, ...]
FLIP = {">=": ">", ">": ">=", "<": "<=", "<=": "<", "==": "!=", "!=": "==", "in": "not_in",
        "not_in": "in"}
DIRECTION = {"adverse": "favourable", "favourable": "adverse", "not_significant": "adverse"}


@dataclass(frozen=True)
class Mutant:
    source: str  # the file edited
    line: int | None
    kind: str
    description: str
    data: Any  # the edited document
    field: str | None = None  # for cut-off mutants: the field compared
    cut: Any = None  # (value, unit) of the original cut-off


@dataclass(frozen=True)
class Outcome:
    mutant: Mutant
    killed_by: str | None  # "check: <id>", "example: <name>", None when it survived

    @property
    def survived(self) -> bool:
        return self.killed_by is None


def _get(doc: Any, path: Path_) -> Any:
    for key in path:
        doc = doc[key]
    return doc


def _line(doc: Any, path: Path_) -> int | None:
    line = getattr(doc, "line", None)
    node = doc
    for key in path:
        if isinstance(node, MarkedDict) and isinstance(key, str):
            line = node.mark_of(key)[0] or line
        try:
            node = node[key]
        except (KeyError, IndexError):
            return line  # a key the mutant adds: the line of its parent
        line = getattr(node, "line", None) or line
    return line


def _edit(doc: Any, path: Path_, change: Callable[[Any, str | int], None]) -> Any:
    mutated = copy.deepcopy(doc)
    change(_get(mutated, path[:-1]), path[-1])
    return mutated


def _set(value: Any) -> Callable[[Any, str | int], None]:
    def apply(parent: Any, key: str | int) -> None:
        parent[key] = value
    return apply


def _delete(parent: Any, key: str | int) -> None:
    del parent[key]


def _where(path: Path_, doc: Any) -> str:
    out = ""
    node = doc
    for key in path:
        item = node.get(key) if isinstance(node, dict) else node[key]
        if isinstance(key, int):
            name = item.get("id") or item.get("name") if isinstance(item, dict) else None
            out += f"[{name if isinstance(name, str) else key}]"
        else:
            out += f".{key}" if out else key
        node = item
    return out


def _conditions(node: Any, path: Path_) -> Iterator[tuple[Path_, Any]]:
    if not isinstance(node, dict):
        return
    yield path, node
    for key in ("all", "any"):
        for i, item in enumerate(node.get(key) or []):
            yield from _conditions(item, (*path, key, i))
    if isinstance(node.get("not"), dict):
        yield from _conditions(node["not"], (*path, "not"))


def _step(value: float, integer: bool) -> float:
    if integer:
        return 1
    return round(abs(value) * 0.1, 6) or 1


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def rule_set_mutants(doc: Any, source: str, fields: FieldDictionary) -> Iterator[Mutant]:
    def mutant(path: Path_, kind: str, what: str, change: Callable[[Any, str | int], None],
               **extra: Any) -> Mutant:
        return Mutant(source, _line(doc, path), kind, f"{_where(path, doc)}: {what}",
                      _edit(doc, path, change), **extra)

    roots: list[Path_] = [("population", "conditions", i, "when")
                          for i in range(len(doc["population"]["conditions"]))]
    for section in ("factors", "groups", "caveats"):
        roots += [(section, i, "when") for i, item in enumerate(doc.get(section) or [])
                  if "when" in item]
    for root in roots:
        for path, node in _conditions(_get(doc, root), root):
            for key in ("all", "any"):
                items = node.get(key) or []
                for i in range(len(items) if len(items) > 1 else 0):
                    yield mutant((*path, key, i), "condition removed", "removed", _delete)
            if "field" not in node:
                continue
            op, value, unit, name = node["op"], node["value"], node.get("unit"), node["field"]
            yield mutant((*path, "op"), "operator", f"{op} -> {FLIP[op]}", _set(FLIP[op]))
            fdef = fields.fields.get(name)
            if fdef is None:
                continue
            if _number(value):
                step = _step(value, fdef.type == "int")
                for moved in (value + step, value - step):
                    moved = round(moved, 6)
                    yield mutant((*path, "value"), "threshold",
                                 f"{op} {value:g} -> {op} {moved:g}{' ' + unit if unit else ''}",
                                 _set(moved), field=name, cut=(value, unit))
            if isinstance(value, list) and len(value) > 1:
                for i, item in enumerate(value):
                    yield mutant((*path, "value"), "enum set shrunk", f"without {item}",
                                 _set([v for j, v in enumerate(value) if j != i]))
            twin = next((f for f in fields.fields.values() if f.name != name
                         and f.type == fdef.type and f.dimension == fdef.dimension
                         and f.type in ("int", "quantity", "number")), None)
            if twin is not None:
                yield mutant((*path, "field"), "field", f"{name} -> {twin.name}",
                             _set(twin.name))
    for i in range(len(doc["population"]["conditions"])):
        yield mutant(("population", "conditions", i), "condition removed", "removed", _delete)
    for i, factor in enumerate(doc.get("factors") or []):
        if _number(factor.get("points")):
            yield mutant(("factors", i, "points"), "points",
                         f"{factor['points']} -> {factor['points'] + 1}",
                         _set(factor["points"] + 1))
        if factor.get("direction") in DIRECTION:
            new = DIRECTION[factor["direction"]]
            yield mutant(("factors", i, "direction"), "effect direction",
                         f"{factor['direction']} -> {new}", _set(new))
    for section in ("factors", "groups"):
        for i, item in enumerate(doc.get(section) or []):
            for j, effect in enumerate(item.get("effects") or []):
                if _number(effect.get("value")):
                    new = round(effect["value"] * 1.1 + 0.01, 2)
                    yield mutant((section, i, "effects", j, "value"), "effect value",
                                 f"{effect['value']:g} -> {new:g}", _set(new))
    yield from _estimate_mutants(doc, mutant)


def _estimate_mutants(doc: Any, mutant: Callable[..., Mutant]) -> Iterator[Mutant]:
    groups = [g["id"] for g in doc.get("groups") or []]
    factors = [f["id"] for f in doc.get("factors") or []]
    max_score = sum(f.get("points") or 0 for f in doc.get("factors") or [])
    for section in ("estimates", "reference_estimates"):
        for i, e in enumerate(doc.get(section) or []):
            path = (section, i)
            value = e.get("value")
            if _number(value):
                new = round(value + 1 if e.get("statistic") == "survival_percent"
                            and value <= 99 else value - 1 if value > 1 else value * 1.1, 6)
                yield mutant((*path, "value"), "estimate value", f"{value:g} -> {new:g}",
                             _set(new))
            if _number(e.get("horizon_months")):
                h = e["horizon_months"]
                yield mutant((*path, "horizon_months"), "estimate horizon",
                             f"{h} -> {h + 12}", _set(h + 12))
            if e.get("statistic") == "median_months":
                unit = e.get("unit", "months")
                other = "months" if unit == "years" else "years"
                yield mutant((*path, "unit"), "estimate unit", f"{unit} -> {other}",
                             _set(other))
            selector = e.get("for") or {}
            for kind, options in (("group", groups), ("factor", factors),
                                  ("score", list(range(max_score + 1)))):
                current = selector.get(kind)
                if current is None or len(options) < 2 or current not in options:
                    continue
                new_value = options[(options.index(current) + 1) % len(options)]
                yield mutant((*path, "for"), "estimate selector",
                             f"{kind} {current} -> {kind} {new_value}", _set({kind: new_value}))


def fields_mutants(doc: Any, source: str) -> Iterator[Mutant]:
    def mutant(path: Path_, kind: str, what: str, change: Callable[[Any, str | int], None]
               ) -> Mutant:
        return Mutant(source, _line(doc, path), kind, f"{_where(path, doc)}: {what}",
                      _edit(doc, path, change))

    for dim, spec in (doc.get("units") or {}).items():
        for unit, factor in (spec.get("factors") or {}).items():
            if _number(factor):
                yield mutant(("units", dim, "factors", unit), "unit",
                             f"{factor:g} -> {factor * 10:g}", _set(factor * 10))
    for name, spec in (doc.get("fields") or {}).items():
        values = list(spec.get("values") or [])
        for alias, target in (spec.get("aliases") or {}).items():
            if target in values and len(values) > 1:
                other = values[(values.index(target) + 1) % len(values)]
                yield mutant(("fields", name, "aliases", alias), "alias",
                             f"{target} -> {other}", _set(other))
        for key in ("implies", "implies_if_false"):
            for target, value in (spec.get(key) or {}).items():
                if isinstance(value, bool):
                    yield mutant(("fields", name, key, target), "implication",
                                 f"{target}: {value} -> {not value}", _set(not value))
        for target, value in (spec.get("contradicted_by") or {}).items():
            changed = (not value) if isinstance(value, bool) else (
                value + 1 if _number(value) else None)
            if changed is not None:
                yield mutant(("fields", name, "contradicted_by", target), "contradiction",
                             f"{target}: {stated_value(value)} -> {stated_value(changed)}",
                             _set(changed))
        for key in ("ratio", "interval"):
            pair = spec.get(key)
            if isinstance(pair, list) and len(pair) == 2:
                yield mutant(("fields", name, key), "derivation",
                             f"[{pair[0]}, {pair[1]}] -> [{pair[1]}, {pair[0]}]",
                             _set([pair[1], pair[0]]))


def _verdict(rule_docs: list[tuple[str, Any]], fields: FieldDictionary) -> str | None:
    """What kills a set of rule documents under a field dictionary (None: nothing)."""
    import hashlib

    from .checks import run_checks
    from .checks.base import Library, RuleFile
    from .examples import run_examples
    from .loader import build_rule_set

    files = []
    for source, doc in rule_docs:
        try:
            rule_set = build_rule_set(doc, fields, source, hashlib.sha256(b"").hexdigest())
        except InputError as exc:
            return f"check: {exc.problems[0].code or 'consistency'}"
        for outcome in run_examples(rule_set, fields):
            if not outcome.passed:
                return f"example: {outcome.example.name}"
        files.append(RuleFile(source, data=doc, rule_set=rule_set))
    library = Library(files, fields, "fields.yaml")
    from .checks import CHECKS

    errors = [f for f in run_checks(library, [c for c in CHECKS if c not in
                                              ("examples", "suppression")])
              if f.severity == "error"]
    return f"check: {errors[0].check}" if errors else None


def run_rule_set_mutants(doc: Any, source: str, fields: FieldDictionary) -> list[Outcome]:
    return [Outcome(m, _verdict([(source, m.data)], fields))
            for m in rule_set_mutants(doc, source, fields)]


def run_fields_mutants(fields_doc: Any, fields_source: str,
                       rule_docs: list[tuple[str, Any]]) -> list[Outcome]:
    outcomes = []
    for m in fields_mutants(fields_doc, fields_source):
        try:
            fields = build_fields(m.data, fields_source)
        except InputError as exc:
            outcomes.append(Outcome(m, f"check: {exc.problems[0].code or 'fields-file'}"))
            continue
        outcomes.append(Outcome(m, _verdict(rule_docs, fields)))
    return outcomes


def boundary_values(value: float, unit: str | None, integer: bool) -> list[str]:
    """Patients' values at, just under and just over a cut-off, as an author writes them."""
    step = 1 if integer else _step(value, False) / 2
    shown = [round(value - step, 6), value, round(value + step, 6)]
    return [f"{v:g} {unit}" if unit else f"{v:g}" for v in shown]
