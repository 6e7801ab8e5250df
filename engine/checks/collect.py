"""Load files and directories for checking, keeping every problem instead of stopping."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path

from ..errors import InputError, Problem
from ..fields import FieldDictionary, build_fields
from ..loader import FIELDS_FILE, build_rule_set, bundled_rules_dir, rule_files
from ..yamlio import parse_yaml, read_text
from .base import Library, RuleFile


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
        text = read_text(str(path))
        rf.data = parse_yaml(text, str(path))
    except InputError as exc:
        rf.problems = exc.problems
        return rf
    if rf.data is None:
        rf.problems = [Problem(str(path), "file is empty", code="schema")]
        return rf
    if fields is None:
        return rf  # reported by the fields-file check
    try:
        rf.rule_set = build_rule_set(rf.data, fields, str(path),
                                     hashlib.sha256(text.encode()).hexdigest())
    except InputError as exc:
        rf.problems = exc.problems
    return rf
