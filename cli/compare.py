"""`prognosis compare`: one patient under every study, side by side."""

from __future__ import annotations

import json

import click

from .app import App, reports_errors

FORMATS = ("table", "json", "markdown")


@click.command()
@click.argument("patient", metavar="PATIENT")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table",
              show_default=True, help="table (rich), json (the documented contract) or "
              "markdown (for notes).")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              default=None,
              help="Directory of rule sets to use instead of the bundled ones.")
@click.option("--study", "studies", multiple=True, metavar="ID",
              help="Only this rule set (repeatable), e.g. --study slms.")
@click.pass_obj
@reports_errors
def compare(app: App, patient: str, output_format: str, rules_dir: str | None,
            studies: tuple[str, ...]) -> None:
    """Compare what each published study says for one PATIENT.

    PATIENT is a YAML or JSON file of patient fields, or - for standard input.
    Values may carry units ("1.8 cm", "14 months"); a field left out is unknown.
    """
    from prognosis.engine.document import comparison_document
    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.loader import load_library
    from prognosis.engine.patient import read_patient_file

    library = load_library(rules_dir)
    selected = library.select(studies)
    person = read_patient_file(patient, library.fields)
    results = Comparator(selected).evaluate(person)
    if output_format == "json":
        document = comparison_document(person, results, library.fields)
        click.echo(json.dumps(document, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        from .render_markdown import render_markdown

        click.echo(render_markdown(person, results), nl=False)
    else:
        from .render_table import render_table

        render_table(app.out, person, results)
