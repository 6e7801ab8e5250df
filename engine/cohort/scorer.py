"""Score a batch of rows under every rule set: the answers of `compare`, computed column-wise.

The pipeline for one batch:

1. each distinct raw value of each column is checked and converted once with
   `FieldDef.coerce` (the function patient files use, so the messages match);
   a row with any bad value is rejected, never dropped silently; a length or
   duration column of bare numbers without a declared unit is refused whole;
2. implications (patient.apply_implications, as `compare` applies them) run
   once per distinct combination of the fields they read (remembered between
   batches); derived fields are computed over columns (derive.py);
3. per rule set, durable_rules decides every comparison once per cell of each
   field (cells.py), and each row takes the verdicts of its values' cells:
   one int8 verdict array per comparison;
4. vector.py combines the verdict arrays with Kleene logic into population,
   factors, score range, groups, status, estimates and caveats, as `assemble`
   does for one patient; the text columns (reasons, unknown factors) and the
   compact JSON of a result are made once per distinct code (what the text
   depends on) by `assemble` itself on one row of that code, and written as
   dictionary arrays; for CSV output (`Shape` "csv") so is the CSV text of a
   rule set's cells (`_csv`, csvtext.py), which the writer only joins per row.

`--full` JSON lines assemble each row's own result (its values are in the
traces), once per distinct set of values. A scorer keeps what it learnt
(converted values, field cells, texts) between batches; it lives in one
process (durable_rules is not thread-safe).
"""

from __future__ import annotations

import itertools
import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Literal, cast

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import EngineError, InputError, Problem
from ..evaluate import Comparator, assemble, calendar_fact
from ..fields import FieldDef, FieldDictionary
from ..model import Atom, Condition, RuleSet, Truth, atoms_of
from ..options import with_options
from ..patient import apply_implications, lower_bounds
from ..results import Result
from . import csvtext
from .cells import CODE, FieldVerdicts, field_cells
from .columns import (
    REASON_SEPARATOR,
    UNKNOWN_SEPARATOR,
    Column,
    estimate_columns,
    estimate_id,
    options_json,
    output_columns,
    verdict_columns,
)
from .convert import BAD, UNKNOWN, Codec, Months, shown_value
from .derive import Deriver
from .raw import RawBatch, group_rows, plain
from .rejections import Problems, Rejections, objects
from .stages import KEEP, Stages
from .vector import FALSE, NONE, NOT_APPLICABLE, STATUSES, TRUE, Evaluated, evaluate
from .vector import UNKNOWN as UNKNOWN_VERDICT

JsonMode = Literal["compact", "full"]
# What a batch's table carries per rule set: its result columns ("columns"), those and
# its JSON text per row (a JsonMode), or only its cells as CSV text per row ("csv").
Shape = Literal["columns", "csv"] | JsonMode
COMPACT_ALWAYS = ("status", "reasons")  # compact rows leave out the other keys when null
MEMO_LIMIT = 200_000  # pairs of values whose lower-bound problems are remembered
JSON_CACHE = 4_096  # full JSON texts kept per rule set (each 5-15 kB)
ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(),
               "bool": pa.bool_()}
_TRUTH: dict[int, Truth] = {TRUE: True, 0: None, FALSE: False}


def json_column(rule_set_id: str) -> str:
    """The hidden column that carries a rule set's JSON text per row (JSON-lines output)."""
    return f"{rule_set_id}.__json__"


VERDICTS_PER_TEXT = 6  # verdict cells joined per code: 3 ** 6 = 729 texts


def csv_columns(rs: RuleSet) -> list[str]:
    """The hidden columns that carry, per row, the CSV text of a rule set's columns (CSV
    output): its columns before the verdict columns, then its verdict columns by
    VERDICTS_PER_TEXT."""
    groups = -(-len(verdict_columns(rs)) // VERDICTS_PER_TEXT)
    return [f"{rs.id}.__csv__", *(f"{rs.id}.__csv__.{k}" for k in range(groups))]


@dataclass
class BatchOutcome:
    table: pa.Table  # the scored rows: row, id, kept columns, rule-set columns (+ JSON)
    rejections: Rejections
    counts: dict[str, Counter[tuple[str, Any]]]  # rule set -> (status, score or group) -> n


def code_key(values: Sequence[int]) -> bytes:
    """A code (one distinct row of a key's columns) as _Texts keys it: its values as int64
    bytes, so that a batch's codes are keyed in one step (`code_keys`), not a tuple each."""
    return np.asarray(values, dtype=np.int64).tobytes()


def code_keys(codes: np.ndarray) -> list[bytes]:
    """`code_key` of each row of `codes` (k x m integers or booleans)."""
    rows = np.ascontiguousarray(codes, dtype=np.int64)
    # a void item's Python value is its bytes
    return cast("list[bytes]", rows.view(np.dtype((np.void, 8 * rows.shape[1]))).ravel().tolist())


class _Texts:
    """Distinct texts of one output column, numbered; batches get dictionary arrays."""

    def __init__(self) -> None:
        self.texts: list[str | None] = []
        self.by_code: dict[bytes, int] = {}  # code_key -> text id
        self._array = pa.array([], pa.string())  # the texts so far ("" for None)
        self._nulls = np.zeros(0, dtype=bool)

    def add(self, code: bytes, text: str | None) -> int:
        self.by_code[code] = len(self.texts)
        self.texts.append(text)
        return len(self.texts) - 1

    def array(self, ids: np.ndarray) -> pa.Array:
        """A dictionary array over the texts these rows use (null where the text is None)."""
        if len(self._array) < len(self.texts):
            new = self.texts[len(self._array):]
            self._array = pa.concat_arrays([self._array, pa.array(
                ["" if v is None else v for v in new], pa.string())])
            self._nulls = np.concatenate([self._nulls, [v is None for v in new]])
        if len(ids) == 0:
            return pa.DictionaryArray.from_arrays(pa.array([], pa.int32()),
                                                  pa.array([], pa.string()))
        local, used = pd.factorize(ids)
        nulls = self._nulls[used][local]
        indices = pa.array(local.astype(np.int32), mask=nulls if nulls.any() else None)
        return pa.DictionaryArray.from_arrays(indices, self._array.take(pa.array(used)))


@dataclass(frozen=True)
class _Decided:
    """Per decided result (an index in _RuleSetState.decided), the parts of its rows'
    results, as arrays (the booleans as 0/1)."""

    status: np.ndarray
    has_range: np.ndarray
    low: np.ndarray
    high: np.ndarray
    score: np.ndarray
    group: np.ndarray
    subgroup: np.ndarray
    held: np.ndarray  # bool (results, estimates)
    reasons: np.ndarray  # the index of its reasons' text (state.reasons)

    @classmethod
    def empty(cls, estimates: int) -> _Decided:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, none, none, none, none,
                   np.zeros((0, estimates), dtype=bool), none)


