"""`prognosis rules test`: run every rule set's example patients, and measure how well
they guard the rule set (--coverage, --mutate)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
from rich.table import Table
from rich.text import Text

from .app import App, ExitCode, cells, reports_errors
from .options import active_rules_dir, rules_option


@click.command("test")
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@rules_option
@click.option("--format", "output_format", type=click.Choice(["text", "json", "junit"]),
              default="text", show_default=True, help="text, json, or junit (XML).")
@click.option("--coverage", "show_coverage", is_flag=True,
              help="Also show which conditions, factors, groups, caveats and estimates the "
              "examples exercise both ways (true and false, selected and not).")
@click.option("--min-coverage", type=click.FloatRange(0, 100), default=None, metavar="PERCENT",
              help="Fail (exit 1) when a rule set's coverage is below PERCENT (implies "
              "--coverage).")
@click.option("--mutate", is_flag=True,
              help="Mutation testing: apply each small edit (cut-off, operator, condition, "
              "points, estimate, effect; fields.yaml aliases, units, implications, "
              "derivations) and fail (exit 1) when one survives every example and check.")
@click.pass_obj
@reports_errors
def test_command(app: App, paths: tuple[Path, ...], rules_dir: Path | None,
                 output_format: str, show_coverage: bool, min_coverage: float | None,
                 mutate: bool) -> None:
    """Run the example patients of rule sets (PATHS: files or directories).

    Shows pass or fail per example, with expected and actual values where they
    differ. Exit 0 when all pass (and coverage and mutants are as required), 1
    when any fails, 2 when a rule file is invalid.
    """
    from prognosis.engine.checks.collect import collect
    from prognosis.engine.errors import RuleSetError
    from prognosis.engine.examples import run_examples

    library = collect(list(paths) or [active_rules_dir(rules_dir)])
    broken = [p for rf in library.files for p in rf.problems] + library.fields_problems
    if broken or library.fields is None:
        raise RuleSetError(broken)
    outcomes = [o for _, rs in library.rule_sets() for o in run_examples(rs, library.fields)]
    report: dict[str, Any] = {"examples": [
        {"rule_set": o.rule_set, "example": o.example.name, "line": o.example.line,
         "source": next(rf.path for rf, rs in library.rule_sets() if rs.id == o.rule_set),
         "passed": o.passed, "message": "" if o.passed else o.summary()} for o in outcomes]}
    failed = sum(not o.passed for o in outcomes)
    if show_coverage or min_coverage is not None:
        from prognosis.engine.coverage import coverage

        report["coverage"] = [_coverage_dict(coverage(rs, library.fields))
                              for _, rs in library.rule_sets()]
        if min_coverage is not None:
            failed += sum(c["percent"] < min_coverage for c in report["coverage"])
    if mutate:
        # fields.yaml is mutated when a whole rules directory is tested (or the file is
        # named): a single rule file's examples were never meant to guard all of it
        whole = not paths or any(p.is_dir() or p.name == "fields.yaml" for p in paths)
        report["mutants"] = _mutants(library, whole)
        failed += sum(m["survived"] for r in report["mutants"] for m in r["mutants"])
    if output_format == "json":
        click.echo(json.dumps(report, indent=2))
    elif output_format == "junit":
        click.echo(_junit(report))
    else:
        _text(app, report, min_coverage)
    if failed:
        click.get_current_context().exit(ExitCode.FINDINGS)


def _coverage_dict(c: Any) -> dict[str, Any]:
    return {"rule_set": c.rule_set, "covered": c.covered, "total": c.total,
            "percent": round(c.percent, 1),
            "missing": [{"kind": i.kind, "id": i.id, "missing": list(i.missing)}
                        for i in c.items if i.missing]}


def _mutants(library: Any, with_fields: bool) -> list[dict[str, Any]]:
    from prognosis.engine.mutate import boundary_values, run_fields_mutants, run_rule_set_mutants

    def rows(outcomes: list[Any]) -> list[dict[str, Any]]:
        out = []
        for o in outcomes:
            m = o.mutant
            row = {"source": m.source, "line": m.line, "kind": m.kind, "mutant": m.description,
                   "survived": o.survived, "killed_by": o.killed_by}
            if o.survived and m.field is not None and library.fields is not None:
                value, unit = m.cut
                integer = library.fields[m.field].type == "int"
                row["suggest"] = {m.field: boundary_values(value, unit, integer)}
            out.append(row)
        return out

    assert library.fields is not None
    report = [{"rule_set": rs.id, "mutants": rows(run_rule_set_mutants(rf.data, rf.path,
                                                                       library.fields))}
              for rf, rs in library.rule_sets()]
    fields_dir = Path(library.fields_path).parent.resolve()
    if with_fields and any(Path(rf.path).parent.resolve() == fields_dir
                           for rf in library.files):
        from prognosis.engine.yamlio import parse_yaml, read_text

        fields_doc = parse_yaml(read_text(library.fields_path), library.fields_path)
        docs = [(rf.path, rf.data) for rf, _ in library.rule_sets()]
        report.append({"rule_set": "fields.yaml", "mutants": rows(
            run_fields_mutants(fields_doc, library.fields_path, docs))})
    return report


def _text(app: App, report: dict[str, Any], min_coverage: float | None) -> None:
    table = Table("rule set", "example", "result", "expected vs actual", box=None,
                  pad_edge=False)
    for e in report["examples"]:
        verdict = Text("pass", "green") if e["passed"] else Text("FAIL", "bold red")
        table.add_row(*cells(e["rule_set"], e["example"], verdict, e["message"]))
    app.out.print(table)
    failed = sum(not e["passed"] for e in report["examples"])
    app.out.print(Text(f"{len(report['examples']) - failed} passed, {failed} failed"),
                  highlight=False)
    for c in report.get("coverage", []):
        below = min_coverage is not None and c["percent"] < min_coverage
        flag = f" BELOW {min_coverage:g}%" if below else ""
        app.out.print(Text(f"coverage {c['rule_set']}: {c['percent']:g}% ({c['covered']} of "
                           f"{c['total']} sides){flag}"), highlight=False)
        for m in c["missing"]:
            app.out.print(Text(f"  no example makes {m['kind']} '{m['id']}' "
                               f"{' or '.join(m['missing'])}"), highlight=False, soft_wrap=True)
    for r in report.get("mutants", []):
        survivors = [m for m in r["mutants"] if m["survived"]]
        app.out.print(Text(f"mutants {r['rule_set']}: {len(r['mutants'])} generated, "
                           f"{len(r['mutants']) - len(survivors)} killed, {len(survivors)} "
                           "survived"), highlight=False)
        for m in survivors:
            hint = "".join(f"; an example at {field}: {', '.join(values)} would kill it"
                           for field, values in (m.get("suggest") or {}).items())
            app.out.print(Text(f"  {m['source']}:{m['line'] or 1}: survived: {m['mutant']} "
                               f"[{m['kind']}]{hint}"), highlight=False, soft_wrap=True)


def _junit(report: dict[str, Any]) -> str:
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="prognosis rules test")
    by_rule_set: dict[str, list[dict[str, Any]]] = {}
    for e in report["examples"]:
        by_rule_set.setdefault(e["rule_set"], []).append(e)
    for rule_set, examples in by_rule_set.items():
        failures = [e for e in examples if not e["passed"]]
        suite = ET.SubElement(suites, "testsuite", name=rule_set, tests=str(len(examples)),
                              failures=str(len(failures)), errors="0", skipped="0")
        for e in examples:
            case = ET.SubElement(suite, "testcase", classname=rule_set, name=e["example"],
                                 file=e["source"], line=str(e["line"] or 1))
            if not e["passed"]:
                ET.SubElement(case, "failure", message=e["message"], type="example")
    for r in report.get("mutants", []):
        survivors = [m for m in r["mutants"] if m["survived"]]
        suite = ET.SubElement(suites, "testsuite", name=f"mutants {r['rule_set']}",
                              tests=str(len(r["mutants"])), failures=str(len(survivors)),
                              errors="0", skipped="0")
        for m in r["mutants"]:
            case = ET.SubElement(suite, "testcase", classname=r["rule_set"],
                                 name=f"{m['kind']}: {m['mutant']}", file=m["source"],
                                 line=str(m["line"] or 1))
            if m["survived"]:
                ET.SubElement(case, "failure", type="survived",
                              message="no example or check notices this edit")
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
