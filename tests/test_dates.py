"""Dates: the disease-free interval derived from primary_resection_date and
lung_metastasis_diagnosis_date (the SLMS definition), and every error around it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from clirun import DATED, run

from prognosis.engine.errors import InputError
from prognosis.engine.loader import RuleLibrary
from prognosis.engine.patient import Patient, derive_fields, normalise

TODAY = dt.date(2026, 6, 1)


def patient(library: RuleLibrary, **fields: object) -> Patient:
    return normalise(fields, library.fields, "dates.yaml")


def problems_of(library: RuleLibrary, **fields: object) -> list[str]:
    with pytest.raises(InputError) as caught:
        patient(library, **fields)
    return [str(p) for p in caught.value.problems]


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGNOSIS_TODAY", TODAY.isoformat())


def test_interval_is_derived_in_days_from_the_two_dates(library: RuleLibrary) -> None:
    p = patient(library, primary_resection_date="2022-06-01",
                lung_metastasis_diagnosis_date="2024-05-01")
    assert p.values["disease_free_interval"] == (dt.date(2024, 5, 1) - dt.date(2022, 6, 1)).days
    assert p.values["disease_free_interval"] == 700.0
    assert "lung_metastasis_diagnosis_date - primary_resection_date" in \
        p.derived["disease_free_interval"]
    assert p.values["primary_resection_date"] == "2022-06-01"


def test_yaml_dates_and_iso_text_are_the_same(library: RuleLibrary) -> None:
    a = patient(library, primary_resection_date=dt.date(2020, 1, 1),
                lung_metastasis_diagnosis_date=dt.date(2021, 1, 1))
    b = patient(library, primary_resection_date="2020-01-01",
                lung_metastasis_diagnosis_date="2021-01-01")
    assert a.values == b.values
    assert a.values["disease_free_interval"] == 366.0  # 2020 is a leap year


@pytest.mark.parametrize(("end", "dfi_factor"), [
    ("2023-12-31", True),    # 729 days: under 2 years
    ("2024-01-01", False),   # 730 days: exactly the SLMS cut-off, not under
    ("2024-01-02", False),   # 731 days
])
def test_derived_interval_lands_on_the_right_side_of_730_days(
        library: RuleLibrary, comparator: object, end: str, dfi_factor: bool) -> None:
    from prognosis.engine.evaluate import Comparator

    assert isinstance(comparator, Comparator)
    p = patient(library, primary_resection_date="2022-01-01", lung_metastasis_diagnosis_date=end,
                lung_metastasis_count=2, lung_metastasis_max_diameter="10 mm")
    slms = next(r for r in comparator.evaluate(p) if r.rule_set == "slms")
    assert slms.factor("dfi_under_2_years").present is dfi_factor


def test_one_date_alone_derives_nothing(library: RuleLibrary) -> None:
    p = patient(library, primary_resection_date="2022-06-01")
    assert "disease_free_interval" not in p.values
    assert "disease_free_interval" not in p.derived


def test_a_given_interval_that_agrees_within_a_day_is_kept(library: RuleLibrary) -> None:
    p = patient(library, primary_resection_date="2022-06-01",
                lung_metastasis_diagnosis_date="2024-05-01", disease_free_interval="23 months")
    assert p.values["disease_free_interval"] == pytest.approx(700.0625)
    assert "disease_free_interval" not in p.derived


def test_a_given_interval_that_disagrees_by_more_than_a_day_names_both(
        library: RuleLibrary) -> None:
    [message] = problems_of(library, primary_resection_date="2022-06-01",
                            lung_metastasis_diagnosis_date="2024-05-01",
                            disease_free_interval="702 days")
    assert "field 'disease_free_interval'" in message
    assert "primary_resection_date 2022-06-01" in message
    assert "lung_metastasis_diagnosis_date 2024-05-01" in message
    assert "differ by 2 days" in message


def test_metastases_found_before_the_resection_give_a_dfi_of_zero(library: RuleLibrary) -> None:
    """Metastatic at diagnosis: the SLMS admitted such patients with a DFI of 0 days."""
    p = patient(library, primary_resection_date="2023-01-01",
                lung_metastasis_diagnosis_date="2022-12-31")
    assert p.values["disease_free_interval"] == 0.0
    assert p.derived["disease_free_interval"] == (
        "0 days: lung_metastasis_diagnosis_date 2022-12-31 is before primary_resection_date "
        "2023-01-01 (metastases found before the primary was resected)")


def test_a_synchronous_dfi_agrees_with_a_given_zero(library: RuleLibrary) -> None:
    p = patient(library, primary_resection_date="2023-01-01",
                lung_metastasis_diagnosis_date="2022-11-30", disease_free_interval="0 days")
    assert p.values["disease_free_interval"] == 0.0
    [message] = problems_of(library, primary_resection_date="2023-01-01",
                            lung_metastasis_diagnosis_date="2022-11-30",
                            disease_free_interval="30 days")
    assert "is given as 30 days but" in message


def test_same_day_is_an_interval_of_zero(library: RuleLibrary) -> None:
    p = patient(library, primary_resection_date="2023-01-01",
                lung_metastasis_diagnosis_date="2023-01-01")
    assert p.values["disease_free_interval"] == 0.0


def test_a_date_in_the_future_is_an_error_even_alone(library: RuleLibrary) -> None:
    [message] = problems_of(library, lung_metastasis_diagnosis_date="2026-06-02")
    assert "field 'lung_metastasis_diagnosis_date'" in message
    assert "in the future (today is 2026-06-01)" in message
    assert patient(library, lung_metastasis_diagnosis_date="2026-06-01")  # today is fine


def test_today_is_a_parameter_of_derive_fields(library: RuleLibrary) -> None:
    values = {"primary_resection_date": "2030-01-01"}
    assert derive_fields(dict(values), {}, library.fields, today=dt.date(2031, 1, 1)) == []
    [problem] = derive_fields(dict(values), {}, library.fields, today=dt.date(2029, 1, 1))
    assert problem.field == "primary_resection_date"


@pytest.mark.parametrize("raw", ["01/06/2022", "2022-13-01", "yesterday", 20220601,
                                 dt.datetime(2022, 6, 1, 10, 0)])
def test_a_bad_date_says_what_is_allowed(library: RuleLibrary, raw: object) -> None:
    [message] = problems_of(library, primary_resection_date=raw)
    assert "field 'primary_resection_date'" in message
    assert "YYYY-MM-DD" in message


def test_the_interval_reads_only_its_declared_sources(library: RuleLibrary) -> None:
    dfi = library.fields["disease_free_interval"]
    assert dfi.sources == ("primary_resection_date", "lung_metastasis_diagnosis_date",
                           "disease_free_interval")
    assert dfi in library.fields.derived_fields()
    assert "treatment_free_interval" not in [f.name for f in library.fields.derived_fields()]
    values = {"primary_resection_date": "2022-06-01",
              "lung_metastasis_diagnosis_date": "2024-05-01"}
    derived: dict[str, str] = {}
    assert derive_fields(values, derived, library.fields) == []
    assert values["disease_free_interval"] == 700.0


def test_a_rule_cannot_compare_a_date(tmp_path: Path) -> None:
    from prognosis.engine.checks import run_checks
    from prognosis.engine.checks.collect import collect
    from prognosis.engine.loader import bundled_rules_dir

    text = (bundled_rules_dir() / "slms.yaml").read_text()
    text = text.replace('field: disease_free_interval, op: "<", value: 2, unit: years, '
                        'same_as: {value: 730, unit: days}',
                        'field: primary_resection_date, op: "==", value: "2020-01-01"')
    (tmp_path / "slms.yaml").write_text(text)
    findings = run_checks(collect([tmp_path / "slms.yaml"]))
    assert any(f.check == "operator-type" and "is a date" in f.message for f in findings)


# --- the command line ---------------------------------------------------------


PATIENT = DATED


def test_derived_interval_is_shown_as_derived_in_every_format() -> None:
    code, out, _ = run("compare", "-", "--format", "json", stdin=PATIENT)
    assert code == 0
    doc = json.loads(out)
    assert doc["patient"]["disease_free_interval"] == 700.0
    assert doc["derived"]["disease_free_interval"].startswith("lung_metastasis_diagnosis_date")
    assert doc["given"]["primary_resection_date"] == "2022-06-01"
    for fmt in ("table", "markdown"):
        code, out, _ = run("compare", "-", "--format", fmt, stdin=PATIENT)
        assert code == 0
        assert "disease_free_interval: 700 days (derived: lung" in " ".join(
            out.replace("\\_", "_").split())


def test_disagreeing_interval_exits_2_naming_both() -> None:
    code, _, err = run("compare", "-", stdin=PATIENT + "disease_free_interval: 12 months\n")
    assert code == 2
    # The line of the given interval (line 8 of the file), the field, and both dates.
    assert "<stdin>:8: field 'disease_free_interval'" in err
    assert "primary_resection_date 2022-06-01" in err and "lung_metastasis_diagnosis_date" in err
    assert "Traceback" not in err


def test_future_date_exits_2(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGNOSIS_TODAY", "2024-01-01")
    code, _, err = run("compare", "-", stdin=PATIENT)
    assert code == 2
    assert "2024-05-01 is in the future (today is 2024-01-01)" in err


def test_bad_today_setting_is_bad_input(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PROGNOSIS_TODAY", "tomorrow")
    code, _, err = run("compare", "-", stdin=PATIENT)
    assert code == 2
    assert "PROGNOSIS_TODAY" in err


def test_treatment_free_interval_is_never_derived(make_patient: Callable[..., Patient]) -> None:
    p = make_patient(primary_resection_date="2022-06-01",
                     lung_metastasis_diagnosis_date="2024-05-01")
    assert "treatment_free_interval" not in p.values
