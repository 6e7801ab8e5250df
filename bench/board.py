"""Start-up and per-keystroke benchmark of `prognosis board` (a benchmark, not a test).

Window up: a fresh interpreter imports the board, loads the rules, builds the app
and runs it headless (Textual's pilot, 80x24) until the first frame is drawn; the
figure is the wall time from the interpreter's start to that frame (the median of
several runs; the bare interpreter's start is printed beside it).
Per keystroke: the worked patient is open and three kinds of key are pressed: a digit
completing a largest-nodule size not typed before (0.1-3.9 cm, both sides of the SLMS's
1.5 cm and Burkhard-Meier's 2 cm), a letter making that field invalid and Backspace
making it valid again (the patient shown before the letter), and Right stepping the
histology picker (every study's result changes; it has 11 values, so it comes back to
them). The engine remembers what each combination of field cells fired
(engine/durable_adapter.py), so a value between the same cut-offs as one seen before is
not asserted again: most keys of the first pass are answered that way. The second pass
presses the same keys COLD, the engine forgetting before each key, so that every fact
is asserted: the worst case. Everything else (results, options, near cut-offs, the
view, Textual's layout and paint) is done anew on every key in both. The update figure
is the board's own work for the key plus Textual's layout and paint that follow. The
full collection the board runs at rest (1.5 s after the last key) is timed too.
Goals (issue 16): window up <= 1 s, each update <= 50 ms, on this machine.
On a shared machine the wall times grow with the load: the load average is printed before
and after, and beside each wall time the CPU time of the same work (the start-up
process's, the board's thread's), which other processes slow far less.

Run: .venv/bin/python bench/board.py [--runs N] [--keys N]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = ROOT / "examples" / "lung-metastases-lms.yaml"
UP_GOAL, KEY_GOAL = 1.0, 0.050
KINDS = ("new value (nodule size)", "invalid / valid again", "next histology")
# The nodule-size keys: the field is set (unmeasured) to a prefix, then a digit is typed:
# 0.1-3.9 cm, each a patient not seen before, on both sides of 1.5 cm and 2 cm.
# (".0" is left out: "1.0" is the prefix's own value.)
DIGITS = [(p, d) for p in ("1.", "2.", "0.", "3.") for d in "123456789"]
STARTUP = """
import time
start = time.perf_counter()
import asyncio
from prognosis.cli.board.app import BoardApp
from prognosis.cli.board.session import Session

async def main():
    session = Session.start()
    session.open({example!r})
    app = BoardApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        print(time.perf_counter() - start)

asyncio.run(main())
"""


def children_cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def window_up(runs: int) -> tuple[float, float, float]:
    """(median seconds to the first frame, median CPU seconds of that process, median bare
    interpreter start), each including the interpreter's own start."""
    ups, cpu, bare = [], [], []
    for _ in range(runs + 1):  # the first run warms .pyc files and the rule cache
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        bare.append(time.perf_counter() - start)
        start, used = time.perf_counter(), children_cpu()
        out = subprocess.run([sys.executable, "-c", STARTUP.format(example=str(EXAMPLE))],
                             check=True, capture_output=True, text=True).stdout
        cpu.append(children_cpu() - used)  # to its exit, a little past the first frame
        inside = float(out.strip().splitlines()[-1])
        interpreter = time.perf_counter() - start - inside  # start before our first line
        ups.append(inside + max(interpreter, 0.0))
    return statistics.median(ups[1:]), statistics.median(cpu[1:]), statistics.median(bare[1:])


Times = tuple[float, float]  # (wall, CPU of this thread) seconds


def since(start: Times) -> Times:
    return time.perf_counter() - start[0], time.thread_time() - start[1]


def now() -> Times:
    return time.perf_counter(), time.thread_time()


Measured = dict[str, tuple[list[Times], list[Times]]]


