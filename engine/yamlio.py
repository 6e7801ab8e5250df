"""Safe, bounded reading of YAML and JSON that keeps line numbers and reads numbers as written.

Scalars follow the YAML 1.2 core schema, restricted to decimal numbers:

- integers are decimal digits with an optional sign: `010` is ten (the
  decimal reading YAML 1.2 gives it), never eight as in YAML 1.1;
- floats are decimal (`1.5`, `.5`, `1e3`); `.inf` and `.nan` are read as
  floats so that every numeric check can refuse them by name;
- `0x11`, `0b110`, `0o17`, `24:00` (sexagesimal), `1_000`, `yes`/`no`/`on`/`off`
  are plain text (a numeric or boolean field then refuses them, naming itself);
- `true`/`false` and `null`/`~`/empty in their three spellings, as in YAML 1.2;
- dates `YYYY-MM-DD` (and timestamps) are read as dates, an extension kept
  from before; an impossible date (`2021-02-29`) stays text, which a date
  field refuses with its name and line.

Only `SafeLoader` semantics: no tag is ever executed. Mappings come back as
`MarkedDict`, a plain `dict` that also remembers where each key stood (and,
for a scalar value, the exact text written), so later checks can report
`path:line:col` and an `id` keeps its source text.

Bounded input (`Limits`): only regular files or standard input are read, at
most `max_bytes`; nesting deeper than `max_depth` is refused; a patient file
may not use aliases at all, a rule file may, but an alias that refers to
itself or a document that would expand to more than `max_nodes` nodes is
refused (a "billion laughs" bomb is refused while it is being read).

`.json` files are parsed as JSON (duplicate keys, NaN and Infinity refused);
the same text is then read by the YAML reader only to recover line numbers.
"""

from __future__ import annotations

import json
import os
import re
import stat
import sys
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.resolver import BaseResolver

from .errors import InputError, Problem

_Parser: Any = getattr(yaml, "CParser", yaml.parser.Parser)
_Reader: Any = None if hasattr(yaml, "CParser") else (yaml.reader.Reader, yaml.scanner.Scanner)

MIB = 1 << 20
INT_DIGITS = 4300  # Python's own limit for int(text); longer numbers are read as floats


@dataclass(frozen=True)
class Limits:
    """How much a document may hold. Documented in the README ("Reliability")."""

    what: str  # "patient file", "rule file"
    max_bytes: int
    max_depth: int
    aliases: bool
    max_nodes: int  # nodes after expanding aliases


# A patient file is a few hundred bytes and a rule file at most ~30 kB: the limits leave
# room for comments and notes, and keep the worst case to well under a second.
PATIENT = Limits("patient file", max_bytes=128 * 1024, max_depth=32, aliases=False,
                 max_nodes=100_000)
RULES = Limits("rule file", max_bytes=1 * MIB, max_depth=64, aliases=True,
               max_nodes=200_000)


def size_text(n: int) -> str:
    return f"{n // MIB} MiB" if n % MIB == 0 else f"{n // 1024} KiB"


class MarkedDict(dict[str, Any]):
    """A dict that remembers the (1-based) line and column of itself and of each key."""

    line: int | None = None
    col: int | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.key_marks: dict[str, tuple[int, int]] = {}
        self.texts: dict[str, str] = {}  # key -> the scalar value's text as written

    def mark_of(self, key: str) -> tuple[int | None, int | None]:
        if key in self.key_marks:
            return self.key_marks[key]
        return self.line, self.col

    def text_of(self, key: str) -> str | None:
        """The value of `key` exactly as written (a scalar), else None."""
        return self.texts.get(key)


class DuplicateKeyError(yaml.MarkedYAMLError):
    pass


class LimitError(yaml.MarkedYAMLError):
    pass


# -- YAML 1.2 core schema, decimal numbers only ------------------------------------------

class CoreResolver(BaseResolver):
    """The implicit types of the YAML 1.2 core schema, with decimal integers only."""


CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"))
CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789"))
CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(
        r"^(?:[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"), list("-+0123456789."))
CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^(?:~|null|Null|NULL|)$"),
    ["~", "n", "N", ""])
