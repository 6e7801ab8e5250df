"""JSON Schema for rule files and fields.yaml, generated from the validator's own definitions.

`rules/schema/*.json` are written by `prognosis rules schema` from the
definitions in engine/ruleformat.py and engine/fields.py; a test fails when
the committed files are out of date.
"""

from __future__ import annotations

import json
from typing import Any

DRAFT = "https://json-schema.org/draft/2020-12/schema"
RULE_SET_FILE = "rule-set.schema.json"
FIELDS_FILE = "fields.schema.json"


def rule_set_schema() -> dict[str, Any]:
    from .ruleformat import CONDITION, RULE_SET

    schema = {"$schema": DRAFT, "$id": RULE_SET_FILE,
              "title": "Prognosis comparator rule set", **RULE_SET.json()}
    schema["$defs"] = {"condition": CONDITION.json()}
    return schema


def fields_schema() -> dict[str, Any]:
    from .fields import fields_file_spec

    return {"$schema": DRAFT, "$id": FIELDS_FILE,
            "title": "Prognosis comparator field dictionary", **fields_file_spec().json()}


def schema_files() -> dict[str, str]:
    """File name -> text, exactly as committed under rules/schema/."""
    return {name: json.dumps(schema, indent=2, ensure_ascii=False) + "\n"
            for name, schema in ((RULE_SET_FILE, rule_set_schema()),
                                 (FIELDS_FILE, fields_schema()))}