@dataclass
class _RuleSetState:
    """What a scorer learnt of one rule set (kept between batches)."""

    rs: RuleSet
    fields: dict[str, FieldVerdicts]
    reasons: _Texts = field(default_factory=_Texts)
    reason_lists: list[tuple[str, ...]] = field(default_factory=list)
    unknown: _Texts = field(default_factory=_Texts)
    compact: _Texts = field(default_factory=_Texts)
    estimates: _Texts = field(default_factory=_Texts)
    full: dict[tuple[int, ...], str] = field(default_factory=dict)
    reads: tuple[str, ...] = ()  # the fields its results read (with those that bound them)
    outcomes: _Texts = field(default_factory=_Texts)  # one id per distinct outcome
    options: _Texts = field(default_factory=_Texts)  # options column texts
    decided: list[Result | None] = field(default_factory=list)  # by options text index
    csv: _Texts = field(default_factory=_Texts)  # its cells as CSV text, per distinct row
    decided_parts: _Decided = field(init=False)  # what `_scatter` puts in, by index

    def __post_init__(self) -> None:
        self.decided_parts = _Decided.empty(len(self.rs.estimates))


def _given_only(fields: FieldDictionary) -> frozenset[str]:
    """Fields whose value matters to the implications only as given or not (a date of
    resection implies primary surgery): the scorer applies the implications once per
    given / blank, not once per distinct date. Exact only where the value can never show
    in a message: the field implies nothing when true or false, nothing implies it, and
    what it implies when given takes part in no other implication (apply_implications
    names a given field's value only in a contradiction reached through a chain; a
    `contradicted_by` names only that the field is given)."""
    defs = fields.fields.values()
    chained = {name for f in defs if f.implies or f.implies_if_false
               for name in (f.name, *(f.implies or {}), *(f.implies_if_false or {}))}
    given_targets = [t for f in defs for t in (f.implies_if_given or {})]
    given_targets += [t for f in defs for t in (f.contradicted_by or {})]  # read by value
    return frozenset(
        f.name for f in defs
        if (f.implies_if_given or f.contradicted_by) and f.name not in chained
        and f.name not in given_targets
        and not any(t in chained or given_targets.count(t) > 1
                    or fields.fields[t].implies_if_given for t in f.implies_if_given or ()))


def _matched_only(fields: FieldDictionary) -> dict[str, Callable[[Any], bool]]:
    """Fields the implications read only as targets of `contradicted_by` (the number of
    lung metastases): only whether a value is one of those declared matters, so the
    scorer applies the implications once per declared value and once for any other (read
    as unknown, which contradicts nothing), not once per distinct number. Per field, the
    test of a value (one function per field: Codec.mapped keeps its results by it)."""
    defs = fields.fields.values()
    other = {name for f in defs for name in (
        *((f.name,) if f.implies or f.implies_if_false or f.implies_if_given
          or f.contradicted_by else ()),
        *(f.implies or {}), *(f.implies_if_false or {}), *(f.implies_if_given or {}))}
    declared: dict[str, list[Any]] = {}
    for f in defs:
        for name, value in (f.contradicted_by or {}).items():
            declared.setdefault(name, []).append(value)

    def test(values: list[Any]) -> Callable[[Any], bool]:
        return lambda value: any(value == v and isinstance(value, bool) == isinstance(v, bool)
                                 for v in values)

    return {name: test(values) for name, values in declared.items() if name not in other}


