"""The comparison as one plain JSON-ready document (the `compare --format json` contract)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from .fields import FieldDictionary
from .patient import Patient
from .results import Result

if TYPE_CHECKING:
    from .disagreements import Disagreement
    from .model import RuleSet
    from .near_cutoffs import NearCutoff

DISCLAIMER = ("Research and teaching aid: it shows what published cohorts observed. "
              "It is not medical advice and does not predict an individual's outcome.")
TOOL = "prognosis-comparator"


def rule_set_metadata(rule_sets: Sequence[RuleSet]) -> list[dict[str, Any]]:
    """Id, version, lifecycle status and content hash (sha256 of the file) of each rule set."""
    return [{"id": rs.id, "version": rs.version, "status": rs.status,
             "reviewed": rs.reviewed.isoformat(), "sha256": rs.sha256,
             "citation": rs.citation.format(), "doi": rs.citation.doi} for rs in rule_sets]


def comparison_document(patient: Patient, results: Sequence[Result],
                        fields: FieldDictionary, *,
                        rule_sets: Sequence[RuleSet] = (),
                        disagreements: Sequence[Disagreement] = (),
                        near_cutoffs: Sequence[NearCutoff] = (),
                        margins: Mapping[str, float] | None = None) -> dict[str, Any]:
    """The per-rule-set `results` are exactly Result.to_dict(); what explains the comparison
    (disagreements, near cut-offs, rule-set metadata) sits beside them at the top level."""
    from .loader import VERSION

    units = {name: fields[name].canonical_unit for name in patient.values
             if fields[name].canonical_unit}
    return {
        "patient": dict(patient.values),
        "patient_id": patient.id,
        "units": units,
        "given": dict(patient.given),
        "derived": dict(patient.derived),
        "results": [r.to_dict() for r in results],
        "disagreements": [d.to_dict() for d in disagreements],
        "near_cutoffs": [n.to_dict() for n in near_cutoffs],
        "margins": dict(margins or {}),
        "rule_sets": rule_set_metadata(rule_sets),
        "tool": {"name": TOOL, "version": VERSION},
        "disclaimer": DISCLAIMER,
    }
