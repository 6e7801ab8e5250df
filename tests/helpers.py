"""Shared test helpers: one engine per test session (durable_rules registers per process)."""

from __future__ import annotations

from functools import cache
from typing import Any

from prognosis.engine.evaluate import Comparator
from prognosis.engine.loader import RuleLibrary, load_library
from prognosis.engine.patient import Patient, normalise
from prognosis.engine.results import Result


@cache
def library() -> RuleLibrary:
    return load_library()


@cache
def comparator() -> Comparator:
    return Comparator(library().rule_sets)


def patient(**fields: Any) -> Patient:
    return normalise(fields, library().fields, "test")


def evaluate(**fields: Any) -> dict[str, Result]:
    return {r.rule_set: r for r in comparator().evaluate(patient(**fields))}


def result(rule_set: str, **fields: Any) -> Result:
    return evaluate(**fields)[rule_set]
