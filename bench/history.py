"""The ``history`` scale: the province with five past years in its warehouse, then runs of new files.

1. The province data set (``bench.generate``) gives the registry and this year's files.
2. A fresh data directory gets five past years (2020-2024) of every reporting unit written straight into the warehouse
   as Arrow tables: one accepted submission per unit and year with the values ``huizong.demo.report`` gives (each year
   following on from the one before, in the form version of its year), about 100,000 reports and 20 million values.
   They are rolled up once (``huizong rebuild``'s full roll-up) and published: what five seasons of intake would have
   left, made in about a minute instead of an hour.
3. Timed, archive to published snapshot, as ``huizong intake`` runs (``run_intake``): 10 new files of this year
   (``run10_s``); the same 10 files in a data directory with the registry and no history (``run10_empty_s``); then
   one day's 2,000 files (``run2000_s``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import random
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import pyarrow as pa

from bench.generate import LAST, plan_season
from huizong import valuestore
from huizong.config import Home
from huizong.consolidate import publish, rebuild
from huizong.demo import report
from huizong.forms import Form
from huizong.intake import new_run_id, run_intake
from huizong.periods import Period
from huizong.publishing import parts_folder
from huizong.registry import Unit
from huizong.stages import STAGES, RssSampler

YEARS = (2020, 2021, 2022, 2023, 2024)
CHUNK = 4000  # units written together
DAY = 2000  # files of one busy day


def bench_history(folder: Path, fresh_home: Any, seed: int) -> dict[str, Any]:
    """The history scale's row of ``bench/results.json``; ``folder`` is the province data set."""
    home = fresh_home(folder / "home-history", folder)
    started = time.perf_counter()
    with RssSampler() as made_rss:
        reports, values = write_history(home, seed)
        with home.connect() as wh:
            rebuild(wh, home, new_run_id("history"), full=True)
        publish(home)
    history_s = time.perf_counter() - started
    size_mb = home.warehouse.stat().st_size / 2**20

    files = [p for p in sorted((folder / "inbox-2025").glob("*.xlsx")) if not p.name.startswith("初稿_")]
    ten, day = files[:10], files[10 : 10 + DAY]
    run10_s, run10_rss, ten_stages = timed_run(home, ten)
    empty = fresh_home(folder / "home-history-empty", folder)
    run10_empty_s, empty_rss, _ = timed_run(empty, ten)
    run2000_s, day_rss, day_stages = timed_run(home, day)
    return {
        "scale": "history",
        "units": len(reporting_units(home, seed)),
        "files": len(ten) + len(day),
        "history_reports": reports,
        "history_values": values,
        "history_setup_s": round(history_s, 1),
        "warehouse_mb": round(size_mb, 1),
        "run10_s": round(run10_s, 2),
        "run10_empty_s": round(run10_empty_s, 2),
        "run2000_s": round(run2000_s, 2),
        "run10_vs_empty": round(run10_s / run10_empty_s, 2),
        "load_values_per_s": load_rate(day_stages, len(day), home),
        "peak_rss_mb": round(max(run10_rss, empty_rss, day_rss), 1),
        "history_setup_peak_rss_mb": round(made_rss.peak_mb, 1),
        "stages": {"run10": ten_stages, "run2000": day_stages},
    }


def timed_run(home: Home, files: Sequence[Path]) -> tuple[float, float, dict[str, Any]]:
    """Wall seconds of one intake run, archive to published snapshot, its peak memory and its stages."""
    STAGES.reset()
    started = time.perf_counter()
    with RssSampler() as rss:
        run_intake(home, list(files), Period(2025))
    return time.perf_counter() - started, rss.peak_mb, STAGES.as_dict()


def load_rate(stages: dict[str, Any], files: int, home: Home) -> float:
    """Values loaded a second in the load stage of a run of ``files`` new files."""
    form = home.catalog.choose(Period(2025))
    seconds = stages.get("load", {}).get("wall_s") or 0.0
    return round(files * len(form.cells) / seconds) if seconds else 0.0


