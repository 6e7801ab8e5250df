"""From a declared object of the file format to the frozen dataclass it builds.

The rule-file and fields.yaml formats are declared once (engine/ruleformat.py,
engine/fields.py: `fields_file_spec`). Each declared object names the dataclass
it becomes (`Obj.builds`), the attribute each key fills (`Obj.attrs`; a key's
own name by default) and the attributes the loader works out itself
(`Obj.computed`). `Binder.build` fills every attribute from its key with the
conversion its spec implies (a list becomes a tuple, a number a float or an
int, a nested object its own dataclass), so a key declared in the format cannot
be dropped on the way to the model; `bindings` lists every object with what it
builds, and a test holds each dataclass to it (same attributes, a default for
every optional key, a `Literal` of exactly the declared values for every enum).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from .schema import Any_, ListOf, MapOf, Nullable, Num, Obj, OneOf, Ref, Spec


@dataclass(frozen=True)
class Slot:
    """Where an attribute's value is written in the file: the key path from the object."""

    path: tuple[str, ...]
    spec: Spec
    optional: bool


def slots(spec: Obj) -> dict[str, Slot]:
    """attribute -> its slot, for every key the object keeps as written (nested `flatten`
    objects included, their keys optional when the nested object is)."""
    out: dict[str, Slot] = {}
    for optional, keys in ((False, spec.required), (True, spec.optional)):
        for key, sub in keys.items():
            if isinstance(sub, Obj) and sub.flatten:
                for attr, slot in slots(sub).items():
                    out[attr] = Slot((key, *slot.path), slot.spec, optional or slot.optional)
                continue
            kept = spec.attribute(key)
            if kept is not None:
                out[kept] = Slot((key,), sub, optional)
    return out


def bindings(spec: Spec, seen: set[int] | None = None) -> Iterator[Obj]:
    """Every object of a format that builds a dataclass, each once, outermost first."""
    seen = set() if seen is None else seen
    if id(spec) in seen:
        return
    seen.add(id(spec))
    if isinstance(spec, Obj):
        if spec.builds:
            yield spec
        for sub in (*spec.required.values(), *spec.optional.values()):
            yield from bindings(sub, seen)
    elif isinstance(spec, Nullable):
        yield from bindings(spec.inner, seen)
    elif isinstance(spec, ListOf):
        yield from bindings(spec.item, seen)
    elif isinstance(spec, MapOf):
        yield from bindings(spec.value, seen)
    elif isinstance(spec, OneOf):
        for _, alternative in spec.alternatives:
            yield from bindings(alternative, seen)
    elif isinstance(spec, Ref):
        yield from bindings(spec.resolve(), seen)


class Binder:
    """Builds dataclasses from valid documents: `classes` by name (a module's namespace),
    `steps` the loader's own builders for objects whose attributes need more than their
    keys (units converted, defaults that depend on other keys, cross-checks)."""

    def __init__(self, classes: Mapping[str, Any],
                 steps: Mapping[str, Callable[[Any], Any]] | None = None) -> None:
        self.classes = classes
        self.steps = dict(steps or {})

    def build(self, spec: Obj, node: Mapping[str, Any], **given: Any) -> Any:
        """The dataclass `spec` builds, each attribute from its key (absent optional keys
        keep the dataclass's default); `given` supplies the computed attributes."""
        assert spec.builds is not None
        stray = set(given) - set(spec.computed)
        if stray:  # a step may only supply what the declaration says it computes
            raise TypeError(f"{spec.builds}: {sorted(stray)} are not declared computed")
        kwargs: dict[str, Any] = {}
        for attr, slot in slots(spec).items():
            value: Any = node
            for key in slot.path:
                if not isinstance(value, Mapping) or key not in value:
                    break
                value = value[key]
            else:
                kwargs[attr] = self.convert(slot.spec, value)
        kwargs.update(given)
        return self.classes[spec.builds](**kwargs)

    def convert(self, spec: Spec, value: Any) -> Any:
        """A valid value as the model keeps it."""
        if value is None:
            return None
        if isinstance(spec, Nullable):
            return self.convert(spec.inner, value)
        if isinstance(spec, Ref):
            return self.convert(spec.resolve(), value)
        if isinstance(spec, OneOf):
            for key, alternative in spec.alternatives:
                if key in value:
                    return self.convert(alternative, value)
            raise ValueError("no alternative fits a valid value")  # validated before
        if isinstance(spec, Obj):
            if spec.builds is None:
                return value  # kept as written (an example's expectations)
            step = self.steps.get(spec.builds)
            return step(value) if step else self.build(spec, value)
        if isinstance(spec, ListOf):
            return tuple(self.convert(spec.item, v) for v in value)
        if isinstance(spec, MapOf):
            return {k: self.convert(spec.value, v) for k, v in value.items()}
        if isinstance(spec, Num):
            if spec.as_written:
                return value
            return int(value) if spec.integer else float(value)
        if isinstance(spec, Any_):
            return value
        return value  # text, enum values, true/false, dates: as loaded


