"""Checks reported by the loader itself: syntax, structure and meaning of each value.

The loader (engine/loader.py) finds these while building a rule set; each
problem carries the id of its check, so there is one implementation.
"""

from __future__ import annotations

from collections.abc import Iterator

from .base import Finding, Library, RuleFile, check, finding


def _from_loader(rf: RuleFile, code: str) -> Iterator[Finding]:
    for p in rf.problems:
        if (p.code or "consistency") == code:
            message = f"field '{p.field}': {p.message}" if p.field and \
                p.field not in p.message else p.message
            yield finding(rf, p.line, message, code, col=p.col)


@check("read-error", "error")
def read_error(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The file cannot be read: missing, a directory, not UTF-8 text, no permission."""
    yield from _from_loader(rf, "read-error")


@check("yaml-syntax", "error")
def yaml_syntax(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The file is not valid YAML (reported at the line where parsing failed), or uses a tag."""
    yield from _from_loader(rf, "yaml-syntax")


@check("input-limit", "error")
def input_limit(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The file is not a regular file, is larger than 1 MiB, nests deeper than 64 levels, or
    uses aliases that refer to themselves or expand beyond 200,000 values (engine/yamlio.py)."""
    yield from _from_loader(rf, "input-limit")


@check("duplicate-key", "error")
def duplicate_key(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A mapping repeats a key; YAML would silently keep only the last value. Every
    repetition is reported, and the rest of the file is still checked."""
    yield from _from_loader(rf, "duplicate-key")


@check("schema", "error")
def schema(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """An unknown key, a value of the wrong type, or a missing required key (see rules/schema/)."""
    yield from _from_loader(rf, "schema")


@check("unknown-field", "error")
def unknown_field(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A condition uses a field that rules/fields.yaml does not declare (or a free-text field)."""
    yield from _from_loader(rf, "unknown-field")


@check("enum-value", "error")
def enum_value(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A condition compares an enum field with a value the field does not allow."""
    yield from _from_loader(rf, "enum-value")


@check("unit-dimension", "error")
def unit_dimension(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """A threshold's unit does not fit the field ("15 kg" against a length).

    Thresholds with a unit are converted to the field's canonical unit when
    loaded ("2 cm" against a mm field is 20 mm), and every other check
    compares the converted values.
    """
    yield from _from_loader(rf, "unit-dimension")


@check("estimate-scope", "error")
def estimate_scope(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """An estimate's `scope` (whom it describes) does not fit what it is `for`: a score
    estimate describes patients with that score, a group's the group (or a subgroup of
    it), a factor's a histology group across treatments, and a cohort's the whole cohort,
    which is never shown as the patient's own figure."""
    yield from _from_loader(rf, "estimate-scope")


@check("operator-type", "error")
def operator_type(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """An operator that does not fit the field (`<` on an enum, `in` on a number, a text
    threshold)."""
    yield from _from_loader(rf, "operator-type")


@check("id-filename", "error")
def id_filename(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """The rule set's `id` differs from its file name (`<id>.yaml`)."""
    yield from _from_loader(rf, "id-filename")


@check("duplicate-id", "error")
def duplicate_id(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """Two factors, groups, caveats or population conditions share an id, or two files a
    rule set id."""
    yield from _from_loader(rf, "duplicate-id")


@check("consistency", "error")
def consistency(rf: RuleFile, lib: Library) -> Iterator[Finding]:
    """Cross-references inside a rule set: estimates for unknown groups or factors, points
    outside a score model, a subgroup with an unknown parent, an estimate for a score
    beyond the maximum, a median with a horizon."""
    yield from _from_loader(rf, "consistency")


@check("fields-file", "error", scope="library")
def fields_file(lib: Library) -> Iterator[Finding]:
    """rules/fields.yaml itself is invalid (syntax, structure, an alias or implication that
    points at nothing)."""
    for p in lib.fields_problems:
        message = f"field '{p.field}': {p.message}" if p.field else p.message
        yield finding(lib.fields_path, p.line, message, "fields-file", col=p.col)
