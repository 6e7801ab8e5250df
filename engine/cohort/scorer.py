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
   dictionary arrays.

`--full` JSON lines assemble each row's own result (its values are in the
traces), once per distinct set of values. A scorer keeps what it learnt
(converted values, field cells, texts) between batches; it lives in one
process (durable_rules is not thread-safe).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ..errors import EngineError, InputError, Problem
from ..evaluate import Comparator, assemble
from ..fields import FieldDef, FieldDictionary
from ..model import Condition, RuleSet, Truth, atoms_of
from ..patient import apply_implications
from ..results import Result
from .cells import FieldVerdicts, field_cells
from .columns import (
    REASON_SEPARATOR,
    UNKNOWN_SEPARATOR,
    Column,
    estimate_columns,
    estimate_id,
    output_columns,
)
from .convert import BAD, UNKNOWN, Codec, shown_value
from .derive import Deriver
from .raw import RawBatch, group_rows
from .vector import FALSE, NONE, STATUSES, TRUE, Evaluated, evaluate
from .vector import UNKNOWN as UNKNOWN_VERDICT

JsonMode = Literal["compact", "full"]
JSON_CACHE = 4_096  # full JSON texts kept per rule set (each 5-15 kB)
ARROW_TYPES = {"string": pa.string(), "int": pa.int64(), "float": pa.float64(),
               "bool": pa.bool_()}
_TRUTH: dict[int, Truth] = {TRUE: True, 0: None, FALSE: False}


def json_column(rule_set_id: str) -> str:
    """The hidden column that carries a rule set's JSON text per row (JSON-lines output)."""
    return f"{rule_set_id}.__json__"


@dataclass(frozen=True)
class Rejection:
    row: int
    field: str | None
    value: str
    message: str


@dataclass
class BatchOutcome:
    table: pa.Table  # the scored rows: row, id, kept columns, rule-set columns (+ JSON)
    rejections: list[Rejection]
    counts: dict[str, Counter[tuple[str, Any]]]  # rule set -> (status, score or group) -> n


