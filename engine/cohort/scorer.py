"""Score a batch of rows under every rule set: the answers of `compare`, fewer engine calls.

The pipeline for one batch:

1. each distinct raw value of each column is checked and converted once with
   `FieldDef.coerce` (the function patient files use, so the messages match);
   a row with any bad value is rejected, never dropped silently;
2. implications and derived fields (patient.apply_implications,
   patient.derive_fields, the functions `compare` uses) run once per distinct
   combination of the fields they read;
3. per rule set, rows are grouped by cell (cells.py: which side of each
   declared cut-off, which declared value set). durable_rules decides the
   verdicts: once per cell of each field, on a fact holding that cell's
   representative value, through `Comparator.verdicts` as for one patient
   (every durable rule is one comparison on one field, so a row's verdicts are
   those of its fields' cells). `assemble`, the function `compare` uses,
   builds each cell's result once; its flat columns are spread back to the
   cell's rows. A cell whose result prints values (a failed population
   condition: "histology is liposarcoma") is split by those exact values.
   JSON-lines output assembles each row's own result from its cell's
   verdicts, so the values it shows are the row's own.

A scorer keeps what it learnt (converted values, cells, results) between
batches; it lives in one process (durable_rules is not thread-safe).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pyarrow as pa

from ..evaluate import Comparator, assemble, calendar_fact
from ..fields import FieldDef, FieldDictionary
from ..logic import truth
from ..model import RuleSet, Truth, atoms_of
from ..options import with_options
from ..patient import apply_implications, derive_fields, lower_bounds
from ..results import Result
from .cells import CellPlan, FieldCells, cell_plan
from .columns import Column, flat_row, output_columns
from .convert import BAD, UNKNOWN, Codec, Months, shown_value
from .raw import RawBatch, group_rows

JSON_CACHE = 4_096  # JSON texts kept per rule set (each 5-15 kB)
ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64()}


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str | None
    value: str
    message: str


@dataclass
class BatchOutcome:
    table: pa.Table  # the scored rows: row, id, kept columns, rule-set columns
    rejections: list[Rejection]
    counts: dict[str, Counter[tuple[str, Any]]]  # rule set -> (status, score or group) -> n
    # Per scored row {"row", "id", "results"}, results as (rule set, JSON text of its
    # result) pairs: the text is made once per distinct set of values (json_line joins it).
    json_rows: list[dict[str, Any]] | None = None


@dataclass(frozen=True)
class _Cell:
    key: tuple[int, ...]  # the cell of each field of the plan (verdicts: _merged)
    shown: tuple[str, ...]  # fields whose values the result's text shows
    flat: int | None  # id of its flat row; None when it depends on those values


@dataclass
class _Cells:
    """What a scorer learnt of one rule set's cells (kept between batches)."""

    plan: CellPlan
    cache: dict[tuple[int, ...], _Cell] = field(default_factory=dict)
    fine: dict[tuple[Any, ...], int] = field(default_factory=dict)
    codes: dict[str, list[int]] = field(default_factory=dict)
    signatures: dict[str, dict[Any, int]] = field(default_factory=dict)
    json: dict[tuple[int, ...], str] = field(default_factory=dict)  # exact values -> JSON
    field_verdicts: dict[tuple[str, int], dict[str, Truth]] = field(default_factory=dict)
    flats: list[dict[str, Any]] = field(default_factory=list)  # distinct flat rows, by id
    _arrays: dict[str, pa.Array] = field(default_factory=dict)

    def add(self, flat: dict[str, Any]) -> int:
        self.flats.append(flat)
        return len(self.flats) - 1

    def column(self, column: Column) -> pa.Array:
        """One output column over all flat rows so far (rebuilt when rows were added)."""
        array = self._arrays.get(column.name)
        if array is None or len(array) != len(self.flats):
            done = 0 if array is None else len(array)
            new = pa.array([f[column.name] for f in self.flats[done:]],
                           ARROW_TYPES[column.type])
            array = new if array is None else pa.concat_arrays([array, new])
            self._arrays[column.name] = array
        return array


