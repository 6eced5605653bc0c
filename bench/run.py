"""``make bench``: each scale end to end on the generated data, against the floor and the naive script.

For each scale (county, city, province) the runner

1. generates the data set if it is not there yet (``bench.generate``, deterministic by seed);
2. makes a fresh data directory and takes in last year's files (the year-over-year rules need them; timed apart);
3. measures the **floor** on this year's files: open each workbook with calamine and read its input cells, nothing else;
4. runs this year's **intake** (the library path ``huizong intake`` runs), with wall and CPU seconds and peak resident
   memory per stage (archive, read, validate, load, roll up, write), the reader processes included;
5. **consolidates** the top unit's cycle (roll-up, audits, snapshot, the consolidated workbook);
6. runs the **naive** office script on the same files (a sample of units at province scale, scaled up, said so) and
   checks that its totals equal huizong's for the same units, cell by cell;
7. with ``--flows`` (the county by default), runs the same intake and consolidation as Prefect flows in a fresh data
   directory, and reports Prefect's own start-up apart from the flows' time.

It prints a table and writes ``bench/results.json``. Targets are reported, not asserted: a benchmark measures.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import random
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from decimal import Decimal
from importlib.metadata import version
from pathlib import Path
from typing import Any

import duckdb
from python_calamine import CalamineWorkbook

from bench.generate import DEFAULT_OUT, generate
from bench.history import bench_history
from bench.naive import naive_consolidate
from huizong.config import Home
from huizong.consolidate import publish, roll_up_cycle, write_workbook
from huizong.distribute import cycle_for
from huizong.forms import Form
from huizong.intake import count, run_intake
from huizong.layout import layout_form
from huizong.periods import Period
from huizong.stages import STAGES, RssSampler

SCALES = ("county", "city", "province", "history")
RESULTS = Path(__file__).with_name("results.json")
NAIVE_SAMPLE = 200  # units: the naive script is linear, so above 1.5 times this many files it runs on a sample of
# units, scaled up (the city's and the province's)
THIS, LAST = Period(2025), Period(2024)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scales", default=",".join(SCALES), help="comma-separated: county,city,province,history")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--naive-sample", type=int, default=NAIVE_SAMPLE)
    parser.add_argument("--flows", default="county", help="scales also run as Prefect flows ('' for none)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    parser.add_argument(
        "--reuse-naive",
        action="store_true",
        help="reuse the naive script's last time and totals on the same files (it does not depend on huizong's code)",
    )
    args = parser.parse_args(argv)
    scales = [s for s in args.scales.split(",") if s]
    results = []
    for scale in scales:
        if len(scales) > 1:  # each scale in a process of its own: one's memory (Prefect's, a heap) is not the next's
            result = in_own_process(scale, argv if argv is not None else sys.argv[1:])
        elif scale == "history":  # the province's data set with five past years in the warehouse
            result = bench_history(ensure_data("province", args.seed, args.data), fresh_home, args.seed)
        else:
            flows = scale in args.flows.split(",")
            result = bench_scale(scale, args.seed, args.data, args.naive_sample, flows, args.reuse_naive)
        results.append(result)
        print(f"[{scale}] " + json.dumps(result, ensure_ascii=False), file=sys.stderr, flush=True)
    kept = []  # a run of some scales keeps the others' last figures
    if args.output.exists():
        kept = [
            r for r in json.loads(args.output.read_text(encoding="utf-8")).get("scales", []) if r["scale"] not in scales
        ]
    results = sorted(kept + results, key=lambda r: SCALES.index(r["scale"]) if r["scale"] in SCALES else len(SCALES))
    report = {"machine": machine(), "generated_at": dt.datetime.now().isoformat(timespec="seconds"), "scales": results}
    args.output.write_text(json.dumps(report, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(table([r for r in results if r["scale"] != "history"]))
    print(history_table([r for r in results if r["scale"] == "history"]))
    print(f"\n{args.output}")
    return 0


def in_own_process(scale: str, argv: Sequence[str]) -> dict[str, Any]:
    """One scale's row, measured by ``python -m bench.run --scales <scale>`` in a fresh process (same options)."""
    kept, skip = [], False
    for arg in argv:  # every option but --scales and --output, each given as "--name value" or "--name=value"
        if skip or arg.startswith(("--scales=", "--output=")):
            skip = False
            continue
        skip = arg in ("--scales", "--output")
        if not skip:
            kept.append(arg)
    with tempfile.TemporaryDirectory() as folder:
        output = Path(folder) / "results.json"
        command = [sys.executable, "-m", "bench.run", *kept, "--scales", scale, "--output", str(output)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        rows: list[dict[str, Any]] = json.loads(output.read_text(encoding="utf-8"))["scales"]
    return next(row for row in rows if row["scale"] == scale)


def bench_scale(
    scale: str, seed: int, data: Path, naive_sample: int, flows: bool, reuse_naive: bool = False
) -> dict[str, Any]:
    folder = ensure_data(scale, seed, data)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    home = fresh_home(folder / "home", folder)
    form = home.catalog.get(manifest["form"])
    files = sorted((folder / "inbox-2025").glob("*.xlsx"))

    started = time.perf_counter()
    run_intake(home, [folder / "inbox-2024"], LAST)
    last_year_s = time.perf_counter() - started

    floor_s = floor(files, form)

    STAGES.reset()
    wall = time.perf_counter()
    with RssSampler() as intake_rss:
        outcomes = run_intake(home, [folder / "inbox-2025"], THIS)
    intake_s = time.perf_counter() - wall
    intake_stages = STAGES.as_dict()
    intake_cpu_s = sum(s["cpu_s"] for s in intake_stages.values())

    STAGES.reset()
    cycle = cycle_for(home, manifest["top"], str(THIS))
    wall = time.perf_counter()
    with RssSampler() as consolidate_rss:
        consolidation = roll_up_cycle(home, cycle)
        publish(home)
        written = time.perf_counter()
        write_workbook(home, consolidation)
        workbook_s = time.perf_counter() - written
    consolidate_s = time.perf_counter() - wall
    consolidate_stages = STAGES.as_dict()

    sample = naive_files(files, naive_sample, seed)
    naive_seconds, naive_totals, reused = naive_run(folder, sample, form, reuse_naive)
    naive_s = naive_seconds * len(files) / len(sample)
    ours = warehouse_totals(home, {unit_of(p) for p in sample})
    mismatched = sorted(
        code for code in set(ours) | set(naive_totals) if ours.get(code, 0) != naive_totals.get(code, 0)
    )

    counts = count(outcomes)
    result: dict[str, Any] = {
        "scale": scale,
        "units": manifest["reporting_units"],
        "files": len(files),
        "bytes": manifest["bytes"]["inbox-2025"],
        "accepted": counts["accepted"],
        "rejected": counts["rejected"],
        "intake_s": round(intake_s, 2),
        "intake_cpu_s": round(intake_cpu_s, 2),
        "files_per_s": round(len(files) / intake_s, 1),
        "consolidate_s": round(consolidate_s, 2),
        "workbook_s": round(workbook_s, 2),
        "floor_s": round(floor_s, 2),
        "naive_s": round(naive_s, 1),
        "naive_files": len(sample),
        "naive_scaled": len(sample) < len(files),
        "naive_reused": reused,
        "naive_totals_match": not mismatched and consolidation.audits_pass,
        "peak_rss_mb": round(max(intake_rss.peak_mb, consolidate_rss.peak_mb), 1),
        "last_year_intake_s": round(last_year_s, 2),
        "intake_vs_floor": round(intake_s / floor_s, 2),
        "naive_vs_intake": round(naive_s / intake_s, 1),
        "load_values_per_s": round(
            (counts["accepted"] + counts["rejected"]) * len(form.cells) / intake_stages["load"]["wall_s"]
        ),
        "stages": {"intake": intake_stages, "consolidate": consolidate_stages},
    }
    if mismatched:
        result["mismatched_cells"] = mismatched[:20]
    if flows:
        result |= prefect_run(folder)
    return result


def naive_run(
    folder: Path, sample: Sequence[Path], form: Form, reuse: bool
) -> tuple[float, dict[str, int | Decimal], bool]:
    """The naive script's seconds and totals on ``sample``, kept in ``naive.json`` beside the data set."""
    kept = folder / "naive.json"
    names = [p.name for p in sample]
    if reuse and kept.exists():
        last = json.loads(kept.read_text(encoding="utf-8"))
        if last["files"] == names:
            totals = {c: Decimal(v) if "." in v else int(v) for c, v in last["totals"].items()}
            return float(last["seconds"]), totals, True
    naive = naive_consolidate(sample, form, folder / "naive.duckdb", str(THIS))
    record = {"seconds": naive.seconds, "files": names, "totals": {c: str(v) for c, v in naive.totals.items()}}
    kept.write_text(json.dumps(record, ensure_ascii=False), encoding="utf-8")
    return naive.seconds, naive.totals, False


def ensure_data(scale: str, seed: int, data: Path) -> Path:
    folder = data / scale
    manifest = folder / "manifest.json"
    if manifest.exists() and json.loads(manifest.read_text(encoding="utf-8")).get("seed") == seed:
        return folder
    print(f"generating the {scale} data set (seed {seed}) ...", file=sys.stderr, flush=True)
    generate(scale, seed, data)
    return folder


def fresh_home(root: Path, folder: Path) -> Home:
    shutil.rmtree(root, ignore_errors=True)
    (root / "registry").mkdir(parents=True)
    for name in ("units.csv", "cycles.toml"):
        shutil.copyfile(folder / "registry" / name, root / "registry" / name)
    return Home(root)


def floor(files: Sequence[Path], form: Form) -> float:
    """Only the physical cost of the input: open each workbook with calamine and read its input cells."""
    layouts = layout_form(form)
    sheets = [
        (table.sheet, layouts[table.code].end_row, [(s.row, s.col) for c, s in layouts[table.code].cells.items()])
        for table in form.tables
    ]
    started = time.perf_counter()
    seen = 0
    for path in files:
        book = CalamineWorkbook.from_path(str(path))
        for sheet, end_row, places in sheets:
            grid = book.get_sheet_by_name(sheet).to_python(skip_empty_area=False, nrows=end_row)
            seen += len([grid[r][c] for r, c in places])
        book.close()
    assert seen == len(files) * len(form.cells)
    return time.perf_counter() - started


def unit_of(path: Path) -> str:
    """Generated files are named ``[初稿_]<unit code>_<name>_...``."""
    return path.name.removeprefix("初稿_").split("_", 1)[0]


def naive_files(files: Sequence[Path], size: int, seed: int) -> list[Path]:
    """Every file, or all the files of a random sample of units (drafts and corrections stay together)."""
    if len(files) <= size * 1.5:
        return list(files)
    units = sorted({unit_of(p) for p in files})
    chosen = set(random.Random(seed).sample(units, size))
    return [p for p in files if unit_of(p) in chosen]


def warehouse_totals(home: Home, units: set[str]) -> dict[str, int | Decimal]:
    """huizong's totals over ``units``: the current accepted report of each, summed cell by cell."""
    with duckdb.connect(str(home.warehouse), read_only=True) as con:
        con.execute("CREATE TEMP TABLE wanted (unit_code VARCHAR)")
        con.executemany("INSERT INTO wanted VALUES (?)", [(u,) for u in sorted(units)])
        rows = con.execute(
            """SELECT v.code, sum(v.number), sum(v.amount) FROM submissions s JOIN cell_values v USING (sha256)
               WHERE s.status = 'accepted' AND s.period = ? AND s.unit_code IN (SELECT unit_code FROM wanted)
               GROUP BY v.code""",
            [str(THIS)],
        ).fetchall()
    return {code: amount if amount is not None else int(number or 0) for code, number, amount in rows}


def prefect_run(folder: Path) -> dict[str, Any]:
    """The same intake and consolidation as Prefect flows on a fresh data directory (ephemeral server)."""
    from prefect import flow
    from prefect.settings import PREFECT_FLOWS_HEARTBEAT_FREQUENCY, temporary_settings

    from flows.consolidate import consolidate
    from flows.intake import intake

    @flow(name="bench-warm-up")
    def warm_up() -> None:
        return None

    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    home = fresh_home(folder / "home-flows", folder)
    with temporary_settings(updates={PREFECT_FLOWS_HEARTBEAT_FREQUENCY: None}):
        started = time.perf_counter()
        warm_up()
        prefect_start_s = time.perf_counter() - started
        intake(str(home.root), [str(folder / "inbox-2024")], str(LAST))
        started = time.perf_counter()
        intake(str(home.root), [str(folder / "inbox-2025")], str(THIS))
        consolidate(manifest["top"], str(THIS), home=str(home.root))
        flows_s = time.perf_counter() - started
    return {"prefect_start_s": round(prefect_start_s, 2), "flows_end_to_end_s": round(flows_s, 2)}


def machine() -> dict[str, Any]:
    model = ""
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        model = next(
            (line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines() if "model name" in line), ""
        )
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    packages = ("duckdb", "python-calamine", "pandera", "pandas", "pyarrow", "xlsxwriter", "prefect", "openpyxl")
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "python": platform.python_version(),
        "system": platform.platform(),
        "packages": {name: version(name) for name in packages},
    }


