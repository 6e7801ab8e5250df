"""`prognosis rules examples --boundaries ID`: example patients at every cut-off."""

from __future__ import annotations

from pathlib import Path

import click

from .app import App, reports_errors
from .options import active_rules_dir, rules_option


@click.command("examples")
@click.option("--boundaries", "rule_set_id", required=True, metavar="ID",
              help="Print, for each numeric cut-off of rule set ID, a patient just under, "
              "at and just over it, with what the rule set now says about each.")
@rules_option
@click.pass_obj
@reports_errors
def examples_command(app: App, rule_set_id: str, rules_dir: Path | None) -> None:
    """Boundary example patients, as YAML to paste under `examples:`.

    The expectations are what the rule set gives today: check each against the
    paper before keeping it (an example guards the rules only if it is right).
    """
    from prognosis.engine.boundaries import boundaries
    from prognosis.engine.loader import load_library

    library = load_library(active_rules_dir(rules_dir))
    [rule_set] = library.select([rule_set_id])
    for b in boundaries(rule_set, library.fields):
        click.echo(f"  - name: {b.field} {b.where} {b.cut} ({b.value})")
        click.echo(f"    patient: {_flow(b.patient)}")
        click.echo(f"    expect: {_flow(b.expect)}")


def _flow(value: object) -> str:
    import yaml

    return str(yaml.safe_dump(value, default_flow_style=True, width=10_000,
                              sort_keys=False)).strip()
