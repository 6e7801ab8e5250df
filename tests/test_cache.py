"""The rule-library start-up cache: used when nothing changed, rebuilt on any edit."""

from __future__ import annotations

import json
import os
import pickle
import shutil
from importlib.metadata import version
from pathlib import Path

import pytest

from prognosis.engine.cache import digest
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
    cached_files = list((tmp_path / "cache").glob("library-*.json"))
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


def _cache_file(tmp_path: Path) -> Path:
    [path] = list((tmp_path / "cache").glob("library-*.json"))
    return path


def test_an_edit_keeping_size_and_mtime_is_seen(rules: Path) -> None:
    """`cp -p`, `rsync -t`, an extracted archive: same size, same mtime, new content."""
    assert _estimate(load_library(rules), 0) == 89.5
    path = rules / "slms.yaml"
    before = path.stat()
    text = path.read_text()
    path.write_text(text.replace("value: 89.5", "value: 19.5"))  # same length
    os.utime(path, ns=(before.st_atime_ns, before.st_mtime_ns))
    assert path.stat().st_size == before.st_size
    assert path.stat().st_mtime_ns == before.st_mtime_ns
    assert _estimate(load_library(rules), 0) == 19.5


def test_the_bundled_fields_file_is_part_of_the_key(rules: Path, tmp_path: Path) -> None:
    """A rules directory without fields.yaml is built with the bundled one: its content is
    in the key too (here a copied directory's own fields.yaml stands in for it)."""
    load_library(rules)
    fields = rules / "fields.yaml"
    fields.write_text(fields.read_text().replace("margin: 3 mm", "margin: 4 mm"))
    library = load_library(rules)
    assert library.fields["lung_metastasis_max_diameter"].margin == 4.0


def test_a_crafted_pickle_in_the_cache_is_never_run(rules: Path, tmp_path: Path) -> None:
    load_library(rules)
    path = _cache_file(tmp_path)
    marker = tmp_path / "pwned"

    class Exploit:
        def __reduce__(self) -> tuple[object, ...]:
            return (os.system, (f"touch {marker}",))

    path.write_bytes(pickle.dumps(Exploit()))
    assert _estimate(load_library(rules), 0) == 89.5
    assert not marker.exists()


def test_a_forged_cache_with_the_right_key_is_refused(rules: Path, tmp_path: Path) -> None:
    """A cache whose numbers were changed (and whose checksum was not) is rebuilt; one
    naming a class outside the library is refused even with a valid checksum."""
    load_library(rules)
    path = _cache_file(tmp_path)
    header, body = path.read_bytes().split(b"\n", 1)
    path.write_bytes(header + b"\n" + body.replace(b"89.5", b"19.5"))
    assert _estimate(load_library(rules), 0) == 89.5
    meta = json.loads(header)
    forged = json.dumps({"$c": "Popen", "f": {"args": "touch x"}}).encode()
    meta["checksum"] = digest(forged)
    path.write_bytes(json.dumps(meta).encode() + b"\n" + forged)
    assert _estimate(load_library(rules), 0) == 89.5


@pytest.mark.parametrize("flip", range(0, 4000, 97))
def test_bit_flips_in_the_cache_change_nothing(rules: Path, tmp_path: Path, flip: int) -> None:
    """Issue 'Clinical trust': 27 of 40 single-bit flips in a pickled cache changed printed
    figures silently. Every flip here is caught by the checksum (or the parser)."""
    first = load_library(rules)
    path = _cache_file(tmp_path)
    data = bytearray(path.read_bytes())
    position = len(data) // 2 + flip
    data[position] ^= 0x04
    path.write_bytes(bytes(data))
    again = load_library(rules)
    assert again == first


@pytest.mark.parametrize("kind", ["fifo", "directory", "empty", "truncated", "huge"])
def test_a_cache_path_that_is_no_cache_costs_only_speed(rules: Path, tmp_path: Path,
                                                        kind: str) -> None:
    load_library(rules)
    path = _cache_file(tmp_path)
    data = path.read_bytes()
    path.unlink()
    if kind == "fifo":
        os.mkfifo(path)  # opening it for reading would block
    elif kind == "directory":
        path.mkdir()
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "truncated":
        path.write_bytes(data[: len(data) // 3])
    else:
        path.write_bytes(b"{" * (20 * 1024 * 1024))
    assert _estimate(load_library(rules), 0) == 89.5
    assert not [p for p in path.parent.iterdir() if p.name.endswith(".tmp")]


def test_a_full_disk_leaves_no_temporary_file(tmp_path: Path) -> None:
    from prognosis.engine.cache import store

    def full(source: str, target: str) -> None:
        raise OSError(28, "No space left on device")

    store(str(tmp_path / "library-x.json"), "k", load_library(), rename=full)
    assert list(tmp_path.iterdir()) == []
