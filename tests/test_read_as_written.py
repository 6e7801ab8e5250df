"""Numbers and text are read as written (issue 11, item 1): YAML 1.2 core scalars with
decimal numbers only, `.json` as JSON, ids kept as text, whole counts, no NaN or infinity,
impossible dates refused by field and line."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from clirun import DEMO, run

from prognosis.engine.errors import InputError
from prognosis.engine.loader import bundled_rules_dir
from prognosis.engine.yamlio import PATIENT, RULES, parse_document, parse_yaml

BASE = ("histology: leiomyosarcoma\nextrapulmonary_metastases: false\n"
        "lung_metastasis_max_diameter: 12 mm\ndisease_free_interval: 900 days\n")


def compare(tmp_path: Path, text: str, name: str = "p.yaml") -> tuple[int, str, str]:
    path = tmp_path / name
    path.write_text(text)
    return run("compare", str(path), "--format", "json")


# -- the scalar table: what each spelling is read as --------------------------------------

@pytest.mark.parametrize(("text", "value"), [
    ("010", 10), ("0730", 730), ("00123", 123), ("+12", 12), ("-0", 0), ("1e3", 1000.0),
    (".5", 0.5), ("5.", 5.0), ("0x11", "0x11"), ("0b110", "0b110"), ("0o17", "0o17"),
    ("24:00", "24:00"), ("1_000", "1_000"), ("yes", "yes"), ("no", "no"), ("on", "on"),
    ("off", "off"), ("true", True), ("False", False), ("~", None), ("null", None),
    ("", None), ("2021-02-29", "2021-02-29"), ("0x", "0x"), ("1:2:3", "1:2:3"),
])
def test_yaml_12_core_scalars_decimal_only(text: str, value: object) -> None:
    for limits in (PATIENT, RULES):
        parsed = parse_yaml(f"a: {text}\n", "x.yaml", limits)["a"]
        assert parsed == value and type(parsed) is type(value)


def test_nan_and_infinity_are_floats_that_numeric_checks_refuse() -> None:
    parsed = parse_yaml("a: .nan\nb: -.inf\nc: .Inf\n", "x.yaml")
    assert parsed["a"] != parsed["a"]
    assert parsed["b"] == float("-inf") and parsed["c"] == float("inf")


def test_the_scalar_text_is_kept_beside_the_value() -> None:
    parsed = parse_yaml("id: 00123\nn: 010\ns: 'quoted'\nm: {a: 1}\n", "x.yaml")
    assert parsed.text_of("id") == "00123" and parsed.text_of("n") == "010"
    assert parsed.text_of("s") == "quoted" and parsed.text_of("m") is None


# -- the reproducers, end to end -----------------------------------------------

def test_010_nodules_020_mm_0730_days_is_ten_twenty_and_730(tmp_path: Path) -> None:
    code, out, err = compare(tmp_path, "histology: leiomyosarcoma\nlung_metastasis_count: 010\n"
                             "lung_metastasis_max_diameter: 020 mm\n"
                             "disease_free_interval: 0730 days\n"
                             "extrapulmonary_metastases: false\n")
    assert code == 0, err
    data = json.loads(out)
    assert data["patient"]["lung_metastasis_count"] == 10
    assert data["patient"]["lung_metastasis_max_diameter"] == 20.0
    assert data["patient"]["disease_free_interval"] == 730.0
    assert data["given"]["lung_metastasis_count"] == 10
    slms = next(r for r in data["results"] if r["rule_set"] == "slms")
    assert slms["score"] == 2  # not 3, as when 010 was read as 8 and 0730 as 472


@pytest.mark.parametrize("text", ["0x11", "0b110", "24:00", "1_000", "0o17", ".nan", ".inf",
                                  "-.inf", "5.9999999999", "5.99999999999999999999", "6.5",
                                  "1e-400", "9" * 5000, "'seven'"])
def test_a_count_that_is_not_a_whole_decimal_number_is_refused_by_name(
        tmp_path: Path, text: str) -> None:
    code, out, err = compare(tmp_path, BASE + f"lung_metastasis_count: {text}\n")
    assert code == 2, out
    assert "p.yaml:5:1: field 'lung_metastasis_count'" in err
    assert "Traceback" not in err and len(err) < 2_000


@pytest.mark.parametrize(("text", "count"), [("6", 6), ("6.0", 6), ("6.000000000000", 6),
                                             ("+6", 6), ("006", 6), ("6e0", 6), ("0.6e1", 6)])
def test_a_count_written_as_a_whole_number_is_that_number(tmp_path: Path, text: str,
                                                           count: int) -> None:
    code, out, err = compare(tmp_path, BASE + f"lung_metastasis_count: {text}\n")
    assert code == 0, err
    assert json.loads(out)["patient"]["lung_metastasis_count"] == count


def test_id_keeps_its_source_text_exactly(tmp_path: Path) -> None:
    for text, expected in [("00123", "00123"), ("0x1F", "0x1F"), ("1e3", "1e3"),
                           (".nan", ".nan"), ("2024-01-01", "2024-01-01"), ("'007'", "007"),
                           ("abc", "abc")]:
        code, out, err = compare(tmp_path, f"id: {text}\n" + BASE + "lung_metastasis_count: 2\n")
        assert code == 0, err
        assert json.loads(out)["patient_id"] == expected  # valid JSON: no bare NaN
    compare(tmp_path, "id: 00123\n" + BASE + "lung_metastasis_count: 2\n")
    code, out, _ = run("compare", str(tmp_path / "p.yaml"), "--format", "fhir")
    assert code == 0 and '"value": "00123"' in out and '"83"' not in out


def test_impossible_dates_are_refused_with_field_and_line(tmp_path: Path) -> None:
    code, _, err = compare(tmp_path, BASE + "lung_metastasis_count: 2\n"
                           "primary_resection_date: 2021-02-29\n")
    assert code == 2
    assert "p.yaml:6:1: field 'primary_resection_date': '2021-02-29' is not a date that " \
        "exists" in err


def test_an_alp_uln_ratio_that_overflows_is_refused(tmp_path: Path) -> None:
    code, _, err = compare(tmp_path, "histology: osteosarcoma\nalkaline_phosphatase: 1e308\n"
                           "alkaline_phosphatase_uln: 0.5\n")
    assert code == 2
    assert "alkaline_phosphatase / alkaline_phosphatase_uln is too large" in err


def test_id_nested_999_deep_is_refused_by_the_depth_limit(tmp_path: Path) -> None:
    code, _, err = compare(tmp_path, "id: " + "[" * 999 + "]" * 999 + "\n")
    assert code == 2
    assert "nested more than 32 levels deep" in err


# -- JSON files are JSON -------------------------------------------------------------------

@pytest.mark.parametrize(("text", "message"), [
    ('{"lung_metastasis_count": 017}', "not valid JSON"),
    ('{"histology": "osteosarcoma", "histology": "leiomyosarcoma"}', "duplicate key 'histology'"),
    ('{"lung_metastasis_count": NaN}', "NaN is not a number JSON allows"),
    ('{"lung_metastasis_count": Infinity}', "Infinity is not a number JSON allows"),
    ("lung_metastasis_count: 2", "not valid JSON"),
])
def test_json_files_are_parsed_as_json(tmp_path: Path, text: str, message: str) -> None:
    code, _, err = compare(tmp_path, text, "p.json")
    assert code == 2 and message in err


def test_json_keeps_line_numbers_and_reads_numbers_as_json_does(tmp_path: Path) -> None:
    data = parse_document('{\n  "id": "00123",\n  "lung_metastasis_count": 10\n}', "p.json")
    assert data == {"id": "00123", "lung_metastasis_count": 10}
    assert data.mark_of("lung_metastasis_count") == (3, 3)
    code, _, err = compare(tmp_path, '{\n "histology": "lms",\n "lung_metastasis_count": "x"\n}',
                           "p.json")
    assert code == 2 and "p.json:3:2: field 'lung_metastasis_count'" in err
    with pytest.raises(InputError):  # a JSON file is never read as YAML
        parse_document("a: 1", "p.json")


# -- rule files --------------------------------------------------------------------------

@pytest.fixture
def rules(tmp_path: Path) -> Path:
    target = tmp_path / "rules"
    shutil.copytree(bundled_rules_dir(), target, ignore=shutil.ignore_patterns("__*", "*.py"))
    return target


@pytest.mark.parametrize(("old", "new", "message"), [
    ("value: 39.0", "value: .nan", "must be a finite number, got nan"),
    ("value: 39.0", "value: .inf", "must be a finite number, got inf"),
    ('op: ">=", value: 15, unit: mm}', 'op: ">=", value: .nan, unit: mm}',
     "threshold for 'lung_metastasis_max_diameter' must be a finite number"),
    ('op: ">=", value: 15, unit: mm}', 'op: ">=", value: ' + "9" * 400 + ", unit: mm}",
     "must be a finite number"),
])
def test_rule_values_must_be_finite(rules: Path, old: str, new: str, message: str) -> None:
    path = rules / "slms.yaml"
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new, 1))
    code, out, err = run("rules", "check", str(rules))
    assert code == 1 and message in out
    code, _, err = run("compare", "--rules", str(rules), str(DEMO))
    assert code == 2 and message in err


def test_an_impossible_reviewed_date_in_a_rule_file_is_exit_2(rules: Path) -> None:
    path = rules / "liu-2022.yaml"
    text = path.read_text()
    line = next(n for n, t in enumerate(text.splitlines(), 1) if t.startswith("reviewed:"))
    path.write_text("\n".join("reviewed: 2021-02-29" if t.startswith("reviewed:") else t
                              for t in text.splitlines()) + "\n")
    code, _, err = run("compare", "--rules", str(rules), str(DEMO))
    assert code == 2
    assert f"liu-2022.yaml:{line}:1: reviewed: must be a date (YYYY-MM-DD), got " \
        "'2021-02-29'" in err
