"""The field dictionary (rules/fields.yaml): types, units, enums and coercion.

`FieldDef.coerce` turns what a person wrote ("1.8 cm", "14 months", "LMS",
"yes") into the canonical value the engine compares, or raises ValueError
with a message that says what is allowed. Patient files, cohort cells and
rule thresholds all go through it, so units are converted in one place.
"""

from __future__ import annotations

import functools
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from difflib import get_close_matches
from typing import Any, Literal, TypeAlias, get_args

from .errors import Problem, RuleSetError
from .yamlio import MarkedDict

FieldType: TypeAlias = Literal["text", "enum", "bool", "int", "quantity", "number", "date",
                               "derived"]
FIELD_TYPES: tuple[str, ...] = get_args(FieldType)
ROUND_DIGITS = 9  # conversions and ratios are rounded so 0.6/0.3 is 2.0, not 1.999...

_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_WITH_UNIT = re.compile(rf"^\s*({_NUMBER})\s*([A-Za-z/µ%]+)?\s*$")
_TRUE = {"true", "yes", "y", "1"}


SHOWN_CHARS = 60  # a value quoted in a message is cut to this length


@functools.lru_cache(maxsize=64)
def _decimal(factor: float) -> Decimal:
    """A unit's factor as the exact decimal it is written as (made once per factor)."""
    return Decimal(repr(factor))


def shown_text(text: str) -> str:
    """Text quoted in a message: its repr, cut to SHOWN_CHARS characters when longer."""
    if len(text) > SHOWN_CHARS:
        return repr(text[:SHOWN_CHARS]) + f"... ({len(text):,} characters)"
    return repr(text)


def _shown(raw: Any) -> str:
    """A value as the user wrote it: quoted text (cut when long), ISO dates, plain numbers."""
    if isinstance(raw, str):
        return shown_text(raw)
    if hasattr(raw, "isoformat"):
        return f"{raw.isoformat()} (a date)"
    if isinstance(raw, list | dict):
        return "a list" if isinstance(raw, list) else "a mapping"
    return str(raw).lower() if isinstance(raw, bool) else str(raw)
_FALSE = {"false", "no", "n", "0"}


def _whole(raw: Any, value: float) -> int | None:
    """The whole number written (read from its decimal text, not its nearest float: 1e30 is
    10**30, 5.9999999999 is not whole), or None."""
    if isinstance(raw, str):
        match = _WITH_UNIT.match(raw)
        if match:
            number = Decimal(match.group(1))
            return int(number) if number == number.to_integral_value() else None
    if isinstance(raw, int) and not isinstance(raw, bool):
        return raw
    return int(value) if value.is_integer() else None


@dataclass(frozen=True, kw_only=True)
class Dimension:
    name: str
    canonical: str
    factors: Mapping[str, float]
    calendar: Mapping[str, float] | None = None  # calendar unit -> months (durations)

    def unit_factor(self, unit: str) -> float | None:
        return self.factors.get(unit) or self.factors.get(unit.lower())

    def calendar_factor(self, unit: str) -> float | None:
        """Months per `unit` when it is a calendar unit (month, year), else None."""
        if not self.calendar:
            return None
        return self.calendar.get(unit) or self.calendar.get(unit.lower())

    def months(self, value: float, unit: str) -> float | None:
        """`value unit` in months when `unit` is a calendar unit (month, year), else None."""
        factor = self.calendar_factor(unit)
        return None if factor is None else round(value * factor, ROUND_DIGITS)

    def example(self) -> str:
        """How to write a value of this dimension, for messages."""
        return "'25 mm' or '2.5 cm'" if self.name == "length" else \
            "'400 days', '14 months' or '2 years'" if self.name == "duration" else \
            f"'10 {self.canonical}'"

    def convert(self, value: float | Decimal, unit: str) -> float:
        """`value` in `unit` in the canonical unit: the exact decimal product, then the nearest
        float ("0.7 cm" is 7.0 mm, and "14.9999999999 mm" stays below 15)."""
        factor = self.factors.get(unit) or self.factors.get(unit.lower())
        if factor is None:
            allowed = ", ".join(self.factors)  # as declared: the usual spellings first
            raise ValueError(f"unit '{unit}' is not a {self.name} unit; allowed: {allowed}")
        exact = value if isinstance(value, Decimal) else Decimal(repr(value))
        try:
            return float(exact * _decimal(factor))
        except ArithmeticError:  # beyond Decimal's exponent range: beyond any float too
            return math.inf


