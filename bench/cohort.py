"""Benchmark `prognosis cohort` against the I/O floor: run with `make bench` (not a test).

For 10k, 100k and 1M synthetic rows it prints rows/s and peak RSS of
`prognosis cohort` CSV -> CSV and Parquet -> Parquet, the I/O floor (pyarrow
reading the same input and writing an output of the same shape, timed in the
same run) and the ratio to it, and the per-patient engine's rows/s on 10k rows.

Goals on the project's 2-core machine: >= 100,000 rows/s CSV -> CSV at 1M rows;
at most 4x the I/O floor; peak RSS at 1M rows under 1.5x the peak at 100k.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(sys.executable).parent
PROGNOSIS = str(HERE / "prognosis")

FLOOR = r"""
import sys, time
import pyarrow as pa, pyarrow.csv as pcsv, pyarrow.parquet as pq
source, shaped, target = sys.argv[1:4]
if source.endswith(".csv"):
    names = pcsv.read_csv(source, read_options=pcsv.ReadOptions(block_size=1 << 16)).schema.names
    table = pcsv.read_csv(shaped).cast(pcsv.read_csv(shaped).schema)
    start = time.perf_counter()
    reader = pcsv.open_csv(source, read_options=pcsv.ReadOptions(block_size=1 << 20),
        convert_options=pcsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                            strings_can_be_null=True, null_values=[""]))
    for batch in reader:
        pass
    pcsv.write_csv(table, target)
else:
    table = pq.read_table(shaped)
    start = time.perf_counter()
    for batch in pq.ParquetFile(source).iter_batches(50_000):
        pass
    pq.write_table(table, target)
print(time.perf_counter() - start)
"""


def timed(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MiB) of one child process."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}"
                         if process.stderr else "failed")
    return elapsed, usage.ru_maxrss / 1024


def floor_seconds(source: Path, shaped: Path, target: Path) -> float:
    out = subprocess.run([sys.executable, "-c", FLOOR, str(source), str(shaped), str(target)],
                         check=True, capture_output=True, text=True).stdout
    return float(out.strip())


def per_patient_rate(source: Path, rows: int) -> float:
    import pyarrow.csv as pcsv

    from prognosis.engine.evaluate import Comparator
    from prognosis.engine.loader import load_library
    from prognosis.engine.patient import normalise

    library = load_library()
    fields = set(library.fields.fields)
    records = pcsv.read_csv(source).slice(0, rows).to_pylist()
    comparator = Comparator(library.rule_sets)
    start = time.perf_counter()
    for record in records:
        patient = {k: v for k, v in record.items() if k in fields and v not in (None, "")}
        comparator.evaluate(normalise(patient, library.fields))
    return len(records) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000,1000000")
    parser.add_argument("--workers", default=None, help="--workers for prognosis cohort")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    workers = ["--workers", args.workers] if args.workers else []
    print(f"prognosis cohort, {os.cpu_count()} cores, workers: "
          f"{args.workers or 'default (cores)'}")
    print(f"{'rows':>9} {'format':>16} {'seconds':>8} {'rows/s':>9} {'peak MiB':>9} "
          f"{'floor s':>8} {'x floor':>8}")
    peaks: dict[tuple[int, str], float] = {}
    with tempfile.TemporaryDirectory() as directory:
        work = Path(directory)
        for n in sizes:
            csv_in, pq_in = work / f"s{n}.csv", work / f"s{n}.parquet"
            subprocess.run([PROGNOSIS, "synth", str(n), "--seed", "1", "-o", str(csv_in)],
                           check=True, capture_output=True)
            subprocess.run([PROGNOSIS, "synth", str(n), "--seed", "1", "-o", str(pq_in)],
                           check=True, capture_output=True)
            for label, source, suffix in (("CSV -> CSV", csv_in, ".csv"),
                                          ("Parquet->Parquet", pq_in, ".parquet")):
                target = work / f"out{n}{suffix}"
                seconds, peak = timed([PROGNOSIS, "cohort", str(source), "-o", str(target),
                                       "--quiet", *workers])
                floor = floor_seconds(source, target, work / f"floor{suffix}")
                peaks[(n, label)] = peak
                print(f"{n:>9,} {label:>16} {seconds:>8.2f} {n / seconds:>9,.0f} "
                      f"{peak:>9.0f} {floor:>8.2f} {seconds / floor:>8.2f}", flush=True)
                target.unlink()
            if n == sizes[0]:
                rate = per_patient_rate(csv_in, min(n, 10_000))
                print(f"{'':>9} per-patient engine (normalise + evaluate, one process): "
                      f"{rate:,.0f} rows/s", flush=True)
            csv_in.unlink()
            pq_in.unlink()
    if 100_000 in sizes and 1_000_000 in sizes:
        for label in ("CSV -> CSV", "Parquet->Parquet"):
            ratio = peaks[(1_000_000, label)] / peaks[(100_000, label)]
            print(f"peak RSS 1M / 100k, {label}: {ratio:.2f} (goal < 1.5)")


if __name__ == "__main__":
    main()
