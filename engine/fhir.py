"""The comparison as a FHIR R4 Bundle (type collection): a Patient and RiskAssessments.

Built from the comparison's results (structure in, plain data out), with its
words from the text layer. The Bundle holds one Patient resource, one
RiskAssessment per applicable study and, when a study does not apply, an
OperationOutcome with one issue per such study saying why; each RiskAssessment references that
Patient, has an id unique per patient and rule set, a status (final when
complete, preliminary when incomplete), method (rule set id and version) and
basis (the citation, with its DOI).

Only figures that describe the patient's own score, treatment group or
subgroup become `prediction`s, and at most one per outcome and horizon
(score, then group, then subgroup: the group's figure is preferred to a
small-number subgroup's). Everything else goes into `note` saying whom it
describes: a subgroup's figure at a horizon the group already has, a histology
group's, the whole cohort's, the options of undecided treatments, and the
study's own warnings. A study whose figures assume a treatment (SLMS: if
pulmonary metastasectomy) says so in each prediction's rationale and in a
note. A median is the time at which half the cohort was alive: probability
0.5 at that many months. Tests validate every resource with fhir.resources
(R4 classes).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from . import text as words
from .model import Estimate
from .results import Result

if TYPE_CHECKING:
    from .comparison import Comparison

SYSTEM = "urn:prognosis-comparator:rule-set"
PATIENT_SYSTEM = "urn:prognosis-comparator:patient-id"
UCUM = "http://unitsofmeasure.org"
NAMESPACE = uuid.UUID("6f1c2d0e-5b1a-4c38-9a57-2e0f6b7c9d41")  # fixed: stable fullUrls
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
ALIVE = {"disease_free_survival": "alive and disease-free",
         "post_relapse_survival": "alive", "overall_survival": "alive"}
SCOPE_RANK = {"score": 0, "group": 1, "subgroup": 2}


def _months(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "months", "system": UCUM, "code": "mo"}


def _prediction(e: Estimate, result: Result) -> dict[str, Any]:
    state = ALIVE.get(e.endpoint, "event-free")
    endpoint = e.endpoint.replace("_", " ")
    months: float | int
    if e.statistic == "median_months":
        months = e.value
        outcome = (f"{state} at {words.number(months)} months after {e.origin} (median "
                   f"{endpoint}: half of the study's patients were {state} then)")
        probability = 0.5
    else:
        months = e.horizon_months or 0
        outcome = f"{state} at {e.horizon_months} months after {e.origin} ({endpoint})"
        probability = round(e.value / 100, 6)
    rationale = (f"{e.label}, as published ({e.provenance}); describes "
                 f"{words.scope_phrase(e, result)}")
    if e.method:
        rationale += f"; {e.method}"
    if result.conditional_on:
        rationale += f"; assumes {words.conditional_phrase(result.conditional_on)[3:]}"
    return {"outcome": {"text": outcome}, "probabilityDecimal": probability,
            "whenRange": {"high": _months(months)},
            "rationale": rationale}


def predictions_and_rest(result: Result) -> tuple[list[Estimate], list[Estimate]]:
    """The patient's own figures, one per outcome and horizon, and the ones left for notes."""
    chosen: dict[tuple[str, str, int | None], Estimate] = {}
    rest: list[Estimate] = []
    for e in sorted(result.estimates, key=lambda x: SCOPE_RANK.get(x.scope, 9)):
        key = (e.endpoint, e.statistic, e.horizon_months)
        if e.scope in SCOPE_RANK and key not in chosen:
            chosen[key] = e
        else:
            rest.append(e)
    own = [e for e in result.estimates if e in chosen.values()]
    return own, [e for e in result.estimates if e in rest]


def _figure(e: Estimate, result: Result) -> str:
    return f"{words.estimate_phrase(e)} ({words.scope_phrase(e, result)})"


def _factor_note(result: Result) -> str | None:
    parts = []
    for f in result.factors:
        if f.role == "covariate" and f.present is not True:
            continue
        effect = f.effects[0] if f.effects else None
        size = f" ({effect.measure} {words.number(effect.value)})" if effect else ""
        parts.append(f"{f.label}{size}: {words.PRESENCE[f.present]}")
    return "Factors: " + "; ".join(parts) if parts else None


def _notes(result: Result, rest: Sequence[Estimate], units: Mapping[str, str],
           notes_of: Mapping[str, str]) -> list[str]:
    notes = []
    if result.rule_set_status in words.UNOFFICIAL:
        notes.append(f"This rule set is a {result.rule_set_status}.")
    if result.conditional_on:
        notes.append("Conditional: the study applies "
                     + words.conditional_phrase(result.conditional_on) + " ("
                     + "; ".join(a.reason or a.label for a in result.conditional_on) + ").")
    if result.status == "incomplete":
        text = "Incomplete: " + "; ".join(result.reasons)
        if result.score_range:
            low, high = result.score_range
            text += f". Score {low}-{high} of {result.max_score} over every completion"
        if result.candidate_estimates:
            text += ". Possible: " + "; ".join(
                f"if {e.selector.value}: {e.label} {words.number(e.value)}"
                + ("%" if e.statistic == "survival_percent" else " months")
                for e in result.candidate_estimates)
        notes.append(text + ".")
    elif result.score is not None:
        notes.append(f"Score {result.score} of {result.max_score}.")
    if result.group and not result.options:
        notes.append(f"Treatment group: {result.group_label}"
                     + (f" (subgroup {result.subgroup})" if result.subgroup else "") + ".")
    for option in result.options:
        figures = "; ".join(_figure(e, result) for e in option.estimates) or "no figure"
        notes.append(f"Option {words.option_heading(option)}: {figures}.")
    factors = _factor_note(result)
    if factors:
        notes.append(factors + ".")
    if rest:
        notes.append("Figures that are not the patient's own score or group: "
                     + "; ".join(_figure(e, result) for e in rest) + ".")
    if result.reference_estimates:
        notes.append("Whole-cohort figures (not this patient's): " + "; ".join(
            f"{words.estimate_phrase(e)} ({e.selector.value})"
            for e in result.reference_estimates) + ".")
    notes += [f"{words.WARNING_LABEL[w.kind].capitalize()}: {w.text}"
              for w in words.warnings(result, units, notes_of)
              if w.kind not in ("status",)]
    return notes


