"""`prognosis explain`: the full trace of how each study reaches its result."""

from __future__ import annotations

import json

import click

from .app import App, reports_errors


@click.command()
@click.argument("patient", metavar="PATIENT")
@click.option("--format", "output_format", type=click.Choice(("text", "json")),
              default="text", show_default=True, help="text, or json (the same trace as data).")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              default=None, help="Directory of rule sets to use instead of the bundled ones.")
@click.option("--study", "studies", multiple=True, metavar="ID",
              help="Only this rule set (repeatable).")
@click.pass_obj
@reports_errors
def explain(app: App, patient: str, output_format: str, rules_dir: str | None,
            studies: tuple[str, ...]) -> None:
    """Show, for one PATIENT, every input as given and normalised, every condition with
    the patient's value and verdict, the score arithmetic or group, the mapping to each
    estimate, the provenance of every number, and a forest plot of the effect sizes."""
    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.explain import explain as trace_of
    from prognosis.engine.loader import load_library
    from prognosis.engine.patient import read_patient_file

    library = load_library(rules_dir)
    selected = library.select(studies)
    person = read_patient_file(patient, library.fields)
    results = Comparator(selected).evaluate(person)
    trace = trace_of(person, selected, results, library.fields)
    if output_format == "json":
        click.echo(json.dumps(trace, indent=2, ensure_ascii=False))
    else:
        from .render_explain import render_explain

        render_explain(app.out, trace)
