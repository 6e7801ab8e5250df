"""`prognosis rules list` and `prognosis rules show ID`."""

from __future__ import annotations

from pathlib import Path

import click
from rich.table import Table
from rich.text import Text

from .app import App, reports_errors
from .options import rules_option


@click.command("list")
@rules_option
@click.pass_obj
@reports_errors
def list_command(app: App, rules_dir: Path | None) -> None:
    """List the rule sets: study, year, n, population, endpoints, factors, lifecycle."""
    from prognosis.engine.loader import load_library

    library = load_library(rules_dir)
    for rs in library.rule_sets:
        endpoints = sorted({f"{e.endpoint.replace('_', ' ')} from {e.origin}"
                            for e in (*rs.estimates, *rs.reference_estimates)})
        factors = [f.id for f in rs.factors if f.role != "covariate"]
        covariates = sum(f.role == "covariate" for f in rs.factors)
        if covariates:
            factors.append(f"+{covariates} covariate levels")
        if rs.groups:
            factors.append("groups: " + ", ".join(g.id for g in rs.groups if not g.parent))
        title = Text(rs.id, style="bold")
        title.append(f"  {rs.short_name} {rs.citation.year}, n={rs.cohort_n}; {rs.status} "
                     f"v{rs.version}, reviewed {rs.reviewed}", style="dim")
        # A block per rule set, its text column as wide as the terminal: no id or word is
        # ever split, at any width (a table of eight columns split them at 80 and 100).
        grid = Table.grid(padding=(0, 1), expand=True)
        grid.add_column(width=10, no_wrap=True, style="dim")
        grid.add_column(ratio=1, overflow="fold")
        for label, lines in (("Population", [rs.population_summary]),
                             ("Endpoints", endpoints), ("Factors", factors)):
            grid.add_row(Text(label), Text("\n".join(lines) or "-"))
        app.out.print(title)
        app.out.print(grid)
        app.out.print()


def _section(title: str) -> Text:
    return Text(f"\n{title}", style="bold")


@click.command("show")
@click.argument("rule_set_id", metavar="ID")
@rules_option
@click.pass_obj
@reports_errors
def show_command(app: App, rule_set_id: str, rules_dir: Path | None) -> None:
    """Show one rule set as a readable card, with the provenance of every number."""
    from prognosis.engine.describe import describe
    from prognosis.engine.loader import load_library

    from .formatting import effect_text, estimate_text

    [rs] = load_library(rules_dir).select([rule_set_id], asked_by="rules show")
    out = app.out
    out.print(Text(f"{rs.short_name} {rs.citation.year}: {rs.title}", style="bold"))
    out.print(Text(f"{rs.citation.format()}\n{rs.id} v{rs.version}, {rs.status}, reviewed "
              f"{rs.reviewed}; source {rs.source}"), highlight=False)
    out.print(Text(f"Cohort: n = {rs.cohort_n}; {rs.cohort_source} [{rs.cohort_provenance}]"),
              highlight=False)
    out.print(_section(f"Population: {rs.population_summary}"))
    for c in rs.population:
        out.print(Text(f"  - {describe(c.when)}: {c.reason} [{c.provenance}]"), highlight=False)
    for t in rs.conditions_of_use:
        out.print(Text(f"  * check yourself: {t.text} [{t.provenance}]"), highlight=False)
    out.print(_section(f"Factors (model: {rs.model})"))
    for f in rs.factors:
        points = f", {f.points} point(s)" if f.points else ""
        out.print(Text(f"  - {f.id}: {describe(f.when)} ({f.role}, {f.direction}{points}) "
                  f"[{f.provenance}]"), highlight=False)
        for e in f.effects:
            out.print(Text(f"      {effect_text(e)}; {e.analysis or ''} [{e.provenance}]"),
                      highlight=False)
    if rs.groups:
        out.print(_section("Groups"))
        for g in rs.groups:
            parent = f" (within {g.parent})" if g.parent else ""
            out.print(Text(f"  - {g.id}{parent}: {describe(g.when)} [{g.provenance}]"),
                      highlight=False)
            for e in g.effects:
                out.print(Text(f"      {effect_text(e)}; {e.analysis or ''} [{e.provenance}]"),
                          highlight=False)
    out.print(_section("Estimates"))
    for estimate in (*rs.estimates, *rs.reference_estimates):
        selector = ", ".join(f"{k} {v}" for k, v in estimate.selector.as_dict().items())
        out.print(Text(f"  - {selector}: {estimate_text(estimate)} [{estimate.provenance}]"),
                  highlight=False)
    if rs.caveats:
        out.print(_section("Caveats"))
        for caveat in rs.caveats:
            when = describe(caveat.when) if caveat.when else "always"
            label = f' "{caveat.label}"' if caveat.label else ""
            out.print(Text(f"  - {caveat.id}{label} (when {when}): {caveat.message} "
                      f"[{caveat.provenance}]"), highlight=False)
    for title, items in (("Limitations", rs.limitations), ("Conflicts in the paper",
                                                            rs.conflicts)):
        if items:
            out.print(_section(title))
            for t in items:
                out.print(Text(f"  - {t.text} [{t.provenance}]"), highlight=False)
    if rs.reported_effects:
        out.print(_section("Other reported effects (no patient field)"))
        for e in rs.reported_effects:
            out.print(Text(f"  - {e.label}: {effect_text(e)} [{e.provenance}]"), highlight=False)
