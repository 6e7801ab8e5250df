"""`rules check` findings as text, JSON, GitHub annotations, SARIF 2.1.0 or JUnit XML."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from prognosis.engine.checks import CHECKS, Finding

FORMATS = ("text", "json", "github", "sarif", "junit")
GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def render(findings: Sequence[Finding], output_format: str, files: Sequence[str],
           ran: Sequence[str]) -> str:
    if output_format == "json":
        return json.dumps([f.to_dict() for f in findings], indent=2)
    if output_format == "github":
        return "\n".join(f"::{GITHUB_LEVEL[f.severity]} file={f.path},line={f.line or 1},"
                         f"col={f.col or 1},title={f.check}::{f.message}" for f in findings)
    if output_format == "sarif":
        return json.dumps(sarif(findings, ran), indent=2)
    if output_format == "junit":
        return junit(findings, files, ran)
    return "\n".join(f.text() for f in findings)


def _uri(path: str) -> str:
    p = Path(path)
    return p.resolve().as_uri() if p.is_absolute() else p.as_posix()


def sarif(findings: Sequence[Finding], ran: Sequence[str]) -> dict[str, Any]:
    """One run of the tool: every check that ran is a rule; every finding a result."""
    from prognosis.engine.loader import VERSION

    index = {check_id: i for i, check_id in enumerate(ran)}
    rules = [{"id": check_id, "name": check_id,
              "shortDescription": {"text": CHECKS[check_id].summary or check_id},
              "fullDescription": {"text": " ".join(CHECKS[check_id].doc.split()) or check_id},
              "defaultConfiguration": {"level": SARIF_LEVEL[CHECKS[check_id].severity]}}
             for check_id in ran]
    results = [{"ruleId": f.check, "ruleIndex": index[f.check], "level": SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": {
                    "artifactLocation": {"uri": _uri(f.path)},
                    "region": {"startLine": f.line or 1, "startColumn": f.col or 1}}}]}
               for f in findings if f.check in index]
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0",
            "runs": [{"tool": {"driver": {"name": "prognosis rules check", "version": VERSION,
                                          "informationUri": "https://example.invalid/prognosis",
                                          "rules": rules}},
                      "results": results}]}


def junit(findings: Sequence[Finding], files: Sequence[str], ran: Sequence[str]) -> str:
    """A test suite per file, a test case per check that ran; findings are failures
    (errors and warnings) or system-out (info)."""
    import xml.etree.ElementTree as ET

    suites = ET.Element("testsuites", name="prognosis rules check")
    for path in files:
        mine = [f for f in findings if f.path == path]
        failing = {f.check for f in mine if f.severity != "info"}
        suite = ET.SubElement(suites, "testsuite", name=path, tests=str(len(ran)),
                              failures=str(len(failing)), errors="0", skipped="0")
        for check_id in ran:
            case = ET.SubElement(suite, "testcase", classname=path, name=check_id)
            hits = [f for f in mine if f.check == check_id]
            problems = [f for f in hits if f.severity != "info"]
            if problems:
                failure = ET.SubElement(case, "failure", type=problems[0].severity,
                                        message=problems[0].message)
                failure.text = "\n".join(f.text() for f in problems)
            notes = [f for f in hits if f.severity == "info"]
            if notes:
                ET.SubElement(case, "system-out").text = "\n".join(f.text() for f in notes)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, encoding="unicode")