CoreResolver.add_implicit_resolver(
    "tag:yaml.org,2002:timestamp", re.compile(
        r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
        r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}"
        r"(?:\.[0-9]*)?(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"),
    list("0123456789"))


class _Constructor(SafeConstructor):
    def construct_yaml_int(self, node: yaml.ScalarNode) -> Any:  # an int, or inf
        text = str(self.construct_scalar(node))
        digits = text.lstrip("+-")
        if len(digits) > INT_DIGITS:
            return float(text)  # beyond any float: inf, which every numeric check refuses
        return int(text, 10)

    def construct_yaml_float(self, node: yaml.ScalarNode) -> float:
        text = str(self.construct_scalar(node))
        lower = text.lower()
        if lower.endswith(".inf"):
            return float("-inf") if text.startswith("-") else float("inf")
        if lower == ".nan":
            return float("nan")
        return float(text)

    def construct_yaml_timestamp(self, node: yaml.ScalarNode) -> Any:
        try:
            return super().construct_yaml_timestamp(node)
        except ValueError:  # 2021-02-29: text, which a date field refuses by name
            return str(self.construct_scalar(node))

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False  # type: ignore[override]
                          ) -> MarkedDict:
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
            if key in result:  # every one is collected; parse_yaml rejects them all at once
                first = result.key_marks[key][0]
                mark = key_node.start_mark
                duplicates: list[Problem] = self.__dict__.setdefault("duplicates", [])
                duplicates.append(Problem(
                    "", f"duplicate key '{key}' (first defined on line {first})",
                    line=mark.line + 1, col=mark.column + 1, code="duplicate-key"))
                continue  # the first value is kept
            result[key] = self.construct_object(value_node, deep=deep)
            result.key_marks[key] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
            if isinstance(value_node, yaml.ScalarNode):
                result.texts[key] = value_node.value
        return result


_registry: Any = _Constructor  # PyYAML's stubs type add_constructor for its own classes only
_registry.add_constructor("tag:yaml.org,2002:int", _Constructor.construct_yaml_int)
_registry.add_constructor("tag:yaml.org,2002:float", _Constructor.construct_yaml_float)
_registry.add_constructor("tag:yaml.org,2002:timestamp", _Constructor.construct_yaml_timestamp)
_registry.add_constructor(BaseResolver.DEFAULT_MAPPING_TAG,
                          lambda loader, node: loader.construct_mapping(node, deep=True))


class _BoundedComposer(Composer):
    """The pure-Python composer (over libyaml's events when available), with limits."""

    limits: Limits = RULES

    def _setup(self) -> None:
        if not hasattr(self, "_depth"):
            self._depth = 0
            self._open: set[str] = set()

    def compose_node(self, parent: Any, index: Any) -> Any:
        self._setup()
        events: Any = self  # the parser's methods (libyaml's or PyYAML's), mixed in
        if events.check_event(yaml.AliasEvent):
            event = events.peek_event()
            if not self.limits.aliases:
                raise LimitError(None, None, f"aliases (*{event.anchor}) are not allowed in a "
                                 f"{self.limits.what}", event.start_mark)
            if event.anchor in self._open:
                raise LimitError(None, None, f"alias *{event.anchor} refers to itself",
                                 event.start_mark)
            return super().compose_node(parent, index)
        self._depth += 1
        if self._depth > self.limits.max_depth:
            raise LimitError(None, None, f"nested more than {self.limits.max_depth} levels "
                             f"deep (the most a {self.limits.what} may be)",
                             events.peek_event().start_mark)
        event = events.peek_event()
        anchor = getattr(event, "anchor", None)
        if anchor:
            self._open.add(anchor)
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1
            if anchor:
                self._open.discard(anchor)

    def get_single_node(self) -> Any:
        node = super().get_single_node()
        if node is not None and self.limits.aliases:
            _check_expanded_size(node, self.limits)
        return node


