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


def _units(_ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
           ) -> dict[str, str]:
    """--unit FIELD=UNIT (repeatable) as a mapping."""
    units: dict[str, str] = {}
    for value in values:
        name, sep, unit = value.partition("=")
        if not sep or not name.strip() or not unit.strip():
            raise click.BadParameter(f"{value!r}: write FIELD=UNIT, e.g. "
                                     "lung_metastasis_max_diameter=mm")
        units[name.strip()] = unit.strip()
    return units


unit_option = click.option(
    "--unit", "units", multiple=True, metavar="FIELD=UNIT", callback=_units,
    help="The unit of a length or duration column of bare numbers, e.g. --unit "
    "lung_metastasis_max_diameter=mm (or in its header: 'lung_metastasis_max_diameter [mm]').")