@dataclass(frozen=True, kw_only=True)
class FieldDef:
    """A field of fields.yaml; its attributes are bound to the file's keys in
    `fields_file_spec` (engine/binding.py)."""

    name: str
    type: FieldType
    description: str
    values: tuple[str, ...] = ()
    aliases: Mapping[str, str] | None = None
    dimension: Dimension | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    exclusive_min: bool = False
    implies: Mapping[str, bool] | None = None
    implies_if_false: Mapping[str, bool] | None = None
    implies_at_least: Mapping[str, float] | None = None  # a value > 0 bounds another field
    implies_if_given: Mapping[str, bool] | None = None  # given at all, it entails these
    # Given at all, it cannot be with ALL these values together (a timing of metastases
    # beside no lung metastasis and none elsewhere); `contradiction` says why.
    contradicted_by: Mapping[str, Any] | None = None
    contradiction: str | None = None
    ratio: tuple[str, str] | None = None
    measures: str | None = None
    interval: tuple[str, str] | None = None  # (from date, to date): may be derived from them
    margin: float | None = None  # near-cut-off margin in the canonical unit (a tool convention)
    distinct_from: tuple[str, ...] = ()  # fields that look alike but measure something else
    column_aliases: tuple[str, ...] = ()  # other names a cohort column may have (DFI)
    treatment: bool = False  # a treatment decision: undecided gives options, not "unknown"
    options: Mapping[bool, str] | None = None  # how a clinician names each choice
    alias_notes: Mapping[str, str] | None = None  # synonym -> the warning its use carries
    not_covered: Mapping[str, str] | None = None  # entity -> why it is no value, what to write

    def option_text(self, value: bool) -> str:
        """"pulmonary metastasectomy" / "no pulmonary metastasectomy"."""
        if self.options and value in self.options:
            return self.options[value]
        name = self.name.replace("_", " ")
        return name if value else f"no {name}"

    @property
    def sources(self) -> tuple[str, ...]:
        """The fields a derived value of this field is computed from (empty when it is only
        given). A field that may be given AND derived (an interval from two dates) lists
        itself too, since the consistency check reads the given value."""
        if self.interval:
            return (*self.interval, self.name)
        return tuple(self.ratio or ())

    @property
    def canonical_unit(self) -> str | None:
        return self.dimension.canonical if self.dimension else self.unit

    def allowed(self, mapping: bool = True) -> str:
        """What a value of this field may be, for messages. `mapping`: the value could
        have been written as a mapping (a patient file); a cohort cell, a `--what-if` or
        `--margin` value and the board's form cannot, so their messages do not suggest
        one."""
        if self.type == "enum":
            return "one of: " + ", ".join(self.values)
        if self.type == "bool":
            return "true or false"
        if self.type == "quantity" and self.dimension:
            units = ", ".join(self.dimension.factors)
            said = f"a value with its unit ({units}), e.g. {self.dimension.example()}"
            return said + ", or a mapping {value: ..., unit: ...}" if mapping else said
        if self.type == "int":
            return "a whole number" + self._range_text()
        if self.type == "number":
            return f"a number in {self.unit}" if self.unit else "a number"
        if self.type == "date":
            return "an ISO date (YYYY-MM-DD)"
        return "text"

    def _range_text(self) -> str:
        if self.min is not None and self.max is not None:
            return f" from {self.min:g} to {self.max:g}"
        if self.min is not None:
            return f" >= {self.min:g}"
        return ""

    def coerce(self, raw: Any, unit: str | None = None, mapping: bool = True) -> Any:
        """Canonical value for `raw`, or ValueError saying what is allowed.

        A length or a duration needs its unit: in the text ("25 mm"), as a mapping
        {value: 25, unit: mm}, or declared once for a bare number by the caller
        (`unit`, e.g. a cohort column's header). A bare number is an error otherwise:
        units are never assumed. `mapping`: as in `allowed`, for the messages.
        """
        if self.type == "text":
            if isinstance(raw, str | int | float) and not isinstance(raw, bool):
                return str(raw)
            raise ValueError(f"must be text, got {_shown(raw)}")
        if self.type == "enum":
            return self._coerce_enum(raw)
        if self.type == "bool":
            return self._coerce_bool(raw)
        if self.type == "date":
            return self._coerce_date(raw)
        if self.type == "derived":
            raise ValueError("is derived from other fields and cannot be given")
        written = self._with_unit(raw, unit)
        value = self._coerce_number(written, mapping)
        self._check_range(value, written)
        return value

    def _with_unit(self, raw: Any, unit: str | None) -> Any:
        """The raw value as "NUMBER UNIT" text where a unit applies; bare lengths and
        durations refused unless `unit` declares theirs."""
        if isinstance(raw, str) and (self.dimension is None or (
                (m := _WITH_UNIT.match(raw)) is None or m.group(2) is not None)):
            return raw  # text, or a number with its own unit: as below, sooner (cohorts)
        if isinstance(raw, Mapping):
            if set(raw) != {"value", "unit"} or isinstance(raw["value"], bool) \
                    or not isinstance(raw["value"], int | float) \
                    or not isinstance(raw["unit"], str):
                raise ValueError("a mapping must be {value: NUMBER, unit: UNIT}, got "
                                 + ", ".join(f"{k}: {_shown(v)}" for k, v in raw.items()))
            text = getattr(raw, "text_of", lambda key: None)("value")  # as written (yamlio)
            return f"{text or raw['value']} {raw['unit']}"
        if self.dimension is None:
            return raw
        if isinstance(raw, float) and not math.isfinite(raw):
            return raw  # refused as not finite, whatever its unit
        bare = (isinstance(raw, int | float) and not isinstance(raw, bool)) or (
            isinstance(raw, str) and (m := _WITH_UNIT.match(raw)) is not None
            and m.group(2) is None)
        if not bare:
            return raw
        if unit is None:
            raise ValueError(f"{_shown(raw)} has no unit; a {self.dimension.name} is never "
                             f"assumed to be in {self.dimension.canonical}: write it as "
                             f"{self.dimension.example()}")
        return f"{raw} {unit}"

    def _written(self, raw: Any, unit: str | None) -> tuple[str, str] | None:
        """(number, unit) as a length or duration was written, or None (no unit, not a
        quantity, or not valid)."""
        if self.dimension is None:
            return None
        if isinstance(raw, str) and (m := _WITH_UNIT.match(raw)) is not None \
                and m.group(2) is not None:
            return m.group(1), m.group(2)  # its own unit: as below, with one match
        try:
            text = self._with_unit(raw, unit)
        except ValueError:
            return None
        match = _WITH_UNIT.match(text) if isinstance(text, str) else None
        if not match or match.group(2) is None:
            return None
        return match.group(1), match.group(2)

    def unit_given(self, raw: Any, unit: str | None = None) -> str | None:
        """The unit a length or duration was written in ("1.7 cm" -> "cm"), folded to the
        spelling fields.yaml declares; None for other fields."""
        written = self._written(raw, unit)
        if written is None or self.dimension is None:
            return None
        return written[1] if written[1] in self.dimension.factors else written[1].lower()

    def from_canonical(self, value: float, unit: str) -> float:
        """A canonical value (or distance) in another unit of the field's dimension."""
        if self.dimension is None:
            return value
        factor = self.dimension.unit_factor(unit) or 1.0
        return value / factor

    def calendar_months(self, raw: Any, unit: str | None = None) -> float | None:
        """The value in months when it was given in a calendar unit (months, years), so
        that it is compared with a cut-off stated in months or years in those units."""
        if self.dimension is None or not self.dimension.calendar:
            return None  # not a duration: nothing to parse
        written = self._written(raw, unit)
        if written is None:
            return None
        return self.dimension.months(float(written[0]), written[1])

    def _coerce_enum(self, raw: Any) -> str:
        if isinstance(raw, str):
            if len(raw) > 200:  # longer than any value: no look-up, no "did you mean"
                raise ValueError(f"{_shown(raw)} is not allowed; allowed: "
                                 f"{', '.join(self.values)}")
            key = enum_key(raw)
            if key in self.values:
                return key
            if self.aliases and key in self.aliases:
                return self.aliases[key]
            if self.not_covered and key in self.not_covered:
                raise ValueError(f"{_shown(raw)} is not allowed: {self.not_covered[key]}")
            hint = self.spelling_hint(key)
            extra = f" (did you mean '{hint}'?)" if hint else ""
            raise ValueError(f"{_shown(raw)} is not allowed{extra}; allowed: "
                             f"{', '.join(self.values)}"
                             + (f"; synonyms: {', '.join(self.aliases)}" if self.aliases else ""))
        raise ValueError(f"must be one of: {', '.join(self.values)}; got {_shown(raw)}")

    def spelling_hint(self, key: str) -> str | None:
        """The one value (or synonym's value) that `key` is a spelling slip of: at most one
        edit per five letters (two at most), and only when a single value is that close.
        A different word (osteo vs other, Ewing sarcoma vs angiosarcoma) gets none."""
        limit = min(2, max(1, len(key) // 5))
        names = [*self.values, *(self.aliases or {}), *(self.not_covered or {})]
        close = {name for name in names if _edits(key, name) <= limit}
        targets = {(self.aliases or {}).get(n, n) for n in close}
        if len(targets) != 1:
            return None
        target = targets.pop()
        return None if (self.not_covered and target in self.not_covered) else target

    def alias_note(self, raw: Any) -> str | None:
        """The warning a synonym carries (MFH), if `raw` is one."""
        if not isinstance(raw, str) or not self.alias_notes:
            return None
        return self.alias_notes.get(enum_key(raw))

    @staticmethod
    def _coerce_bool(raw: Any) -> bool:
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, int) and raw in (0, 1):
            return bool(raw)
        if isinstance(raw, str):
            key = raw.strip().lower()
            if key in _TRUE:
                return True
            if key in _FALSE:
                return False
        raise ValueError(f"must be true or false, got {_shown(raw)}")

    @staticmethod
    def _coerce_date(raw: Any) -> str:
        """An ISO date as text ("2024-05-01"): JSON-ready, and never compared by a rule."""
        import datetime as dt

        if isinstance(raw, dt.datetime):
            raise ValueError(f"must be a date without a time (YYYY-MM-DD), got {raw.isoformat()}")
        if isinstance(raw, dt.date):
            return raw.isoformat()
        if isinstance(raw, str):
            text = raw.strip()
            try:
                return dt.date.fromisoformat(text).isoformat()
            except ValueError as exc:
                if re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):  # the form, not the day
                    raise ValueError(f"{_shown(raw)} is not a date that exists ({exc}); "
                                     "must be an ISO date (YYYY-MM-DD)") from None
        raise ValueError(f"must be an ISO date (YYYY-MM-DD), got {_shown(raw)}")

    def amount(self, raw: Any) -> float:
        """A non-negative amount in this field's canonical unit ("1 month" -> 30.4375 for a
        duration): for margins, which are distances, not values of the field."""
        if self.type not in ("int", "quantity", "number", "derived"):
            raise ValueError(f"is {self.type}; only numeric fields have a margin")
        if isinstance(raw, bool) or not isinstance(raw, int | float | str):
            raise ValueError(f"must be {self.allowed(mapping=False)}, got {_shown(raw)}")
        raw = self._with_unit(raw, None)  # a length or duration names its unit
        value = self._parse_text(raw, mapping=False) if isinstance(raw, str) else float(raw)
        if not math.isfinite(value) or value < 0:
            raise ValueError(f"must be a finite number >= 0, got {_shown(raw)}")
        return round(value, ROUND_DIGITS)

    def _coerce_number(self, raw: Any, mapping: bool = True) -> float | int:
        if isinstance(raw, bool):
            raise ValueError(f"must be {self.allowed(mapping)}, got {_shown(raw)}")
        if isinstance(raw, int | float):
            try:
                value = float(raw)
            except OverflowError:
                raise ValueError(f"{raw} is too large; {self.allowed(mapping)}") from None
        elif isinstance(raw, str):
            value = self._parse_text(raw, mapping)
        else:
            raise ValueError(f"must be {self.allowed(mapping)}, got {_shown(raw)}")
        if not math.isfinite(value):
            raise ValueError(f"must be a finite number, got {_shown(raw)}")
        if self.type == "int":  # whole as written: 5.9999999999 is not 6
            whole = _whole(raw, value)
            if whole is None:
                raise ValueError(f"must be a whole number, got {_shown(raw)}")
            return whole
        return value  # the text's decimal reading (converted exactly), as the nearest float

    def _parse_text(self, raw: str, mapping: bool = True) -> float:
        match = _WITH_UNIT.match(raw)
        if not match:
            raise ValueError(f"{_shown(raw)} is not a number; {self.allowed(mapping)}")
        number, unit = float(match.group(1)), match.group(2)
        if unit is None:
            return number
        if self.dimension is not None:
            return self.dimension.convert(Decimal(match.group(1)), unit)
        if self.unit is not None and unit.lower() == self.unit.lower():
            return number
        expected = f"in {self.unit}" if self.unit else "without a unit"
        raise ValueError(f"{_shown(raw)}: unit '{unit}' does not fit; give a number "
                         f"{expected}")

    def _check_range(self, value: float, raw: Any) -> None:
        low, high = self.min, self.max
        below = low is not None and (value <= low if self.exclusive_min else value < low)
        if not below and (high is None or not value > high):
            return  # within range: no message made (a cohort checks every distinct value)
        unit = f" {self.canonical_unit}" if self.canonical_unit else ""
        given = f" (got {_shown(raw)})" if isinstance(raw, str) else f" (got {value:g})"
        if low is not None and below:
            if self.exclusive_min:
                raise ValueError(f"must be greater than {low:g}{unit}{given}")
            raise ValueError(f"must not be less than {low:g}{unit}{given}")
        raise ValueError(f"must not be more than {high:g}{unit}{given}")