def _check_expanded_size(root: yaml.Node, limits: Limits) -> None:
    """Refuse a document whose aliases would expand to more than `limits.max_nodes` nodes."""
    sizes: dict[int, int] = {}
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        children: list[yaml.Node] = []
        if isinstance(node, yaml.SequenceNode):
            children = list(node.value)
        elif isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        if not done:
            stack.append((node, True))
            stack.extend((c, False) for c in children if id(c) not in sizes)
            continue
        total = 1 + sum(sizes.get(id(c), 1) for c in children)
        if total > limits.max_nodes:
            raise LimitError(None, None, f"aliases expand this document to more than "
                             f"{limits.max_nodes:,} values (the most a {limits.what} may "
                             "hold)", node.start_mark)
        sizes[id(node)] = total


def _loader_class(limits: Limits) -> type:
    if _Reader is None:
        bases: tuple[type, ...] = (_BoundedComposer, _Parser, _Constructor, CoreResolver)
    else:
        bases = (_BoundedComposer, *_Reader, _Parser, _Constructor, CoreResolver)

    def __init__(self: Any, stream: str) -> None:
        if _Reader is None:
            _Parser.__init__(self, stream)
        else:
            _Reader[0].__init__(self, stream)
            _Reader[1].__init__(self)
            _Parser.__init__(self)
        Composer.__init__(self)
        SafeConstructor.__init__(self)
        CoreResolver.__init__(self)

    return type(f"Loader_{limits.what.replace(' ', '_')}", bases,
                {"__init__": __init__, "limits": limits})


_LOADERS = {limits: _loader_class(limits) for limits in (PATIENT, RULES)}
# Kept for callers that want the plain loader class (rule files' limits).
MarkedSafeLoader: Any = _LOADERS[RULES]


def parse_yaml(text: str, path: str, limits: Limits = RULES) -> Any:
    """Parse YAML text; syntax errors, limits and every duplicate key become an
    InputError with their lines."""
    data, duplicates = parse_yaml_keeping_duplicates(text, path, limits)
    if duplicates:
        raise InputError(duplicates)
    return data


def parse_yaml_keeping_duplicates(text: str, path: str, limits: Limits = RULES
                                  ) -> tuple[Any, list[Problem]]:
    """The document (a repeated key keeps its first value) and a problem per duplicate key;
    syntax errors and limits raise InputError. `rules check` uses this to report every
    duplicate and still check the rest of the file."""
    loader_class = _LOADERS.get(limits) or _loader_class(limits)
    loader = loader_class(text)
    try:
        data = loader.get_single_data()
        return data, [Problem(path, p.message, line=p.line, col=p.col, code=p.code)
                      for p in loader.__dict__.get("duplicates", [])]
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark is not None else None
        col = mark.column + 1 if mark is not None else None
        what = exc.problem or exc.context or "invalid YAML"
        code = "yaml-syntax"
        if isinstance(exc, DuplicateKeyError):
            message, code = what, "duplicate-key"
        elif isinstance(exc, LimitError):
            message, code = what, "input-limit"
        elif isinstance(exc, yaml.constructor.ConstructorError):
            message = f"YAML tag not allowed or not understood: {what}"
        else:
            message = f"YAML syntax error: {what}"
        raise InputError([Problem(path, message, line=line, col=col, code=code)]) from None
    except yaml.YAMLError as exc:  # reader errors (bad bytes) carry no mark
        raise InputError([Problem(path, f"YAML syntax error: {exc}", code="yaml-syntax")]
                         ) from None
    except RecursionError:
        raise InputError([Problem(path, "nested too deep", code="input-limit")]) from None
    finally:
        loader.dispose()


# -- JSON ----------------------------------------------------------------------------

class _JsonRefused(ValueError):
    pass


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _JsonRefused(f"duplicate key '{key}'")
        result[key] = value
    return result


def _constant(name: str) -> Any:
    raise _JsonRefused(f"{name} is not a number JSON allows")


def _json_int(text: str) -> int | float:
    return int(text) if len(text.lstrip("-")) <= INT_DIGITS else float(text)


def loads_json(text: str) -> Any:
    """JSON as the standard says: no duplicate keys, no NaN or Infinity (ValueError)."""
    return json.loads(text, object_pairs_hook=_pairs, parse_constant=_constant,
                      parse_int=_json_int)