def table(results: Sequence[Mapping[str, Any]]) -> str:
    columns = [
        ("scale", "scale"),
        ("files", "files"),
        ("intake s", "intake_s"),
        ("cpu s", "intake_cpu_s"),
        ("files/s", "files_per_s"),
        ("consolidate s", "consolidate_s"),
        ("workbook s", "workbook_s"),
        ("floor s", "floor_s"),
        ("intake/floor", "intake_vs_floor"),
        ("naive s", "naive_s"),
        ("naive/intake", "naive_vs_intake"),
        ("peak MB", "peak_rss_mb"),
        ("totals", "naive_totals_match"),
        ("load values/s", "load_values_per_s"),
    ]
    rows = [[title for title, _ in columns]]
    for r in results:
        cells = [str(r.get(key, "—")) for _, key in columns]
        cells[9] += ("*" if r["naive_scaled"] else "") + ("+" if r.get("naive_reused") else "")
        cells[12] = "same" if r["naive_totals_match"] else "DIFFER"
        rows.append(cells)
    widths = [max(len(row[i]) for row in rows) for i in range(len(columns))]
    lines = ["  ".join(cell.rjust(w) for cell, w in zip(row, widths, strict=True)) for row in rows]
    notes = [
        f"* naive measured on {r['naive_files']} of {r['files']} files and scaled" for r in results if r["naive_scaled"]
    ]
    notes += [
        f"+ naive time and totals from its last run on the same files ({r['scale']})"
        for r in results
        if r.get("naive_reused")
    ]
    stage_lines = []
    for r in results:
        parts = [
            f"{name} {s['wall_s']:.2f}s/{s['cpu_s']:.2f}cpu/{s['peak_rss_mb']:.0f}MB"
            for name, s in r["stages"]["intake"].items()
        ]
        stage_lines.append(f"{r['scale']} intake stages: " + ", ".join(parts))
        if "flows_end_to_end_s" in r:
            flows_s, start_s = r["flows_end_to_end_s"], r["prefect_start_s"]
            stage_lines.append(f"{r['scale']} as Prefect flows: {flows_s:.2f}s (+{start_s:.2f}s Prefect start-up)")
    return "\n".join([*lines, *notes, *stage_lines])


def history_table(results: Sequence[Mapping[str, Any]]) -> str:
    lines = []
    for r in results:
        lines.append(
            f"history: {r['history_reports']:,} past reports, {r['history_values']:,} values "
            f"({r['warehouse_mb']:.0f} MB, made in {r['history_setup_s']:.0f} s); run of 10 files {r['run10_s']:.2f} s "
            f"(empty warehouse {r['run10_empty_s']:.2f} s, {r['run10_vs_empty']:.1f}x), run of {DAY_FILES} "
            f"{r['run2000_s']:.1f} s, loading {r['load_values_per_s']:,} values/s, peak {r['peak_rss_mb']:.0f} MB"
        )
    return "\n".join(lines)


DAY_FILES = 2000


if __name__ == "__main__":
    sys.exit(main())