class _Texts:
    """Distinct texts of one output column, numbered; batches get dictionary arrays."""

    def __init__(self) -> None:
        self.texts: list[str | None] = []
        self.by_code: dict[tuple[int, ...], int] = {}
        self._array = pa.array([], pa.string())  # the texts so far ("" for None)
        self._nulls = np.zeros(0, dtype=bool)

    def add(self, code: tuple[int, ...], text: str | None) -> int:
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
        self._states: dict[str, _RuleSetState] = {}
        for rs in self.rule_sets:
            atoms = self._comparator.atoms(rs)
            self._states[rs.id] = _RuleSetState(rs, {
                cells.name: FieldVerdicts(cells, [a for a in atoms if a.field == cells.name],
                                          self._decider(rs, cells.name))
                for cells in field_cells(rs, types)})
        implied = {name for f in fields.fields.values() if f.implies or f.implies_if_false
                   for name in (f.name, *(f.implies or {}), *(f.implies_if_false or {}))}
        self._implication_fields = tuple(sorted(implied))
        self._stage_memo: dict[tuple[Any, ...], tuple[dict[str, int],
                                                      list[tuple[str | None, str]]]] = {}
        self._deriver = Deriver(fields, self._codecs)

    def _decider(self, rs: RuleSet, name: str) -> Callable[[Any], Mapping[str, Truth]]:
        """durable_rules' verdicts for a fact holding only this field (cells.FieldVerdicts)."""
        return lambda value: self._comparator.verdicts(rs, {name: value})

    # -- the stages ---------------------------------------------------------

    def score(self, batch: RawBatch, source: str = "<cohort>",
              json_mode: JsonMode | None = None) -> BatchOutcome:
        ids, bad = self._convert(batch, source)
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
        kept_ids = {name: values[keep] for name, values in ids.items()}
        for rs in self.rule_sets:
            state = self._states[rs.id]
            atoms = self._atom_verdicts(state, kept_ids, len(keep))
            result = evaluate(rs, atoms, len(keep))
            reasons = self._reason_ids(state, result, atoms, kept_ids)
            arrays.update(self._columns(state, result, reasons))
            counts[rs.id] = _counts(rs, result)
            if json_mode == "compact":
                arrays[json_column(rs.id)] = self._compact(state, result, reasons)
            elif json_mode == "full":
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
            if bare is not None:
                refused.append(_bare_problem(source, batch, name, bare,
                                             self._codecs[name].fdef))
                continue
            ids[name] = per_unique[column.codes]
            if messages:
                bad[name] = messages
        if refused:
            raise InputError(refused)
        return ids, bad

    def _complete(self, ids: dict[str, np.ndarray], bad: Mapping[str, Any],
                  source: str) -> dict[int, list[tuple[str | None, str]]]:
        """Apply implications (once per distinct combination), then derive fields."""
        n = len(next(iter(ids.values()))) if ids else 0
        clean = np.ones(n, dtype=bool)
        for name in bad:
            clean &= ids[name] != BAD
        problems: dict[int, list[tuple[str | None, str]]] = {}
        reads = self._implication_fields
        if n and any(name in ids for name in reads):
            columns = [ids.get(name, np.full(n, UNKNOWN, dtype=np.int64)) for name in reads]
            combos, _, inverse = group_rows(columns)
            outputs = []
            for combo in map(tuple, combos.tolist()):
                key = (source, combo)
                found = self._stage_memo.get(key)
                if found is None:
                    found = self._stage_memo[key] = self._implications(
                        dict(zip(reads, combo, strict=True)), source)
                outputs.append(found)
            for written in {name for changed, _ in outputs for name in changed}:
                per_combo = np.array([changed.get(written, UNKNOWN if written not in ids
                                                  else -3) for changed, _ in outputs])
                current = ids.get(written, np.full(n, UNKNOWN, dtype=np.int64))
                new = per_combo[inverse]
                ids[written] = np.where((new == -3) | ~clean, current, new)
            said = np.array([bool(issues) for _, issues in outputs])
            for row in np.flatnonzero(said[inverse] & clean).tolist():
                problems.setdefault(row, []).extend(outputs[inverse[row]][1])
        self._deriver.derive(ids, clean, source, problems)
        return problems

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

    # -- one rule set, column-wise -----------------------------------------------

    def _atom_verdicts(self, state: _RuleSetState, ids: Mapping[str, np.ndarray],
                       n: int) -> dict[str, np.ndarray]:
        """Each comparison's verdict array, from the cells of the rows' values."""
        atoms: dict[str, np.ndarray] = {}
        unknown = np.full(n, UNKNOWN, dtype=np.int64)
        for name, verdicts in state.fields.items():
            table = verdicts.verdicts(ids.get(name, unknown), self._codecs[name].values)
            for j, key in enumerate(verdicts.keys):
                atoms[key] = np.ascontiguousarray(table[:, j])
        return atoms

    def _row_inputs(self, rs: RuleSet, atoms: Mapping[str, np.ndarray],
                    ids: Mapping[str, np.ndarray], row: int
                    ) -> tuple[dict[str, Any], dict[str, Truth]]:
        """One row's values and verdicts, as `assemble` takes them."""
        known = {name: int(ids[name][row]) for name in self._states[rs.id].fields
                 if name in ids}
        return self._values(known), {k: _TRUTH[int(v[row])] for k, v in atoms.items()}

    def _assembled(self, state: _RuleSetState, atoms: Mapping[str, np.ndarray],
                   ids: Mapping[str, np.ndarray], row: int) -> Result:
        values, verdicts = self._row_inputs(state.rs, atoms, ids, row)
        return assemble(state.rs, values, verdicts, traces=False)

    def _reason_ids(self, state: _RuleSetState, result: Evaluated,
                    atoms: Mapping[str, np.ndarray], ids: Mapping[str, np.ndarray]
                    ) -> np.ndarray:
        """Each row's reasons, as an index into state.reasons.

        What `assemble`'s reasons read, and nothing more: out of the population,
        which conditions fail and the values of their fields (the reason shows
        them); otherwise which conditions, score or signal factors and (group
        models) which groups are undetermined, and which of their fields are not
        given. Rows that agree on these get the same reasons.
        """
        rs, n = state.rs, result.n
        missing = np.full(n, UNKNOWN, dtype=np.int64)
        out = result.applies == FALSE
        columns: list[np.ndarray] = [out]

        def unknown_fields(condition: Condition, undetermined: np.ndarray) -> None:
            columns.append(undetermined)
            for name in dict.fromkeys(a.field for a in atoms_of(condition)):
                columns.append(np.where(undetermined, ids.get(name, missing) >= 0, -1))

        for c, verdict in zip(rs.population, result.population, strict=True):
            failed = out & (verdict == FALSE)
            columns.append(failed)
            for name in dict.fromkeys(a.field for a in atoms_of(c.when)):
                columns.append(np.where(failed, ids.get(name, missing), -9))
            unknown_fields(c.when, ~out & (verdict == UNKNOWN_VERDICT))
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
        reasons = self._assembled(state, atoms, ids, row).reasons
        state.reason_lists.append(reasons)
        return REASON_SEPARATOR.join(reasons) or None

    @staticmethod
    def _texts(texts: _Texts, columns: list[np.ndarray],
               make: Callable[[int], str | None]) -> np.ndarray:
        """Per row, the index of its text: made once per distinct code (by `make(row)`)."""
        n = len(columns[0]) if columns else 0
        if n == 0:
            return np.zeros(0, dtype=np.int64)
        codes, first, inverse = group_rows([np.asarray(c, dtype=np.int64) for c in columns])
        per_code = np.empty(len(first), dtype=np.int64)
        for i, (code, row) in enumerate(zip(map(tuple, codes.tolist()), first.tolist(),
                                            strict=True)):
            found = texts.by_code.get(code)
            per_code[i] = found if found is not None else texts.add(code, make(row))
        result: np.ndarray = per_code[inverse]
        return result

    def _columns(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray
                 ) -> dict[str, pa.Array]:
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
        unknown_code = np.zeros(n, dtype=np.int64)
        for i, verdict in enumerate(result.factors):
            unknown_code |= (verdict == 0).astype(np.int64) << (i % 62)
        unknown_columns = [(v == 0) for v in result.factors] if len(rs.factors) > 62 \
            else [unknown_code]
        factor_ids = [f.id for f in rs.factors]
        out[f"{p}.unknown"] = state.unknown.array(self._texts(
            state.unknown, unknown_columns,
            lambda row: UNKNOWN_SEPARATOR.join(
                i for i, v in zip(factor_ids, result.factors, strict=True) if v[row] == 0)
            or None))
        out[f"{p}.reasons"] = state.reasons.array(reasons)
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
        for f, verdict in zip(rs.factors, result.factors, strict=True):
            out[f"{p}.factor.{f.id}"] = pa.array(verdict == TRUE, mask=verdict == 0)
        for c, verdict in zip(rs.caveats, result.caveats, strict=True):
            out[f"{p}.caveat.{c.id}"] = pa.array(verdict == TRUE, mask=verdict == 0)
        return out

    # -- JSON lines ------------------------------------------------------------

    def _compact(self, state: _RuleSetState, result: Evaluated, reasons: np.ndarray
                 ) -> pa.Array:
        """Each row's compact result (what varies per patient), joined column-wise from
        parts: status to subgroup (one text per distinct code), the factors' and caveats'
        verdict lists (joined by pyarrow), the estimates that hold (one text per code)."""
        rs = state.rs
        head = [result.status, np.where(result.has_range, result.low, -1),
                np.where(result.has_range, result.high, -1), result.group, result.subgroup,
                reasons]
        parts: list[Any] = [_plain(state.compact.array(self._texts(
            state.compact, head, lambda row: _json({rs.id: compact_head(
                rs, result, row, state.reason_lists[int(reasons[row])])})[1:-2])))]
        parts += [',"factors":', _json_list(result.factors), ',"caveats":',
                  _json_list(result.caveats)]
        held = [result.held[:, j] for j in range(len(rs.estimates))] or \
            [np.zeros(result.n, dtype=bool)]
        parts += [_plain(state.estimates.array(self._texts(
            state.estimates, held, lambda row: ',"estimates":' + _json({
                estimate_id(e): e.value for j, e in enumerate(rs.estimates)
                if result.held[row, j]}) + "}")))]
        return pc.binary_join_element_wise(*parts, "")

    def _full(self, state: _RuleSetState, atoms: Mapping[str, np.ndarray],
              ids: Mapping[str, np.ndarray], n: int) -> pa.Array:
        """Each row's own full result (its values in the traces), as compare's JSON."""
        rs = state.rs
        names = [name for name in state.fields if name in ids]
        exact = list(zip(*(ids[name].tolist() for name in names), strict=True)) if names \
            else [()] * n
        texts: list[str] = []
        for row in range(n):
            text = state.full.get(exact[row])
            if text is None:
                values, verdicts = self._row_inputs(rs, atoms, ids, row)
                text = json.dumps(assemble(rs, values, verdicts).to_dict(), ensure_ascii=False)
                if len(state.full) >= JSON_CACHE:
                    state.full.clear()
                state.full[exact[row]] = text
            texts.append(text)
        return pa.array(texts, pa.string())