def _depth(value: Any, limit: int) -> bool:
    """True when `value` nests deeper than `limit`."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return False


def parse_json(text: str, path: str, limits: Limits = PATIENT) -> Any:
    """Parse JSON; keep the YAML reader's line numbers when it reads the same values."""
    try:
        data = loads_json(text)
    except json.JSONDecodeError as exc:
        raise InputError([Problem(path, f"not valid JSON: {exc.msg}", line=exc.lineno,
                                  col=exc.colno, code="json-syntax")]) from None
    except _JsonRefused as exc:
        raise InputError([Problem(path, f"not valid JSON: {exc}", code="json-syntax")]
                         ) from None
    except RecursionError:
        raise InputError([Problem(path, f"nested more than {limits.max_depth} levels deep",
                                  code="input-limit")]) from None
    if _depth(data, limits.max_depth):
        raise InputError([Problem(path, f"nested more than {limits.max_depth} levels deep "
                                  f"(the most a {limits.what} may be)", code="input-limit")])
    try:
        marked = parse_yaml(text, path, limits)
    except InputError:
        return data  # JSON the YAML reader does not take (tabs, say): no line numbers
    return marked if marked == data else data


def parse_document(text: str, path: str, limits: Limits = PATIENT) -> Any:
    """A `.json` file as JSON, anything else (standard input too) as YAML."""
    if path.lower().endswith(".json"):
        return parse_json(text, path, limits)
    return parse_yaml(text, path, limits)


# -- reading files -------------------------------------------------------------------------

def read_bytes(path: str, limits: Limits = RULES, shown: str | None = None) -> bytes:
    """At most `limits.max_bytes` of a regular file, or of standard input for '-'.

    A FIFO, a device (/dev/zero, /dev/urandom) or a directory is refused at
    once, without reading (opening is non-blocking, so a FIFO with no writer
    cannot hang the program).
    """
    name = shown or ("<stdin>" if path == "-" else path)
    too_big = Problem(name, f"larger than {size_text(limits.max_bytes)}, the most a "
                      f"{limits.what} may be", code="input-limit")
    if path == "-":
        data = sys.stdin.buffer.read(limits.max_bytes + 1)
        if len(data) > limits.max_bytes:
            raise InputError([too_big])
        return data
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise InputError([Problem(name, "no such file", code="read-error")]) from None
    except IsADirectoryError:
        raise InputError([Problem(name, "is a directory, not a file", code="read-error")]
                         ) from None
    except OSError as exc:
        raise InputError([Problem(name, f"cannot be read: {exc.strerror}", code="read-error")]
                         ) from None
    try:
        mode = os.fstat(fd).st_mode
        why = irregular(mode)
        if why is not None:
            raise InputError([Problem(name, why, code="read-error" if stat.S_ISDIR(mode)
                                      else "input-limit")])
        if os.fstat(fd).st_size > limits.max_bytes:
            raise InputError([too_big])
        if hasattr(os, "O_NONBLOCK"):
            os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while size <= limits.max_bytes:
            chunk = os.read(fd, min(1 << 16, limits.max_bytes + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        if size > limits.max_bytes:  # grew while being read
            raise InputError([too_big])
        return b"".join(chunks)
    except OSError as exc:
        raise InputError([Problem(name, f"cannot be read: {exc.strerror}", code="read-error")]
                         ) from None
    finally:
        os.close(fd)


def irregular(mode: int) -> str | None:
    """Why a path of this mode (os.stat) is not read as an input file; None for a regular
    file. A FIFO or a device is refused at once: reading one could block or never end."""
    if stat.S_ISDIR(mode):
        return "is a directory, not a file"
    if stat.S_ISREG(mode):
        return None
    kind = "a FIFO (named pipe)" if stat.S_ISFIFO(mode) else \
        "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else \
        "a socket" if stat.S_ISSOCK(mode) else "not a regular file"
    return f"is {kind}, not a regular file; pipe it to standard input with '-' instead"


def read_text(path: str, limits: Limits = RULES, shown: str | None = None) -> str:
    """Read a UTF-8 file (bounded, regular files only), or standard input for '-'."""
    data = read_bytes(path, limits, shown)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        name = shown or ("<stdin>" if path == "-" else path)
        line = data[:exc.start].count(b"\n") + 1
        raise InputError([Problem(name, f"not UTF-8 text ({exc.reason} at byte {exc.start})",
                                  line=line, code="read-error")]) from None
