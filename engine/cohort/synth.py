"""A synthetic cohort for demos, tests and benchmarks. SYNTHETIC: not patients, not evidence.

Every row carries `synthetic = true`. Rows are drawn from four populations, so
that every study's population appears:

- 45% pulmonary metastases of several histologies (the SLMS population):
  disease-free interval log-normal with the SLMS median of 369 days (0 days
  when the metastases were synchronous); largest nodule log-normal with the
  SLMS median 15 mm and IQR 9.25-27.75 mm; number of nodules with median 3 and
  IQR 1-5 (Yamamoto 2021, Results);
- 15% osteosarcoma relapsing in the lung (Liu 2022), with alkaline
  phosphatase and its upper limit of normal;
- 25% synchronous extremity soft-tissue sarcoma with the NCDB treatments
  (Abugideiri 2022);
- 15% leiomyosarcoma with bone metastases, some with a pathologic fracture
  (LiBrizzi 2022).

Half of the rows outside the lung populations say they have no pulmonary
metastases (count 0: the lung studies do not apply), the rest leave it blank.

Documented rates: each rule input is blank (unknown) in 5% of rows; 20% of
nodule diameters are written in cm ("1.8 cm") and 15% of intervals in months
("14 months"); exact cut-off values are planted: DFI of exactly 730 days (4%),
a nodule of exactly 15 mm or "2 cm" (4% and 2%), exactly 6 nodules (4%),
alkaline phosphatase of exactly 2x the ULN (3%), a TFI of "12 months" (3%).
Length and duration columns declare their unit in the header
(`lung_metastasis_max_diameter [mm]`, `disease_free_interval [days]`), so their
bare numbers are never a guess.

Outcomes: `os_months` and `death` follow an exponential survival whose
36-month survival is the SLMS figure for the row's SLMS score (89.5, 63.2,
39.0, 10.5%); rows the SLMS does not score follow the whole SLMS cohort's
48.9%. The score is the engine's own (the rows are scored with the SLMS rule
set first). Follow-up is censored uniformly between 12 and 120 months, so
`prognosis validate --study slms` must recover the published figures.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping

import numpy as np
import pyarrow as pa

from ..fields import FieldDictionary
from ..model import RuleSet
from .raw import from_arrow
from .reader import check_header
from .scorer import CohortScorer

BLANK_RATE = 0.05
CM_RATE = 0.20
MONTHS_RATE = 0.15
CENSOR_MONTHS = (12.0, 120.0)
COUNT_P = {1: .30, 2: .15, 3: .12, 4: .10, 5: .10, 6: .06, 7: .05, 8: .04, 9: .03, 10: .03,
           12: .02}
HISTOLOGIES = {"leiomyosarcoma": .30, "synovial_sarcoma": .15,
               "undifferentiated_pleomorphic_sarcoma": .15, "liposarcoma": .10,
               "myxofibrosarcoma": .08, "angiosarcoma": .05,
               "malignant_peripheral_nerve_sheath_tumor": .05, "other": .12}
POPULATIONS = {"lung": .45, "osteosarcoma": .15, "extremity": .25, "lms_bone": .15}
# The unit of each length and duration column, declared once in its header: a bare number
# is in that unit, a cell with its own unit ("1.8 cm", "14 months") keeps it.
UNITS = {"lung_metastasis_max_diameter": "mm", "disease_free_interval": "days",
         "treatment_free_interval": "days", "primary_tumor_size": "mm"}


BATCH_ROWS = 50_000  # rows drawn, scored and written at a time: memory does not grow with n


def synthesize(n: int, seed: int, fields: FieldDictionary, slms: RuleSet) -> pa.Table:
    """n synthetic rows (same seed, same table), as one table (for small n)."""
    return pa.concat_tables(synthesize_batches(n, seed, fields, slms))


def synthesize_batches(n: int, seed: int, fields: FieldDictionary, slms: RuleSet,
                       batch_rows: int = BATCH_ROWS) -> Iterator[pa.Table]:
    """n synthetic rows in tables of at most `batch_rows` (same seed, same rows), drawn
    from one random stream, so a cohort of any size is written in bounded memory."""
    rng = np.random.default_rng(seed)
    scorer = CohortScorer(fields, [slms])
    for start in range(0, n, batch_rows):
        yield _batch(rng, min(batch_rows, n - start), start + 1, fields, slms, scorer)


def _batch(rng: np.random.Generator, n: int, first_id: int, fields: FieldDictionary,
           slms: RuleSet, scorer: CohortScorer) -> pa.Table:
    pop = rng.choice(list(POPULATIONS), size=n, p=list(POPULATIONS.values()))
    col: dict[str, np.ndarray] = {}
    lung, osteo, ext, bone = (pop == k for k in POPULATIONS)

    def pick(values: Mapping[str, float] | list[str], mask: np.ndarray,
             name: str) -> None:
        keys = list(values)
        p = list(values.values()) if isinstance(values, Mapping) else None
        col.setdefault(name, np.full(n, None, dtype=object))
        col[name][mask] = rng.choice(keys, size=int(mask.sum()), p=p)

    pick(HISTOLOGIES, lung | ext, "histology")
    col["histology"][osteo] = "osteosarcoma"
    col["histology"][bone] = "leiomyosarcoma"
    pick(["uterus", "extremity", "trunk", "retroperitoneum", "other"], lung | bone,
         "primary_site")
    col["primary_site"][ext] = "extremity"
    col["primary_site"][osteo] = "extremity"
    timing = _where(rng.random(n) < 0.16, "synchronous", "metachronous").astype(object)
    timing[ext], timing[osteo] = "synchronous", "metachronous"
    col["metastasis_timing"] = timing

    has_lung = lung | osteo
    count = rng.choice(list(COUNT_P), size=n, p=list(COUNT_P.values()))
    count[rng.random(n) < 0.04] = 6
    none_seen = ~has_lung & (rng.random(n) < 0.5)  # half the others: no lung metastases
    col["lung_metastasis_count"] = _where(has_lung, count.astype(str),
                                          _where(none_seen, "0", None))
    diameter = np.round(np.exp(rng.normal(math.log(15), 0.814, n)), 1).clip(3, 120)
    exact = rng.random(n)
    diameter[exact < 0.04] = 15.0
    diameter[(exact >= 0.04) & (exact < 0.06)] = 20.0
    in_cm = rng.random(n) < CM_RATE
    col["lung_metastasis_max_diameter"] = _where(
        ~has_lung, None, _where(in_cm, _text(diameter / 10, " cm"), _text(diameter, "")))
    col["lung_lobes_involved"] = _where(has_lung, np.minimum(count, rng.integers(1, 6, n))
                                          .astype(str), None)
    # Every patient here is metastatic (each has a metastasis timing): one with no lung
    # metastasis has them elsewhere (fields.yaml: metastasis_timing's contradicted_by).
    extra = (rng.random(n) < 0.25) | bone | none_seen
    col["extrapulmonary_metastases"] = _bools(extra)
    dfi = np.round(np.exp(rng.normal(math.log(369), 1.1, n))).clip(0, 8985)
    dfi[timing == "synchronous"] = 0
    dfi[rng.random(n) < 0.04] = 730
    col["disease_free_interval"] = _where(lung, _interval(rng, dfi), None)
    tfi = np.round(np.exp(rng.normal(math.log(365), 0.9, n))).clip(0, 5000)
    tfi_text = _interval(rng, tfi)
    tfi_text[rng.random(n) < 0.03] = "12 months"
    col["treatment_free_interval"] = _where(lung, tfi_text, None)

    uln = rng.choice([120.0, 150.0], size=n)
    alp = np.round(uln * np.exp(rng.normal(0.0, 0.5, n)))
    planted = rng.random(n) < 0.03
    alp[planted] = 2 * uln[planted]
    col["alkaline_phosphatase"] = _where(osteo, _text(alp, ""), None)
    col["alkaline_phosphatase_uln"] = _where(osteo, _text(uln, ""), None)

    col["bone_metastases"] = _where(bone, "true", _where(ext | lung, _bools(
        rng.random(n) < 0.1), None)).astype(object)
    col["bone_metastases"][col["extrapulmonary_metastases"] == "false"] = "false"
    col["pathologic_fracture"] = _where(bone, _bools(rng.random(n) < 0.2), None)
    col["primary_tumor_size"] = _where(ext, _text(np.round(
        np.exp(rng.normal(math.log(90), 0.5, n))), " mm"), None)
    col["primary_surgery"] = _where(ext, _bools(rng.random(n) < 0.9), None)
    col["metastasectomy"] = _where(ext | osteo, _bools(rng.random(n) < 0.45), None)
    col["chemotherapy"] = _where(ext, _bools(rng.random(n) < 0.6), None)
    col["radiotherapy"] = _where(ext, _bools(rng.random(n) < 0.5), None)
    col["surgical_margins"] = _where(ext, rng.choice(["negative", "positive"], n,
                                                       p=[.75, .25]), None)
    for name in list(col):
        col[name][rng.random(n) < BLANK_RATE] = None
    table = pa.table({"synthetic": pa.array(np.full(n, "true")),
                      "id": pa.array([f"synth-{i:07d}" for i in range(first_id, first_id + n)]),
                      **{f"{name} [{UNITS[name]}]" if name in UNITS else name:
                         pa.array(col[name].tolist(), pa.string()) for name in col}})
    months, death = _outcomes(rng, table, fields, slms, scorer)
    return table.append_column("os_months", pa.array(months)).append_column(
        "death", pa.array(death))


_NONE = np.array(None, dtype=object)


def _where(mask: np.ndarray, values: object, other: object) -> np.ndarray:
    """np.where for text columns (None = a blank cell)."""
    chosen = np.asarray(values, dtype=object)
    return np.where(mask, chosen, _NONE if other is None else np.asarray(other, dtype=object))


def _text(values: np.ndarray, unit: str) -> np.ndarray:
    return np.array([f"{v:g}{unit}" for v in values.tolist()], dtype=object)


def _bools(mask: np.ndarray) -> np.ndarray:
    return _where(mask, "true", "false").astype(object)


def _interval(rng: np.random.Generator, days: np.ndarray) -> np.ndarray:
    """Days as "N days" or plain, some as whole months ("14 months")."""
    months = rng.random(len(days)) < MONTHS_RATE
    text = _text(days, "")
    text[months] = _text(np.maximum(np.round(days[months] / 30.4375), 0), " months")
    return text


def _outcomes(rng: np.random.Generator, table: pa.Table, fields: FieldDictionary,
              slms: RuleSet, scorer: CohortScorer) -> tuple[np.ndarray, np.ndarray]:
    survival = {e.selector.value: e.value for e in slms.estimates
                if e.selector.kind == "score" and e.horizon_months == 36}
    whole = next(e.value for e in slms.reference_estimates if e.horizon_months == 36)
    header = check_header("<synth>", table.column_names, fields, (), strict=True)
    outcome = scorer.score(from_arrow(table, header.fields, [], 1, header.units,
                                      header.sources))
    if outcome.rejections:
        raise AssertionError(f"synthetic rows rejected: {outcome.rejections[:3]}")
    scores = outcome.table.column(f"{slms.id}.score").to_numpy(zero_copy_only=False)
    s36 = np.array([survival.get(s, whole) if s == s else whole for s in scores]) / 100
    hazard = -np.log(s36) / 36.0
    event_time = rng.exponential(1 / hazard)
    censor = rng.uniform(*CENSOR_MONTHS, len(hazard))
    months = np.round(np.minimum(event_time, censor), 2)
    return months, (event_time <= censor).astype(np.int64)
