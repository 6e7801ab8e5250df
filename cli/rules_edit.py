"""`prognosis rules edit ID`: edit a rule set safely, in the manner of visudo.

The editor works on a temporary copy. On save the copy is checked (as strictly
as `rules check --strict` unless --no-strict); with findings the user may edit
again or abort (the original untouched). A clean copy replaces the original
atomically (temporary file in the same directory, fsync, os.replace), with the
original's mode and owner, and the previous version is kept as ID.yaml.bak,
written the same atomic way. A symlinked rule file is edited through the link:
its target is replaced, the link stays. If the original changed while the
editor was open (someone else saved it), nothing is overwritten. Whatever
goes wrong (the editor fails, Ctrl-C, SIGTERM, SIGHUP, a full disk, a crash),
the original stays intact and the message says where the edited copy is.
The edit is on the text, so comments and layout survive.
"""

from __future__ import annotations

import contextlib
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from rich.text import Text

from .app import App, ExitCode, exit_code_for, reports_errors
from .options import active_rules_dir, rules_option


def _editor() -> list[str]:
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(command)


def replace_atomically(path: Path, data: str | bytes, like: os.stat_result | None = None
                       ) -> None:
    """Write data to path via a temporary file in the same directory, fsync and rename.

    With `like`, the new file gets that mode and (where permitted) owner and group.
    """
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode("utf-8") if isinstance(data, str) else data)
            out.flush()
            if like is not None:
                os.fchmod(out.fileno(), like.st_mode & 0o7777)
                with contextlib.suppress(PermissionError):
                    os.fchown(out.fileno(), like.st_uid, like.st_gid)
            os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    directory = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)


class _Refused(Exception):
    """The edit cannot be installed; the message says why (the copy is kept)."""

    def __init__(self, message: str, code: ExitCode = ExitCode.FINDINGS) -> None:
        super().__init__(message)
        self.code = code


@click.command("edit")
@click.argument("rule_set_id", metavar="ID")
@rules_option
@click.option("--strict/--no-strict", default=True, show_default=True,
              help="Refuse an edit with warnings too, as `rules check --strict` (and make "
              "test) would.")
@click.pass_obj
@reports_errors
def edit_command(app: App, rule_set_id: str, rules_dir: Path | None, strict: bool) -> None:
    """Edit rule set ID in $VISUAL or $EDITOR; it is checked before it replaces the file."""
    from prognosis.engine.errors import InputError, Problem

    directory = active_rules_dir(rules_dir)
    shown = directory / f"{rule_set_id}.yaml"
    if not shown.is_file():
        raise InputError([Problem(str(shown), f"no rule set '{rule_set_id}' in {directory}")])
    original = Path(os.path.realpath(shown))  # a symlink: edit its target, keep the link
    before = original.read_bytes()
    try:
        before_text = before.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError([Problem(str(shown), "is not UTF-8 text")]) from None
    where = f"{shown} (a link to {original})" if original != shown.absolute() else str(shown)
    app.err.print(Text(f"editing {where}"), highlight=False, soft_wrap=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"prognosis-edit-{rule_set_id}-"))
    copy = workdir / shown.name
    copy.write_bytes(before)
    fields = directory / "fields.yaml"
    if fields.exists():
        shutil.copy2(fields, workdir / "fields.yaml")
    ctx = click.get_current_context()
    kept = f"the original {shown} is untouched; your edited copy is {copy}"

    def say(message: str) -> None:
        app.err.print(Text(message), highlight=False, soft_wrap=True)

    try:
        after = _edit_until_clean(app, copy, directory, shown, before_text, strict)
        if after is None:
            say(f"no changes; {shown} untouched")
            shutil.rmtree(workdir, ignore_errors=True)
            return
        if original.read_bytes() != before:
            raise _Refused(f"{shown} was changed by someone else while you were editing; "
                           "it is not overwritten (compare the two and edit again)")
        like = original.stat()
        backup = original.with_name(original.name + ".bak")
        try:
            replace_atomically(backup, before, like)
            replace_atomically(original, after, like)
        except OSError as exc:
            raise _Refused(f"cannot write {exc.filename or original}: {exc.strerror}",
                           ExitCode.BAD_INPUT) from None
    except _Refused as exc:
        say(f"{exc}: {kept}")
        ctx.exit(exc.code)
    except KeyboardInterrupt as exc:  # Ctrl-C; SIGTERM and SIGHUP are raised as it too
        say(f"interrupted: {kept}")
        ctx.exit(exit_code_for(exc))
    except click.exceptions.Exit:
        raise
    except click.Abort as exc:  # the prompt read Ctrl-C or the end of input
        cause = exc.__context__
        say(f"{'interrupted' if isinstance(cause, KeyboardInterrupt) else 'aborted'}: {kept}")
        ctx.exit(exit_code_for(cause) if isinstance(cause, KeyboardInterrupt)
                 else ExitCode.FINDINGS)
    except Exception as exc:
        say(f"{type(exc).__name__}: {exc}: {kept}")
        ctx.exit(ExitCode.INTERNAL_ERROR)
    shutil.rmtree(workdir, ignore_errors=True)
    say(f"{where} updated (previous version kept as {original.name}.bak)")


def _edit_until_clean(app: App, copy: Path, directory: Path, shown: Path, before: str,
                      strict: bool) -> str | None:
    """Run the editor until the copy is clean (its text) or unchanged (None)."""
    from prognosis.engine.checks import run_checks
    from prognosis.engine.checks.collect import collect

    while True:
        status = subprocess.run([*_editor(), str(copy)], check=False).returncode
        if status != 0:
            raise _Refused(f"editor exited with status {status}")
        try:
            after = copy.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise _Refused(f"the edited copy {copy} was removed") from None
        except UnicodeDecodeError:
            after, findings = None, [f"{copy}: not UTF-8 text"]
        else:
            if after == before:
                return None
            others = [p for p in directory.glob("*.yaml")
                      if p.name not in (shown.name, "fields.yaml")]
            library = collect([copy, *others])
            failing = ("error", "warning") if strict else ("error",)
            findings = [f.text() for f in run_checks(library)
                        if f.path == str(copy) and f.severity in failing]
        if not findings and after is not None:
            return after
        for text in findings:
            app.err.print(Text(text), highlight=False, soft_wrap=True)
        choice = click.prompt("(e)dit again or (a)bort?", type=click.Choice(["e", "a"]),
                              default="a", err=True) if _interactive() else "a"
        if choice == "a":
            raise _Refused("aborted" + (" (warnings count: --no-strict lets them through)"
                                        if strict else ""))


def _interactive() -> bool:
    """Offer to edit again only when someone can answer (or a test says so)."""
    return bool(os.environ.get("PROGNOSIS_EDIT_PROMPT")) or sys.stdin.isatty()

