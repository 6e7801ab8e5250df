"""`prognosis compare`: one patient under every study, side by side."""

from __future__ import annotations

import json

import click

from .app import App, reports_errors

FORMATS = ("table", "json", "markdown", "fhir")


@click.command()
@click.argument("patient", metavar="PATIENT")
@click.option("--format", "output_format", type=click.Choice(FORMATS), default="table",
              show_default=True, help="table (rich), json (the documented contract), "
              "markdown (for notes) or fhir (a FHIR R4 Bundle of RiskAssessments).")
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              default=None,
              help="Directory of rule sets to use instead of the bundled ones.")
@click.option("--study", "studies", multiple=True, metavar="ID",
              help="Only this rule set (repeatable), e.g. --study slms.")
@click.option("--margin", "margins", multiple=True, metavar="FIELD=VALUE",
              help="Near-cut-off margin for a field, units allowed (repeatable), e.g. "
              "--margin lung_metastasis_max_diameter=2mm.")
@click.option("--what-if", "what_ifs", multiple=True, metavar="FIELD=VALUE",
              help="Compare the patient with this field changed (repeatable, units allowed; "
              "VALUE 'unknown' leaves the field out), side by side with the original.")
@click.option("--all", "agreements", is_flag=True,
              help="Also list where the studies agree (the panel shows only where they "
              "disagree; JSON always has both, agreements marked).")
@click.option("--export", "export_path", metavar="FILE",
              help="Also write a report to FILE.html, FILE.pdf (needs the pdf extra), "
              "FILE.svg, FILE.md or FILE.txt.")
@click.pass_obj
@reports_errors
def compare(app: App, patient: str, output_format: str, rules_dir: str | None,
            studies: tuple[str, ...], margins: tuple[str, ...], what_ifs: tuple[str, ...],
            agreements: bool, export_path: str | None) -> None:
    """Compare what each published study says for one PATIENT.

    PATIENT is a YAML or JSON file of patient fields, or - for standard input.
    Values may carry units ("1.8 cm", "14 months"); a field left out is unknown.
    """
    from prognosis.engine.comparison import compare_patient
    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.loader import load_library
    from prognosis.engine.near_cutoffs import margins_for
    from prognosis.engine.patient import normalise, read_patient_data

    library = load_library(rules_dir)
    selected = library.select(studies)
    raw, source = read_patient_data(patient)
    person = normalise(raw, library.fields, source)
    margin_of = margins_for(library.fields, margins)
    comparator = Comparator(selected)
    comparison = compare_patient(comparator, person, library.fields, margin_of)
    if what_ifs:
        from .what_if import show_what_if

        show_what_if(app, comparison, comparator, raw, source, what_ifs, output_format,
                     export_path)
        return
    if export_path:
        from .export import write_report

        write_report(app, comparison, export_path, agreements)
    if output_format == "json":
        click.echo(json.dumps(comparison.document(), indent=2, ensure_ascii=False))
    elif output_format == "fhir":
        from prognosis.engine.fhir import fhir_bundle
        from prognosis.engine.report import created_at

        bundle = fhir_bundle(comparison, created_at())
        click.echo(json.dumps(bundle, indent=2, ensure_ascii=False))
    elif output_format == "markdown":
        from .render_markdown import render_markdown
        from .render_panels import markdown_panels

        panels = markdown_panels(person, comparison.units(), comparison.disagreements,
                                 comparison.near_cutoffs, agreements)
        click.echo(render_markdown(person, comparison.results, panels,
                                   comparison.inputs(), comparison.units()), nl=False)
    else:
        from .render_panels import rich_panels
        from .render_table import render_table

        render_table(app.out, person, comparison.results,
                     rich_panels(person, comparison.units(), comparison.disagreements,
                                 comparison.near_cutoffs, agreements), comparison.inputs(),
                     comparison.units())
