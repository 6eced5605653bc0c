"""Proof that intake reading in Dask workers (``flows/distributed.py``) records exactly what the plain intake records.

    python -m bench.dask_run [--scale city|county|province] [--workers 2]

On a generated data set (``bench/data/<scale>/``, made by ``bench.generate`` if missing) it

1. takes in last year's files, then this year's, with the plain intake (``huizong.intake.run_intake``, the library
   path ``huizong intake`` runs: reader processes, one per core, for batches of 400 files or more) in one fresh data
   directory;
2. times Prefect's own start-up (a trivial flow, which starts the ephemeral API server) apart;
3. does the same with the flow ``intake-dask`` (a ``LocalCluster`` of ``--workers`` single-threaded processes, started
   and ended by each flow run, its start-up timed apart) in another fresh data directory;
4. compares the two warehouses table by table (submissions, cell_values, findings, receipts, rollup_values) as
   multisets, with ``EXCEPT ALL`` both ways, and prints the counts and "identical" or what differs.

The figures go to ``bench/dask_results.json``. Both sides read the same files from the same (warm) page cache; on a
machine with few cores the cluster competes with the flow's own process for them, so Dask is not expected to be
faster here: the point is the same result, and an honest measure of what the distribution costs.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import duckdb

from bench.generate import DEFAULT_OUT
from bench.run import ensure_data, fresh_home
from huizong.intake import count, run_intake
from huizong.periods import Period
from huizong.stages import STAGES

RESULTS = Path(__file__).with_name("dask_results.json")
QUIET = 0.05  # the rest of the machine took at most this share of one core while a run was measured
YEARS = (("inbox-2024", Period(2024)), ("inbox-2025", Period(2025)))
TABLES = {
    "submissions": "sha256, unit_code, period, status, errors, warnings, late",
    "cell_values": "sha256, code, raw, status, number, amount",
    "findings": "sha256, rule, severity, sheet, cell, seen, expected, message",
    "receipts": "sha256, file_name, source_path, received_at, duplicate",
    "rollup_values": "unit_code, form_id, form_version, period, code, number, amount, sources",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.dask_run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=("county", "city", "province"))
    parser.add_argument("--workers", type=int, default=2, help="Dask worker processes (one thread each)")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("DO_NOT_TRACK", "1")

    folder = ensure_data(args.scale, args.seed, args.data)
    files = sum(len(list((folder / inbox).glob("*.xlsx"))) for inbox, _ in YEARS)
    plain_home = fresh_home(folder / "home-plain", folder)
    dask_home = fresh_home(folder / "home-dask", folder)

    plain = timed_years(lambda inbox, period: count(run_intake(plain_home, [folder / inbox], period)))
    say(f"plain intake: {plain['total_s']:.2f} s, by year {seconds(plain)}")

    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.distributed import intake_dask

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        started = time.perf_counter()
        warm_up()
        prefect_start_s = time.perf_counter() - started
        dask = timed_years(
            lambda inbox, period: cast(
                dict[str, int],
                intake_dask(
                    home=str(dask_home.root), paths=[str(folder / inbox)], period=str(period), workers=args.workers
                ),
            )
        )
    say(f"intake-dask flow: {dask['total_s']:.2f} s, by year {seconds(dask)} (+{prefect_start_s:.2f} s Prefect)")

    compared = compare(plain_home.warehouse, dask_home.warehouse)
    identical = plain["counts"] == dask["counts"] and all(
        c["only_plain"] == c["only_dask"] == 0 for c in compared.values()
    )
    for table, c in compared.items():
        missing = f"only plain {c['only_plain']}  only dask {c['only_dask']}"
        print(f"{table:14} plain {c['plain']:>9}  dask {c['dask']:>9}  {missing}")
    print("identical" if identical else "DIFFERENT")

    quiet = all(
        year["others_cpu_s"] <= QUIET * year["s"] for timed in (plain, dask) for year in timed["years"].values()
    )
    if not quiet:
        say("other processes took CPU during the measurement: the figures are not a fair comparison")
    cluster_starts = [year["stages"].get("cluster start", {}).get("wall_s", 0.0) for year in dask["years"].values()]
    cluster_stops = [year["stages"].get("cluster stop", {}).get("wall_s", 0.0) for year in dask["years"].values()]
    result: dict[str, Any] = {
        "scale": args.scale,
        "files": files,
        "plain_s": round(plain["total_s"], 2),
        "dask_s": round(dask["total_s"], 2),
        "cluster_start_s": round(sum(cluster_starts), 2),
        "prefect_start_s": round(prefect_start_s, 2),
        "workers": args.workers,
        "identical": identical,
        "dask_vs_plain": round(dask["total_s"] / plain["total_s"], 2),
        "cluster_start_per_run_s": [round(s, 2) for s in cluster_starts],
        "cluster_stop_s": round(sum(cluster_stops), 2),
        "peak_rss_mb": {"plain": plain["peak_rss_mb"], "dask": dask["peak_rss_mb"]},
        "others_cpu_s": {side: others(timed) for side, timed in (("plain", plain), ("dask", dask))},
        "quiet": quiet,
        "years": {"plain": plain["years"], "dask": dask["years"]},
        "tables": compared,
        "cores": os.cpu_count(),
        "measured_at": dt.datetime.now().isoformat(timespec="seconds"),
        "notes": (
            "plain_s and dask_s: both years' intakes, wall time. dask_s includes each flow run's cluster start-up "
            "(cluster_start_s, summed) and Prefect's task and artifact overhead, not Prefect's own start-up "
            "(prefect_start_s). Peak RSS: the process tree (reader processes, Dask nannies and workers), without "
            "Prefect's ephemeral API server. others_cpu_s: CPU seconds other processes on the machine took during "
            "the runs; quiet is false when that was over 5 % of a core."
        ),
    }
    write_result(args.output, result)
    print(json.dumps({k: v for k, v in result.items() if k not in ("years", "tables")}, ensure_ascii=False))
    print(args.output)
    return 0 if identical else 1


def timed_years(intake: Callable[[str, Period], dict[str, int]]) -> dict[str, Any]:
    """Both years through ``intake``, each timed, with its stages and the process tree's peak resident memory."""
    years: dict[str, Any] = {}
    counts: dict[str, dict[str, int]] = {}
    total = 0.0
    peak = 0.0
    for inbox, period in YEARS:
        STAGES.reset()
        with Watch() as watch:
            started = time.perf_counter()
            counts[inbox] = intake(inbox, period)
            seconds = time.perf_counter() - started
        total += seconds
        peak = max(peak, watch.peak_mb)
        years[inbox] = {
            "s": round(seconds, 2),
            **counts[inbox],
            "cpu_s": round(watch.ours_cpu_s, 1),
            "others_cpu_s": round(watch.others_cpu_s, 1),
            "steal_s": round(watch.steal_s, 1),
            "stages": STAGES.as_dict(),
        }
    return {"total_s": total, "years": years, "counts": counts, "peak_rss_mb": round(peak, 1)}