def drift(spec: Obj, cls: type, namespace: Mapping[str, Any] | None = None) -> list[str]:
    """How the dataclass `cls` departs from the object `spec` declares (empty: they agree).

    Every attribute is filled by a key or named in `computed` (never both); every optional
    key's attribute has a default; a key's attribute has the type its spec gives (an enum
    a `Literal` of exactly its values, `Nullable` admits None, a list a tuple, a mapping a
    Mapping, a whole number an int, a number a float, a date a date, text a str)."""
    import dataclasses
    import typing

    fields = {f.name: f for f in dataclasses.fields(cls) if f.init}
    import sys

    module = vars(sys.modules[cls.__module__])
    hints = typing.get_type_hints(cls, globalns={**module, **(namespace or {})})
    keyed, computed = slots(spec), set(spec.computed)
    problems = [f"{cls.__name__}.{a}: filled by no key and not computed"
                for a in fields if a not in keyed and a not in computed]
    problems += [f"{cls.__name__} has no attribute '{a}' for key "
                 f"'{'.'.join(keyed[a].path)}'" for a in keyed if a not in fields]
    problems += [f"{cls.__name__}.{a}: computed but has no attribute" for a in sorted(computed)
                 if a not in fields]
    problems += [f"{cls.__name__}.{a}: both a key and computed" for a in keyed if a in computed]
    for attr, slot in keyed.items():
        if attr not in fields:
            continue
        f = fields[attr]
        if slot.optional and f.default is dataclasses.MISSING \
                and f.default_factory is dataclasses.MISSING:
            problems.append(f"{cls.__name__}.{attr}: key '{'.'.join(slot.path)}' is optional "
                            "but the attribute has no default")
        wrong = _type_drift(slot.spec, hints[attr])
        if wrong:
            problems.append(f"{cls.__name__}.{attr}: {wrong}")
    return problems


def _type_drift(spec: Spec, hint: Any) -> str | None:
    import types
    import typing

    from .schema import Bool, Date, Enum, Str

    args = typing.get_args(hint)
    union = typing.get_origin(hint) in (typing.Union, types.UnionType)
    members = [a for a in args if a is not type(None)] if union else [hint]
    if isinstance(spec, Nullable):
        if not union or type(None) not in args:
            return f"the key may be null but {hint} does not admit None"
        spec = spec.inner
    if isinstance(spec, Any_ | Ref | OneOf) or len(members) != 1:
        return None  # a condition, or a value checked later against fields.yaml
    kind, origin = members[0], typing.get_origin(members[0])
    if isinstance(spec, Enum):
        if origin is not typing.Literal or set(typing.get_args(kind)) != set(spec.values):
            return f"the key allows {list(spec.values)} but the attribute is {kind}"
        return None
    expected: tuple[Any, ...] = ()
    if isinstance(spec, ListOf):
        expected = (tuple,)
    elif isinstance(spec, MapOf) or (isinstance(spec, Obj) and spec.builds is None):
        expected = (Mapping, dict)
    elif isinstance(spec, Obj):
        return None if getattr(kind, "__name__", None) == spec.builds else \
            f"the key builds {spec.builds} but the attribute is {kind}"
    elif isinstance(spec, Num):
        expected = (int,) if spec.integer else (float,)
    elif isinstance(spec, Str):
        expected = (str,)
    elif isinstance(spec, Bool):
        expected = (bool,)
    elif isinstance(spec, Date):
        import datetime as dt

        expected = (dt.date,)
    seen = origin or kind
    if expected and seen not in expected:
        return f"the key is {type(spec).__name__} but the attribute is {kind}"
    return None
