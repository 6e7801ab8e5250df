"""The comparison as a FHIR R4 Bundle (type collection) of RiskAssessment resources.

Built from the compare document (plain data in, plain data out). One
RiskAssessment per applicable study: status (final when complete,
preliminary when incomplete), subject (the patient id), method (rule set id
and version), basis (the citation, with its DOI), and one prediction per
survival estimate: the outcome says the endpoint, time origin and horizon, the
probability of being alive (or disease-free) at the horizon is a fraction, and
`whenRange.high` is the horizon in months. A median is the time at which half
the cohort was alive: probability 0.5 at that many months. Studies that do not
apply are left out and named in a note; an incomplete one gives its score
range and possible estimates in a note. Tests validate every resource with
the fhir.resources library (R4 classes).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Mapping
from typing import Any

SYSTEM = "urn:prognosis-comparator:rule-set"
UCUM = "http://unitsofmeasure.org"
NAMESPACE = uuid.UUID("6f1c2d0e-5b1a-4c38-9a57-2e0f6b7c9d41")  # fixed: stable fullUrls
_FHIR_ID = re.compile(r"^[A-Za-z0-9\-.]{1,64}$")
ALIVE = {"disease_free_survival": "alive and disease-free",
         "post_relapse_survival": "alive", "overall_survival": "alive"}


def _months(value: float) -> dict[str, Any]:
    return {"value": value, "unit": "months", "system": UCUM, "code": "mo"}


def _number(value: float) -> str:
    return f"{value:g}"


def _prediction(e: Mapping[str, Any]) -> dict[str, Any]:
    state = ALIVE.get(e["endpoint"], "event-free")
    endpoint = e["endpoint"].replace("_", " ")
    if e["statistic"] == "median_months":
        months = e["value"]
        outcome = (f"{state} at {_number(months)} months after {e['origin']} (median "
                   f"{endpoint}: half of the study's patients were {state} then)")
        probability = 0.5
    else:
        months = e["horizon_months"]
        outcome = f"{state} at {months} months after {e['origin']} ({endpoint})"
        probability = round(e["value"] / 100, 6)
    rationale = f"{e['label']}, as published ({e['provenance']})"
    if e.get("method"):
        rationale += f"; {e['method']}"
    return {"outcome": {"text": outcome}, "probabilityDecimal": probability,
            "whenRange": {"high": _months(months)}, "rationale": rationale}


def _subject(patient_id: str | None) -> dict[str, Any]:
    if patient_id and _FHIR_ID.match(patient_id):
        return {"reference": f"Patient/{patient_id}", "display": patient_id}
    return {"display": patient_id or "patient (no id given)"}


def _factor_note(result: Mapping[str, Any]) -> str | None:
    held = {True: "present", False: "absent", None: "unknown"}
    parts = []
    for f in result["factors"]:
        if f["role"] == "covariate" and f["present"] is not True:
            continue
        effect = f["effect"]
        size = f" ({effect['measure']} {_number(effect['value'])})" if effect else ""
        parts.append(f"{f['label']}{size}: {held[f['present']]}")
    return "Factors: " + "; ".join(parts) if parts else None


def _assessment(result: Mapping[str, Any], document: Mapping[str, Any],
                left_out: str | None) -> dict[str, Any]:
    method = {"coding": [{"system": SYSTEM, "version": result["version"],
                          "code": result["rule_set"], "display": result["title"]}],
              "text": f"{result['short_name']} {result['year']} (rule set "
                      f"{result['rule_set']} {result['version']})"}
    basis: dict[str, Any] = {"display": result["citation"]}
    if result["doi"]:
        basis["identifier"] = {"system": "https://doi.org", "value": result["doi"]}
    notes = []
    if result["status"] == "incomplete":
        text = "Incomplete: " + "; ".join(result["reasons"])
        if result["score_range"]:
            low, high = result["score_range"]
            text += f". Score {low}-{high} of {result['max_score']} over every completion"
        if result["candidate_estimates"]:
            text += ". Possible: " + "; ".join(
                f"if {next(iter(e['for'].values()))}: {e['label']} {_number(e['value'])}"
                + ("%" if e["statistic"] == "survival_percent" else " months")
                for e in result["candidate_estimates"])
        notes.append(text + ".")
    elif result["score"] is not None:
        notes.append(f"Score {result['score']} of {result['max_score']}.")
    if result["group"]:
        notes.append(f"Treatment group: {result['group_label']}"
                     + (f" (subgroup {result['subgroup']})" if result["subgroup"] else "") + ".")
    factors = _factor_note(result)
    if factors:
        notes.append(factors + ".")
    if not result["estimates"] and result["reference_estimates"]:
        notes.append("No survival figure is published for patients like this one; whole-cohort "
                     "figures: " + "; ".join(f"{e['label']} {_number(e['value'])}"
                                             for e in result["reference_estimates"]) + ".")
    notes += [f"Caveat: {c['message']}" for c in result["caveats"] if c["present"] is True]
    if left_out:
        notes.append(left_out)
    notes.append(document["disclaimer"])
    resource: dict[str, Any] = {
        "resourceType": "RiskAssessment", "id": result["rule_set"],
        "status": "final" if result["status"] == "complete" else "preliminary",
        "subject": _subject(document["patient_id"]),
        "method": method, "basis": [basis],
        "note": [{"text": n} for n in notes],
    }
    predictions = [_prediction(e) for e in result["estimates"]]
    if predictions:
        resource["prediction"] = predictions
    return resource


def fhir_bundle(document: Mapping[str, Any], created: str) -> dict[str, Any]:
    """A FHIR R4 Bundle (collection) from a compare document; `created` is an ISO instant."""
    results = document["results"]
    excluded = [r for r in results if r["status"] == "not_applicable"]
    left_out = ("Not applicable to this patient, so left out: " + "; ".join(
        f"{r['short_name']} {r['year']} ({'; '.join(r['reasons'])})" for r in excluded) + "."
        if excluded else None)
    patient = document["patient_id"] or "patient"
    entries = []
    for r in results:
        if r["status"] == "not_applicable":
            continue
        name = f"{patient}/{r['rule_set']}/{r['version']}"
        entries.append({"fullUrl": f"urn:uuid:{uuid.uuid5(NAMESPACE, name)}",
                        "resource": _assessment(r, document, left_out)})
    bundle_id = f"prognosis-{patient}" if _FHIR_ID.match(f"prognosis-{patient}") else None
    bundle: dict[str, Any] = {"resourceType": "Bundle", "type": "collection",
                              "timestamp": created, "entry": entries}
    if bundle_id:
        bundle = {"resourceType": "Bundle", "id": bundle_id,
                  **{k: v for k, v in bundle.items() if k != "resourceType"}}
    return bundle
