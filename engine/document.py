"""The comparison as one plain JSON-ready document (the `compare --format json` contract)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from .fields import FieldDictionary
from .patient import Patient
from .results import Result

DISCLAIMER = ("Research and teaching aid: it shows what published cohorts observed. "
              "It is not medical advice and does not predict an individual's outcome.")


def comparison_document(patient: Patient, results: Sequence[Result],
                        fields: FieldDictionary) -> dict[str, Any]:
    units = {name: fields[name].canonical_unit for name in patient.values
             if fields[name].canonical_unit}
    return {
        "patient": dict(patient.values),
        "patient_id": patient.id,
        "units": units,
        "given": dict(patient.given),
        "derived": dict(patient.derived),
        "results": [r.to_dict() for r in results],
        "disclaimer": DISCLAIMER,
    }
