"""What a rule edit changes: in the rule files themselves, and for each patient.

`patient_view` flattens one Result (its JSON contract) to what reaches a patient:
status, score, score range, group, subgroup, treatment options, every population
condition's, factor's and caveat's verdict, and every estimate's value. Two views
differ exactly where the edit changes what the tool tells someone.

`file_changes` is a semantic diff of two rule documents: items of id'd lists
(factors, groups, caveats, population conditions) are matched by id, examples by
name, other lists by position; each change carries the line of the new (or, when
removed, the old) file.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .results import Result
from .yamlio import MarkedDict

# Text that explains rather than decides (shown by `compare`, but not a result).
_TEXT = frozenset({"label", "provenance", "message", "note", "method", "stated", "detail",
                   "title", "reason", "stated_as", "citation", "doi", "short_name",
                   "population_summary", "disclaimer", "conditions", "effects", "effect"})


def _estimate_key(e: dict[str, Any]) -> str:
    selector = ", ".join(f"{k} {v}" for k, v in (e.get("for") or {}).items())
    horizon = e.get("horizon_months")
    when = "median" if horizon is None else f"{horizon} months"
    scope = f", scope {e['scope']}" if e.get("scope") else ""
    return f"estimate '{e.get('label')}' ({e.get('endpoint')}, {when}, for {selector}{scope})"


def patient_view(result: Result) -> dict[str, Any]:
    """What reaches the patient (Result.comparable, the one list every comparison of two
    results uses), flattened to path -> value."""
    seen = result.comparable()
    view: dict[str, Any] = {key: seen[key] for key in
                            ("status", "score", "score_range", "group", "subgroup",
                             "possible_groups", "conditional_on")}
    for kind, label in (("population", "population"), ("factors", "factor"),
                        ("caveats", "caveat")):
        for item, verdict in seen[kind].items():
            view[f"{label} {item}"] = verdict
    for e in seen["estimates"]:
        view[_estimate_key(e)] = e.get("value")
    for e in seen["candidate_estimates"]:
        view[f"candidate {_estimate_key(e)}"] = e.get("value")
    for i, option in enumerate(seen["options"]):
        for path, value in _leaves(option, f"option {i + 1}"):
            view[path] = value
    return view


def _leaves(node: Any, path: str) -> Iterator[tuple[str, Any]]:
    if isinstance(node, dict):
        if "label" in node and "value" in node and "endpoint" in node:  # an estimate
            yield f"{path}: {_estimate_key(node)}", node.get("value")
            return
        for key, value in node.items():
            if key not in _TEXT:
                yield from _leaves(value, f"{path}.{key}")
    elif isinstance(node, list) and node and all(isinstance(i, dict) for i in node):
        for i, item in enumerate(node):
            name = item.get("id") if isinstance(item.get("id"), str) else str(i)
            yield from _leaves(item, f"{path}[{name}]")
    else:
        yield path, node


def view_changes(before: dict[str, Any], after: dict[str, Any]
                 ) -> list[tuple[str, Any, Any]]:
    """(what, before, after) for every path whose value differs (absent: None)."""
    keys = list(dict.fromkeys([*before, *after]))
    return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


@dataclass(frozen=True)
class FileChange:
    path: str  # e.g. factors[diameter_over_2cm].when.value
    before: Any
    after: Any
    line: int | None  # in the new file (the old one for removals)
    source: str

    @property
    def kind(self) -> str:
        return "removed" if self.after is _ABSENT else "added" if self.before is _ABSENT \
            else "changed"


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


_ABSENT: Any = _Absent()
_MATCH_BY = ("id", "name")


def file_changes(old: Any, new: Any, old_source: str, new_source: str) -> list[FileChange]:
    changes: list[FileChange] = []
    _walk(old, new, "", None, None, old_source, new_source, changes)
    return changes


def _line_in(container: Any, key: Any) -> int | None:
    if isinstance(container, MarkedDict) and isinstance(key, str):
        return container.mark_of(key)[0]
    return getattr(container, "line", None)


def _walk(old: Any, new: Any, path: str, old_line: int | None, new_line: int | None,
          old_source: str, new_source: str, out: list[FileChange]) -> None:
    if isinstance(old, dict) and isinstance(new, dict):
        for key in dict.fromkeys([*old, *new]):
            sub = f"{path}.{key}" if path else str(key)
            _walk(old.get(key, _ABSENT), new.get(key, _ABSENT), sub,
                  _line_in(old, key) or old_line, _line_in(new, key) or new_line,
                  old_source, new_source, out)
        return
    if isinstance(old, list) and isinstance(new, list):
        for name, (a, b) in _pair(old, new).items():
            _walk(a, b, f"{path}[{name}]", getattr(a, "line", None) or old_line,
                  getattr(b, "line", None) or new_line, old_source, new_source, out)
        return
    if old != new or type(old) is not type(new):
        if new is _ABSENT:
            out.append(FileChange(path, old, new, old_line, old_source))
        else:
            out.append(FileChange(path, old, new, new_line, new_source))


def _pair(old: list[Any], new: list[Any]) -> dict[str, tuple[Any, Any]]:
    def key_of(item: Any, index: int) -> str:
        if isinstance(item, dict):
            for k in _MATCH_BY:
                if isinstance(item.get(k), str):
                    return str(item[k])
        return str(index)

    a = {key_of(item, i): item for i, item in enumerate(old)}
    b = {key_of(item, i): item for i, item in enumerate(new)}
    return {k: (a.get(k, _ABSENT), b.get(k, _ABSENT)) for k in dict.fromkeys([*a, *b])}


def show(value: Any) -> str:
    if value is _ABSENT:
        return "(absent)"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, list):
        return "[" + ", ".join(show(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {show(v)}" for k, v in value.items()) + "}"
    return str(value)
