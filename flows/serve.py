"""Serve huizong's flows as deployments of a running Prefect server, with the nightly run of a reporting window.

    prefect server start                                   # in one terminal (or as a service)
    .venv/bin/python -m flows.serve --unit 990121 --period 2025 --home /srv/huizong

Then trigger from the UI, or: ``prefect deployment run season/nightly -p unit=990121 -p period=2025``.
"""

from __future__ import annotations

import argparse
import os
from typing import cast

from prefect import serve
from prefect.deployments.runner import RunnerDeployment

from flows.consolidate import consolidate, season
from flows.intake import intake
from flows.templates import distribute_templates


def main() -> None:
    parser = argparse.ArgumentParser(description="Serve huizong's deployments on a running Prefect server.")
    parser.add_argument("--unit", required=True, help="the county or city this office runs, e.g. 990121")
    parser.add_argument("--period", required=True, help="the reporting period of the window, e.g. 2025")
    parser.add_argument("--home", default=os.environ.get("HUIZONG_HOME", "var"), help="the data directory")
    parser.add_argument("--cron", default="0 2 * 1-3 *", help="the nightly run (default: 02:00, January to March)")
    args = parser.parse_args()
    defaults = {"unit": args.unit, "period": args.period, "home": args.home}
    deployments = [
        season.to_deployment(
            name="nightly", parameters=defaults, cron=args.cron, description="每晚：收取收件箱中的报表并汇总"
        ),
        intake.to_deployment(
            name="inbox", parameters={"home": args.home, "period": args.period}, description="收取收件箱中的报表"
        ),
        consolidate.to_deployment(name="cycle", parameters=defaults, description="汇总一个填报周期并写出汇总表"),
        distribute_templates.to_deployment(name="templates", parameters=defaults, description="为应报单位生成填报模板"),
    ]
    serve(*(cast(RunnerDeployment, d) for d in deployments))  # to_deployment is sync here; its type says maybe async


if __name__ == "__main__":
    main()
