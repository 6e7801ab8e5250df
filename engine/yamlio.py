"""Safe YAML reading that rejects duplicate keys and keeps line numbers.

Only `SafeLoader` semantics: no tag is ever executed. Mappings come back as
`MarkedDict`, a plain `dict` that also remembers where each key stood, so
later checks can report `path:line:col`.
"""

from __future__ import annotations

from typing import Any

import yaml

from .errors import InputError, Problem

_Base: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class MarkedDict(dict[str, Any]):
    """A dict that remembers the (1-based) line and column of itself and of each key."""

    line: int | None = None
    col: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_marks: dict[str, tuple[int, int]] = {}

    def mark_of(self, key: str) -> tuple[int | None, int | None]:
        if key in self.key_marks:
            return self.key_marks[key]
        return self.line, self.col


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class MarkedSafeLoader(_Base):  # type: ignore[misc]
    """SafeLoader that collects duplicate keys (every one) and records marks on mappings.

    A repeated key keeps its first value and is listed in `duplicates`; parse_yaml
    rejects the document when there is any, naming all of them at once.
    """

    duplicates: list[Problem]

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> MarkedDict:
        self.flatten_mapping(node)
        result = MarkedDict()
        result.line = node.start_mark.line + 1
        result.col = node.start_mark.column + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str | int | float | bool) or key is None:
                raise DuplicateKeyError(
                    "while constructing a mapping", node.start_mark,
                    "keys must be plain text", key_node.start_mark)
            key = str(key)
            if key in result:
                first = result.key_marks[key][0]
                mark = key_node.start_mark
                self.duplicates.append(Problem(
                    "", f"duplicate key '{key}' (first defined on line {first})",
                    line=mark.line + 1, col=mark.column + 1, code="duplicate-key"))
                continue
            result[key] = self.construct_object(value_node, deep=deep)
            result.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return result


MarkedSafeLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    lambda loader, node: loader.construct_mapping(node, deep=True),
)


def parse_yaml(text: str, path: str) -> Any:
    """Parse YAML (or JSON) text; syntax errors and every duplicate key become an
    InputError with their lines."""
    data, duplicates = parse_yaml_keeping_duplicates(text, path)
    if duplicates:
        raise InputError(duplicates)
    return data


def parse_yaml_keeping_duplicates(text: str, path: str) -> tuple[Any, list[Problem]]:
    """The document (a repeated key keeps its first value) and a problem per duplicate key;
    syntax errors raise InputError. `rules check` uses this to report every duplicate and
    still check the rest of the file."""
    try:
        loader = MarkedSafeLoader(text)
        loader.duplicates = []
        try:
            data = loader.get_single_data()
        finally:
            loader.dispose()
        return data, [Problem(path, p.message, line=p.line, col=p.col, code=p.code)
                      for p in loader.duplicates]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        code = "yaml-syntax"
        if isinstance(exc, DuplicateKeyError):
            message = f"YAML keys must be plain text: {what}"
        elif isinstance(exc, yaml.constructor.ConstructorError):
            message = f"YAML tag not allowed or not understood: {what}"
        else:
            message = f"YAML syntax error: {what}"
        raise InputError([Problem(path, message, line=line, col=col, code=code)]) from None
    except yaml.YAMLError as exc:  # reader errors (bad bytes) carry no mark
        raise InputError([Problem(path, f"YAML syntax error: {exc}", code="yaml-syntax")]
                         ) from None


def read_text(path: str) -> str:
    """Read a UTF-8 file, or standard input for '-', as an InputError on failure."""
    import sys

    try:
        if path == "-":
            return sys.stdin.read()
        with open(path, encoding="utf-8") as handle:
            return handle.read()
    except FileNotFoundError:
        raise InputError([Problem(path, "no such file", code="read-error")]) from None
    except IsADirectoryError:
        raise InputError([Problem(path, "is a directory, not a file", code="read-error")]
                         ) from None
    except UnicodeDecodeError as exc:
        raise InputError([Problem(path, f"not UTF-8 text ({exc.reason})", code="read-error")]
                         ) from None
    except OSError as exc:
        raise InputError([Problem(path, f"cannot be read: {exc.strerror}", code="read-error")]
                         ) from None
