"""A start-up cache of the validated rule library (like .pyc files for rule sets).

Parsing and validating the YAML rule files costs about 25 ms of a 150 ms
`prognosis compare`; the validated library, pickled, loads in under 1 ms.
The cache lives in the user's own cache directory ($PROGNOSIS_CACHE_DIR, else
$XDG_CACHE_HOME/prognosis, else ~/.cache/prognosis) and is keyed by the tool
version, the Python version, the modification time of every engine module and
the name, size and modification time of every file in the rules directory, so
any edit rebuilds it. A cache that cannot be
read or written is ignored: the rules are then loaded from YAML as usual.
Set PROGNOSIS_NO_CACHE=1 to bypass it.
"""

from __future__ import annotations

import os
import pickle
import sys
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")
_FORMAT = 1


def cache_dir() -> str:
    explicit = os.environ.get("PROGNOSIS_CACHE_DIR")
    if explicit:
        return explicit
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "prognosis")


def _key(directory: str, version: str) -> str:
    parts = [f"v{_FORMAT}", version, sys.version.split()[0], os.path.realpath(directory)]
    # The engine's own modules too: in an editable install (development) an edit to
    # model.py must not be served a library pickled by the previous code.
    here = os.path.dirname(os.path.abspath(__file__))
    for entry in sorted(os.scandir(here), key=lambda e: e.name):
        if entry.name.endswith(".py"):
            parts.append(f"{entry.name}:{entry.stat().st_mtime_ns}")
    for entry in sorted(os.scandir(directory), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            stat = entry.stat()
            parts.append(f"{entry.name}:{stat.st_size}:{stat.st_mtime_ns}")
    return "|".join(parts)


def cached(directory: str, version: str, build: Callable[[], T]) -> T:
    """`build()`'s result, from the cache when the rules directory has not changed."""
    if os.environ.get("PROGNOSIS_NO_CACHE"):
        return build()
    try:
        key = _key(directory, version)
    except OSError:
        return build()
    import zlib

    path = os.path.join(cache_dir(), f"library-{zlib.crc32(key.encode()):08x}.pickle")
    try:
        with open(path, "rb") as handle:
            stored_key, value = pickle.load(handle)
        if stored_key == key:
            return value  # type: ignore[no-any-return]
    except (OSError, pickle.UnpicklingError, EOFError, ValueError, AttributeError,
            ImportError, TypeError):
        pass
    value = build()
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        temporary = f"{path}.{os.getpid()}.tmp"
        with open(temporary, "wb") as handle:
            pickle.dump((key, value), handle, protocol=pickle.HIGHEST_PROTOCOL)
        os.replace(temporary, path)
    except OSError:
        pass  # an unwritable cache only costs speed
    return value