def keystrokes(keys: int, cold: bool) -> tuple[Measured, list[float]]:
    """Per kind of key press (KINDS), `keys` presses: the times of the board's own work
    (engine and view) and of Textual's layout and paint that follow; and the seconds of
    each full collection the board runs at rest after the last key. `cold`: the engine
    forgets what durable_rules answered before each key, so every fact is asserted."""
    import gc

    from textual.screen import Screen
    from textual.widgets import Input

    from prognosis.cli.board.app import BoardApp
    from prognosis.cli.board.choice import Picker
    from prognosis.cli.board.sections import SectionFields
    from prognosis.cli.board.session import Session

    drawing: list[Times] = []
    depth = [0]  # _refresh_layout calls _compositor_refresh: time only the outer call
    originals = {name: getattr(Screen, name) for name in ("_refresh_layout",
                                                          "_compositor_refresh")}
    for name, original in originals.items():

        def timed(self: Screen[object], *args: object, __original: object = original,
                  **kwargs: object) -> object:
            start = now()
            depth[0] += 1
            try:
                return __original(self, *args, **kwargs)  # type: ignore[operator]
            finally:
                depth[0] -= 1
                if depth[0] == 0:
                    drawing.append(since(start))

        setattr(Screen, name, timed)

    session = Session.start()
    session.open(str(EXAMPLE))
    app = BoardApp(session)
    own: list[Times] = []
    changed = app._changed

    def timed_changed(widget_id: str | None, value: str) -> None:  # engine and redraw
        start = now()
        changed(widget_id, value)
        own.append(since(start))

    measured: Measured = {k: ([], []) for k in KINDS}
    at_rest: list[float] = []
    started: list[float] = []

    def collected(phase: str, info: dict[str, int]) -> None:
        if info["generation"] == 2:
            if phase == "start":
                started.append(time.perf_counter())
            else:
                at_rest.append(time.perf_counter() - started.pop())

    async def main() -> None:
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            fields = app.query_one(SectionFields)

            async def press(kind: str, key: str) -> None:
                if cold:
                    app.session.comparator.forget()
                drawing.clear()
                own.clear()
                await pilot.press(key)
                await pilot.pause()
                work, paint = measured[kind]
                work.append((sum(t[0] for t in own), sum(t[1] for t in own)))
                paint.append((sum(d[0] for d in drawing), sum(d[1] for d in drawing)))

            size = "lung_metastasis_max_diameter"  # in cm, as the worked patient has it
            await app.show_section(fields.section_of[size])
            box = app.query_one(f"#in-{size}", Input)
            box.focus()
            for i in range(keys):  # a new value each key: 0.1 ... 3.9 cm, both sides of
                prefix, digit = DIGITS[i % len(DIGITS)]  # 1.5 cm (SLMS) and 2 cm
                box.value = prefix  # (Burkhard-Meier); set unmeasured
                box.cursor_position = len(prefix)
                await pilot.pause()
                await press("new value (nodule size)", digit)
            for i in range(keys):
                await press("invalid / valid again", "x" if i % 2 == 0 else "backspace")
            histology = "histology"
            await app.show_section(fields.section_of[histology])
            picker = app.query_one(f"#in-{histology}", Picker)
            picker.focus()
            await pilot.pause()
            for _ in range(keys):  # every study's block changes: the whole view anew
                await press("next histology", "right")
            gc.callbacks.append(collected)
            await pilot.pause(BoardApp.REST + 0.5)  # a pause in typing
            gc.callbacks.remove(collected)

    app._changed = timed_changed  # type: ignore[method-assign]
    try:
        asyncio.run(main())
    finally:
        for name, original in originals.items():
            setattr(Screen, name, original)
    return measured, at_rest


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--keys", type=int, default=40)
    args = parser.parse_args()
    print("load average (1, 5, 15 min) before: {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))
    up, up_cpu, bare = window_up(args.runs)
    print(f"window up (80x24, worked patient open), median of {args.runs}: "
          f"{up * 1000:7.1f} ms  (goal <= {UP_GOAL * 1000:.0f} ms; bare interpreter "
          f"{bare * 1000:.1f} ms; CPU time {up_cpu * 1000:.1f} ms)")
    def ms(values: list[float], at: float) -> str:
        if at == 0.5:
            return f"{statistics.median(values) * 1000:6.1f}"
        return f"{sorted(values)[min(int(at * len(values)), len(values) - 1)] * 1000:6.1f}"

    every: list[float] = []
    for cold in (False, True):
        measured, at_rest = keystrokes(args.keys, cold)
        print(f"per key press ({args.keys} of each kind; 120x40), "
              + ("COLD: the engine forgets what durable_rules answered before each key, so "
                 "every fact is asserted" if cold else "as typed: the engine remembers what "
                 "each combination of field cells fired")
              + "; wall time [CPU time]: the board's own work (engine, view) + Textual's "
              "layout and paint")
        for kind, (own, paint) in measured.items():
            update = [(a[0] + b[0], a[1] + b[1]) for a, b in zip(own, paint, strict=True)]
            every += [t[0] for t in update]
            print(f"  {kind}:")
            for name, times in (("update", update), ("  own work", own),
                                ("  layout+paint", paint)):
                wall, cpu = [t[0] for t in times], [t[1] for t in times]
                print(f"    {name:15} median {ms(wall, 0.5)} ms, p90 {ms(wall, 0.9)} ms, max "
                      f"{ms(wall, 1)} ms  [CPU median {ms(cpu, 0.5)}, p90 {ms(cpu, 0.9)}, "
                      f"max {ms(cpu, 1)}]")
        if not cold:
            print("  the full collection at rest, after the last key: "
                  + (", ".join(f"{t * 1000:.1f} ms" for t in at_rest) or "none")
                  + " (a key pressed during it waits for it)")
    print(f"every update, both passes: median {ms(every, 0.5)} ms, p90 {ms(every, 0.9)} ms, "
          f"max {ms(every, 1)} ms (goal: each <= {KEY_GOAL * 1000:.0f} ms)")
    print("load average (1, 5, 15 min) after:  {:.2f} {:.2f} {:.2f}".format(*os.getloadavg()))


if __name__ == "__main__":
    main()