def reporting_units(home: Home, seed: int = 2025) -> list[Unit]:
    """The units the province data set has report every year, in registry order."""
    return [job.unit for job in plan_season(home.registry, home.catalog, home.root / "registry", seed)]


def write_history(home: Home, seed: int) -> tuple[int, int]:
    """Five past years of every reporting unit, straight into the warehouse; (reports, values) written. 2024 holds
    the very values of the data set's files of 2024 (``bench.generate.plan_unit`` draws them the same way), so this
    year's files meet the last year they were made to follow (S3, S4); the years before follow on from each other."""
    units = reporting_units(home, seed)
    rng = random.Random(seed)
    last: dict[str, dict[str, Any]] = {}
    reports = values = 0
    for year in YEARS:
        form = home.catalog.choose(Period(year))
        year_values: dict[str, dict[str, Any]] = {}
        for unit in units:
            if year == LAST.year:
                drawn = report(form, unit, random.Random(f"{seed}:{LAST}:{unit.code}"))
            else:
                drawn = report(form, unit, rng, last.get(unit.code) if form.version == "2021" else None)
            year_values[unit.code] = form.compute(drawn)  # type: ignore[arg-type]
        last = year_values if form.version == "2021" else {}
        for start in range(0, len(units), CHUNK):  # in chunks: the setup's memory stays near a run's
            chunk = units[start : start + CHUNK]
            submissions, cells = _tables(form, chunk, year, year_values)
            with home.connect() as wh:
                wh.run("intake/insert_submissions", incoming_submissions=submissions)
                valuestore.write_part(wh, parts_folder(home), cells)
            reports += submissions.num_rows
            values += cells.num_rows
    return reports, values


def _tables(form: Form, units: Sequence[Unit], year: int, by_unit: dict[str, dict[str, Any]]) -> tuple[pa.Table, ...]:
    codes = list(form.cells)
    amounts = {c for c, cell in form.cells.items() if cell.type == "amount"}
    shas = [hashlib.sha256(f"history-{u.code}-{year}".encode()).hexdigest() for u in units]
    received = dt.datetime(year + 1, 1, 20, 9)
    submissions = pa.table(
        {
            "sha256": shas,
            "archive_path": [""] * len(units),
            "file_name": [f"{u.code}_{u.name}_annual_report-{year}.xlsx" for u in units],
            "received_at": pa.array([received] * len(units), pa.timestamp("us")),
            "unit_code": [u.code for u in units],
            "unit_name": [u.name for u in units],
            "form_id": [form.id] * len(units),
            "form_version": [form.version] * len(units),
            "period": [str(year)] * len(units),
            "scope": ["own"] * len(units),
            "cycle_id": [f"{u.parent}-{form.id}-{year}" for u in units],
            "deadline": pa.array([dt.date(year + 1, 1, 31)] * len(units), pa.date32()),
            "late": [False] * len(units),
            "status": ["accepted"] * len(units),
            "errors": pa.array([0] * len(units), pa.int32()),
            "warnings": pa.array([0] * len(units), pa.int32()),
            "run_id": ["history"] * len(units),
            "source": ["template"] * len(units),
        }
    )
    flat = [by_unit[u.code][c] for u in units for c in codes]
    numbers = pa.array([None if c in amounts else v for c, v in zip(codes * len(units), flat, strict=True)], pa.int64())
    money = pa.array(
        [Decimal(v) if c in amounts else None for c, v in zip(codes * len(units), flat, strict=True)],
        pa.decimal128(22, 4),
    )
    cells = pa.table(
        {
            "sha256": pa.array([s for s in shas for _ in codes]),
            "period": pa.array([str(year)] * len(flat)),
            "code": pa.array(codes * len(units)),
            "raw": pa.array([str(v) for v in flat]),
            "status": pa.array(["ok"] * len(flat)),
            "number": numbers,
            "amount": money,
            "typed_over": pa.array([False] * len(flat)),
        }
    )
    return submissions, cells
