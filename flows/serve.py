"""Serve huizong's flows as deployments of a running Prefect server, with the nightly run of a reporting window.

    prefect server start                                   # in one terminal (or as a service)
    .venv/bin/python -m flows.serve --unit 990121 --period 2025 --home /srv/huizong

The nightly schedule is in ``--timezone`` (Asia/Shanghai unless told), so 02:00 is 02:00 in the office. Parameters
carry descriptions (from the flows' docstrings) in the UI. Runs that write the warehouse take turns (see
``flows/guard.py``). Trigger from the UI, or: ``prefect deployment run season/nightly -p unit=990121 -p period=2025``
with ``PREFECT_API_URL`` set (without it the CLI starts a temporary server of its own and finds nothing).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from typing import cast
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import httpx
from prefect import serve
from prefect.deployments.runner import RunnerDeployment
from prefect.events import DeploymentEventTrigger
from prefect.schedules import Cron
from prefect.settings import PREFECT_API_URL

from flows.assess import assess as assess_flow
from flows.consolidate import consolidate, season
from flows.intake import intake
from flows.templates import distribute_templates

TIMEZONE = "Asia/Shanghai"


def deployments(unit: str, period: str, home: str, cron: str, timezone: str = TIMEZONE) -> list[RunnerDeployment]:
    """The deployments an office serves: the nightly season, intake (plain and on Dask), consolidation (on demand,
    and when a cycle becomes final), templates."""
    defaults = {"unit": unit, "period": period, "home": home}
    made = [
        season.to_deployment(
            name="nightly",
            parameters=defaults,
            schedules=[Cron(cron, timezone=timezone)],
            description="每晚：收取收件箱中的报表并汇总",
        ),
        intake.to_deployment(
            name="inbox", parameters={"home": home, "period": period}, description="收取收件箱中的报表"
        ),
        consolidate.to_deployment(name="cycle", parameters=defaults, description="汇总一个填报周期并写出汇总表"),
        consolidate.to_deployment(
            name="final",
            parameters={"home": home},
            triggers=[when_final()],
            description="周期内应报单位全部审定或免报时，自动汇总并写出定稿汇总表（由 huizong.cycle_final 事件触发）",
        ),
        distribute_templates.to_deployment(name="templates", parameters=defaults, description="为应报单位生成填报模板"),
        assess_flow.to_deployment(
            name="quarterly",
            parameters={"unit": unit, "home": home},
            description="考核：按所给周期为各单位评分，写出考核通报和末位单位的督办函（参数 cycles）",
        ),
    ]
    try:  # the Dask extra: pip install 'huizong[dask]'
        from flows.distributed import intake_dask
    except ImportError:
        pass
    else:
        made.append(
            intake_dask.to_deployment(
                name="dask",
                parameters={"home": home, "period": period},
                description="收取报表，在 Dask 集群中读取（address：已有集群的调度器）",
            )
        )
    return [cast(RunnerDeployment, d) for d in made]  # to_deployment is sync here; its type says maybe async


def when_final() -> DeploymentEventTrigger:
    """Run the consolidation of a cycle when its last expected unit is approved or excused: the event
    ``huizong.cycle_final`` names the cycle, and its owner, form and period become the run's parameters."""
    return DeploymentEventTrigger(
        name="周期定稿后汇总 (consolidate a cycle once it is final)",
        expect={"huizong.cycle_final"},
        match={"prefect.resource.id": "huizong.cycle.*"},
        parameters={
            "unit": "{{ event.resource['huizong.owner'] }}",
            "period": "{{ event.resource['huizong.period'] }}",
            "form": "{{ event.resource['huizong.form'] }}",
        },
    )


def wait_for_deployment(name: str, seconds: float) -> None:
    """Wait until the deployment ``name`` (``flow/deployment``) is served, for a script that triggers it next."""
    from prefect.client.orchestration import get_client
    from prefect.exceptions import ObjectNotFound

    wait_for_api(seconds)
    deadline = time.monotonic() + seconds
    with get_client(sync_client=True) as client:
        while True:
            try:
                client.read_deployment_by_name(name)
                return
            except ObjectNotFound:
                if time.monotonic() > deadline:
                    sys.exit(f"flows.serve: 部署 {name} 在 {seconds:.0f} 秒内没有出现 (not served)")
                time.sleep(0.5)


def wait_for_api(seconds: float) -> None:
    """Wait until the Prefect server at PREFECT_API_URL answers (it takes a few seconds to start)."""
    url = PREFECT_API_URL.value()
    if not url:
        sys.exit("flows.serve: 请先设置 PREFECT_API_URL，如 http://127.0.0.1:4200/api (set PREFECT_API_URL)")
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(f"{url.rstrip('/')}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            sys.exit(f"flows.serve: {url} 在 {seconds:.0f} 秒内没有响应：Prefect 服务器启动了吗？(no answer)")
        time.sleep(0.5)


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve huizong's deployments on a running Prefect server.")
    parser.add_argument("--unit", help="the county or city this office runs, e.g. 990121")
    parser.add_argument("--period", help="the reporting period of the window, e.g. 2025")
    parser.add_argument("--await", dest="wait_for", metavar="FLOW/DEPLOYMENT", help="only wait until it is served")
    parser.add_argument("--home", default=os.environ.get("HUIZONG_HOME", "var"), help="the data directory")
    parser.add_argument("--cron", default="0 2 * 1-3 *", help="the nightly run (default: 02:00, January to March)")
    parser.add_argument("--timezone", default=TIMEZONE, help=f"the schedule's time zone (default {TIMEZONE})")
    parser.add_argument("--wait", type=float, default=60, help="seconds to wait for the Prefect server (default 60)")
    args = parser.parse_args()
    if args.wait_for:
        wait_for_deployment(args.wait_for, args.wait)
        return
    if not args.unit or not args.period:
        parser.error("--unit and --period are required")
    try:
        ZoneInfo(args.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        sys.exit(f"flows.serve: 未知的时区 {args.timezone!r}，如 Asia/Shanghai (unknown time zone)")
    wait_for_api(args.wait)
    serve(*deployments(args.unit, args.period, os.path.abspath(args.home), args.cron, args.timezone))


if __name__ == "__main__":
    main()
