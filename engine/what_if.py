"""What if: the same patient with some fields changed, and what that changes.

`--what-if FIELD=VALUE` edits the patient's raw data (so units, implications
and derivations apply exactly as for a patient file); VALUE `unknown` leaves
the field out. Changing a field that is derived from other given fields (the
DFI from two dates) drops those sources, and changing a source drops a given
value of the field derived from it, so the change is never refused as a
contradiction with the value it replaces.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from .errors import InputError, Problem
from .fields import FieldDictionary
from .patient import Patient
from .results import Result

UNKNOWN = ("unknown", "null", "none", "")
KEYS = ("status", "score", "score_range", "group", "subgroup", "conditional_on", "options",
        "estimates", "candidate_estimates")


def parse_changes(texts: Sequence[str], fields: FieldDictionary) -> list[tuple[str, Any]]:
    """`FIELD=VALUE` texts as (field, raw value or None for unknown), checked like input."""
    changes: list[tuple[str, Any]] = []
    problems: list[Problem] = []
    for text in texts:
        name, sep, raw = text.partition("=")
        name, raw = name.strip(), raw.strip()
        if not sep or not name:
            problems.append(Problem("--what-if", f"{text!r}: expected FIELD=VALUE, e.g. "
                                    "lung_metastasis_max_diameter=2.5cm"))
            continue
        fdef = fields.fields.get(name)
        if fdef is None or fdef.type == "derived" or name == "id":
            hint = fields.suggest(name)
            extra = f"did you mean '{hint}'? " if hint and hint != name else ""
            problems.append(Problem("--what-if", f"not a patient field that can be changed; "
                                    f"{extra}fields: " + ", ".join(
                                        f.name for f in fields.input_fields()[1:]),
                                    field=name))
            continue
        if raw.lower() in UNKNOWN:
            changes.append((name, None))
            continue
        try:
            fdef.coerce(raw, mapping=False)  # a command-line value is text, not a mapping
        except ValueError as exc:
            problems.append(Problem("--what-if", f"{exc}", field=name))
            continue
        changes.append((name, raw))
    if problems:
        raise InputError(problems)
    return changes


def apply_changes(raw: Any, changes: Sequence[tuple[str, Any]],
                  fields: FieldDictionary) -> tuple[dict[str, Any], list[str]]:
    """The changed raw patient data and the given fields dropped to keep it consistent."""
    data = dict(raw) if isinstance(raw, Mapping) else {}
    dropped: list[str] = []
    for name, value in changes:
        fdef = fields[name]
        related = [s for s in fdef.sources if s != name]  # what this field is derived from
        related += [f.name for f in fields.derived_fields() if name in f.sources
                    and f.name != name]  # what is derived from this field
        for other in related:
            if other in data and other not in dict(changes):
                del data[other]
                dropped.append(other)
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data, dropped


def input_changes(before: Patient, after: Patient) -> list[dict[str, Any]]:
    """Each changed input: canonical values, and as the person wrote them."""
    names = list(dict.fromkeys([*before.values, *after.values]))
    return [{"field": n, "from": before.values.get(n), "to": after.values.get(n),
             "from_given": before.given.get(n), "to_given": after.given.get(n)}
            for n in names if before.values.get(n) != after.values.get(n)]


def _estimates(items: Sequence[Mapping[str, Any]]) -> list[str]:
    from .text import general

    return [f"{e['label']}: {general(e['value'])}" for e in items]


def _options(items: Sequence[Mapping[str, Any]]) -> list[str]:
    return [", ".join(f"{k}={str(v).lower()}" for k, v in o["assumes"].items()) + ": "
            + (o["group"] or f"score {o['score']}") for o in items]


def result_changes(before: Sequence[Result], after: Sequence[Result]) -> list[dict[str, Any]]:
    """Every difference per rule set: status, score, group, estimates, factors, caveats."""
    changes: list[dict[str, Any]] = []
    for a, b in zip(before, after, strict=True):
        sa, sb = a.comparable(), b.comparable()
        for key in KEYS:
            old, new = sa[key], sb[key]
            if key == "score_range" and sa["score"] is not None and sb["score"] is not None:
                continue  # a known score's range is the score itself: said once
            if key.endswith("estimates"):
                old, new = _estimates(old), _estimates(new)
            elif key == "options":
                old, new = _options(old), _options(new)
            if old != new:
                changes.append({"rule_set": a.rule_set, "key": key, "from": old, "to": new})
        for group in ("factors", "caveats"):
            for item, old in sa[group].items():
                if sb[group][item] != old:
                    changes.append({"rule_set": a.rule_set, "key": f"{group}.{item}",
                                    "from": old, "to": sb[group][item]})
    return changes
