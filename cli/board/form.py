"""The board's form as plain data: one entry per field of fields.yaml, no Textual here.

A `FieldEntry` holds what the person typed or picked for one field, exactly as
it would be written in a patient file (a number, "NUMBER UNIT", an enum value,
true / false, an ISO date); `raw_patient` turns the entries into the mapping
that `prognosis.engine.patient.normalise` reads and that the board saves as
YAML, so the board, a saved file and `prognosis compare` see the same input.
Units are never assumed: a length or a duration without a typed or selected
unit goes to the engine as a bare number and comes back with the engine's
message.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from prognosis.engine.fields import FieldDef, FieldDictionary

Kind = Literal["choice", "quantity", "text"]
# Three states of a yes/no field: true, false, absent (unknown, or undecided for a treatment).
YES, NO = "yes", "no"
_HAS_UNIT = re.compile(r"[A-Za-zµ%]")
_INT = re.compile(r"^[+-]?\d+$")
_FLOAT = re.compile(r"^[+-]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][+-]?\d+)?$")


@dataclass(frozen=True)
class Choice:
    value: str
    label: str


def kind_of(fdef: FieldDef) -> Kind:
    if fdef.type in ("enum", "bool"):
        return "choice"
    if fdef.type == "quantity" and fdef.dimension is not None:
        return "quantity"
    return "text"


def absent_label(fdef: FieldDef) -> str:
    """What leaving a field out means: undecided for a treatment, unknown for a fact."""
    return "undecided" if fdef.treatment else "unknown"


def choices(fdef: FieldDef, given: str = "") -> list[Choice]:
    """The picker's values (absent is the picker's blank): an enum's values, or yes / no
    (named as fields.yaml names a treatment's two options). A value read from a file in
    another spelling (a synonym such as MFH, or a wrong value) is kept as its own choice,
    so that saving writes it back as given and the engine still sees (and judges) it."""
    if fdef.type == "bool":
        found = [Choice(YES, f"yes ({fdef.option_text(True)})" if fdef.options else YES),
                 Choice(NO, f"no ({fdef.option_text(False)})" if fdef.options else NO)]
    else:
        found = [Choice(v, with_synonyms(fdef, v)) for v in fdef.values]
    if given and given not in {c.value for c in found}:
        found.append(Choice(given, f"{given} (as given)"))
    return found


def units(fdef: FieldDef) -> list[str]:
    """One name per unit of the field's dimension, smallest first: the first spelling
    fields.yaml lists for it, or its plural when listed (mm, cm; days, weeks, months,
    years)."""
    if fdef.dimension is None:
        return []
    best: dict[float, str] = {}
    for name, factor in fdef.dimension.factors.items():
        best.setdefault(factor, name)
    names = set(fdef.dimension.factors)
    return [best[f] + "s" if best[f] + "s" in names else best[f] for f in sorted(best)]


def with_synonyms(fdef: FieldDef, value: str) -> str:
    """"leiomyosarcoma (lms)": the value with the synonyms fields.yaml maps onto it."""
    synonyms = [alias for alias, target in (fdef.aliases or {}).items() if target == value]
    return f"{value} ({', '.join(synonyms)})" if synonyms else value


def help_text(fdef: FieldDef) -> str:
    parts = [fdef.description]
    if fdef.type == "quantity" and fdef.dimension is not None:
        parts.append(f"Type a number and pick a unit, or type both ({fdef.dimension.example()}).")
    elif fdef.type == "date":
        parts.append("YYYY-MM-DD.")
    return " ".join(parts)


def form_fields(fields: FieldDictionary) -> list[FieldDef]:
    """Every field a person gives, in fields.yaml order (derived fields are computed)."""
    return fields.input_fields()


@dataclass(frozen=True)
class Section:
    title: str
    fields: tuple[FieldDef, ...]


# The form's sections, as a tumour board goes through a patient; only the shown section's
# fields are on screen (Textual lays out and paints every widget it holds on each key).
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Patient", ("id", "histology", "primary_site", "primary_tumor_size", "surgical_margins",
                 "alkaline_phosphatase", "alkaline_phosphatase_uln")),
    ("Metastases", ("metastasis_timing", "lung_metastasis_count",
                    "lung_metastasis_max_diameter", "lung_lobes_involved",
                    "extrapulmonary_metastases", "bone_metastases", "pathologic_fracture")),
    ("Time", ("primary_resection_date", "lung_metastasis_diagnosis_date",
              "disease_free_interval", "treatment_free_interval")),
    ("Treatment", ("primary_surgery", "pulmonary_metastasectomy", "metastasectomy",
                   "chemotherapy", "radiotherapy", "facility_type")),
)
OTHER = "Other"


def sections(fields: FieldDictionary) -> list[Section]:
    """Every input field in one section, in the order listed above; a field no section
    names (another rules directory's fields.yaml) is under "Other", in fields.yaml order,
    and a section with none of its fields is left out."""
    given = {fdef.name: fdef for fdef in form_fields(fields)}
    found = [Section(title, tuple(given[n] for n in names if n in given))
             for title, names in SECTIONS]
    placed = {name for _, names in SECTIONS for name in names}
    found.append(Section(OTHER, tuple(f for n, f in given.items() if n not in placed)))
    return [section for section in found if section.fields]


@dataclass(frozen=True)
class FieldEntry:
    """One field as entered: `text` typed (numbers, dates, text), `choice` picked (enum
    value, yes / no; "" for absent), `unit` picked beside a number ("" for none)."""

    text: str = ""
    choice: str = ""
    unit: str = ""


def raw_value(fdef: FieldDef, entry: FieldEntry) -> Any:
    """The value as a patient file would hold it, or None when the field is left out."""
    if fdef.type == "bool":
        return {YES: True, NO: False, "": None}.get(entry.choice, entry.choice)
    if fdef.type == "enum":
        return entry.choice or None
    text = entry.text.strip()
    if not text:
        return None
    if fdef.type == "quantity" and fdef.dimension is not None:
        if entry.unit and not _HAS_UNIT.search(text):
            return f"{text} {entry.unit}"
        return text  # typed with its unit, or bare: the engine says what is allowed
    if fdef.type in ("int", "number"):
        if _INT.match(text):
            return int(text)
        if _FLOAT.match(text):
            return float(text)
    return text


def raw_patient(fields: FieldDictionary, entries: Mapping[str, FieldEntry]) -> dict[str, Any]:
    """The patient mapping, in fields.yaml order, with only the fields given."""
    data: dict[str, Any] = {}
    for fdef in form_fields(fields):
        value = raw_value(fdef, entries.get(fdef.name, FieldEntry()))
        if value is not None:
            data[fdef.name] = value
    return data


def entry_for(fdef: FieldDef, raw: Any) -> FieldEntry:
    """How a value read from a patient file is shown in the form (the inverse of
    `raw_value` for what the board writes; other spellings are kept as typed text)."""
    if raw is None:
        return FieldEntry()
    if fdef.type == "bool":
        if isinstance(raw, bool):
            return FieldEntry(choice=YES if raw else NO)
        return FieldEntry(choice=str(raw))  # another spelling: kept, judged by the engine
    if fdef.type == "enum":
        return FieldEntry(choice=str(raw))
    if isinstance(raw, Mapping) and set(raw) == {"value", "unit"}:
        raw = f"{raw['value']} {raw['unit']}"
    if hasattr(raw, "isoformat"):
        raw = raw.isoformat()
    text = str(raw).lower() if isinstance(raw, bool) else str(raw)
    if fdef.type == "quantity":
        number, _, unit = text.strip().partition(" ")
        if unit.strip() in units(fdef):
            return FieldEntry(text=number, unit=unit.strip())
    return FieldEntry(text=text)


def entries_from(fields: FieldDictionary, data: Mapping[str, Any]) -> dict[str, FieldEntry]:
    return {fdef.name: entry_for(fdef, data.get(fdef.name)) for fdef in form_fields(fields)}