@dataclass(frozen=True)
class FieldDictionary:
    fields: Mapping[str, FieldDef]
    dimensions: Mapping[str, Dimension]
    source: str

    def __getitem__(self, name: str) -> FieldDef:
        return self.fields[name]

    def __contains__(self, name: object) -> bool:
        return name in self.fields

    def column_field(self, column: str) -> str | None:
        """The field a cohort column names: its name or a declared alias, ignoring case."""
        key = column.strip().lower()
        for f in self.fields.values():
            if key == f.name.lower() or key in (a.lower() for a in f.column_aliases):
                return f.name
        return None

    def suggest(self, name: str) -> str | None:
        hint = get_close_matches(name, list(self.fields), n=1, cutoff=0.6)
        return hint[0] if hint else None

    def input_fields(self) -> list[FieldDef]:
        return [f for f in self.fields.values() if f.type != "derived"]

    def derived_fields(self) -> list[FieldDef]:
        """Every field that may be derived: `derived` ones (a ratio) and fields that may
        also be given (an interval from two dates); each lists what it reads in `sources`."""
        return [f for f in self.fields.values() if f.type == "derived" or f.interval]


def enum_key(raw: str) -> str:
    """An enum value as typed, folded: "Osteogenic sarcoma" -> "osteogenic_sarcoma"."""
    return re.sub(r"[\s\-]+", "_", raw.strip().lower())


