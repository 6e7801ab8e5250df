"""The only module that touches durable_rules.

Each rule set is compiled into one durable_rules ruleset with one rule per
distinct comparison (`Atom`). A patient is asserted as a FACT (not an event:
an event is consumed by the first matching rule), so every comparison that
holds fires its rule; the rules that fired are the comparisons that are true.

What this adapter guards against (measured in durable-rules 2.0.28):
- one Host per process, created lazily, with its timer threads disabled
  (they race with the caller and segfault with several threads);
- a fresh session id per evaluation and `delete_state` after it, so no fact
  survives into the next patient and the 1,024 live-session cap is never hit;
- a sentinel rule that every fact matches, plus a warm-up fact at
  registration (a first fact that matches nothing, then `delete_state`,
  crashes the process);
- values are cast before they reach the engine: booleans to 0/1, numbers to
  float, enums as text; unknown fields are never asserted, and atoms on them
  are decided as unknown by the caller, because a missing attribute makes
  every durable comparison false;
- the reserved keys `id` and `sid` are never patient data here;
- its C parser cannot read numbers in exponent notation, which Python's JSON
  writes for very small or very large floats (5e-324, 1e+16): such a value is
  replaced by a representative of the same cell between the field's
  thresholds (below all, above all, equal to one, or the midpoint between
  two), so every comparison keeps its verdict;
- each registered ruleset gets a unique name, so two versions of one rule
  set (for `rules diff`) can live in one process.

Every durable rule compares one field with one value, so what a fact fires depends
only on the CELL of each value: for a field compared only with numbers, its position
among the ruleset's thresholds on it (below the first, equal to it, between it and the
next, ...); for any other field, the value itself. `fired` remembers the answer per
combination of cells (the last MEMO of them): the board recomputes on every key, and
most of a key's facts (the studies that do not read the changed field, the treatment
options, the near-cut-off probes) recur. A new combination is always asserted.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import itertools
import math
import signal
import threading
from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .errors import EngineError
from .interrupts import STOPPING
from .model import Atom

_SENTINEL = "__sentinel__"
_OPS = {"<": "$lt", "<=": "$lte", ">": "$gt", ">=": "$gte", "!=": "$neq"}
_NUMERIC_OPS = frozenset(("==", *_OPS))
MEMO = 4096  # combinations of cells remembered per adapter


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Hold Ctrl-C, SIGTERM and SIGHUP while durable_rules runs a rule's action: an
    exception raised inside its callback is printed by durable_rules itself, a traceback
    fragment on stderr. Held, the signal is delivered to its own handler right after (a
    comparison takes microseconds). The handlers are swapped, not the signal mask: a mask
    holds a signal back from this thread only, and the cohort's reading and writing
    threads would take it, and Python would still raise it here."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught: list[int] = []
    previous = {number: signal.signal(number, lambda n, _f: caught.append(n))
                for number in sorted(STOPPING)}
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
        for number in dict.fromkeys(caught):
            signal.raise_signal(number)


def _cast(value: Any) -> Any:
    if isinstance(value, bool):
        return 1 if value else 0
    if isinstance(value, int | float):
        return float(value)
    return value


def plain_number(value: float) -> bool:
    """True when JSON writes the number without an exponent (durable_rules can read it);
    never for infinity or NaN, which JSON cannot hold at all (durable_rules then fails to
    read the fact and reports only that its state could not be deleted)."""
    return math.isfinite(value) and "e" not in repr(float(value))


def cell(value: float, thresholds: Sequence[float]) -> int:
    """A number's place among sorted cut-offs: 2k when it lies below cut-off k (and above
    the one before), 2k + 1 when it equals cut-off k. Every comparison with one of the
    cut-offs gives the same verdict for two numbers with the same cell."""
    position = bisect_left(thresholds, value)
    return 2 * position + (position < len(thresholds) and thresholds[position] == value)


def representative(value: float, thresholds: tuple[float, ...]) -> float:
    """A plain number on the same side of every threshold as `value`."""
    if plain_number(value) or not thresholds:
        return value if plain_number(value) else 0.0
    if value < thresholds[0]:
        return thresholds[0] - 1
    if value > thresholds[-1]:
        return thresholds[-1] + 1
    for low, high in itertools.pairwise(thresholds):
        if value == low:
            return low
        if low < value < high:
            return (low + high) / 2
    return thresholds[-1]


def atom_expression(atom: Atom) -> dict[str, Any]:
    """The durable_rules expression for one comparison (an explicit table, no eval)."""
    name = atom.field
    if atom.op == "==":
        return {name: _cast(atom.value)}
    if atom.op in _OPS:
        return {_OPS[atom.op]: {name: _cast(atom.value)}}
    values = atom.value if isinstance(atom.value, tuple) else (atom.value,)
    if atom.op == "in":
        return {"$or": [{name: v} for v in values]}
    if atom.op == "not_in":
        return {"$and": [{"$neq": {name: v}} for v in values]}
    raise EngineError(f"operator {atom.op!r} has no durable_rules translation")


@dataclass(frozen=True)
class CompiledRuleset:
    """A registered durable ruleset and the atom keys it decides."""

    name: str
    keys: tuple[str, ...]
    fields: frozenset[str]
    thresholds: tuple[tuple[str, tuple[float, ...]], ...] = ()  # numeric cut-offs per field
    # the fields compared only with numbers: a value's cell there is its place among the
    # field's thresholds
    cell_fields: frozenset[str] = frozenset()

    @functools.cached_property
    def _cuts(self) -> dict[str, tuple[float, ...]]:
        return {name: cuts for name, cuts in self.thresholds if name in self.cell_fields}

    def signature(self, fact: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """What every comparison of this ruleset can see of `fact` (None: not hashable)."""
        key: list[Any] = []
        for name, value in sorted(fact.items()):
            cuts = self._cuts.get(name)
            if cuts is not None and isinstance(value, float):
                if value != value:  # NaN: in no cell
                    return None
                key.append((name, "cell", cell(value, cuts)))
            else:
                key.append((name, value))
        signature = tuple(key)
        try:
            hash(signature)
        except TypeError:
            return None
        return signature


class _ProcessState:
    """Process-wide durable_rules state: one host, its rulesets, the rule recorder."""

    def __init__(self) -> None:
        self.lock = threading.RLock()
        self.host: Any = None
        self.compiled: dict[tuple[Any, ...], CompiledRuleset] = {}
        self.names = itertools.count()
        self.sids = itertools.count()
        self.fired: list[str] = []

    def get_host(self) -> Any:
        if self.host is None:
            from durable.engine import Host  # imported lazily: ~25 ms

            class _QuietHost(Host):  # type: ignore[misc]
                def _run(self) -> None:
                    """Start no timer threads (see module docstring)."""

            self.host = _QuietHost()
        return self.host

    def recorder(self, key: str) -> Callable[[Any], None]:
        def record(_closure: Any) -> None:
            self.fired.append(key)

        return record


_STATE = _ProcessState()


class DurableAdapter:
    """Registers atom rulesets once per process and evaluates facts against them."""

    def __init__(self) -> None:
        self._fired: dict[tuple[str, tuple[Any, ...]], frozenset[str]] = {}
        self.asserted = 0  # facts handed to durable_rules (a remembered answer is not one)

    @property
    def remembered(self) -> int:
        """How many combinations of cells have their answer remembered (at most MEMO)."""
        return len(self._fired)

    def forget(self) -> None:
        """Forget every remembered answer (a benchmark's worst case: every fact new)."""
        self._fired.clear()

    def compile(self, label: str, atoms: Iterable[Atom]) -> CompiledRuleset:
        atoms = tuple(atoms)
        identity = (label, tuple((a.key, a.field, a.op, a.value) for a in atoms))
        with _STATE.lock:
            cached = _STATE.compiled.get(identity)
            if cached is not None:
                return cached
            cuts: dict[str, set[float]] = {}
            for a in atoms:
                if isinstance(a.value, int | float) and not isinstance(a.value, bool):
                    if not plain_number(a.value):
                        raise EngineError(f"threshold {a.value!r} of {a.field} cannot be "
                                          "passed to durable_rules (exponent notation)")
                    cuts.setdefault(a.field, set()).add(float(a.value))
            numeric_only = {a.field for a in atoms} - {
                a.field for a in atoms if a.op not in _NUMERIC_OPS
                or not isinstance(a.value, int | float) or isinstance(a.value, bool)}
            name = f"{label}#{next(_STATE.names)}"
            rules: dict[str, Any] = {
                _SENTINEL: {"all": [{"m": {_SENTINEL: 1}}], "run": _STATE.recorder(_SENTINEL)},
            }
            for atom in atoms:
                rules[atom.key] = {"all": [{"m": atom_expression(atom)}],
                                   "run": _STATE.recorder(atom.key)}
            # register_rulesets deletes the 'run' keys of what it is given: pass a copy.
            _STATE.get_host().register_rulesets(copy.deepcopy({name: rules}))
            compiled = CompiledRuleset(name, tuple(a.key for a in atoms),
                                       frozenset(a.field for a in atoms),
                                       tuple((f, tuple(sorted(c))) for f, c in cuts.items()),
                                       frozenset(numeric_only))
            self._assert(compiled, {})  # warm-up fact (see module docstring)
            _STATE.compiled[identity] = compiled
            return compiled

    def fired(self, compiled: CompiledRuleset, values: Mapping[str, Any]) -> frozenset[str]:
        """Keys of the atoms that hold for these (known) values."""
        fact = {k: _cast(v) for k, v in values.items() if k in compiled.fields}
        signature = compiled.signature(fact)
        known = None if signature is None else self._fired.get((compiled.name, signature))
        if known is not None:
            return known
        for name, cuts in compiled.thresholds:
            value = fact.get(name)
            if isinstance(value, float) and not plain_number(value):
                fact[name] = representative(value, cuts)
        fired = self._assert(compiled, fact)
        self.asserted += 1
        if signature is not None:
            if len(self._fired) >= MEMO:
                del self._fired[next(iter(self._fired))]  # the oldest
            self._fired[(compiled.name, signature)] = fired
        return fired

    @staticmethod
    def _assert(compiled: CompiledRuleset, fact: dict[str, Any]) -> frozenset[str]:
        with _STATE.lock:
            host = _STATE.get_host()
            sid = f"p{next(_STATE.sids)}"
            _STATE.fired = []
            with _signals_held():
                try:
                    host.assert_fact(compiled.name, {**fact, _SENTINEL: 1, "sid": sid})
                finally:
                    host.delete_state(compiled.name, sid)
            fired, _STATE.fired = _STATE.fired, []
        if _SENTINEL not in fired:
            raise EngineError(f"durable_rules did not evaluate ruleset {compiled.name}")
        return frozenset(k for k in fired if k != _SENTINEL)