def _group_array(rs: RuleSet, index: np.ndarray) -> pa.Array:
    ids = [g.id for g in rs.groups] or [""]
    return pa.DictionaryArray.from_arrays(
        pa.array(np.maximum(index, 0).astype(np.int32), mask=index == NONE), pa.array(ids))


def compact_head(rs: RuleSet, result: Evaluated, row: int, reasons: Sequence[str]
                 ) -> dict[str, Any]:
    """One row's compact result up to its factors (compact JSON lines: the static part is
    in the header; factors' and caveats' `present` follow in the order it lists them)."""
    groups = [g.id for g in rs.groups]
    group, subgroup = int(result.group[row]), int(result.subgroup[row])
    return {
        "status": STATUSES[int(result.status[row])],
        "reasons": list(reasons),
        "score": int(result.low[row]) if result.score[row] else None,
        "score_range": [int(result.low[row]), int(result.high[row])]
        if result.has_range[row] else None,
        "group": groups[group] if group != NONE else None,
        "subgroup": groups[subgroup] if subgroup != NONE else None,
    }


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


def _plain(array: pa.Array) -> pa.Array:
    return array.dictionary_decode() if pa.types.is_dictionary(array.type) else array


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


def _bare_problem(source: str, batch: RawBatch, name: str, unique: int,
                  fdef: FieldDef) -> Problem:
    column = batch.columns[name]
    rows = np.flatnonzero(column.codes == unique)
    row = batch.first_row + int(rows[0]) if len(rows) else batch.first_row
    assert fdef.dimension is not None
    units = ", ".join(dict.fromkeys(fdef.dimension.factors))
    example = fdef.dimension.canonical
    shown = batch.sources.get(name, name)
    return Problem(source, f"column '{shown}' has bare numbers ({column.uniques[unique]!r} in "
                   f"row {row}) but no unit: a {fdef.dimension.name} is never guessed; declare "
                   f"the unit in the header ('{name} [{example}]') or with --unit "
                   f"{name}={example} (units: {units}), or write it in each cell", field=name)
