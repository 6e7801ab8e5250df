"""`prognosis rules edit ID`: edit a rule set safely, in the manner of visudo.

The editor works on a temporary copy. On save the copy is checked; with
findings the user may edit again or abort (the original untouched). A clean
copy replaces the original atomically (temporary file in the same directory,
fsync, os.replace) and the previous version is kept as ID.yaml.bak. An editor
that fails, Ctrl-C, or a crash leaves the original intact and says where the
edited copy is. The edit is on the text, so comments and layout survive.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import click
from rich.text import Text

from .app import App, ExitCode, reports_errors
from .options import active_rules_dir, rules_option


def _editor() -> list[str]:
    command = os.environ.get("VISUAL") or os.environ.get("EDITOR") or "vi"
    return shlex.split(command)


def replace_atomically(path: Path, text: str) -> None:
    """Write text to path via a temporary file in the same directory, fsync and rename."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.",
                                         suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
            out.flush()
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


@click.command("edit")
@click.argument("rule_set_id", metavar="ID")
@rules_option
@click.pass_obj
@reports_errors
def edit_command(app: App, rule_set_id: str, rules_dir: Path | None) -> None:
    """Edit rule set ID in $VISUAL or $EDITOR; it is checked before it replaces the file."""
    from prognosis.engine.checks import run_checks
    from prognosis.engine.checks.collect import collect
    from prognosis.engine.errors import InputError, Problem

    directory = active_rules_dir(rules_dir)
    original = directory / f"{rule_set_id}.yaml"
    if not original.is_file():
        raise InputError([Problem(str(original), f"no rule set '{rule_set_id}' in {directory}")])
    before = original.read_text(encoding="utf-8")
    app.err.print(Text(f"editing {original}"), highlight=False, soft_wrap=True)
    workdir = Path(tempfile.mkdtemp(prefix=f"prognosis-edit-{rule_set_id}-"))
    copy = workdir / original.name
    copy.write_text(before, encoding="utf-8")
    fields = directory / "fields.yaml"
    if fields.exists():
        shutil.copy2(fields, workdir / "fields.yaml")
    ctx = click.get_current_context()
    kept = f"the original {original} is untouched; your edited copy is {copy}"
    try:
        while True:
            status = subprocess.run([*_editor(), str(copy)], check=False).returncode
            if status != 0:
                app.err.print(Text(f"editor exited with status {status}: {kept}"), highlight=False,
                              soft_wrap=True)
                ctx.exit(ExitCode.FINDINGS)
            after = copy.read_text(encoding="utf-8")
            if after == before:
                app.err.print(Text(f"no changes; {original} untouched"), highlight=False)
                shutil.rmtree(workdir, ignore_errors=True)
                return
            others = [p for p in directory.glob("*.yaml")
                      if p.name not in (original.name, "fields.yaml")]
            library = collect([copy, *others])
            findings = [f for f in run_checks(library)
                        if f.path == str(copy) and f.severity == "error"]
            if not findings:
                break
            for f in findings:
                app.err.print(Text(f.text()), highlight=False, soft_wrap=True)
            choice = click.prompt("(e)dit again or (a)bort?", type=click.Choice(["e", "a"]),
                                  default="a", err=True) if _interactive() else "a"
            if choice == "a":
                app.err.print(Text(f"aborted: {kept}"), highlight=False, soft_wrap=True)
                ctx.exit(ExitCode.FINDINGS)
        shutil.copy2(original, original.with_name(original.name + ".bak"))
        replace_atomically(original, after)
    except (KeyboardInterrupt, click.Abort):
        app.err.print(Text(f"interrupted: {kept}"), highlight=False, soft_wrap=True)
        ctx.exit(ExitCode.INTERRUPTED)
    shutil.rmtree(workdir, ignore_errors=True)
    app.err.print(Text(f"{original} updated (previous version kept as {original.name}.bak)"),
                  highlight=False, soft_wrap=True)


def _interactive() -> bool:
    """Offer to edit again only when someone can answer (or a test says so)."""
    return bool(os.environ.get("PROGNOSIS_EDIT_PROMPT")) or sys.stdin.isatty()