class CohortScorer:
    """Scores batches under a fixed list of rule sets (one instance per process)."""

    def __init__(self, fields: FieldDictionary, rule_sets: Sequence[RuleSet]) -> None:
        self.fields = fields
        self.rule_sets = tuple(rule_sets)
        self.columns: list[Column] = output_columns(self.rule_sets)
        self._columns_of = {rs.id: [c for c in self.columns if c.name.startswith(f"{rs.id}.")]
                            for rs in self.rule_sets}
        self._comparator = Comparator(self.rule_sets)
        self._codecs = {f.name: Codec(f) for f in fields.fields.values()}
        types = {f.name: f.type for f in fields.fields.values()}
        self._bounded: dict[str, tuple[tuple[str, float], ...]] = {}  # target -> (source, least)
        for f in fields.fields.values():
            for target, least in (f.implies_at_least or {}).items():
                self._bounded[target] = (*self._bounded.get(target, ()), (f.name, least))
        bounded_by = {t: tuple(s for s, _ in pairs) for t, pairs in self._bounded.items()}
        self._states: dict[str, _RuleSetState] = {}
        for rs in self.rule_sets:
            atoms = self._comparator.atoms(rs)
            verdicts = {}
            for cells in field_cells(rs, types, bounded_by):
                own = [a for a in atoms if a.field == cells.name]
                verdicts[cells.name] = FieldVerdicts(cells, own, self._decider(rs, cells.name),
                                                     _placed(own, cells.name))
            reads = {*verdicts, *(s for t in verdicts for s, _ in self._bounded.get(t, ()))}
            self._states[rs.id] = _RuleSetState(rs, verdicts, reads=tuple(sorted(reads)))
        implied = {name for f in fields.fields.values()
                   if f.implies or f.implies_if_false or f.implies_if_given or f.contradicted_by
                   for name in (f.name, *(f.implies or {}), *(f.implies_if_false or {}),
                                *(f.implies_if_given or {}), *(f.contradicted_by or {}))}
        self._implication_fields = tuple(sorted(implied))
        self._given_only = _given_only(fields)
        self._matched_only = _matched_only(fields)
        self._stages: dict[str, Stages] = {}  # per source: its messages name it
        self._deriver = Deriver(fields, self._codecs)
        self._decisions: dict[tuple[str, str, Any], dict[str, Truth]] = {}
        self._below_memo: dict[tuple[str, str, str, int, int],
                               list[tuple[str | None, str]]] = {}

    def _decider(self, rs: RuleSet, name: str) -> Callable[[Any], Mapping[str, Truth]]:
        """durable_rules' verdicts for a fact holding only this field (cells.FieldVerdicts)."""
        return lambda value: self._comparator.verdicts(
            rs, {name: value}, {name: value.months} if isinstance(value, Months) else None)

    # -- the stages ---------------------------------------------------------

    def score(self, batch: RawBatch, source: str = "<cohort>",
              shape: Shape = "columns") -> BatchOutcome:
        ids, bad = self._convert(batch, source)
        problems = self._complete(ids, bad, source)
        rejected = np.zeros(batch.n, dtype=bool)
        for name in bad:
            rejected |= ids[name] == BAD
        rejected[problems.rows()] = True
        rejections = self._rejections(batch, ids, bad, problems)
        keep = np.flatnonzero(~rejected)
        arrays: dict[str, pa.Array] = {
            "row": pa.array(batch.first_row + keep, pa.int64()),
            "id": self._id_column(batch, ids, keep),
        }
        for name, column in batch.kept.items():
            arrays[name] = column.take(pa.array(keep))
        counts: dict[str, Counter[tuple[str, Any]]] = {}
        kept_ids = {name: values[keep] for name, values in ids.items()}
        for rs in self.rule_sets:
            state = self._states[rs.id]
            atoms, bounds = self._atom_verdicts(state, kept_ids, len(keep))
            unknown = self._unknown(state, kept_ids, len(keep))
            result = evaluate(rs, atoms, len(keep), unknown)
            reasons = self._reason_ids(state, result, atoms, kept_ids, bounds)
            result, reasons, options = self._with_options(state, result, reasons, atoms,
                                                          kept_ids, unknown, bounds)
            if shape == "csv":
                arrays.update(self._csv(state, result, reasons, options))
            else:
                arrays.update(self._columns(state, result, reasons, options))
            counts[rs.id] = _counts(rs, result)
            if shape == "compact":
                arrays[json_column(rs.id)] = self._compact(state, result, reasons, options)
            elif shape == "full":
                arrays[json_column(rs.id)] = self._full(state, atoms, kept_ids, len(keep))
        return BatchOutcome(pa.table(arrays), rejections, counts)

    def _convert(self, batch: RawBatch, source: str
                 ) -> tuple[dict[str, np.ndarray], dict[str, dict[int, str]]]:
        """Per field, the id of each row's converted value; the bad raw values."""
        ids: dict[str, np.ndarray] = {}
        bad: dict[str, dict[int, str]] = {}
        refused: list[Problem] = []
        for name, column in batch.columns.items():
            unit = batch.units.get(name)
            per_unique, messages, bare = self._codecs[name].convert(column, unit)
            if len(bare):  # refused at the first row that has one: a dictionary may hold
                # values no row of the batch has (a row group's, a rejected row's)
                is_bare = np.zeros(len(per_unique), dtype=bool)
                is_bare[bare] = True
                rows = np.flatnonzero(is_bare[column.codes])
                if len(rows):
                    refused.append(_bare_problem(source, batch, name, int(rows[0]),
                                                 self._codecs[name].fdef))
                    continue
            ids[name] = per_unique[column.codes]
            if messages:
                bad[name] = messages
        if refused:
            raise InputError(refused)
        return ids, bad

    def _complete(self, ids: dict[str, np.ndarray], bad: Mapping[str, Any],
                  source: str) -> Problems:
        """Apply implications (once per distinct combination), then derive fields."""
        n = len(next(iter(ids.values()))) if ids else 0
        clean = np.ones(n, dtype=bool)
        for name in bad:
            clean &= ids[name] != BAD
        problems = Problems()
        reads = self._implication_fields
        if n and any(name in ids for name in reads):
            columns = [ids.get(name, np.full(n, UNKNOWN, dtype=np.int64)) for name in reads]
            columns = [np.minimum(column, 0) if name in self._given_only
                       else self._matched(name, column) if name in self._matched_only
                       else column for name, column in zip(reads, columns, strict=True)]
            combos, _, inverse = group_rows(columns)
            stages = self._stages.get(source)
            if stages is None:
                stages = self._stages[source] = Stages(
                    lambda known: self._implications(dict(known), source), reads)
            numbers = stages.numbers(combos, code_keys(combos))
            for written, per_combo in stages.written(numbers).items():
                current = ids.get(written, np.full(n, UNKNOWN, dtype=np.int64))
                new = per_combo[inverse]
                ids[written] = np.where((new == KEEP) | ~clean, current, new)
            rows = np.flatnonzero(stages.said(numbers)[inverse] & clean)
            used, which = np.unique(numbers[inverse[rows]], return_inverse=True)
            problems.add(rows, which, [stages.issues[i] for i in used.tolist()])
        self._below_bounds(ids, clean, source, problems)
        self._deriver.derive(ids, clean, source, problems)
        return problems

    def _matched(self, name: str, column: np.ndarray) -> np.ndarray:
        """A `_matched_only` field's value ids, those of no declared value read as unknown."""
        matches = self._codecs[name].mapped(self._matched_only[name], np.bool_, False)
        return np.where(matches[np.maximum(column, -1)], column, UNKNOWN)

    def _below_bounds(self, ids: Mapping[str, np.ndarray], clean: np.ndarray, source: str,
                      problems: Problems) -> None:
        """Rows that give a value below the bound another given value implies (a nodule of
        18 mm and 0 nodules), with lower_bounds' own message."""
        for target, pairs in self._bounded.items():
            if target not in ids:
                continue
            for source_field, least in pairs:
                if source_field not in ids:
                    continue
                positive = self._numbers(source_field) > 0
                below = self._numbers(target) < least
                rows = np.flatnonzero(clean & positive[np.maximum(ids[source_field], -1)]
                                      & below[np.maximum(ids[target], -1)])
                if not len(rows):
                    continue
                combos, _, inverse = group_rows([ids[source_field][rows], ids[target][rows]])
                said = [self._below(source_field, target, i, j, source)
                        for i, j in combos.tolist()]
                problems.add(rows, inverse, said)

    def _below(self, source_field: str, target: str, i: int, j: int, source: str
               ) -> list[tuple[str | None, str]]:
        """lower_bounds' problems for one pair of values (remembered between batches)."""
        key = (source, source_field, target, i, j)
        found = self._below_memo.get(key)
        if found is None:
            if len(self._below_memo) >= MEMO_LIMIT:
                self._below_memo.clear()
            found = self._below_memo[key] = [(p.field, p.message) for p in lower_bounds(
                self._values({source_field: i, target: j}), {}, self.fields, source)]
        return found

    def _numbers(self, name: str) -> np.ndarray:
        """Each converted value of a field as a number (NaN if it is none), then NaN for
        the unknown id -1."""
        return self._codecs[name].mapped(_number, np.float64, np.nan)

    def _values(self, known: Mapping[str, int]) -> dict[str, Any]:
        return {name: self._codecs[name].values[i] for name, i in known.items() if i >= 0}

    def _implications(self, known: dict[str, int], source: str
                      ) -> tuple[dict[str, int], list[tuple[str | None, str]]]:
        values = self._values(known)
        found = apply_implications(values, {}, self.fields, source)
        changed = {name: self._codecs[name].id_of(v) for name, v in values.items()
                   if known.get(name, UNKNOWN) < 0}
        return changed, [(p.field, p.message) for p in found]

    def _rejections(self, batch: RawBatch, ids: Mapping[str, np.ndarray],
                    bad: Mapping[str, dict[int, str]], problems: Problems) -> Rejections:
        """One rejection per (row, field, message), in row order, then column order, then
        the row's other problems as found; column-wise. A value is shown and a message
        looked up once per distinct raw value, not once per row."""
        order = {name: i for i, name in enumerate(batch.columns)}
        rows, positions, fields, values, messages = [], [], [], [], []
        for name, said in bad.items():
            at = np.flatnonzero(ids[name] == BAD)
            distinct, inverse = np.unique(batch.columns[name].codes[at], return_inverse=True)
            codes = distinct.tolist()
            rows.append(at)
            positions.append(np.full(len(at), order[name], dtype=np.int64))
            fields.append(objects([name])[np.zeros(len(at), dtype=np.int64)])
            values.append(objects([shown_value(batch.columns[name].raw(c))
                                    for c in codes])[inverse.reshape(-1)])
            messages.append(objects([said[c] for c in codes])[inverse.reshape(-1)])
        at, named, said_messages = problems.entries()
        if len(at):
            rows.append(at)
            positions.append(np.full(len(at), len(order), dtype=np.int64))
            fields.append(named)
            messages.append(said_messages)
            shown = np.full(len(at), "", dtype=object)
            for name in {f for f in named.tolist() if f is not None and f in batch.columns}:
                mine = np.flatnonzero(named == name)
                raw_codes = batch.columns[name].codes[at[mine]]
                given = raw_codes >= 0
                distinct, inverse = np.unique(raw_codes[given], return_inverse=True)
                shown[mine[given]] = objects([shown_value(batch.columns[name].raw(c))
                                               for c in distinct.tolist()])[inverse.reshape(-1)]
            values.append(shown)
        if not rows:
            return Rejections.empty()
        row_all, position = np.concatenate(rows), np.concatenate(positions)
        order_all = np.lexsort((position, row_all))  # stable: found order within a tie
        return Rejections(batch.first_row + row_all[order_all],
                          np.concatenate(fields)[order_all], np.concatenate(values)[order_all],
                          np.concatenate(messages)[order_all])

    def _id_column(self, batch: RawBatch, ids: Mapping[str, np.ndarray],
                   keep: np.ndarray) -> pa.Array:
        if batch.ids is not None:
            return batch.ids.take(pa.array(keep, pa.int64()))
        if "id" not in ids:
            return pa.nulls(len(keep), pa.string())
        values = self._codecs["id"].values
        return pa.array([values[i] if i >= 0 else None for i in ids["id"][keep].tolist()],
                        pa.string())

    # -- one rule set, column-wise -----------------------------------------------

    def _atom_verdicts(self, state: _RuleSetState, ids: Mapping[str, np.ndarray], n: int
                       ) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
        """Each comparison's verdict array, from the cells of the rows' values; and per field
        with a lower bound (a measured nodule: at least one), each row's bound (NaN: none)."""
        atoms: dict[str, np.ndarray] = {}
        unknown = np.full(n, UNKNOWN, dtype=np.int64)
        bounds: dict[str, np.ndarray] = {}
        for name, verdicts in state.fields.items():
            atoms.update(verdicts.columns(ids.get(name, unknown), self._codecs[name].values))
            bound = self._bound(name, ids, n)
            if bound is None:
                continue
            bounds[name] = bound
            for least in np.unique(bound[~np.isnan(bound)]).tolist():
                decided = self._comparator.verdicts(state.rs, {}, None, {name: least})
                rows = bound == least
                for key in verdicts.keys:
                    atoms[key] = np.where(rows, CODE[decided[key]], atoms[key]).astype(np.int8)
        return atoms, bounds

    def _bound(self, name: str, ids: Mapping[str, np.ndarray], n: int) -> np.ndarray | None:
        """The lower bound of an unknown field that given values imply, per row (NaN: none)."""
        pairs = self._bounded.get(name)
        if not pairs:
            return None
        bound = np.full(n, np.nan)
        missing = ids.get(name, np.full(n, UNKNOWN, dtype=np.int64)) < 0
        for source, least in pairs:
            if source not in ids:
                continue
            positive = self._numbers(source) > 0
            rows = missing & positive[np.maximum(ids[source], -1)]
            bound = np.where(rows & ~(bound >= least), least, bound)
        return bound if (~np.isnan(bound)).any() else None

    def _unknown(self, state: _RuleSetState, ids: Mapping[str, np.ndarray], n: int
                 ) -> dict[str, np.ndarray]:
        missing = np.full(n, UNKNOWN, dtype=np.int64)
        return {name: ids.get(name, missing) < 0 for name in state.fields}

    def _row_values(self, rs: RuleSet, ids: Mapping[str, np.ndarray], row: int
                    ) -> tuple[dict[str, Any], dict[str, float], dict[str, float]]:
        """One row's values (those its results read), the months of durations given in
        months or years, and the lower bounds its values imply."""
        known = {name: int(ids[name][row]) for name in self._states[rs.id].reads
                 if name in ids}
        values = self._values(known)
        calendar = {k: v.months for k, v in values.items() if isinstance(v, Months)}
        bounds: dict[str, float] = {}
        lower_bounds(values, bounds, self.fields, "")
        return values, calendar, bounds

    def _result(self, rs: RuleSet, ids: Mapping[str, np.ndarray], row: int,
                traces: bool = False, atoms: Mapping[str, np.ndarray] | None = None
                ) -> Result:
        """One row's result: `assemble` of its verdicts in `atoms` when given, else
        `Comparator.result` (with the options of undecided treatments), as `compare`."""
        values, calendar, bounds = self._row_values(rs, ids, row)
        if atoms is not None:
            return assemble(rs, values, {k: _TRUTH[int(v[row])] for k, v in atoms.items()},
                            traces, calendar, bounds)
        return self._comparator.result(rs, values, calendar, bounds, traces)

    def _reason_ids(self, state: _RuleSetState, result: Evaluated,
                    atoms: Mapping[str, np.ndarray], ids: Mapping[str, np.ndarray],
                    bounds: Mapping[str, np.ndarray]) -> np.ndarray:
        """Each row's reasons, as an index into state.reasons.

        What `assemble`'s reasons read, and nothing more: out of the population,
        which conditions fail and the values of their fields (the reason shows
        them); otherwise which conditions, score or signal factors and (group
        models) which groups are undetermined, and which of their fields are not
        given (or only bounded: "at least 1"). Rows that agree on these get the
        same reasons.
        """
        rs, n = state.rs, result.n
        missing = np.full(n, UNKNOWN, dtype=np.int64)
        out = result.applies == FALSE
        columns: list[np.ndarray] = [out]

        def unknown_fields(condition: Condition, undetermined: np.ndarray) -> None:
            columns.append(undetermined)
            for name in dict.fromkeys(a.field for a in atoms_of(condition)):
                columns.append(np.where(undetermined, ids.get(name, missing) >= 0, -1))

        for c, verdict, undecided in zip(rs.population, result.population, result.undecided,
                                         strict=True):
            failed = out & (verdict == FALSE)
            columns.append(failed)
            for name in dict.fromkeys(a.field for a in atoms_of(c.when)):
                columns.append(np.where(failed, ids.get(name, missing), -9))
                if name in bounds:
                    shown = np.where(np.isnan(bounds[name]), -1, bounds[name] * 1e6)
                    columns.append(np.where(failed, shown.astype(np.int64), -9))
            unknown_fields(c.when, ~out & (verdict == UNKNOWN_VERDICT) & ~undecided)
        for f, verdict in zip(rs.factors, result.factors, strict=True):
            if f.role in ("score", "signal"):
                unknown_fields(f.when, ~out & (verdict == UNKNOWN_VERDICT))
        for g in rs.groups:
            if g.parent is None:
                unknown_fields(g.when, result.group_missing)
        return self._texts(state.reasons, columns, lambda row: self._reasons_text(
            state, atoms, ids, row))

    def _reasons_text(self, state: _RuleSetState, atoms: Mapping[str, np.ndarray],
                      ids: Mapping[str, np.ndarray], row: int) -> str | None:
        reasons = self._result(state.rs, ids, row, atoms=atoms).reasons
        state.reason_lists.append(reasons)
        return REASON_SEPARATOR.join(reasons) or None

    @classmethod
    def _texts(cls, texts: _Texts, columns: list[np.ndarray],
               make: Callable[[int], str | None]) -> np.ndarray:
        """Per row, the index of its text: made once per distinct code (by `make(row)`)."""
        return cls._texts_of_rows(texts, columns, lambda rows: [make(r) for r in rows])

    @staticmethod
    def _texts_of_rows(texts: _Texts, columns: list[np.ndarray],
                       make: Callable[[list[int]], Sequence[str | None]]) -> np.ndarray:
        """Per row, the index of its text; the texts of the codes not seen before are made
        together, by `make(rows)` on one row of each, in the order of the rows."""
        n = len(columns[0]) if columns else 0
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        codes, first, inverse = group_rows([np.asarray(c) for c in columns])
        keys = code_keys(codes)
        known = texts.by_code
        per_code = np.fromiter((known.get(key, -1) for key in keys), dtype=np.int64,
                               count=len(keys))
        new = np.flatnonzero(per_code < 0).tolist()  # codes not seen before, in row order
        if new:
            made = make(first[new].tolist())
            for i, text in zip(new, made, strict=True):
                per_code[i] = texts.add(keys[i], text)
        result: np.ndarray = per_code[inverse]
        return result

    def _with_options(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray,
                      atoms: Mapping[str, np.ndarray], ids: Mapping[str, np.ndarray],
                      unknown: Mapping[str, np.ndarray], bounds: Mapping[str, np.ndarray]
                      ) -> tuple[Evaluated, np.ndarray, np.ndarray]:
        """The results of rows whose treatments are undecided, with their options.

        Such a row's result depends on its own result and on its result under each
        choice of the treatments (options.with_options). Each choice is evaluated
        column-wise like any row; rows that agree on which treatments are open and on
        the outcome under every choice get the same result, made once by
        `Comparator.result` (what `compare` runs) on one of them.
        """
        rs, n = state.rs, result.n
        if not state.options.texts:
            state.options.add(code_key((-1,)), None)  # the rows without options
            state.decided.append(None)
        none = np.zeros(n, dtype=np.int64)
        treatments = [t.field for t in rs.treatments if t.field in state.fields]
        if not treatments or n == 0:
            return result, reasons, none
        open_ = np.zeros(n, dtype=bool)
        for name in treatments:
            open_ |= unknown[name]
        rows = np.flatnonzero(open_ & (result.status != NOT_APPLICABLE))
        if not len(rows):
            return result, reasons, none
        m = len(rows)
        sub_ids = {k: ids[k][rows] for k in state.reads if k in ids}  # what results read
        sub_atoms = {k: v[rows] for k, v in atoms.items()}
        sub_bounds = {k: v[rows] for k, v in bounds.items()}
        sub_unknown = {k: v[rows] for k, v in unknown.items()}
        treatments = [name for name in treatments if sub_unknown[name].any()]
        columns = [sub_unknown[name] for name in treatments]
        base = evaluate(rs, sub_atoms, m, sub_unknown)
        columns.append(self._outcome_ids(state, base, reasons[rows]))
        # Every choice at once: the rows repeated once per choice (block k = choice k), so
        # the column-wise stages run once, not once per choice (16 for four treatments).
        choices = list(itertools.product((True, False), repeat=len(treatments)))
        p = len(choices)
        c_ids = {k: np.tile(v, p) for k, v in sub_ids.items()}
        c_atoms = {k: np.tile(v, p) for k, v in sub_atoms.items()}
        c_unknown = {k: np.tile(v, p) for k, v in sub_unknown.items()}
        c_bounds = {k: np.tile(v, p) for k, v in sub_bounds.items()}
        missing = np.full(m * p, UNKNOWN, dtype=np.int64)
        for t, name in enumerate(treatments):
            codec = self._codecs[name]
            chosen = np.repeat(np.array([codec.id_of(choice[t]) for choice in choices],
                                        dtype=np.int64), m)
            c_ids[name] = np.where(c_unknown[name], chosen, c_ids.get(name, missing))
            verdicts = state.fields[name]
            c_atoms.update(verdicts.columns(c_ids[name], codec.values))
            c_unknown[name] = np.zeros(m * p, dtype=bool)
        evaluated = evaluate(rs, c_atoms, m * p, c_unknown)
        outcomes = self._outcome_ids(state, evaluated, self._reason_ids(
            state, evaluated, c_atoms, c_ids, c_bounds))
        columns.extend(outcomes.reshape(p, m))
        final = self._texts(state.options, columns,
                            lambda row: self._decided(state, sub_ids, sub_atoms, row))
        return self._scatter(state, result, reasons, rows, final)

    def _outcome_ids(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray
                     ) -> np.ndarray:
        """Per row, the id of everything a reader of its result sees (options._outcome)."""
        rs = state.rs
        treatments = {t.field for t in rs.treatments}
        conditions: list[tuple[Condition | None, np.ndarray]] = [
            *((f.when, v) for f, v in zip(rs.factors, result.factors, strict=True)),
            *((c.when, v) for c, v in zip(rs.caveats, result.caveats, strict=True))]
        chosen = [v for when, v in conditions if when is not None
                  and any(a.field in treatments for a in atoms_of(when))]
        # Factors and caveats that read no treatment are the same under every choice, so
        # they part no options; what they decide (the estimates held) is in the code.
        return self._texts(state.outcomes, [
            result.status, result.has_range, result.low, result.high, result.score,
            result.group, result.subgroup, *result.held.T, *result.groups, *chosen,
            reasons], lambda row: None)

    def _decided(self, state: _RuleSetState, ids: Mapping[str, np.ndarray],
                 atoms: Mapping[str, np.ndarray], row: int) -> str | None:
        """One row's result with its options, as Comparator.result makes it: `assemble`,
        then `with_options`; the verdicts under each choice are the row's own with the
        treatments' comparisons decided for that choice (by durable_rules, once a value)."""
        rs = state.rs
        values, calendar, bounds = self._row_values(rs, ids, row)
        verdicts = {k: _TRUTH[int(v[row])] for k, v in atoms.items()}
        base = assemble(rs, values, verdicts, False, calendar, bounds)

        def verdicts_of(decided: Mapping[str, Any]) -> Mapping[str, Truth]:
            out = dict(verdicts)
            for name, value in decided.items():
                if name not in values and name in state.fields:
                    out.update(self._treatment_verdicts(rs, name, value))
            return out

        found = with_options(rs, values, verdicts_of, base, calendar, bounds)
        state.decided.append(found)
        return options_json(found)

    def _treatment_verdicts(self, rs: RuleSet, name: str, value: Any) -> dict[str, Truth]:
        key = (rs.id, name, value)
        found = self._decisions.get(key)
        if found is None:
            fired = self._comparator.verdicts(rs, {name: value})
            found = self._decisions[key] = {a.key: fired[a.key]
                                            for a in self._comparator.atoms(rs)
                                            if a.field == name}
        return found

    def _scatter(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray,
                 rows: np.ndarray, final: np.ndarray
                 ) -> tuple[Evaluated, np.ndarray, np.ndarray]:
        """`result` with the decided results of `rows` (`final`: their indexes in
        state.decided) put in."""
        parts = self._decided_parts(state)
        status, low, high = result.status.copy(), result.low.copy(), result.high.copy()
        has_range, score = result.has_range.copy(), result.score.copy()
        group, subgroup = result.group.copy(), result.subgroup.copy()
        held, reasons = result.held.copy(), reasons.copy()
        options = np.zeros(result.n, dtype=np.int64)
        status[rows] = parts.status[final]
        has_range[rows] = parts.has_range[final]
        low[rows] = parts.low[final]
        high[rows] = parts.high[final]
        score[rows] = parts.score[final]
        group[rows] = parts.group[final]
        subgroup[rows] = parts.subgroup[final]
        held[rows] = parts.held[final]
        reasons[rows] = parts.reasons[final]
        options[rows] = final
        return replace(result, status=status, has_range=has_range, low=low, high=high,
                       score=score, group=group, subgroup=subgroup, held=held), reasons, options

    def _decided_parts(self, state: _RuleSetState) -> _Decided:
        """What `_scatter` puts in the rows of each decided result, by its index in
        state.decided: made once a result, when it is new (per batch, these were made
        again for each distinct result: 0.15 s of a 1M-row run)."""
        parts = state.decided_parts
        if len(parts.status) == len(state.decided):
            return parts
        rs = state.rs
        groups = [g.id for g in rs.groups]
        new: dict[str, list[Any]] = {name: [] for name in _Decided.__dataclass_fields__}
        for index in range(len(parts.status), len(state.decided)):
            r = state.decided[index]
            if r is None:  # index 0: the rows without options (never put in)
                row: tuple[Any, ...] = (0, False, 0, 0, False, NONE, NONE,
                                        [False] * len(rs.estimates), 0)
            else:
                low_k, high_k = r.score_range if r.score_range else (0, 0)
                key = code_key((-2, index))
                text = state.reasons.by_code.get(key)
                if text is None:
                    text = state.reasons.add(key, REASON_SEPARATOR.join(r.reasons) or None)
                    state.reason_lists.append(r.reasons)
                row = (STATUSES.index(r.status), r.score_range is not None,
                       r.score if r.score is not None else low_k, high_k, r.score is not None,
                       groups.index(r.group) if r.group else NONE,
                       groups.index(r.subgroup) if r.subgroup else NONE,
                       [e in r.estimates for e in rs.estimates], text)
            for name, value in zip(new, row, strict=True):
                new[name].append(value)
        held = np.array(new.pop("held"), dtype=bool).reshape(len(new["status"]),
                                                             len(rs.estimates))
        state.decided_parts = _Decided(
            held=np.concatenate([parts.held, held]),
            **{name: np.concatenate([getattr(parts, name), np.array(values, dtype=np.int64)])
               for name, values in new.items()})
        return state.decided_parts

    def _columns(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray,
                 options: np.ndarray) -> dict[str, pa.Array]:
        rs, n, p = state.rs, result.n, state.rs.id
        status = pa.DictionaryArray.from_arrays(pa.array(result.status.astype(np.int32)),
                                                pa.array(STATUSES))
        out: dict[str, pa.Array] = {
            f"{p}.status": status,
            f"{p}.score": pa.array(result.low, mask=~result.score),
            f"{p}.score_min": pa.array(result.low, mask=~result.has_range),
            f"{p}.score_max": pa.array(result.high, mask=~result.has_range),
            f"{p}.group": _group_array(rs, result.group),
            f"{p}.subgroup": _group_array(rs, result.subgroup),
        }
        out[f"{p}.unknown"] = state.unknown.array(self._unknown_ids(state, result))
        out[f"{p}.reasons"] = state.reasons.array(reasons)
        out[f"{p}.options"] = state.options.array(options)
        for name, indexes in estimate_columns(rs).items():
            values = np.full(n, np.nan)
            given = np.zeros(n, dtype=bool)
            for j in indexes:
                value = rs.estimates[j].value
                clash = given & result.held[:, j] & (values != value)
                if clash.any():
                    raise EngineError(f"{rs.id}: two estimates apply to column {name}")
                values = np.where(result.held[:, j], value, values)
                given |= result.held[:, j]
            out[name] = pa.array(values, mask=~given)
        out.update(self._verdict_columns(state, result))
        return out

    def _unknown_ids(self, state: _RuleSetState, result: Evaluated) -> np.ndarray:
        """Per row, the index of its unknown factors' text (state.unknown); none where the
        study does not apply (columns.flat_row)."""
        applies = result.status != NOT_APPLICABLE
        unknown_code = np.zeros(result.n, dtype=np.int64)
        for i, verdict in enumerate(result.factors):
            unknown_code |= ((verdict == 0) & applies).astype(np.int64) << (i % 62)
        unknown_columns = [(v == 0) & applies for v in result.factors] \
            if len(result.factors) > 62 else [unknown_code]
        factor_ids = [f.id for f in state.rs.factors]
        return self._texts(state.unknown, unknown_columns, lambda row: UNKNOWN_SEPARATOR.join(
            i for i, v in zip(factor_ids, result.factors, strict=True) if v[row] == 0)
            or None if applies[row] else None)

    @staticmethod
    def _verdict_columns(state: _RuleSetState, result: Evaluated) -> dict[str, pa.Array]:
        """columns.verdict_columns: each factor's and caveat's verdict (null: unknown)."""
        names = [c.name for c in verdict_columns(state.rs)]
        return {name: pa.array(verdict == TRUE, mask=verdict == 0)
                for name, verdict in zip(names, [*result.factors, *result.caveats],
                                         strict=True)}

    def _csv(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray,
             options: np.ndarray) -> dict[str, pa.Array]:
        """The rule set's cells as CSV text (csvtext.py), in the columns `csv_columns` names.

        The cells before the verdict columns depend on a row's status, score range,
        group, subgroup, unknown factors, reasons, options and the estimates that hold:
        their text is made by `_columns` and csvtext once per distinct combination, on
        one row of each. The verdicts vary independently of each other: the text of
        each few is taken from every combination's (csvtext.verdict_cells)."""
        rs = state.rs
        unknown = self._unknown_ids(state, result)
        key = [result.status, result.has_range, result.low, result.high, result.score,
               result.group, result.subgroup, unknown, reasons, options, *result.held.T]
        verdicts = {c.name for c in verdict_columns(rs)}
        names = [c.name for c in self._columns_of[rs.id] if c.name not in verdicts]

        def make(rows: list[int]) -> list[str | None]:
            at = np.array(rows, dtype=np.int64)
            columns = self._columns(state, result.take(at), reasons[at], options[at])
            text: list[str | None] = csvtext.joined(
                [csvtext.cells(columns[name]) for name in names]).to_pylist()
            return text

        leading, *grouped = csv_columns(rs)
        out = {leading: state.csv.array(self._texts_of_rows(state.csv, key, make))}
        every = [*result.factors, *result.caveats]
        for k, name in enumerate(grouped):
            group = every[k * VERDICTS_PER_TEXT:(k + 1) * VERDICTS_PER_TEXT]
            code = np.zeros(result.n, dtype=np.int32)
            for i, verdict in enumerate(group):
                code += (verdict.astype(np.int32) + 1) * 3 ** i
            out[name] = pa.DictionaryArray.from_arrays(pa.array(code),
                                                       csvtext.verdict_cells(len(group)))
        return out

    # -- JSON lines ------------------------------------------------------------

    def _compact(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray,
                 options: np.ndarray) -> pa.Array:
        """Each row's compact result (what varies per patient), joined column-wise from
        parts: status to subgroup (one text per distinct code), the factors' and caveats'
        verdict lists (joined by pyarrow), the estimates that hold (one text per code)."""
        rs = state.rs
        head = [result.status, np.where(result.has_range, result.low, -1),
                np.where(result.has_range, result.high, -1), result.group, result.subgroup,
                result.score, reasons, options]
        parts: list[Any] = [plain(state.compact.array(self._texts(
            state.compact, head, lambda row: _json({rs.id: compact_head(
                rs, result, row, state.reason_lists[int(reasons[row])],
                state.options.texts[int(options[row])])})[1:-2])))]
        parts += [',"factors":', _json_list(result.factors), ',"caveats":',
                  _json_list(result.caveats)]
        held = [result.held[:, j] for j in range(len(rs.estimates))] or \
            [np.zeros(result.n, dtype=bool)]
        parts += [plain(state.estimates.array(self._texts(
            state.estimates, held, lambda row: ',"estimates":' + _json({
                estimate_id(e): e.value for j, e in enumerate(rs.estimates)
                if result.held[row, j]}) + "}")))]
        return pc.binary_join_element_wise(*parts, "")

    def _full(self, state: _RuleSetState, atoms: Mapping[str, np.ndarray],
              ids: Mapping[str, np.ndarray], n: int) -> pa.Array:
        """Each row's own full result (its values in the traces), as compare's JSON."""
        rs = state.rs
        names = [name for name in state.reads if name in ids]
        exact = list(zip(*(ids[name].tolist() for name in names), strict=True)) if names \
            else [()] * n
        texts: list[str] = []
        for row in range(n):
            text = state.full.get(exact[row])
            if text is None:
                text = json.dumps(self._result(rs, ids, row, traces=True).to_dict(),
                                  ensure_ascii=False)
                if len(state.full) >= JSON_CACHE:
                    state.full.clear()
                state.full[exact[row]] = text
            texts.append(text)
        return pa.array(texts, pa.string())


