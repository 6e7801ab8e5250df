"""Load files and directories for checking, keeping every problem instead of stopping."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from ..errors import InputError, Problem
from ..fields import FieldDictionary, build_fields
from ..loader import FIELDS_FILE, build_rule_set, bundled_rules_dir, rule_files
from ..model import RuleSet
from ..yamlio import MarkedDict, parse_yaml, parse_yaml_keeping_duplicates, read_text
from .base import Library, RuleFile

# The lists whose items are built one by one: an item with a problem of its own is
# left out of the rule set the later checks see, so one wrong value is reported once,
# not again as every logic check and example it upsets.
_ITEMS = (("factors",), ("groups",), ("estimates",), ("reference_estimates",), ("caveats",),
          ("population", "conditions"))


def _fields(path: Path) -> tuple[FieldDictionary | None, list[Problem]]:
    try:
        return build_fields(parse_yaml(read_text(str(path)), str(path)), str(path)), []
    except InputError as exc:
        return None, exc.problems


def collect(paths: Sequence[Path]) -> Library:
    """The rule files named (directories expand to their *.yaml) with the field dictionary
    of the first directory (or of the first file's directory), else the bundled one."""
    rule_paths: list[Path] = []
    fields_path: Path | None = None
    for path in paths:
        if path.is_dir():
            fields_path = fields_path or (path / FIELDS_FILE if (path / FIELDS_FILE).exists()
                                          else None)
            rule_paths += rule_files(path)
        elif path.name == FIELDS_FILE:
            fields_path = path
        else:
            sibling = path.parent / FIELDS_FILE
            fields_path = fields_path or (sibling if sibling.exists() else None)
            rule_paths.append(path)
    fields_path = fields_path or bundled_rules_dir() / FIELDS_FILE
    fields, fields_problems = _fields(fields_path)
    library = Library([], fields, str(fields_path), fields_problems)
    for path in dict.fromkeys(rule_paths):
        library.files.append(_rule_file(path, fields))
    seen: dict[str, RuleFile] = {}
    for rf in library.files:
        if rf.rule_set is None:
            continue
        first = seen.setdefault(rf.rule_set.id, rf)
        if first is not rf:
            rf.problems.append(Problem(rf.path, f"rule set id '{rf.rule_set.id}' is also used "
                                       f"by {first.path}", line=rf.line_of("id"),
                                       code="duplicate-id"))
    return library


def _rule_file(path: Path, fields: FieldDictionary | None) -> RuleFile:
    rf = RuleFile(str(path))
    try:
        text = rf.text = read_text(str(path))
        rf.data, rf.problems = parse_yaml_keeping_duplicates(text, str(path))
    except InputError as exc:
        rf.problems = exc.problems
        return rf
    if rf.data is None:
        rf.problems.append(Problem(str(path), "file is empty", code="schema"))
        return rf
    if fields is None:
        return rf  # reported by the fields-file check
    rf.rule_set, problems = check_rule_set(rf.data, fields, str(path),
                                           hashlib.sha256(text.encode()).hexdigest())
    rf.problems += problems
    return rf


def check_rule_set(data: Any, fields: FieldDictionary, source: str, sha256: str
                   ) -> tuple[RuleSet | None, list[Problem]]:
    """Every problem of a rule file at once, and the rule set later checks look at.

    Structural issues (schema) are reported, and the parts they concern are replaced
    by stand-ins or left out (Spec.repair); the rest is built, so its units, fields,
    logic and provenance are checked in the same run. Items with a problem of their
    own (a unit that does not fit, an unknown field) are reported and then left out."""
    from ..ruleformat import RULE_SET
    from ..schema import Unrepairable

    problems: list[Problem] = []
    try:
        return build_rule_set(data, fields, source, sha256), []
    except InputError as exc:
        problems += exc.problems
    if any(p.code == "schema" for p in problems):
        try:
            data = RULE_SET.repair(data)
        except Unrepairable:
            return None, problems
        try:
            return build_rule_set(data, fields, source, sha256), problems
        except InputError as exc:
            problems += exc.problems
    lines = {p.line for p in problems if p.code != "schema" and p.line is not None}
    try:
        return build_rule_set(_without_items_at(data, lines), fields, source, sha256), problems
    except InputError:
        return None, problems


def _without_items_at(data: Any, lines: set[int]) -> Any:
    """`data` without the list items (of _ITEMS) whose lines hold one of `lines`."""
    if not isinstance(data, MarkedDict):
        return data
    pruned = _copy(data)
    for path in _ITEMS:
        parent: Any = pruned
        for key in path[:-1]:
            parent[key] = _copy(parent[key]) if isinstance(parent.get(key), dict) else \
                parent.get(key)
            parent = parent[key]
        if not isinstance(parent, MarkedDict) or not isinstance(parent.get(path[-1]), list):
            continue
        items = parent[path[-1]]
        key_line = parent.mark_of(path[-1])[0] or 0
        after = [line for line, _ in parent.key_marks.values() if line > key_line]
        end = min(after) if after else 10**9
        starts = [getattr(item, "line", None) or key_line for item in items] + [end]
        parent[path[-1]] = [item for i, item in enumerate(items)
                            if not any(starts[i] <= line < starts[i + 1] for line in lines)]
    return pruned


def _copy(node: Any) -> Any:
    copy = MarkedDict(node)
    copy.line, copy.col = node.line, node.col
    copy.key_marks = dict(node.key_marks)
    return copy
