"""Shared fixtures: one rule library and one Comparator per test session.

durable_rules registers rulesets once per process, so the Comparator is built
once (`bundled_comparator`) and handed to tests through session fixtures that
build, normalise and evaluate patients from keyword arguments.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from functools import cache
from typing import Any

import pytest

from prognosis.engine.evaluate import Comparator
from prognosis.engine.loader import RuleLibrary, load_library
from prognosis.engine.patient import Patient, normalise
from prognosis.engine.results import Result

# The one golden list of the suite: the bundled studies, in display order (each rule
# set's `display_order`). Adding a study changes this line and nothing else; every
# other test takes the rule sets that exist from the library. Tests that pin the
# worked example's whole output run it over these studies (`--study` each), so a
# new study does not change what they see.
ROSTER = ("slms", "burkhard-meier-2025", "liu-2022", "abugideiri-2022", "librizzi-2022")
ROSTER_STUDIES = tuple(arg for rule_set in ROSTER for arg in ("--study", rule_set))


@pytest.fixture(autouse=True, scope="session")
def _private_rule_cache(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Tests never read or write the user's rule cache, and what the commands leave in the
    temporary directory on purpose (`rules edit` keeps an edited copy when it refuses to
    install it) goes into pytest's own temporary directory, not /tmp."""
    import tempfile

    mp = pytest.MonkeyPatch()
    mp.setenv("PROGNOSIS_CACHE_DIR", str(tmp_path_factory.mktemp("rule-cache")))
    scratch = str(tmp_path_factory.mktemp("scratch"))
    mp.setenv("TMPDIR", scratch)  # for the commands the tests start as processes
    mp.setattr(tempfile, "tempdir", scratch)  # and for those run in this process
    yield
    mp.undo()


@cache
def bundled_library() -> RuleLibrary:
    """The bundled rules, read from their YAML files.

    Parametrization over the rule examples needs the library at collection time,
    before `_private_rule_cache` runs, so the rule cache is bypassed here.
    """
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PROGNOSIS_NO_CACHE", "1")
        return load_library()


@cache
def bundled_comparator() -> Comparator:
    return Comparator(bundled_library().rule_sets)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """`rule_example` is every (rule set id, example) of the bundled library."""
    if "rule_example" in metafunc.fixturenames:
        cases = [(rs.id, ex) for rs in bundled_library().rule_sets for ex in rs.examples]
        metafunc.parametrize("rule_example", cases,
                             ids=[f"{rid}: {ex.name}" for rid, ex in cases])


@pytest.fixture(scope="session")
def library() -> RuleLibrary:
    return bundled_library()


@pytest.fixture(scope="session")
def comparator() -> Comparator:
    return bundled_comparator()


@pytest.fixture(scope="session")
def make_patient(library: RuleLibrary) -> Callable[..., Patient]:
    """make_patient(field=value, ...) -> a normalised Patient (raises InputError)."""

    def build(**fields: Any) -> Patient:
        return normalise(fields, library.fields, "test-patient")

    return build


@pytest.fixture(scope="session")
def results_for(comparator: Comparator,
                make_patient: Callable[..., Patient]) -> Callable[..., dict[str, Result]]:
    """results_for(field=value, ...) -> {rule set id: Result}, for every rule set."""

    def run(**fields: Any) -> dict[str, Result]:
        return {r.rule_set: r for r in comparator.evaluate(make_patient(**fields))}

    return run


@pytest.fixture(scope="session")
def result_for(comparator: Comparator,
               make_patient: Callable[..., Patient]) -> Callable[..., Result]:
    """result_for(rule set id, field=value, ...) -> that rule set's Result, evaluated alone."""

    def run(rule_set: str, **fields: Any) -> Result:
        return comparator.evaluate_one(rule_set, make_patient(**fields))

    return run