def _number(value: Any) -> float:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else float("nan")


def _placed(atoms: Sequence[Atom], name: str) -> Callable[[Any], Any]:
    """A field's value as its comparisons see it: a duration given in months or years is
    placed among the thresholds by its months (`calendar_fact`), as `compare` does."""
    def placed(value: Any) -> Any:
        if isinstance(value, Months):
            return calendar_fact(atoms, {name: value}, {name: value.months})[name]
        return value

    return placed


def _group_array(rs: RuleSet, index: np.ndarray) -> pa.Array:
    ids = [g.id for g in rs.groups] or [""]
    return pa.DictionaryArray.from_arrays(
        pa.array(np.maximum(index, 0).astype(np.int32), mask=index == NONE), pa.array(ids))


def compact_head(rs: RuleSet, result: Evaluated, row: int, reasons: Sequence[str],
                 options: str | None) -> dict[str, Any]:
    """One row's compact result up to its factors (compact JSON lines: the static part is
    in the header; factors' and caveats' `present` follow in the order it lists them)."""
    groups = [g.id for g in rs.groups]
    group, subgroup = int(result.group[row]), int(result.subgroup[row])
    head = {
        "status": STATUSES[int(result.status[row])],
        "reasons": list(reasons),
        "score": int(result.low[row]) if result.score[row] else None,
        "score_range": [int(result.low[row]), int(result.high[row])]
        if result.has_range[row] else None,
        "group": groups[group] if group != NONE else None,
        "subgroup": groups[subgroup] if subgroup != NONE else None,
        "options": json.loads(options) if options else None,
    }
    return {k: v for k, v in head.items() if v is not None or k in COMPACT_ALWAYS}


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