def _patient(patient_id: str | None) -> tuple[str, dict[str, Any]]:
    """The Patient resource's id and the resource (the given id kept as an identifier)."""
    if patient_id and _FHIR_ID.match(patient_id):
        fhir_id = patient_id
    else:
        fhir_id = "patient-" + uuid.uuid5(NAMESPACE, patient_id or "").hex[:16]
    resource: dict[str, Any] = {"resourceType": "Patient", "id": fhir_id}
    if patient_id:
        resource["identifier"] = [{"system": PATIENT_SYSTEM, "value": patient_id}]
    return fhir_id, resource


def _assessment_id(patient_fhir_id: str, rule_set: str) -> str:
    candidate = f"{patient_fhir_id}-{rule_set}"
    if _FHIR_ID.match(candidate):
        return candidate
    return "ra-" + uuid.uuid5(NAMESPACE, candidate).hex


def _left_out(patient_fhir_id: str, excluded: Sequence[Result]) -> dict[str, Any]:
    """An OperationOutcome naming each study that does not apply and why: where a reader
    finds the reasons even when no study applies (and so no RiskAssessment carries them)."""
    issues = [{"severity": "information", "code": "informational",
               "details": {"coding": [{"system": SYSTEM, "version": r.version,
                                       "code": r.rule_set, "display": r.title}],
                           "text": f"{r.short_name} {r.year} does not apply to this patient: "
                                   + "; ".join(r.reasons)}}
              for r in excluded]
    resource_id = f"{patient_fhir_id}-not-applicable"
    if not _FHIR_ID.match(resource_id):
        resource_id = "oo-" + uuid.uuid5(NAMESPACE, resource_id).hex
    return {"fullUrl": f"urn:uuid:{uuid.uuid5(NAMESPACE, 'OperationOutcome/' + resource_id)}",
            "resource": {"resourceType": "OperationOutcome", "id": resource_id,
                         "issue": issues}}


def fhir_bundle(comparison: Comparison, created: str) -> dict[str, Any]:
    """A FHIR R4 Bundle (collection) from a comparison; `created` is an ISO instant."""
    from .document import DISCLAIMER

    patient = comparison.patient
    units, notes_of = comparison.units(), dict(patient.notes)
    excluded = [r for r in comparison.results if r.status == "not_applicable"]
    left_out = ("Not applicable to this patient, so left out: " + "; ".join(
        f"{r.short_name} {r.year} ({'; '.join(r.reasons)})" for r in excluded) + "."
        if excluded else None)
    fhir_id, patient_resource = _patient(patient.id)
    patient_url = f"urn:uuid:{uuid.uuid5(NAMESPACE, 'Patient/' + fhir_id)}"
    subject = {"reference": patient_url, "display": patient.id or "patient (no id given)"}
    entries: list[dict[str, Any]] = [{"fullUrl": patient_url, "resource": patient_resource}]
    for r in comparison.results:
        if r.status == "not_applicable":
            continue
        own, rest = predictions_and_rest(r)
        notes = _notes(r, rest, units, notes_of)
        if left_out:
            notes.append(left_out)
        notes.append(DISCLAIMER)
        method = {"coding": [{"system": SYSTEM, "version": r.version, "code": r.rule_set,
                              "display": r.title}],
                  "text": f"{r.short_name} {r.year} (rule set {r.rule_set} {r.version})"}
        basis: dict[str, Any] = {"display": r.citation}
        if r.doi:
            basis["identifier"] = {"system": "https://doi.org", "value": r.doi}
        resource: dict[str, Any] = {
            "resourceType": "RiskAssessment", "id": _assessment_id(fhir_id, r.rule_set),
            # final only when nothing is missing and no undecided treatment is assumed
            "status": "final" if r.status == "complete" and not r.conditional_on
            and not r.options else "preliminary",
            "subject": subject, "method": method, "basis": [basis],
            "note": [{"text": n} for n in notes]}
        if own:
            resource["prediction"] = [_prediction(e, r) for e in own]
        name = f"{patient.id or 'patient'}/{r.rule_set}/{r.version}"
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}",
                        "resource": resource})
    if excluded:
        entries.append(_left_out(fhir_id, excluded))
    bundle: dict[str, Any] = {"resourceType": "Bundle"}
    bundle_id = f"prognosis-{fhir_id}"
    if _FHIR_ID.match(bundle_id):
        bundle["id"] = bundle_id
    bundle.update({"type": "collection", "timestamp": created, "entry": entries})
    return bundle
