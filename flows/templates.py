"""Send out a cycle: one template per expected unit, written under ``<home>/out/<cycle>/templates/``."""

from __future__ import annotations

from prefect import flow, task
from prefect.artifacts import create_table_artifact
from prefect.cache_policies import NO_CACHE

from huizong.config import Home
from huizong.cycles import Cycle
from huizong.distribute import cycle_for, write_cycle_templates


@task(name="write templates", cache_policy=NO_CACHE)
def write_templates(home: Home, cycle: Cycle) -> list[str]:
    return [str(path) for path in write_cycle_templates(home, cycle)]


@task(name="report templates", cache_policy=NO_CACHE)
def report_templates(cycle: Cycle, paths: list[str]) -> None:
    rows = [
        {"代码": unit.code, "单位": unit.name, "截止": f"{cycle.deadline_for(unit):%Y-%m-%d}", "文件": path}
        for unit, path in zip(cycle.expected, paths, strict=True)
    ]
    create_table_artifact(rows, key=f"templates-{cycle.id}".replace("_", "-").lower(), description=cycle.id)


@flow(name="distribute-templates")
def distribute_templates(
    unit: str | int, period: str | int, form: str | None = None, home: str | None = None
) -> list[str]:
    """Write the templates of every unit that ``unit`` (a county or city) expects for ``period``.

    Args:
        unit: 汇总单位代码（县或市），如 990121。The county or city running the cycle.
        period: 报告期，如 2025 或 2025Q4。The report period.
        form: 表式，如 annual_report/2021（默认：适用于该报告期的版本）。The form version; default the one that fits.
        home: 数据目录（默认 HUIZONG_HOME 或 ./var）。The data directory.
    """
    where = Home(home)
    cycle = cycle_for(where, str(unit), str(period), form)
    paths = write_templates(where, cycle)
    report_templates(cycle, paths)
    return paths
