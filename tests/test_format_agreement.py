"""Our validator and an independent JSON Schema validator agree on every fixture.

The rule-file format is declared once (engine/ruleformat.py, engine/fields.py); the
validator and rules/schema/*.json both come from it. This test holds them to each
other: for every fixture (each bundled file, each broken copy the check tests use,
each mutant `rules test --mutate` makes, and structural breakages aimed at the
places they used to drift, patterns included) both accept or both reject.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from prognosis.engine.fields import fields_file_spec
from prognosis.engine.loader import FIELDS_FILE, bundled_rules_dir
from prognosis.engine.ruleformat import RULE_SET
from prognosis.engine.yamlio import parse_yaml

SCHEMAS = bundled_rules_dir() / "schema"
RULE_SCHEMA = json.loads((SCHEMAS / "rule-set.schema.json").read_text())
FIELDS_SCHEMA = json.loads((SCHEMAS / "fields.schema.json").read_text())


def _as_json(value: Any) -> Any:
    """What an editor's YAML language server sees: dates are text."""
    if isinstance(value, dict):
        return {k: _as_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_as_json(v) for v in value]
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _ours(spec: Any, doc: Any) -> bool:
    return next(iter(spec.check(doc, "", (1, 1))), None) is None


VALIDATORS = {id(s): jsonschema.Draft202012Validator(
    s, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)
    for s in (RULE_SCHEMA, FIELDS_SCHEMA)}


def _theirs(schema: dict[str, Any], doc: Any) -> bool:
    return next(iter(VALIDATORS[id(schema)].iter_errors(_as_json(doc))), None) is None


def _rule_files() -> list[Path]:
    return sorted(p for p in bundled_rules_dir().glob("*.yaml") if p.name != FIELDS_FILE)


def _load(path: Path) -> Any:
    return parse_yaml(path.read_text(), str(path))


def _breakages(doc: Any) -> Iterator[tuple[str, Any]]:
    """Structural edits aimed at the places the two validators could disagree."""
    key = "factors" if doc["factors"] else "groups"  # Liu has groups and no factors

    def edited(name: str, change: Any) -> tuple[str, Any]:
        new = copy.deepcopy(doc)
        change(new)
        return name, new

    yield edited("factor id with a space", lambda d: d[key][0].update(id="Max Diameter"))
    yield edited("rule set id in capitals", lambda d: d.update(id="SLMS"))
    yield edited("version not semantic", lambda d: d.update(version="one"))
    yield edited("empty title", lambda d: d.update(title=""))
    yield edited("blank title", lambda d: d.update(title="   "))
    yield edited("unknown key", lambda d: d.update(modle="score"))
    yield edited("missing key", lambda d: d.pop("short_name"))
    yield edited("year as text", lambda d: d["citation"].update(year="2021"))
    yield edited("year not whole", lambda d: d["citation"].update(year=2021.5))
    yield edited("n as true", lambda d: d["cohort"].update(n=True))
    yield edited("reviewed not a date", lambda d: d.update(reviewed="last week"))
    yield edited("model not allowed", lambda d: d.update(model="points"))
    yield edited("condition with two kinds", lambda d: d[key][0]["when"].update(
        all=[{"field": "histology", "op": "==", "value": "leiomyosarcoma"}]))
    yield edited("condition with none", lambda d: d[key][0].update(when={"nope": 1}))
    yield edited("empty all", lambda d: d[key][0].update(when={"all": []}))
    yield edited("operator not allowed", lambda d: d[key][0]["when"].update(op="=>"))
    yield edited("ci of three", lambda d: d[key][0].update(
        effects=[{"measure": "HR", "value": 2, "ci": [1, 2, 3]}]))
    yield edited("factors not a list", lambda d: d.update(factors={}))
    yield edited("example expect without status", lambda d: d["examples"][0].update(
        expect={"score": 1}))
    yield edited("display_order as text", lambda d: d.update(display_order="first"))


def _fixtures(path: Path) -> Iterator[tuple[str, Any]]:
    """Generated one at a time (not held at collection: they are many deep copies)."""
    from prognosis.engine.loader import load_library
    from prognosis.engine.mutate import rule_set_mutants

    doc = _load(path)
    yield path.name, doc
    for name, broken in _breakages(doc):
        yield f"{path.stem}: {name}", broken
    for mutant in rule_set_mutants(doc, str(path), load_library().fields):
        yield f"{path.stem} mutant: {mutant.description}", mutant.data


@pytest.mark.parametrize("path", _rule_files(), ids=lambda p: p.stem)
def test_both_validators_agree_on_rule_files(path: Path) -> None:
    verdicts = {name: (_ours(RULE_SET, doc), _theirs(RULE_SCHEMA, doc))
                for name, doc in _fixtures(path)}
    assert len(verdicts) > 20
    assert [name for name, (ours, theirs) in verdicts.items() if ours != theirs] == []
    assert verdicts[path.name] == (True, True)
    broken = [name for name in verdicts if ": " in name and " mutant: " not in name]
    assert broken and [name for name in broken if verdicts[name][0]] == []


def test_both_validators_agree_on_fields_files() -> None:
    doc = _load(bundled_rules_dir() / FIELDS_FILE)
    cases = [("bundled", doc)]
    for name, change in (
        ("unknown type", lambda d: d["fields"]["histology"].update(type="category")),
        ("values not a list", lambda d: d["fields"]["histology"].update(values="lms")),
        ("unknown key", lambda d: d["fields"]["histology"].update(valeus=[])),
        ("units not a mapping", lambda d: d.update(units=[])),
    ):
        new = copy.deepcopy(doc)
        change(new)
        cases.append((name, new))
    spec = fields_file_spec()
    assert [(n, _ours(spec, d)) for n, d in cases] == [(n, _theirs(FIELDS_SCHEMA, d))
                                                       for n, d in cases]
    assert [_ours(spec, d) for _, d in cases] == [True, False, False, False, False]
