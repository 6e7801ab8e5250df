"""The rule-library start-up cache: used when nothing changed, rebuilt on any edit."""

from __future__ import annotations

import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

from prognosis.engine.errors import RuleSetError
from prognosis.engine.loader import VERSION, bundled_rules_dir, load_library


@pytest.fixture
def rules(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("PROGNOSIS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("PROGNOSIS_NO_CACHE", raising=False)
    target = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), target, ignore=shutil.ignore_patterns("__*"))
    return target


def _estimate(library: object, score: int) -> float:
    slms = next(r for r in library.rule_sets if r.id == "slms")  # type: ignore[attr-defined]
    return next(e.value for e in slms.estimates if e.selector.value == score)


def test_second_load_comes_from_the_cache(rules: Path, tmp_path: Path) -> None:
    first = load_library(rules)
    cached_files = list((tmp_path / "cache").glob("library-*.pickle"))
    assert len(cached_files) == 1
    second = load_library(rules)
    assert second == first and second is not first


def test_an_edit_rebuilds_the_cache(rules: Path) -> None:
    assert _estimate(load_library(rules), 2) == 39.0
    path = rules / "slms.yaml"
    path.write_text(path.read_text().replace("value: 39.0", "value: 39.5"))
    assert _estimate(load_library(rules), 2) == 39.5


def test_broken_rules_are_reported_even_after_a_good_load(rules: Path) -> None:
    load_library(rules)
    path = rules / "slms.yaml"
    path.write_text(path.read_text().replace("points: 1", "points: one", 1))
    with pytest.raises(RuleSetError) as caught:
        load_library(rules)
    assert any("points" in str(p) and "whole number" in str(p) for p in caught.value.problems)


def test_unwritable_cache_only_costs_speed(rules: Path, monkeypatch: pytest.MonkeyPatch,
                                           tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("")
    monkeypatch.setenv("PROGNOSIS_CACHE_DIR", str(blocker / "cache"))
    assert _estimate(load_library(rules), 0) == 89.5


def test_package_version_is_the_version_in_the_cache_key() -> None:
    """The cache key holds loader.VERSION: if it lagged behind the installed package, an
    upgrade could be served a library cached by the previous release."""
    assert version("prognosis-comparator") == VERSION