def _edits(a: str, b: str) -> int:
    """Levenshtein distance (insertions, deletions, substitutions; transpositions count 2)."""
    if abs(len(a) - len(b)) > 2:
        return 3
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1,
                               previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def fields_file_spec() -> Any:
    """The format of fields.yaml (built on demand: the schema costs start-up time)."""
    from .schema import Any_, Bool, Enum, ListOf, MapOf, Num, Obj, Str

    FIELD_SPEC = Obj(
        builds="FieldDef",
        # read by build_fields' own steps: a dimension's name becomes the Dimension, a
        # synonym's note is kept apart, a margin is read with its unit, options by choice
        attrs={"aliases": None, "dimension": None, "margin": None, "options": None},
        computed=("name", "aliases", "alias_notes", "dimension", "margin", "options"),
        required={"type": Enum(FIELD_TYPES), "description": Str()},
        optional={
            "values": ListOf(Str(), min_items=1),
            "aliases": MapOf(Any_(description=(
                "A synonym's value, or {value: ..., note: ...} when the mapping needs a word "
                "of warning."))),
            "not_covered": MapOf(Str(), description=(
                "Entities that are deliberately not values: why, and what to write instead.")),
            "treatment": Bool(description=(
                "A treatment decision: left out, it is undecided and studies show options.")),
            "options": MapOf(Str(), description=(
                "How a clinician names each choice of a treatment: {true: ..., false: ...}.")),
            "dimension": Str(),
            "unit": Str(),
            "min": Num(),
            "max": Num(),
            "exclusive_min": Bool(),
            "implies": MapOf(Bool()),
            "implies_if_false": MapOf(Bool()),
            "implies_if_given": MapOf(Bool(), description=(
                "What the field given at all entails for bool fields (a resection date: the "
                "primary was resected).")),
            "contradicted_by": MapOf(Any_(), description=(
                "Values of other fields that, ALL holding together (given or implied), leave "
                "this field given at all a contradiction (a metastasis timing with no lung "
                "metastasis and none elsewhere); `contradiction` says why.")),
            "contradiction": Str(description=(
                "Why `contradicted_by` is a contradiction, as the rejection says it.")),
            "implies_at_least": MapOf(Num(as_written=True), description=(
                "A given value above zero entails at least this much of another numeric "
                "field (a measured nodule means at least one nodule).")),
            "ratio": ListOf(Str(), min_items=2, max_items=2),
            "measures": Str(),
            "interval": ListOf(Str(), min_items=2, max_items=2, description=(
                "[from date field, to date field]: the field may be derived as the days "
                "between them (and, when also given, must agree within a day).")),
            "margin": Any_(description=(
                "Near-cut-off margin: a number in the field's canonical unit, or a value with "
                "a unit ('1 month'). A documented tool convention, not evidence.")),
            "distinct_from": ListOf(Str(), min_items=1, description=(
                "Fields that look alike but measure something else (named as different "
                "when two studies use them).")),
            "column_aliases": ListOf(Str(), min_items=1, description=(
                "Other names a cohort file's column may give this field (matched "
                "ignoring case, e.g. DFI).")),
        },
    )
    file_spec = Obj(
        required={
            "units": MapOf(Obj(required={"canonical": Str(), "factors": MapOf(Num())},
                               optional={"calendar": MapOf(Num(), description=(
                                   "Calendar units and their length in months: values given "
                                   "in them are compared in months"))},
                               builds="Dimension", computed=("name",))),
            "fields": MapOf(FIELD_SPEC),
        },
        description="The field dictionary of the prognosis comparator.",
    )
    return file_spec


