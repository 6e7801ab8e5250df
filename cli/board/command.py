"""`prognosis board [PATIENT]`: the tumour-board form with the comparison beside it."""

from __future__ import annotations

import click

from ..app import App, reports_errors


@click.command()
@click.argument("patient", metavar="[PATIENT]", required=False)
@click.option("--rules", "rules_dir", type=click.Path(exists=True, file_okay=False),
              default=None, help="Directory of rule sets to use instead of the bundled ones.")
@click.option("--study", "studies", multiple=True, metavar="ID",
              help="Only this rule set (repeatable), e.g. --study slms.")
@click.option("--margin", "margins", multiple=True, metavar="FIELD=VALUE",
              help="Near-cut-off margin for a field, units allowed (repeatable).")
@click.pass_obj
@reports_errors
def board(app: App, patient: str | None, rules_dir: str | None, studies: tuple[str, ...],
          margins: tuple[str, ...]) -> None:
    """Describe a patient in a form and read the comparison as it changes.

    PATIENT (optional) is a YAML or JSON patient file to start from. Keys: Tab moves
    between fields (on into the next section), F4 shows the next section of the form,
    Ctrl+S saves the patient as YAML, Ctrl+O opens one, Ctrl+R exports the report, F2
    pins the patient for a what-if, F3 widens the comparison, Ctrl+Q quits.
    """
    from prognosis.engine.errors import InputError, Problem

    try:
        from .app import BoardApp
    except ImportError as exc:
        raise InputError([Problem("prognosis board", f"needs Textual ({exc.name} is not "
                                  "installed): pip install 'prognosis-comparator[board]'")]
                         ) from None
    from .session import Session

    session = Session.start(rules_dir, studies, margins)
    if patient:
        session.open(patient)
    BoardApp(session).run()