def compare(
    left: Path, right: Path, names: tuple[str, str] = ("plain", "dask"), tables: dict[str, str] = TABLES
) -> dict[str, dict[str, int]]:
    """Row counts of each of ``tables`` (name -> columns) in two warehouses, and the rows of each missing from the
    other (as multisets), keyed by ``names``."""
    first, second = names
    found: dict[str, dict[str, int]] = {}
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{left}' AS {first} (READ_ONLY)")
        con.execute(f"ATTACH '{right}' AS {second} (READ_ONLY)")
        for table, columns in tables.items():
            a, b = f"SELECT {columns} FROM {first}.{table}", f"SELECT {columns} FROM {second}.{table}"
            found[table] = {
                first: scalar(con, f"SELECT count(*) FROM {first}.{table}"),
                second: scalar(con, f"SELECT count(*) FROM {second}.{table}"),
                f"only_{first}": scalar(con, f"SELECT count(*) FROM ({a} EXCEPT ALL {b})"),
                f"only_{second}": scalar(con, f"SELECT count(*) FROM ({b} EXCEPT ALL {a})"),
            }
    return found


def scalar(con: duckdb.DuckDBPyConnection, sql: str) -> int:
    row = con.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def write_result(output: Path, result: dict[str, Any]) -> None:
    """Keep one entry per scale in the results file."""
    previous = json.loads(output.read_text(encoding="utf-8")) if output.exists() else {}
    scales = previous.get("scales", {}) if isinstance(previous, dict) else {}
    scales[result["scale"]] = result
    output.write_text(json.dumps({"scales": scales}, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


class Watch:
    """While a run goes on: the peak resident memory of this process and all its descendants (sampled every 50 ms,
    leaving out Prefect's API server, which is not part of the work measured), and the CPU seconds the rest of the
    machine took meanwhile (another benchmark on the same cores would make the figures meaningless) and the time the
    hypervisor stole (Linux)."""

    def __init__(self, interval: float = 0.05) -> None:
        self.interval, self.peak_mb = interval, 0.0
        self.ours_cpu_s = self.others_cpu_s = self.steal_s = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="watch", daemon=True)
        self._start = (0.0, 0.0, 0.0)

    def __enter__(self) -> Watch:
        self._start = (*machine_cpu_s(), tree_cpu_s())
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()
        busy, steal, ours = (
            now - then for now, then in zip((*machine_cpu_s(), tree_cpu_s()), self._start, strict=True)
        )
        self.ours_cpu_s, self.others_cpu_s, self.steal_s = ours, max(0.0, busy - ours), steal

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.peak_mb = max(self.peak_mb, tree_rss_mb())


def descendants() -> list[int]:
    """This process and every process below it."""
    found, todo = [], [os.getpid()]
    while todo:
        pid = todo.pop()
        if pid in found:
            continue
        found.append(pid)
        try:
            for children in Path(f"/proc/{pid}/task").glob("*/children"):
                todo += [int(child) for child in children.read_text().split()]
        except OSError:
            continue  # a process that just ended
    return found


def tree_rss_mb() -> float:
    pages = 0
    for pid in descendants():
        try:
            if pid != os.getpid() and b"prefect.server" in Path(f"/proc/{pid}/cmdline").read_bytes():
                continue
            pages += int(Path(f"/proc/{pid}/statm").read_text().split()[1])
        except (OSError, IndexError, ValueError):
            continue
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def tree_cpu_s() -> float:
    """CPU seconds of the process tree so far: each live process's own and its waited-for children's."""
    ticks = 0
    for pid in descendants():
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            ticks += sum(int(f) for f in fields[11:15])  # utime, stime, cutime, cstime
        except (OSError, IndexError, ValueError):
            continue
    return ticks / os.sysconf("SC_CLK_TCK")


def machine_cpu_s() -> tuple[float, float]:
    """CPU seconds every core has been busy since boot (user, nice, system, irq, softirq), and stolen."""
    user, nice, system, _idle, _iowait, irq, softirq, steal = (
        int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]
    )
    tick = os.sysconf("SC_CLK_TCK")
    return (user + nice + system + irq + softirq) / tick, steal / tick


def others(timed: dict[str, Any]) -> float:
    return round(sum(float(year["others_cpu_s"]) for year in timed["years"].values()), 1)


def seconds(timed: dict[str, Any]) -> dict[str, float]:
    return {inbox: year["s"] for inbox, year in timed["years"].items()}


def say(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


if __name__ == "__main__":
    sys.exit(main())
