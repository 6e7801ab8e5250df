"""The dataclasses and the loader's builder come from the one declaration of the format.

engine/ruleformat.py and engine/fields.py (`fields_file_spec`) declare every key once
and bind each object to the dataclass it builds; the loader builds every object through
engine/binding.py, so a declared key reaches the model. These tests hold each dataclass
to its declaration (attributes, defaults, types, enum values) and show that a drift of
each kind is found.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any, Literal

import pytest

from prognosis.engine import fields as f
from prognosis.engine import model as m
from prognosis.engine.binding import Binder, bindings, drift, slots
from prognosis.engine.loader import load_library
from prognosis.engine.ruleformat import RULE_SET
from prognosis.engine.schema import Enum, ListOf, Nullable, Num, Obj, Str

NAMESPACE = {**vars(m), **vars(f)}
BOUND = [*bindings(RULE_SET), *bindings(f.fields_file_spec())]


def test_every_dataclass_of_the_formats_is_bound() -> None:
    assert sorted({o.builds for o in BOUND if o.builds}) == [
        "Admitted", "AllOf", "AnyOf", "Atom", "CaseMix", "Caveat", "Citation", "Dimension",
        "Effect", "Estimate", "Example", "Factor", "FieldDef", "Group", "Not", "ObservedRange",
        "Performance", "PopulationCondition", "RuleSet", "Statement", "TextItem"]


@pytest.mark.parametrize("spec", BOUND, ids=lambda o: o.builds)
def test_dataclass_agrees_with_its_declaration(spec: Obj) -> None:
    assert spec.builds is not None
    assert drift(spec, NAMESPACE[spec.builds], NAMESPACE) == []


# -- each kind of drift is found ------------------------------------------------------
@dataclasses.dataclass(frozen=True, kw_only=True)
class Drifted:
    name: int  # declared as text
    kind: Literal["a"]  # declared a or b
    size: float  # declared nullable
    count: float  # declared a whole number
    extra: str  # no key, not computed
    items: list[str]  # declared a list: a tuple
    note: str  # an optional key without a default


DRIFTED = Obj(
    required={"name": Str(), "kind": Enum(("a", "b")), "size": Nullable(Num()),
              "count": Num(integer=True)},
    optional={"items": ListOf(Str()), "note": Str(), "gone": Str()},
    builds="Drifted", computed=("count", "missing"),
)


def test_drift_finds_each_kind() -> None:
    assert drift(DRIFTED, Drifted, {"Drifted": Drifted}) == [
        "Drifted.extra: filled by no key and not computed",
        "Drifted has no attribute 'gone' for key 'gone'",
        "Drifted.missing: computed but has no attribute",
        "Drifted.count: both a key and computed",
        "Drifted.name: the key is Str but the attribute is <class 'int'>",
        "Drifted.kind: the key allows ['a', 'b'] but the attribute is typing.Literal['a']",
        "Drifted.size: the key may be null but <class 'float'> does not admit None",
        "Drifted.count: the key is Num but the attribute is <class 'float'>",
        "Drifted.items: key 'items' is optional but the attribute has no default",
        "Drifted.items: the key is ListOf but the attribute is list[str]",
        "Drifted.note: key 'note' is optional but the attribute has no default",
    ]


# -- the builder fills every attribute from its key ------------------------------------
@dataclasses.dataclass(frozen=True, kw_only=True)
class Part:
    label: str
    weight: float
    tags: tuple[str, ...] = ()
    seen: Mapping[str, bool] | None = None
    derived: int = 0


PART = Obj(required={"label": Str(), "weight": Num()},
           optional={"tags": ListOf(Str()), "seen": Obj(optional={"x": Str()})},
           builds="Part", computed=("derived",))


def test_binder_converts_each_key_and_keeps_defaults() -> None:
    binder = Binder({"Part": Part})
    assert binder.build(PART, {"label": "a", "weight": 2}) == Part(label="a", weight=2.0)
    built = binder.build(PART, {"label": "a", "weight": 2, "tags": ["x", "y"],
                                "seen": {"x": "1"}}, derived=7)
    assert built == Part(label="a", weight=2.0, tags=("x", "y"), seen={"x": "1"}, derived=7)
    assert isinstance(built.weight, float)


def test_numbers_are_floats_unless_kept_as_written() -> None:
    """A number becomes a float (an effect's 2 is 2.0, as JSON has always shown it); one
    declared `as_written` stays as the file gives it: a count's lower bound of 1 is shown
    as 1, a horizon of 36 months as 36 (review finding: both had become 1.0 and 36.0)."""
    binder = Binder({"Part": Part})
    assert binder.convert(Num(), 2) == 2.0 and isinstance(binder.convert(Num(), 2), float)
    assert type(binder.convert(Num(as_written=True), 1)) is int
    library = load_library()
    assert library.fields["lung_metastasis_max_diameter"].implies_at_least == {
        "lung_metastasis_count": 1}
    assert type(library.fields["lung_metastasis_max_diameter"].implies_at_least[
        "lung_metastasis_count"]) is int
    horizons = [p.horizon_months for rs in library.rule_sets for p in rs.performance
                if p.horizon_months is not None]
    assert horizons and all(type(h) is int for h in horizons)


def test_a_step_cannot_override_a_keyed_attribute() -> None:
    with pytest.raises(TypeError, match=r"Part: \['label'\] are not declared computed"):
        Binder({"Part": Part}).build(PART, {"label": "a", "weight": 2}, label="b")


SCALARS = (Str, Num, Enum)


def test_every_scalar_a_bundled_rule_set_writes_reaches_the_model() -> None:
    """Each text, number and enum value the bundled files write in an estimate, factor,
    group, caveat or the rule set itself is the model's attribute, as written."""
    from prognosis.engine.yamlio import parse_yaml, read_text

    items = {**RULE_SET.required, **RULE_SET.optional}
    checked = 0
    for rs in load_library().rule_sets:
        raw = parse_yaml(read_text(rs.source), rs.source)
        pairs: list[tuple[Obj, Any, Any]] = [(RULE_SET, raw, rs)]
        for key in ("estimates", "factors", "caveats", "groups"):
            item = items[key]
            assert isinstance(item, ListOf) and isinstance(item.item, Obj)
            pairs += [(item.item, node, built) for node, built
                      in zip(raw.get(key, []), getattr(rs, key), strict=True)]
        for spec, node, built in pairs:
            for attr, slot in slots(spec).items():
                written: Any = node
                for key in slot.path:
                    written = written.get(key) if isinstance(written, Mapping) else None
                if written is not None and isinstance(slot.spec, SCALARS):
                    assert getattr(built, attr) == written, (rs.id, spec.builds, attr)
                    checked += 1
    assert checked > 300
