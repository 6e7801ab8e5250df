"""Options shared by several commands."""

from __future__ import annotations

from pathlib import Path

import click

rules_option = click.option(
    "--rules", "rules_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None, help="Directory of rule sets to use instead of the bundled ones.")


def active_rules_dir(rules_dir: Path | None) -> Path:
    from prognosis.engine.loader import bundled_rules_dir

    return rules_dir or bundled_rules_dir()