class CohortScorer:
    """Scores batches under a fixed list of rule sets (one instance per process)."""

    def __init__(self, fields: FieldDictionary, rule_sets: Sequence[RuleSet]) -> None:
        self.fields = fields
        self.rule_sets = tuple(rule_sets)
        self._rule_set = {rs.id: rs for rs in self.rule_sets}
        self.columns: list[Column] = output_columns(self.rule_sets)
        self._columns_of = {rs.id: [c for c in self.columns if c.name.startswith(f"{rs.id}.")]
                            for rs in self.rule_sets}
        self._comparator = Comparator(self.rule_sets)
        self._codecs = {f.name: Codec(f) for f in fields.fields.values()}
        types = {f.name: f.type for f in fields.fields.values()}
        bounded: dict[str, tuple[str, ...]] = {}
        for f in fields.fields.values():
            for target in f.implies_at_least or {}:
                bounded[target] = (*bounded.get(target, ()), f.name)
        self._cells = {rs.id: _Cells(cell_plan(rs, types, bounded)) for rs in self.rule_sets}
        implied = {name for f in fields.fields.values()
                   if f.implies or f.implies_if_false or f.implies_at_least or f.implies_if_given
                   for name in (f.name, *(f.implies or {}), *(f.implies_if_false or {}),
                                *(f.implies_at_least or {}), *(f.implies_if_given or {}))}
        self._implication_fields = tuple(sorted(implied))

    # -- the stages ---------------------------------------------------------

    def score(self, batch: RawBatch, source: str = "<cohort>",
              json_rows: bool = False) -> BatchOutcome:
        ids, bad = self._convert(batch)
        problems = self._complete(ids, bad, source)
        rejected = np.zeros(batch.n, dtype=bool)
        for name in bad:
            rejected |= ids[name] == BAD
        for row in problems:
            rejected[row] = True
        rejections = self._rejections(batch, ids, bad, problems)
        keep = np.flatnonzero(~rejected)
        arrays: dict[str, pa.Array] = {
            "row": pa.array(batch.first_row + keep, pa.int64()),
            "id": self._id_column(batch, ids, keep),
        }
        for name, column in batch.kept.items():
            arrays[name] = column.take(pa.array(keep))
        counts: dict[str, Counter[tuple[str, Any]]] = {}
        results: list[list[tuple[str, str]]] = [[] for _ in keep] if json_rows else []
        for rs in self.rule_sets:
            state = self._cells[rs.id]
            inverse, cells = self._by_cell(rs, ids, keep)
            flat_ids = np.array([c[0] for c in cells], dtype=np.int64)
            index = pa.array(flat_ids[inverse] if len(keep) else flat_ids[:0], pa.int32())
            for column in self._columns_of[rs.id]:
                values = state.column(column)
                # Text as a dictionary over the distinct results: small to send between
                # processes; CSV writes it as it is, Parquet and DataFrames decode it.
                arrays[column.name] = (pa.DictionaryArray.from_arrays(index, values)
                                       if column.type == "string" else values.take(index))
            per_flat = np.bincount(flat_ids[inverse], minlength=len(state.flats)) \
                if len(keep) else np.zeros(0, dtype=np.int64)
            counts[rs.id] = Counter()
            for flat_id in np.flatnonzero(per_flat).tolist():
                flat = state.flats[flat_id]
                label = flat[f"{rs.id}.score"] if rs.model == "score" \
                    else flat[f"{rs.id}.group"]
                counts[rs.id][(flat[f"{rs.id}.status"], label)] += int(per_flat[flat_id])
            if json_rows:
                self._results(rs, ids, keep, inverse, cells, results)
        table = pa.table(arrays)
        rows_json = None
        if json_rows:
            id_values = arrays["id"].to_pylist()
            rows_json = [{"row": int(batch.first_row + k), "id": id_values[i],
                          "results": results[i]} for i, k in enumerate(keep)]
        return BatchOutcome(table, rejections, counts, rows_json)

    def _convert(self, batch: RawBatch) -> tuple[dict[str, np.ndarray], dict[str, dict[int, str]]]:
        """Per field, the id of each row's converted value; the bad raw values."""
        ids: dict[str, np.ndarray] = {}
        bad: dict[str, dict[int, str]] = {}
        for name, column in batch.columns.items():
            per_unique, messages = self._codecs[name].convert(column.uniques)
            ids[name] = per_unique[column.codes]
            if messages:
                bad[name] = messages
        return ids, bad

    def _complete(self, ids: dict[str, np.ndarray], bad: Mapping[str, Any],
                  source: str) -> dict[int, list[tuple[str | None, str]]]:
        """Apply implications, then derivations, once per distinct combination."""
        n = len(next(iter(ids.values()))) if ids else 0
        clean = np.ones(n, dtype=bool)
        for name in bad:
            clean &= ids[name] != BAD
        problems: dict[int, list[tuple[str | None, str]]] = {}
        stages = [(self._implication_fields, self._implications)]
        stages += [((*f.sources,), self._derivation(f)) for f in self.fields.derived_fields()]
        for reads, stage in stages:
            if not reads:
                continue
            columns = [ids.get(name, np.full(n, UNKNOWN, dtype=np.int64)) for name in reads]
            combos, _, inverse = group_rows(columns)
            outputs = [stage(dict(zip(reads, map(int, combo), strict=True)), source)
                       for combo in combos]
            for written in {name for changed, _ in outputs for name in changed}:
                per_combo = np.array([changed.get(written, UNKNOWN if written not in ids
                                                  else -3) for changed, _ in outputs])
                current = ids.get(written, np.full(n, UNKNOWN, dtype=np.int64))
                new = per_combo[inverse]
                ids[written] = np.where((new == -3) | ~clean, current, new)
            for index, (_, found) in enumerate(outputs):
                if found:
                    for row in np.flatnonzero((inverse == index) & clean):
                        problems.setdefault(int(row), []).extend(found)
        return problems

    def _values(self, known: Mapping[str, int]) -> dict[str, Any]:
        return {name: self._codecs[name].values[i] for name, i in known.items() if i >= 0}

    def _implications(self, known: dict[str, int], source: str
                      ) -> tuple[dict[str, int], list[tuple[str | None, str]]]:
        values = self._values(known)
        found = apply_implications(values, {}, self.fields, source)
        found += lower_bounds(values, {}, self.fields, source)
        changed = {name: self._codecs[name].id_of(v) for name, v in values.items()
                   if known.get(name, UNKNOWN) < 0}
        return changed, [(p.field, p.message) for p in found]

    def _derivation(self, fdef: FieldDef) -> Any:
        def derive(known: dict[str, int], source: str
                   ) -> tuple[dict[str, int], list[tuple[str | None, str]]]:
            values = self._values(known)
            found = derive_fields(values, {}, self.fields, source)
            changed = ({fdef.name: self._codecs[fdef.name].id_of(values[fdef.name])}
                       if fdef.name in values else {fdef.name: UNKNOWN})
            return changed, [(p.field, p.message) for p in found]

        return derive

    def _rejections(self, batch: RawBatch, ids: Mapping[str, np.ndarray],
                    bad: Mapping[str, dict[int, str]],
                    problems: Mapping[int, list[tuple[str | None, str]]]) -> list[Rejection]:
        found: list[tuple[int, int, Rejection]] = []
        order = {name: i for i, name in enumerate(batch.columns)}
        for name, messages in bad.items():
            column = batch.columns[name]
            for at in np.flatnonzero(ids[name] == BAD).tolist():
                code = int(column.codes[at])
                found.append((at, order[name], Rejection(
                    batch.first_row + at, name, shown_value(column.uniques[code]),
                    messages[code])))
        for at, items in problems.items():
            seen: set[tuple[str | None, str]] = set()
            for field_name, message in items:
                if (field_name, message) in seen:
                    continue
                seen.add((field_name, message))
                value = ""
                if field_name is not None and field_name in batch.columns:
                    column = batch.columns[field_name]
                    code = int(column.codes[at])
                    value = shown_value(column.uniques[code]) if code >= 0 else ""
                found.append((at, len(order), Rejection(batch.first_row + at, field_name,
                                                        value, message)))
        found.sort(key=lambda item: (item[0], item[1]))
        return [r for _, _, r in found]

    def _id_column(self, batch: RawBatch, ids: Mapping[str, np.ndarray],
                   keep: np.ndarray) -> pa.Array:
        if batch.ids is not None:
            return batch.ids.take(pa.array(keep, pa.int64()))
        if "id" not in ids:
            return pa.nulls(len(keep), pa.string())
        values = self._codecs["id"].values
        return pa.array([values[i] if i >= 0 else None for i in ids["id"][keep].tolist()],
                        pa.string())

    def _field_codes(self, state: _Cells, f: FieldCells) -> np.ndarray:
        """The cell code of every converted value of a field, then UNKNOWN (for id -1)."""
        values = self._codecs[f.name].values
        codes = state.codes.setdefault(f.name, [])
        signatures = state.signatures.setdefault(f.name, {})
        atoms = [a for a in self._comparator.atoms(self._rule_set[state.plan.rule_set])
                 if a.field == f.name]
        for value in values[len(codes):]:
            if isinstance(value, Months):  # its cell among the thresholds' months
                value = calendar_fact(atoms, {f.name: value}, {f.name: value.months})[f.name]
            cell = f.cell(value)
            codes.append(cell if f.numeric else signatures.setdefault(cell, len(signatures)))
        return np.array([*codes, UNKNOWN], dtype=np.int64)

    def _field_verdicts(self, rs: RuleSet, state: _Cells, f: FieldCells, code: int,
                        known: Mapping[str, int]) -> dict[str, Truth]:
        """The verdicts of a rule set's comparisons on one field, for one of its cells.

        durable_rules decides them, once per cell of the field, on a fact that
        holds the cell's representative value (every durable rule compares one
        field, so the other fields cannot change these verdicts).
        """
        found = state.field_verdicts.get((f.name, code))
        if found is None:
            atoms = [a for a in self._comparator.atoms(rs) if a.field == f.name]
            if code == UNKNOWN:
                found = {a.key: None for a in atoms}
            else:
                value = self._codecs[f.name].values[known[f.name]]
                fired = self._comparator.verdicts(
                    rs, {f.name: value},
                    {f.name: value.months} if isinstance(value, Months) else None)
                found = {a.key: fired[a.key] for a in atoms}
            state.field_verdicts[(f.name, code)] = found
        return found

    def _assemble(self, rs: RuleSet, values: Mapping[str, Any], verdicts: Mapping[str, Truth],
                  traces: bool = True) -> Result:
        """`assemble` and the options of undecided treatments, as `compare` gives them: with
        the lower bounds a given value implies and durations compared in months."""
        calendar = {k: v.months for k, v in values.items() if isinstance(v, Months)}
        bounds: dict[str, float] = {}
        lower_bounds(values, bounds, self.fields, "")
        bounded = {k: b for k, b in bounds.items()
                   if any(a.field == k for a in self._comparator.atoms(rs))}
        if bounded:
            decided = self._comparator.verdicts(rs, {}, None, bounded)
            verdicts = {**verdicts, **{a.key: decided[a.key] for a in self._comparator.atoms(rs)
                                       if a.field in bounded}}
        base = assemble(rs, values, verdicts, traces, calendar, bounds)
        return with_options(rs, values,
                            lambda v: self._comparator.verdicts(rs, v, calendar, bounds), base,
                            calendar, bounds)

    @staticmethod
    def _merged(state: _Cells, key: tuple[int, ...]) -> dict[str, Truth]:
        """A cell's verdicts: those of its fields' cells (all decided already)."""
        verdicts: dict[str, Truth] = {}
        for f, code in zip(state.plan.fields, key, strict=True):
            verdicts.update(state.field_verdicts[(f.name, code)])
        return verdicts

    def _by_cell(self, rs: RuleSet, ids: Mapping[str, np.ndarray], keep: np.ndarray
                 ) -> tuple[np.ndarray, list[tuple[int, tuple[int, ...]]]]:
        """Each kept row's cell index, and per cell the id of its flat row and its key.

        Rows are grouped by cell (one durable_rules evaluation each); a cell
        whose result shows values (a failed population condition) is split by
        the exact values of the fields it shows.
        """
        state = self._cells[rs.id]
        names = [f.name for f in state.plan.fields]
        codes = [self._field_codes(state, f)[ids[f.name][keep]] if f.name in ids
                 else np.full(len(keep), UNKNOWN, dtype=np.int64) for f in state.plan.fields]
        if not codes:
            codes = [np.zeros(len(keep), dtype=np.int64)]
        keys, first, inverse = group_rows(codes)
        coarse: list[_Cell] = []
        for key, row in zip(map(tuple, keys.tolist()), first.tolist(), strict=True):
            cell = state.cache.get(key)
            if cell is None:
                known = {n: int(ids[n][keep[row]]) for n in names if n in ids}
                verdicts: dict[str, Truth] = {}
                for f, code in zip(state.plan.fields, key, strict=True):
                    verdicts.update(self._field_verdicts(rs, state, f, code, known))
                shown = tuple(sorted({a.field for c in rs.population
                                      if truth(c.when, verdicts) is False
                                      for a in atoms_of(c.when)}))
                flat = None if shown else state.add(
                    flat_row(rs, self._assemble(rs, self._values(known), verdicts, False)))
                cell = state.cache[key] = _Cell(key, shown, flat)
            coarse.append(cell)
        split = sorted({name for cell in coarse for name in cell.shown})
        if not split:
            return inverse, [(c.flat if c.flat is not None else -1, c.key) for c in coarse]
        columns = [inverse]
        for name in split:
            needs = np.array([name in c.shown for c in coarse])
            exact = ids[name][keep] if name in ids else np.full(len(keep), UNKNOWN)
            columns.append(np.where(needs[inverse], exact, -9))
        fine, first, inverse = group_rows(columns)
        cells = []
        for key, row in zip(fine.tolist(), first.tolist(), strict=True):
            cell = coarse[key[0]]
            flat = cell.flat
            if flat is None:
                fine_key = (cell.key, tuple(key[1:]))
                flat = state.fine.get(fine_key)
                if flat is None:
                    values = self._values({n: int(ids[n][keep[row]]) for n in names
                                           if n in ids})
                    flat = state.fine[fine_key] = state.add(flat_row(
                        rs, self._assemble(rs, values, self._merged(state, cell.key), False)))
            cells.append((flat, cell.key))
        return inverse, cells

    def _results(self, rs: RuleSet, ids: Mapping[str, np.ndarray], keep: np.ndarray,
                 inverse: np.ndarray, cells: Sequence[tuple[int, tuple[int, ...]]],
                 results: list[list[tuple[str, str]]]) -> None:
        """Each row's own result (its own values in the traces), as JSON text."""
        state = self._cells[rs.id]
        names = [f.name for f in state.plan.fields if f.name in ids]
        columns = [ids[n][keep].tolist() for n in names]
        verdicts = [self._merged(state, key) for _, key in cells]
        for i, cell in enumerate(inverse.tolist()):
            exact = tuple(c[i] for c in columns)  # the cell follows from the exact values
            text = state.json.get(exact)
            if text is None:
                values = self._values(dict(zip(names, exact, strict=True)))
                text = json.dumps(self._assemble(rs, values, verdicts[cell]).to_dict(),
                                  ensure_ascii=False)
                if len(state.json) >= JSON_CACHE:
                    state.json.clear()
                state.json[exact] = text
            results[i].append((rs.id, text))


def json_line(row: dict[str, Any], order: Mapping[str, int]) -> str:
    """One JSON line: {"row", "id", "results"}, results in the rule sets' order."""
    parts = sorted(row["results"], key=lambda item: order[item[0]])
    return (f'{{"row": {row["row"]}, "id": {json.dumps(row["id"], ensure_ascii=False)}, '
            f'"results": [{", ".join(text for _, text in parts)}]}}\n')
