"""How well a rule set's examples exercise it (`prognosis rules test --coverage`).

For every population condition, factor, group and caveat: does some example make
it true, and some example make it false? For every estimate: does some example
get it, and some example not? A side no example reaches is a place where an edit
(a moved cut-off, a flipped operator) would pass `rules test` unseen.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import EngineError, InputError
from .fields import FieldDictionary
from .model import RuleSet
from .results import Result


@dataclass(frozen=True)
class Item:
    kind: str  # population condition | factor | group | caveat | estimate
    id: str
    seen: tuple[str, ...]  # of ("true", "false") or ("selected", "not selected")
    sides: tuple[str, ...]

    @property
    def missing(self) -> tuple[str, ...]:
        return tuple(s for s in self.sides if s not in self.seen)


@dataclass(frozen=True)
class Coverage:
    rule_set: str
    items: tuple[Item, ...]

    @property
    def covered(self) -> int:
        return sum(len(i.sides) - len(i.missing) for i in self.items)

    @property
    def total(self) -> int:
        return sum(len(i.sides) for i in self.items)

    @property
    def percent(self) -> float:
        return 100.0 if not self.total else 100.0 * self.covered / self.total


def example_results(rule_set: RuleSet, fields: FieldDictionary) -> list[Result]:
    from .evaluate import Comparator
    from .patient import normalise

    comparator = Comparator([rule_set])
    results = []
    for example in rule_set.examples:
        try:
            results.append(comparator.evaluate(normalise(example.patient, fields,
                                                         example.name))[0])
        except (InputError, EngineError):
            continue  # reported by rules test
    return results


def _verdicts(seen: set[object]) -> tuple[str, ...]:
    return tuple(name for value, name in ((True, "true"), (False, "false")) if value in seen)


def coverage(rule_set: RuleSet, fields: FieldDictionary) -> Coverage:
    results = example_results(rule_set, fields)
    items: list[Item] = []
    both = ("true", "false")

    def add(kind: str, item_id: str, values: set[object]) -> None:
        items.append(Item(kind, item_id, _verdicts(values), both))

    for i, c in enumerate(rule_set.population):
        add("population condition", c.id, {r.population[i].holds for r in results})
    for f in rule_set.factors:
        add("factor", f.id, {r.factor(f.id).present for r in results})
    for g in rule_set.groups:
        add("group", g.id, {next(x.holds for x in r.groups if x.id == g.id) for r in results})
    for k in rule_set.caveats:
        if k.when is not None:
            add("caveat", k.id, {r.caveat(k.id).present for r in results})
    for e in rule_set.estimates:
        got = {e in r.estimates for r in results}
        seen = tuple(n for v, n in ((True, "selected"), (False, "not selected")) if v in got)
        items.append(Item("estimate", f"{e.label} (for {e.selector.kind} "
                          f"{e.selector.value})", seen, ("selected", "not selected")))
    return Coverage(rule_set.id, tuple(items))
