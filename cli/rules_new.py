"""`prognosis rules new ID`: a scaffold that passes `check` apart from TODO warnings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import click
from rich.text import Text

from .app import App, reports_errors

SCAFFOLD = """\
# yaml-language-server: $schema={schema}
# A new rule set. Replace every TODO, then run `prognosis rules check --strict`.
id: {id}
# display_order: 6  # place among the studies, lower first (else: after them, by year)
version: 0.1.0
status: draft
reviewed: {today}
short_name: TODO short name
title: TODO title of the study
citation:
  authors: TODO First A, Second B, et al.
  title: TODO title as published
  journal: TODO journal
  year: {year}
  doi: null
  note: TODO give the DOI above, or say here why there is none
cohort:
  n: 1
  source: TODO centre(s), years, design
  provenance: TODO section or table giving the cohort size

population:
  summary: TODO who the study describes
  conditions:
    - id: has_lung_metastases
      when: {{field: lung_metastasis_count, op: ">=", value: 1}}
      reason: TODO why a patient without this is outside the study
      provenance: TODO section
  conditions_of_use:
    - text: TODO what a user must check that is not a patient field
      provenance: TODO section

model: signals

factors:
  - id: example_factor
    label: TODO largest nodule >= 10 mm
    when: {{field: lung_metastasis_max_diameter, op: ">=", value: 10, unit: mm}}
    stated_as: TODO the cut-off exactly as the paper states it
    direction: adverse
    effects: []
    provenance: TODO table giving the effect (add it under effects with its CI and p)

estimates: []
reference_estimates: []
caveats: []
limitations: []
conflicts: []

examples:
  - name: TODO factor present
    patient: {{lung_metastasis_count: 2, lung_metastasis_max_diameter: 12 mm}}
    expect:
      status: complete
      factors: {{example_factor: true}}
      effects: ['example_factor: adverse']
  - name: TODO exactly at the cut-off
    patient: {{lung_metastasis_count: 2, lung_metastasis_max_diameter: 10 mm}}
    expect: {{status: complete, factors: {{example_factor: true}}}}
  - name: TODO size not given, so the factor is unknown
    patient: {{lung_metastasis_count: 2}}
    expect: {{status: incomplete, factors: {{example_factor: null}}}}
  - name: TODO outside the population
    patient: {{lung_metastasis_count: 0}}
    expect: {{status: not_applicable}}
"""


@click.command("new")
@click.argument("rule_set_id", metavar="ID")
@click.option("--dir", "directory", type=click.Path(file_okay=False, path_type=Path),
              default=Path("."), show_default=True, help="Directory to write ID.yaml into.")
@click.pass_obj
@reports_errors
def new_command(app: App, rule_set_id: str, directory: Path) -> None:
    """Write a scaffold rule set ID.yaml that passes `check` apart from TODO warnings."""
    if not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", rule_set_id):
        raise click.BadParameter("use lower-case letters, digits, '-' and '_' (e.g. "
                                 "smith-2026)", param_hint="ID")
    path = directory / f"{rule_set_id}.yaml"
    if path.exists():
        raise click.BadParameter(f"{path} exists; edit it with `prognosis rules edit`",
                                 param_hint="ID")
    today = dt.date.today()
    directory.mkdir(parents=True, exist_ok=True)
    path.write_text(SCAFFOLD.format(id=rule_set_id, today=today.isoformat(), year=today.year,
                                    schema="schema/rule-set.schema.json"))
    app.err.print(Text(f"wrote {path}; next: prognosis rules check {path}"), highlight=False)
