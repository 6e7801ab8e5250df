"""Writing a file whole or not at all: one way for every command that writes one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator

from prognosis.engine.errors import InputError, Problem


@contextlib.contextmanager
def replaced_whole(path: str, what: str = "") -> Iterator[str]:
    """A temporary file beside `path` (same extension) to write, renamed over `path` when
    the writing succeeded and removed otherwise: nothing is ever written half-way. `what`
    names the file in a message ("cannot write the report: ...")."""
    directory = os.path.dirname(os.path.abspath(path))
    stem, ext = os.path.splitext(os.path.basename(path))
    said = f"cannot write{' ' + what if what else ''}"
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{stem}-", suffix=ext, dir=directory)
    except OSError as exc:
        raise InputError([Problem(path, f"{said}: {exc.strerror}")]) from None
    os.close(handle)
    try:
        yield temporary
        os.replace(temporary, path)
    except OSError as exc:
        raise InputError([Problem(path, f"{said}: {exc.strerror}")]) from None
    finally:
        if os.path.exists(temporary):
            os.unlink(temporary)
