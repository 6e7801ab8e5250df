"""A small declarative schema for YAML documents.

One definition serves two purposes: `validate()` walks a loaded document and
yields every structural problem (unknown key, wrong type, missing key) with
its line, and `to_json_schema()` turns the same definition into JSON Schema
for editors. There is no second, hand-kept copy of the format.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from .yamlio import MarkedDict

Where = tuple[int | None, int | None]


@dataclass(frozen=True)
class Issue:
    """A structural problem at a dotted path inside a document."""

    path: str
    message: str
    line: int | None
    col: int | None


class Unrepairable(Exception):
    """No stand-in value satisfies the spec (e.g. a condition without any of its keys)."""


def _like(original: Any) -> MarkedDict:
    """An empty MarkedDict that keeps the marks of `original`, so lines still point home."""
    copy = MarkedDict()
    if isinstance(original, MarkedDict):
        copy.line, copy.col, copy.key_marks = original.line, original.col, \
            dict(original.key_marks)
    return copy


class Spec:
    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        raise NotImplementedError

    def placeholder(self) -> Any:
        """A value that passes `check` (raises Unrepairable when there is none)."""
        raise Unrepairable(type(self).__name__)

    def repair(self, value: Any) -> Any:
        """`value` with every part that fails `check` replaced by a stand-in or dropped.

        `rules check` reports the structural issues, then builds the rule set from the
        repaired document so that the units, logic and provenance of every other part
        are still checked in the same run."""
        if next(iter(self.check(value, "", (None, None))), None) is None:
            return value
        return self.placeholder()

    def json(self) -> dict[str, Any]:
        raise NotImplementedError

    def _with_doc(self, schema: dict[str, Any]) -> dict[str, Any]:
        if self.description:
            schema["description"] = self.description
        return schema


def _type_name(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


@dataclass(frozen=True)
class Str(Spec):
    description: str = ""
    pattern: str | None = None

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if not isinstance(value, str):
            yield Issue(path, f"must be text, got {_type_name(value)}", *where)
        elif not value.strip():
            yield Issue(path, "must not be empty", *where)
        elif self.pattern is not None and not re.search(self.pattern, value):
            # the same test as JSON Schema's "pattern" (a search), so both agree
            yield Issue(path, f"{value!r} does not match {self.pattern}", *where)

    def placeholder(self) -> Any:
        for candidate in ("x", "0.0.0"):
            if self.pattern is None or re.match(self.pattern, candidate):
                return candidate
        raise Unrepairable("text")

    def json(self) -> dict[str, Any]:
        # "\S": not blank, as check() requires (minLength alone accepts "   ")
        schema: dict[str, Any] = {"type": "string", "minLength": 1,
                                  "pattern": self.pattern or r"\S"}
        return self._with_doc(schema)


@dataclass(frozen=True)
class Num(Spec):
    description: str = ""
    integer: bool = False
    # The loaded model keeps the number as written (1 stays 1) instead of as a float: for
    # values shown or handed on as the file gives them (a count's lower bound, a horizon).
    as_written: bool = False

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        ok = isinstance(value, int) if self.integer else isinstance(value, int | float)
        if isinstance(value, bool) or not ok:
            kind = "a whole number" if self.integer else "a number"
            yield Issue(path, f"must be {kind}, got {_type_name(value)} {value!r}", *where)
        elif isinstance(value, float) and not math.isfinite(value):
            yield Issue(path, f"must be a finite number, got {value!r}", *where)
        elif isinstance(value, int) and value.bit_length() > 1000:  # beyond any float
            yield Issue(path, f"is too large ({len(str(abs(value)))} digits)", *where)

    def placeholder(self) -> Any:
        return 0

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "integer" if self.integer else "number"})


@dataclass(frozen=True)
class Bool(Spec):
    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if not isinstance(value, bool):
            yield Issue(path, f"must be true or false, got {_type_name(value)}", *where)

    def placeholder(self) -> Any:
        return False

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "boolean"})


@dataclass(frozen=True)
class Date(Spec):
    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if not isinstance(value, dt.date):
            yield Issue(path, f"must be a date (YYYY-MM-DD), got {value!r}", *where)

    def placeholder(self) -> Any:
        return dt.date(1970, 1, 1)

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "string", "format": "date"})


@dataclass(frozen=True)
class Enum(Spec):
    values: tuple[str, ...]
    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if value not in self.values:
            allowed = ", ".join(self.values)
            yield Issue(path, f"{value!r} is not allowed; allowed: {allowed}", *where)

    def placeholder(self) -> Any:
        return self.values[0]

    def json(self) -> dict[str, Any]:
        return self._with_doc({"enum": list(self.values)})


@dataclass(frozen=True)
class Any_(Spec):
    """Any scalar or list (checked later against the field dictionary)."""

    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        return iter(())

    def json(self) -> dict[str, Any]:
        return self._with_doc({})


@dataclass(frozen=True)
class Nullable(Spec):
    inner: Spec
    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if value is not None:
            yield from self.inner.check(value, path, where)

    def placeholder(self) -> Any:
        return None

    def repair(self, value: Any) -> Any:
        try:
            return None if value is None else self.inner.repair(value)
        except Unrepairable:
            return None

    def json(self) -> dict[str, Any]:
        return self._with_doc({"anyOf": [self.inner.json(), {"type": "null"}]})


@dataclass(frozen=True)
class ListOf(Spec):
    item: Spec
    description: str = ""
    min_items: int = 0
    max_items: int | None = None

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if not isinstance(value, list):
            yield Issue(path, f"must be a list, got {_type_name(value)}", *where)
            return
        if len(value) < self.min_items:
            yield Issue(path, f"must have at least {self.min_items} item(s)", *where)
        if self.max_items is not None and len(value) > self.max_items:
            yield Issue(path, f"must have at most {self.max_items} item(s)", *where)
        for index, item in enumerate(value):
            item_where = (item.line, item.col) if isinstance(item, MarkedDict) else where
            yield from self.item.check(item, f"{path}[{index}]", item_where)

    def placeholder(self) -> Any:
        if self.min_items:
            raise Unrepairable("list")
        return []

    def repair(self, value: Any) -> Any:
        if not isinstance(value, list):
            return self.placeholder()
        kept = []
        for item in value:  # an item that cannot be repaired is left out
            try:
                kept.append(self.item.repair(item))
            except Unrepairable:
                continue
        if len(kept) < self.min_items:
            raise Unrepairable("list")
        return kept[:self.max_items] if self.max_items is not None else kept

    def json(self) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "array", "items": self.item.json()}
        if self.min_items:
            schema["minItems"] = self.min_items
        if self.max_items is not None:
            schema["maxItems"] = self.max_items
        return self._with_doc(schema)


@dataclass(frozen=True)
class MapOf(Spec):
    """A mapping with free keys whose values all follow one spec."""

    value: Spec
    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if not isinstance(value, dict):
            yield Issue(path, f"must be a mapping, got {_type_name(value)}", *where)
            return
        for key, item in value.items():
            key_where = value.mark_of(key) if isinstance(value, MarkedDict) else where
            yield from self.value.check(item, f"{path}.{key}", key_where)

    def placeholder(self) -> Any:
        return {}

    def repair(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return self.placeholder()
        kept = _like(value)
        for key, item in value.items():
            try:
                kept[key] = self.value.repair(item)
            except Unrepairable:
                continue
        return kept

    def json(self) -> dict[str, Any]:
        return self._with_doc({"type": "object", "additionalProperties": self.value.json()})


@dataclass(frozen=True)
class Obj(Spec):
    required: Mapping[str, Spec] = field(default_factory=dict)
    optional: Mapping[str, Spec] = field(default_factory=dict)
    description: str = ""
    name: str | None = None  # a $defs name, for JSON Schema
    # What the object becomes once loaded (see engine/binding.py): the frozen dataclass it
    # builds, which attribute each key fills (the key's own name unless renamed here; None:
    # read by a builder step, not kept as written), and the dataclass's attributes that are
    # no key of the file (worked out by the loader). `flatten`: a nested object whose keys
    # fill attributes of the object around it.
    builds: str | None = None
    attrs: Mapping[str, str | None] = field(default_factory=dict)
    computed: tuple[str, ...] = ()
    flatten: bool = False

    def attribute(self, key: str) -> str | None:
        """The attribute a key of this object fills (None: a builder step reads it)."""
        return self.attrs.get(key, key)

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if not isinstance(value, dict):
            yield Issue(path, f"must be a mapping, got {_type_name(value)}", *where)
            return
        known = {**self.required, **self.optional}
        for key in self.required:
            if key not in value:
                yield Issue(path, f"missing required key '{key}'", *where)
        for key, item in value.items():
            key_where = value.mark_of(key) if isinstance(value, MarkedDict) else where
            sub = f"{path}.{key}" if path else key
            if key not in known:
                from difflib import get_close_matches

                hint = get_close_matches(key, list(known), n=1)
                extra = f" (did you mean '{hint[0]}'?)" if hint else ""
                yield Issue(sub, f"unknown key '{key}'{extra}", *key_where)
                continue
            item_where = (item.line, item.col) if isinstance(item, MarkedDict) else key_where
            yield from known[key].check(item, sub, item_where)

    def placeholder(self) -> Any:
        return {key: spec.placeholder() for key, spec in self.required.items()}

    def repair(self, value: Any) -> Any:
        if not isinstance(value, dict):
            return self.placeholder()
        kept = _like(value)
        for key, item in value.items():
            if key in self.required:
                kept[key] = self.required[key].repair(item)
            elif key in self.optional:
                try:
                    kept[key] = self.optional[key].repair(item)
                except Unrepairable:
                    continue
        for key, spec in self.required.items():
            if key not in kept:
                kept[key] = spec.placeholder()
        return kept

    def json(self) -> dict[str, Any]:
        props = {k: v.json() for k, v in {**self.required, **self.optional}.items()}
        schema: dict[str, Any] = {"type": "object", "properties": props,
                                  "additionalProperties": False}
        if self.required:
            schema["required"] = list(self.required)
        return self._with_doc(schema)


@dataclass(frozen=True)
class OneOf(Spec):
    """The first alternative whose `discriminator` key is present decides."""

    alternatives: tuple[tuple[str, Spec], ...]
    description: str = ""

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        if isinstance(value, dict):
            for key, spec in self.alternatives:
                if key in value:
                    yield from spec.check(value, path, where)
                    return
        keys = " or ".join(f"'{k}'" for k, _ in self.alternatives)
        yield Issue(path, f"must be a mapping with one of the keys {keys}", *where)

    def repair(self, value: Any) -> Any:
        if isinstance(value, dict):
            for key, spec in self.alternatives:
                if key in value:
                    return spec.repair(value)
        raise Unrepairable("one of")

    def json(self) -> dict[str, Any]:
        return self._with_doc({"oneOf": [spec.json() for _, spec in self.alternatives]})


class Ref(Spec):
    """A late-bound reference, for recursive definitions (conditions nest)."""

    def __init__(self, name: str, resolve: Any, description: str = "") -> None:
        self.name = name
        self._resolve = resolve
        self.description = description

    def resolve(self) -> Spec:
        spec: Spec = self._resolve()
        return spec

    def check(self, value: Any, path: str, where: Where) -> Iterator[Issue]:
        yield from self.resolve().check(value, path, where)

    def placeholder(self) -> Any:
        return self._resolve().placeholder()

    def repair(self, value: Any) -> Any:
        return self._resolve().repair(value)

    def json(self) -> dict[str, Any]:
        return {"$ref": f"#/$defs/{self.name}"}
