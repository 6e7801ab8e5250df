"""What a filed report records besides the comparison: when, by which tool, from which rules.

The creation time honours SOURCE_DATE_EPOCH (reproducible builds), so two
reports of one patient made with the same rules are byte for byte the same.
"""

from __future__ import annotations

import datetime as dt
import os
from typing import TYPE_CHECKING, Any

from .document import TOOL, rule_set_metadata
from .errors import InputError, Problem

if TYPE_CHECKING:
    from .comparison import Comparison


def created_at() -> str:
    """Now in UTC as ISO 8601 ('2024-05-01T12:00:00Z'), or SOURCE_DATE_EPOCH when set."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            moment = dt.datetime.fromtimestamp(int(epoch), tz=dt.UTC)
        except (ValueError, OverflowError, OSError):
            raise InputError([Problem("SOURCE_DATE_EPOCH", f"{epoch!r} is not a number of "
                                      "seconds since 1970-01-01")]) from None
    else:
        moment = dt.datetime.now(dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def report_metadata(comparison: Comparison, created: str) -> dict[str, Any]:
    from .loader import VERSION

    return {"tool": TOOL, "version": VERSION, "created": created,
            "patient_source": comparison.patient.source,
            "rule_sets": rule_set_metadata(comparison.rule_sets)}
