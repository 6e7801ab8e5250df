"""Case mix: the local distribution of a study's factors and characteristics beside the
published one.

A difference is flagged when the standardized difference of the two proportions,
(p_local - p_published) / sqrt((p_local(1 - p_local) + p_published(1 - p_published)) / 2),
is 0.1 or more in absolute value: the threshold Austin proposes for a meaningful
imbalance between groups (Austin PC, Stat Med 2009;28:3083-3107). It does not
depend on the sample size, unlike a test's p value.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ...model import CaseMix

SMD_FLAG = 0.1


def standardized_difference(local: float, published: float) -> float | None:
    spread = math.sqrt((local * (1 - local) + published * (1 - published)) / 2)
    return None if spread == 0 else (local - published) / spread


def compare(item: CaseMix, truths: np.ndarray | None) -> dict[str, Any]:
    """One characteristic: published count/of, local count among those known, the SMD."""
    published = item.count / item.of
    row: dict[str, Any] = {
        "id": item.id, "label": item.label, "published": {
            "count": item.count, "of": item.of, "percent": round(100 * published, 1)},
        "provenance": item.provenance, "local": None, "smd": None, "differs": None}
    if truths is None:
        return row
    known = np.array([t is not None for t in truths.tolist()], dtype=bool)
    of = int(known.sum())
    if not of:
        row["local"] = {"count": 0, "of": 0, "percent": None, "unknown": len(truths)}
        return row
    count = int(sum(1 for t in truths.tolist() if t is True))
    local = count / of
    smd = standardized_difference(local, published)
    row["local"] = {"count": count, "of": of, "percent": round(100 * local, 1),
                    "unknown": len(truths) - of}
    row["smd"] = None if smd is None else round(smd, 3)
    row["differs"] = None if smd is None else bool(abs(smd) >= SMD_FLAG)
    return row
