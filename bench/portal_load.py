"""The portal under a deadline's load: concurrent clients upload a city's files through the API on loopback.

    python -m bench.portal_load [--scale city] [--clients 50]

On a generated data set (``bench/data/<scale>/``, made by ``bench.generate`` if missing) it

1. makes two fresh data directories and takes last year's files into both with the CLI's intake;
2. takes this year's files into the first with the CLI's intake (the reference);
3. issues accounts in the second, starts ``huizong serve`` there (its own process, 127.0.0.1), and has ``--clients``
   threads upload this year's files through ``POST /api/v1/submissions``, each unit's files by one client in the
   order they arrived (a draft before its correction), every unit with its own token;
4. reports the time from sending each upload to reading its verdict (p50, p95, max), the throughput, and every
   error (an answer that is not 200/415 with a verdict, or a broken connection);
5. stops the server and compares the two warehouses table by table (``EXCEPT ALL`` both ways) on what does not
   depend on the channel: the submissions and their verdicts, every cell value, every finding, and the totals.
   Arrival times, lateness, runs and file locations differ by nature (an upload arrives now; a dropped file when it
   was saved) and are left out.

The figures go to ``bench/portal_results.json``. A benchmark measures: targets are reported, not asserted.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import httpx

from bench.dask_run import compare
from bench.generate import DEFAULT_OUT
from bench.run import ensure_data, fresh_home, machine, unit_of
from bench.server import running_portal
from huizong.intake import run_intake
from huizong.periods import Period

RESULTS = Path(__file__).with_name("portal_results.json")
TABLES = {
    "submissions": "sha256, file_name, unit_code, unit_name, form_id, form_version, period, scope, cycle_id, deadline, "
    "status, errors, warnings, superseded_by",
    "cell_values": "sha256, code, raw, status, number, amount, typed_over",
    "findings": "sha256, rule, severity, sheet, cell, seen, expected, message, message_en",
    "rollup_values": "unit_code, form_id, form_version, period, code, number, amount, sources",
    "report_values": "*",
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.portal_load", description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="city", choices=("county", "city", "province"))
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--data", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = bench(args.scale, args.clients, args.seed, args.data)
    args.output.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps({k: v for k, v in result.items() if k != "machine"}, ensure_ascii=False, indent=2))
    return 0


def bench(scale: str, clients: int, seed: int, data: Path) -> dict[str, Any]:
    folder = ensure_data(scale, seed, data)
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    files = sorted((folder / "inbox-2025").glob("*.xlsx"), key=lambda p: (p.stat().st_mtime, p.name))
    reference, served = fresh_home(folder / "home-cli", folder), fresh_home(folder / "home-portal", folder)
    for home in (reference, served):
        run_intake(home, [folder / "inbox-2024"], Period(2024))
    started = time.perf_counter()
    run_intake(reference, [folder / "inbox-2025"], Period(2025))
    cli_s = time.perf_counter() - started

    tokens = {i.code: i.token for i in served.accounts.create_under(served.registry, manifest["top"])}
    queues: list[list[Path]] = [[] for _ in range(clients)]
    by_unit: dict[str, list[Path]] = defaultdict(list)
    for path in files:  # in arrival order
        by_unit[unit_of(path)].append(path)
    for i, unit in enumerate(sorted(by_unit)):
        queues[i % clients] += by_unit[unit]
    with running_portal(served) as (url, _):
        timings, errors, load_s = _load(url, queues, tokens)
    comparison = compare(reference.warehouse, served.warehouse, ("cli", "portal"), TABLES)
    ordered = sorted(timings)
    return {
        "scale": scale,
        "files": len(files),
        "clients": clients,
        "uploads_answered": len(timings),
        "errors": len(errors),
        "error_samples": errors[:10],
        "load_s": round(load_s, 2),
        "uploads_per_s": round(len(timings) / load_s, 1) if load_s else None,
        "p50_s": round(statistics.median(ordered), 3) if ordered else None,
        "p95_s": round(ordered[int(0.95 * (len(ordered) - 1))], 3) if ordered else None,
        "max_s": round(ordered[-1], 3) if ordered else None,
        "cli_intake_s": round(cli_s, 2),
        "identical": all(t["only_cli"] == t["only_portal"] == 0 for t in comparison.values()),
        "tables": comparison,
        "machine": machine(),
    }


def _load(url: str, queues: Sequence[Sequence[Path]], tokens: dict[str, str]) -> tuple[list[float], list[str], float]:
    timings: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()
    start = threading.Barrier(len(queues) + 1)

    def client(queue: Sequence[Path]) -> None:
        with httpx.Client(base_url=url, timeout=60) as http:
            start.wait()
            for path in queue:
                headers = {"Authorization": f"Bearer {tokens[unit_of(path)]}"}
                sent = time.perf_counter()
                try:
                    with path.open("rb") as stream:
                        got = http.post("/api/v1/submissions", headers=headers, files={"file": (path.name, stream)})
                    body = got.json()
                    ok = got.status_code in (200, 415) and body.get("status") in ("accepted", "rejected", "duplicate")
                    problem = "" if ok else f"{path.name}: {got.status_code} {str(body)[:200]}"
                except (httpx.HTTPError, ValueError) as exc:
                    problem = f"{path.name}: {type(exc).__name__} {exc}"
                with lock:
                    timings.append(time.perf_counter() - sent)
                    if problem:
                        errors.append(problem)

    threads = [threading.Thread(target=client, args=(q,)) for q in queues]
    for thread in threads:
        thread.start()
    start.wait()
    began = time.perf_counter()
    for thread in threads:
        thread.join()
    return timings, errors, time.perf_counter() - began


if __name__ == "__main__":
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    sys.exit(main())