def build_fields(data: Any, source: str) -> FieldDictionary:
    """Validate a loaded fields.yaml and build the dictionary (all problems at once)."""
    from .binding import Binder

    file_spec = fields_file_spec()
    binder = Binder({"FieldDef": FieldDef, "Dimension": Dimension})
    problems = [Problem(source, f"{i.path}: {i.message}" if i.path else i.message,
                        line=i.line, col=i.col)
                for i in file_spec.check(data, "", (1, 1))]
    if problems:
        raise RuleSetError(problems)
    units_spec, one_field = file_spec.required["units"].value, file_spec.required["fields"].value
    dimensions: dict[str, Dimension] = {name: binder.build(units_spec, spec, name=name)
                                        for name, spec in data["units"].items()}
    fields: dict[str, FieldDef] = {}
    for name, spec in data["fields"].items():
        line = data["fields"].mark_of(name)[0] if isinstance(data["fields"], MarkedDict) else None

        def bad(message: str, name: str = name, line: int | None = line) -> None:
            problems.append(Problem(source, message, field=name, line=line))

        dimension = None
        if spec["type"] == "quantity":
            dimension = dimensions.get(spec.get("dimension", ""))
            if dimension is None:
                bad(f"quantity needs a dimension, one of: {', '.join(dimensions)}")
        if spec["type"] == "enum" and not spec.get("values"):
            bad("enum needs values")
        if spec["type"] == "derived" and spec.get("interval"):
            bad("a derived field is never given; an interval belongs on a quantity field")
        aliases: dict[str, str] = {}
        alias_notes: dict[str, str] = {}
        for alias, target in (spec.get("aliases") or {}).items():
            if isinstance(target, Mapping):
                if set(target) != {"value", "note"} or not all(
                        isinstance(v, str) for v in target.values()):
                    bad(f"alias '{alias}' must be a value or {{value: ..., note: ...}}")
                    continue
                alias_notes[alias] = target["note"]
                target = target["value"]
            elif not isinstance(target, str):
                bad(f"alias '{alias}' must be a value or {{value: ..., note: ...}}")
                continue
            aliases[alias] = target
            if target not in spec.get("values", []):
                bad(f"alias '{alias}' points at '{target}', which is not among the values")
            if alias != enum_key(alias):
                bad(f"alias '{alias}' must be written folded, as '{enum_key(alias)}'")
        for entity in spec.get("not_covered") or {}:
            if entity in spec.get("values", []) or entity in aliases:
                bad(f"'{entity}' is both a value (or synonym) and not covered")
        options = spec.get("options")
        if spec.get("treatment") and spec["type"] != "bool":
            bad("a treatment field must be a bool (yes / no / undecided)")
        if options is not None and (not spec.get("treatment")
                                    or set(map(str, options)) != {"True", "False"}):
            bad("options name the two choices of a treatment field: {true: ..., false: ...}")
        fields[name] = binder.build(
            one_field, spec, name=name, aliases=aliases or None, alias_notes=alias_notes or None,
            dimension=dimension, margin=None,
            options={k == "True" or k is True: v for k, v in options.items()} if options else None)
        if "margin" in spec:
            try:
                margin = fields[name].amount(spec["margin"])
            except ValueError as exc:
                bad(f"margin {exc}")
            else:
                fields[name] = replace(fields[name], margin=margin)
    for f in fields.values():
        for target in [*(f.implies_at_least or {}), *(f.implies_if_given or {}),
                       *(f.implies or {}),
                       *(f.implies_if_false or {}), *(f.ratio or ()),
                       *(f.interval or ()), *f.distinct_from]:
            if target not in fields:
                problems.append(Problem(source, f"refers to undeclared field '{target}'",
                                        field=f.name))
        if (f.contradicted_by is None) != (f.contradiction is None):
            problems.append(Problem(source, "contradicted_by and contradiction go together",
                                    field=f.name))
        for target, value in (f.contradicted_by or {}).items():
            if target not in fields:
                problems.append(Problem(source, f"refers to undeclared field '{target}'",
                                        field=f.name))
                continue
            try:
                valid = fields[target].coerce(value) == value and \
                    isinstance(value, bool) == (fields[target].type == "bool")
            except ValueError:
                valid = False
            if not valid:
                problems.append(Problem(source, f"contradicted_by: {value!r} is not a value of "
                                        f"{target}", field=f.name))
        for target in f.interval or ():
            if target in fields and fields[target].type != "date":
                problems.append(Problem(source, f"interval endpoint '{target}' must be a date "
                                        f"field, not {fields[target].type}", field=f.name))
        if f.interval and (f.type != "quantity" or f.dimension is None
                           or "days" not in f.dimension.factors):
            problems.append(Problem(source, "an interval field must be a duration quantity "
                                    "(in days)", field=f.name))
        for alias in f.column_aliases:
            other = next((g.name for g in fields.values() if g is not f and alias.lower() in
                          (g.name.lower(), *(a.lower() for a in g.column_aliases))), None)
            if other:
                problems.append(Problem(source, f"column alias '{alias}' also names {other}",
                                        field=f.name))
        if f.type == "derived" and not f.ratio:
            problems.append(Problem(source, "a derived field needs 'ratio'", field=f.name))
    if problems:
        raise RuleSetError(problems)
    return FieldDictionary(fields, dimensions, source)
