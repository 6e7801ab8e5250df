"""Show a validation report: rich tables on the terminal, or Markdown (also the `.md`
export). Both walk the same TRIPOD+AI-ordered sections (validation_sections.py)."""

from __future__ import annotations

from typing import Any

from rich.console import Console, RenderableType
from rich.text import Text

from .fit import fitted_table, row_blocks
from .validation_sections import TRIPOD, Section, Table, header_lines, sections
from .wrap import Wrapped


def _version() -> str:
    from prognosis.engine.loader import VERSION

    return VERSION


# The terminal leads with calibration; the exports follow the TRIPOD+AI order.
TERMINAL_ORDER = ("Calibration", "Overall performance and discrimination",
                  "Decision curve (net benefit)",
                  "Published effects and whole-cohort figures beside the local ones", "Case mix")


def _terminal(table: Table, width: int) -> list[RenderableType]:
    """A table whose numbers are whole at `width`; a paragraph per row if none fits."""
    right = [index > 0 for index in range(len(table.columns))]
    shown = fitted_table(table.title, table.columns, table.rows, width, right)
    return [shown] if shown is not None else row_blocks(table.title, table.columns,
                                                        table.rows)


def render_table(console: Console, report: dict[str, Any]) -> None:
    """Every line within the console's width: text wraps between words, numbers whole."""
    for line in header_lines(report):
        console.print(Wrapped(line))
    shown = {s.title: s for s in sections(report, _version())}
    for title in TERMINAL_ORDER:
        section = shown.get(title)
        if section is None or not (section.lines or section.tables):
            continue
        console.print(Text(""))
        console.print(Wrapped(f"{section.title} [TRIPOD+AI {section.item}]", style="bold"))
        for line in section.lines:
            console.print(Wrapped(line))
        for table in section.tables:
            console.print(*_terminal(table, console.width), sep="\n")
    for w in report["precision"]:
        console.print(Wrapped(f"warning: {w['message']} (rule: {w['rule']}; {w['source']})",
                              hanging=len("warning: ")))


def markdown_table(table: Table) -> list[str]:
    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    out = [f"**{table.title}**", "", "| " + " | ".join(table.columns) + " |",
           "|" + "|".join(["---"] + ["---:"] * (len(table.columns) - 1)) + "|"]
    out += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return [*out, ""]


def markdown_sections(parts: list[Section], images: dict[str, str] | None = None) -> list[str]:
    out = []
    for section in parts:
        out += [f"## {section.title}", "", f"*{TRIPOD} item {section.item}*", ""]
        out += [line + "  " for line in section.lines]
        out += [""] if section.lines else []
        for table in section.tables:
            out += markdown_table(table)
        for name in section.images:
            if images and name in images:
                out += [f"![{name} plot]({images[name]})", ""]
    return out


def render_markdown(report: dict[str, Any], images: dict[str, str] | None = None) -> str:
    out = [f"# {report['short_name']} ({report['rule_set']}): validation on your cohort", ""]
    out += markdown_sections(sections(report, _version()), images)
    return "\n".join(out)