_VERDICT_TEXT = pa.array(["false", "null", "true"])  # index: verdict + 1


def _json_list(verdicts: list[np.ndarray]) -> Any:
    """Per row, `[v1,v2,...]` of three-valued verdicts, joined column-wise."""
    if not verdicts:
        return "[]"
    texts = [_VERDICT_TEXT.take(pa.array((v + 1).astype(np.int32))) for v in verdicts]
    return pc.binary_join_element_wise("[", pc.binary_join_element_wise(*texts, ","), "]",
                                       "")


def _counts(rs: RuleSet, result: Evaluated) -> Counter[tuple[str, Any]]:
    """(status, score or group) -> rows, for the summary."""
    if rs.model == "score":
        label = np.where(result.score, result.low, -1)
        names: Callable[[int], Any] = lambda v: None if v < 0 else v  # noqa: E731
    else:
        label = result.group
        names = lambda v: None if v == NONE else rs.groups[v].id  # noqa: E731
    counts: Counter[tuple[str, Any]] = Counter()
    if result.n == 0:
        return counts
    keys, _, inverse = group_rows([result.status.astype(np.int64), label.astype(np.int64)])
    for (status, value), k in zip(keys.tolist(), np.bincount(inverse).tolist(), strict=True):
        counts[(STATUSES[status], names(value))] += k
    return counts


def _bare_problem(source: str, batch: RawBatch, name: str, at: int, fdef: FieldDef
                  ) -> Problem:
    """The refusal of a column of bare numbers without a unit, naming its row `at` (of the
    batch) and that row's value."""
    column = batch.columns[name]
    row = batch.first_row + at
    value = column.raw(int(column.codes[at]))
    assert fdef.dimension is not None
    units = ", ".join(dict.fromkeys(fdef.dimension.factors))
    example = fdef.dimension.canonical
    shown = batch.sources.get(name, name)
    return Problem(source, f"column '{shown}' has bare numbers ({value!r} in "
                   f"row {row}) but no unit: a {fdef.dimension.name} is never guessed; declare "
                   f"the unit in the header ('{name} [{example}]') or with --unit "
                   f"{name}={example} (units: {units}), or write it in each cell", field=name)
