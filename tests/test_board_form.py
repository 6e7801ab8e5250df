"""The board's form as data: what each kind of field turns into in a patient file."""

from __future__ import annotations

import pytest

from prognosis.cli.board import form
from prognosis.engine.loader import load_library

FIELDS = load_library().fields


def test_units_offer_one_name_per_unit_smallest_first() -> None:
    assert form.units(FIELDS["lung_metastasis_max_diameter"]) == ["mm", "cm"]
    assert form.units(FIELDS["disease_free_interval"]) == ["days", "weeks", "months", "years"]
    assert form.units(FIELDS["lung_metastasis_count"]) == []


@pytest.mark.parametrize(("name", "entry", "raw"), [
    ("lung_metastasis_max_diameter", form.FieldEntry(text="1.7", unit="cm"), "1.7 cm"),
    ("lung_metastasis_max_diameter", form.FieldEntry(text="17 mm", unit="cm"), "17 mm"),
    ("lung_metastasis_max_diameter", form.FieldEntry(text="17"), "17"),  # the engine refuses
    ("lung_metastasis_count", form.FieldEntry(text="6"), 6),
    ("alkaline_phosphatase", form.FieldEntry(text="250.5"), 250.5),
    ("chemotherapy", form.FieldEntry(choice="yes"), True),
    ("chemotherapy", form.FieldEntry(choice="no"), False),
    ("chemotherapy", form.FieldEntry(), None),  # undecided: left out
    ("histology", form.FieldEntry(choice="leiomyosarcoma"), "leiomyosarcoma"),
    ("primary_resection_date", form.FieldEntry(text=" 2024-05-01 "), "2024-05-01"),
])
def test_an_entry_is_written_as_a_patient_file_holds_it(
        name: str, entry: form.FieldEntry, raw: object) -> None:
    assert form.raw_value(FIELDS[name], entry) == raw
    if raw is not None:
        assert form.raw_value(FIELDS[name], form.entry_for(FIELDS[name], raw)) == raw


def test_a_synonym_read_from_a_file_is_kept_as_given() -> None:
    fdef = FIELDS["histology"]
    entry = form.entry_for(fdef, "MFH")
    assert form.raw_value(fdef, entry) == "MFH"
    assert form.choices(fdef, "MFH")[-1] == form.Choice("MFH", "MFH (as given)")
    assert form.Choice("leiomyosarcoma", "leiomyosarcoma (lms)") in form.choices(fdef)


def test_a_treatment_is_undecided_a_fact_unknown() -> None:
    assert form.absent_label(FIELDS["metastasectomy"]) == "undecided"
    assert form.absent_label(FIELDS["bone_metastases"]) == "unknown"
    assert [c.label for c in form.choices(FIELDS["chemotherapy"])] == [
        "yes (chemotherapy)", "no (no chemotherapy)"]
