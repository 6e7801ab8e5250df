"""What the board does, without its screen: evaluate the form, keep the last valid
comparison, open, save and export files. Textual only draws what this holds.

The comparator is built once (durable_rules registers rule sets once per process);
each change of the form is one `update`, which normalises the raw patient with the
engine's own reader and, when that fails, keeps the last valid comparison and hands
the engine's problems back to be shown on their fields.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import yaml

from prognosis.engine.comparison import Comparison, compare_patient
from prognosis.engine.errors import InputError, Problem
from prognosis.engine.evaluate import Comparator
from prognosis.engine.fields import FieldDictionary
from prognosis.engine.loader import load_library
from prognosis.engine.near_cutoffs import margins_for
from prognosis.engine.patient import normalise, read_patient_data

from ..files import replaced_whole
from .form import FieldEntry, entries_from, raw_patient

SOURCE = "<board>"
HEADER = ("# Written by `prognosis board`; `prognosis compare FILE` reads it.\n"
          "# A field left out is unknown (a treatment left out is undecided).\n")


@dataclass
class Session:
    fields: FieldDictionary
    comparator: Comparator
    margins: Mapping[str, float]
    entries: dict[str, FieldEntry] = field(default_factory=dict)
    comparison: Comparison | None = None  # the last valid comparison
    problems: list[Problem] = field(default_factory=list)  # of the current entries
    path: str | None = None
    saved: dict[str, Any] = field(default_factory=dict)  # the patient as last opened or saved
    baseline: Comparison | None = None  # the what-if's original, while what-if is on

    @classmethod
    def start(cls, rules_dir: str | None = None, studies: Sequence[str] = (),
              margins: Sequence[str] = ()) -> Session:
        library = load_library(rules_dir)
        session = cls(library.fields, Comparator(library.select(studies)),
                      margins_for(library.fields, margins))
        session.update()
        return session

    def raw(self) -> dict[str, Any]:
        return raw_patient(self.fields, self.entries)

    def update(self) -> bool:
        """Evaluate the form; True when it is valid (and the comparison is new)."""
        try:
            patient = normalise(self.raw(), self.fields, SOURCE, mapping=False)  # a form
        except InputError as exc:
            self.problems = exc.problems
            return False
        self.problems = []
        self.comparison = compare_patient(self.comparator, patient, self.fields, self.margins)
        return True

    def set_entry(self, name: str, entry: FieldEntry) -> bool:
        self.entries[name] = entry
        return self.update()

    @property
    def dirty(self) -> bool:
        return self.raw() != self.saved

    def problems_by_field(self) -> dict[str | None, list[str]]:
        found: dict[str | None, list[str]] = {}
        for p in self.problems:
            found.setdefault(p.field, []).append(p.message)
        return found

    # Files -------------------------------------------------------------------------------

    def open(self, path: str) -> list[str]:
        """Load a patient file into the form; the names it holds that are no field (they
        are left out, and said so)."""
        data, _ = read_patient_data(path)
        if not isinstance(data, Mapping):
            raise InputError([Problem(path, "expected a mapping of field: value")])
        self.entries = entries_from(self.fields, data)
        self.path = path
        self.saved = self.raw()
        self.update()
        return [str(k) for k in data if str(k) not in self.fields.fields
                or self.fields[str(k)].type == "derived"]

    def save(self, path: str) -> None:
        """Write the form as a patient YAML file, whole or not at all (a temporary file in
        the same folder, renamed over the target)."""
        data = self.raw()
        text = HEADER + yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
        with replaced_whole(path) as temporary, open(temporary, "w", encoding="utf-8",
                                                     newline="\n") as out:
            out.write(text)
        self.path = path
        self.saved = data

    def export(self, path: str) -> None:
        """The report of the last valid comparison (the format follows the extension)."""
        from rich.console import Console

        from ..app import App
        from ..export import write_report

        if self.comparison is None:
            raise InputError([Problem(path, "nothing to export: the form has no valid "
                                      "patient yet")])
        quiet = App(out=Console(file=io.StringIO()), err=Console(file=io.StringIO()))
        write_report(quiet, self.comparison, path)  # written whole or not at all

    # What-if -----------------------------------------------------------------------------

    def pin(self) -> None:
        """The current comparison becomes the what-if's original; edits make the copy."""
        self.baseline = self.comparison

    def unpin(self) -> None:
        self.baseline = None
