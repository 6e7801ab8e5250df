"""A start-up cache of the validated rule library, as plain data that is checked on load.

Parsing and validating the YAML rule files costs tens of milliseconds of a
`prognosis compare`; the validated library, stored as JSON, loads in a few.

The cache is untrusted input: it lives in a user-writable directory
($PROGNOSIS_CACHE_DIR, else $XDG_CACHE_HOME/prognosis, else ~/.cache/prognosis).
So it is never executable (no pickle: JSON holding only the library's own
dataclasses, rebuilt field by field from an allow-list of classes), it carries
a checksum of its content (SipHash, as Python checks hash-based .pyc files)
that is verified before use, and it is keyed on a hash of the exact CONTENT of
every file the library is built from (each rule file and the
fields.yaml actually used, the bundled one when a rules directory has none),
the tool version and the Python version: an edit that keeps a file's size and
modification time (`cp -p`, `rsync -t`, an extracted archive) still rebuilds it.
Anything that does not match (a foreign, stale, corrupt, truncated or crafted
file, a FIFO or a directory in its place, a full disk) costs speed, never an
error, a hang or a stray temporary file: the rules are then read from YAML.
Set PROGNOSIS_NO_CACHE=1 to bypass it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import json
import os
import stat
import sys
from collections.abc import Callable, Iterable, Mapping
from typing import Any, TypeVar

T = TypeVar("T")
_FORMAT = 2
MAX_BYTES = 16 * 1024 * 1024  # a cached library is ~0.3 MB; anything far larger is not ours


def cache_dir() -> str:
    explicit = os.environ.get("PROGNOSIS_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "prognosis")


def digest(data: bytes) -> str:
    """A content hash as Python keys its own hash-based .pyc files (importlib.util.source_hash:
    SipHash, already loaded at start-up, where hashlib's OpenSSL costs ~7 ms)."""
    from importlib.util import source_hash

    return f"{len(data):x}-{source_hash(data).hex()}"


def content_key(paths: Iterable[str], version: str) -> str:
    """A hash over the tool and Python versions and each file's name and exact bytes."""
    parts = [f"v{_FORMAT}|{version}|{sys.version.split()[0]}".encode()]
    # The engine's own modules too (name, size, modification time): in an editable
    # install (development) an edit to the loader must not be served a library built
    # by the previous code.
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sorted(os.scandir(here), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            info = entry.stat()
            parts.append(f"|{entry.name}|{info.st_size}|{info.st_mtime_ns}".encode())
    for path in paths:
        with open(path, "rb") as handle:
            data = handle.read()
        parts.append(f"|{os.path.basename(path)}|{digest(data)}|".encode())
    return digest(b"".join(parts))


def _classes() -> dict[str, type]:
    """The only classes a cache file may construct: the library's own frozen dataclasses."""
    from . import fields, loader, model

    found: dict[str, type] = {}
    for module in (model, fields, loader):
        for name, value in vars(module).items():
            if isinstance(value, type) and dataclasses.is_dataclass(value) \
                    and value.__module__ == module.__name__:
                found[name] = value
    return found


def encode(value: Any) -> Any:
    """Plain JSON data for a library (tagged: tuples, mappings, dates, dataclasses)."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, tuple):
        return {"$t": [encode(v) for v in value]}
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, Mapping):
        return {"$m": [[encode(k), encode(v)] for k, v in value.items()]}
    if isinstance(value, dt.date):
        return {"$d": value.isoformat()}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {"$c": type(value).__name__,
                "f": {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"cannot cache a {type(value).__name__}")


def decoder(classes: Mapping[str, type]) -> Callable[[dict[str, Any]], Any]:
    """A json `object_hook` that rebuilds `encode`'s tags bottom-up while the C parser
    reads (no second walk over the data); anything unexpected raises ValueError."""
    names = {name: frozenset(f.name for f in dataclasses.fields(cls) if f.init)
             for name, cls in classes.items()}

    def hook(data: dict[str, Any]) -> Any:
        if "$c" in data:
            name, values = data["$c"], data.get("f")
            if name not in classes or not isinstance(values, dict) or len(data) != 2 \
                    or values.keys() != names[name]:
                raise ValueError(f"not a class of the rule library: {name!r}")
            return classes[name](**values)
        if "$t" in data:
            return tuple(data["$t"])
        if "$m" in data:
            return {tuple(k) if isinstance(k, list) else k: v for k, v in data["$m"]}
        if "$d" in data:
            return dt.date.fromisoformat(data["$d"])
        if next(iter(data), "").startswith("$"):
            raise ValueError("unknown tag")
        return data  # the fields of a dataclass, about to be built by its "$c" parent

    return hook


def decode(text: str | bytes, classes: Mapping[str, type]) -> Any:
    """The library back from `encode`'s JSON text."""
    return json.loads(text, object_hook=decoder(classes))


def _read(path: str) -> bytes | None:
    """The cache file's bytes, or None: only a regular file of sane size is read, and the
    open never blocks (a FIFO put in its place)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_BYTES:
            return None
        chunks, size = [], 0
        while chunk := os.read(fd, 1 << 20):
            chunks.append(chunk)
            size += len(chunk)
            if size > MAX_BYTES:
                return None
        return b"".join(chunks)
    except OSError:
        return None
    finally:
        os.close(fd)


def load(path: str, key: str) -> Any:
    """The cached value for `key`, or None when the file is missing, foreign or damaged."""
    raw = _read(path)
    if raw is None:
        return None
    try:
        header, _, body = raw.partition(b"\n")
        meta = json.loads(header)
        if meta.get("key") != key or meta.get("checksum") != digest(body):
            return None
        return decode(body, _classes())
    except (ValueError, TypeError, KeyError, AttributeError, RecursionError,
            UnicodeDecodeError):
        return None


def store(path: str, key: str, value: Any,
          rename: Callable[[str, str], None] = os.replace) -> None:
    """Write the cache atomically (a temporary file renamed); any failure costs nothing."""
    temporary = f"{path}.{os.getpid()}.tmp"
    try:
        body = json.dumps(encode(value), separators=(",", ":"), allow_nan=False).encode()
        header = json.dumps({"key": key, "checksum": digest(body)}).encode()
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(temporary, "wb") as handle:
            handle.write(header + b"\n" + body)
        rename(temporary, path)
    except (OSError, TypeError, ValueError):
        with contextlib.suppress(OSError):
            os.unlink(temporary)


def cached(sources: list[str], version: str, build: Callable[[], T]) -> T:
    """`build()`'s result, from the cache when no source file changed by a single byte."""
    if os.environ.get("PROGNOSIS_NO_CACHE"):
        return build()
    try:
        key = content_key(sources, version)
    except OSError:
        return build()
    path = os.path.join(cache_dir(), f"library-{key.rsplit('-', 1)[-1]}.json")
    found = load(path, key)
    if found is not None:
        return found  # type: ignore[no-any-return]
    value = build()
    store(path, key, value)
    return value
