"""One patient compared under the selected rule sets, with everything that explains it.

`compare_patient` evaluates the patient and derives the disagreement panel and
the near-cut-off flags; `Comparison.document()` is the `compare --format json`
document. The CLI, the what-if view, the reports and the FHIR bundle all start
from a `Comparison`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from .disagreements import Disagreement, find_disagreements
from .document import comparison_document
from .evaluate import Comparator
from .fields import FieldDictionary
from .model import RuleSet
from .near_cutoffs import NearCutoff, find_near_cutoffs
from .patient import Patient
from .results import Result


@dataclass(frozen=True, eq=False)
class Comparison:
    patient: Patient
    rule_sets: tuple[RuleSet, ...]
    results: tuple[Result, ...]
    disagreements: tuple[Disagreement, ...]
    near_cutoffs: tuple[NearCutoff, ...]
    margins: Mapping[str, float]
    fields: FieldDictionary

    def units(self) -> dict[str, str]:
        return {name: unit for name in self.patient.values
                if (unit := self.fields[name].canonical_unit)}

    def inputs(self) -> list[str]:
        """The inputs as given and as understood, for the human formats."""
        from .text import inputs_lines

        return inputs_lines(self.patient, self.fields)

    def document(self) -> dict[str, Any]:
        return comparison_document(self.patient, self.results, self.fields,
                                   rule_sets=self.rule_sets, disagreements=self.disagreements,
                                   near_cutoffs=self.near_cutoffs, margins=self.margins)


def compare_patient(comparator: Comparator, patient: Patient, fields: FieldDictionary,
                    margins: Mapping[str, float]) -> Comparison:
    selected = comparator.rule_sets
    results = tuple(comparator.evaluate(patient))
    disagreements = find_disagreements(selected, results, fields, patient.values, patient.given)
    near = find_near_cutoffs(comparator, selected, results, patient, fields, margins)
    return Comparison(patient, selected, results, tuple(disagreements), tuple(near),
                      dict(margins), fields)
