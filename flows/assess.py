"""The assessment (考核) as a Prefect flow: score the units of an office's cycles, write the 通报 and the 督办函.

It reads the published snapshot and writes only under ``<home>/out/assessment/``, so it takes no turn at the
warehouse: it runs beside the portal and any other run. The library does the work (``huizong.assessment``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from prefect import flow, task
from prefect.artifacts import create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Completed, Failed

from flows.guard import transient
from flows.intake import as_is
from huizong import assessment as steps
from huizong.assessment.commands import split
from huizong.assessment.workbook import lapses, points
from huizong.config import Home
from huizong.errors import HuizongError
from huizong.registry import KINDS


@task(name="score the units", retries=2, retry_delay_seconds=5, retry_condition_fn=transient, cache_policy=NO_CACHE)
def score(home: Home, unit: str, cycles: list[str], day: dt.date, bottom: int | None) -> steps.Assessment:
    return steps.assess(home, unit, cycles, as_of=day, bottom=bottom)


@task(name="write the 通报 and the letters", cache_policy=NO_CACHE)
def write(home: Home, found: steps.Assessment, day: dt.date, deadline: dt.date | None) -> steps.Written:
    return steps.write_assessment(home, found, day, deadline)


@task(name="report", cache_policy=NO_CACHE)
def report(found: steps.Assessment, written: steps.Written) -> str:
    key = f"assessment-{found.slug}".replace("_", "-").lower()
    letters = "\n".join(f"- {path.name}" for path in written.letters) or "（无须督办）"
    lines = [f"## {found.owner.name} 考核（{found.periods}）", found.summary(), f"通报：{written.notice}",
             f"督办函（{written.folder}）：\n\n{letters}"]  # fmt: skip
    create_markdown_artifact("\n\n".join(lines), key=f"{key}-summary", description=found.summary())
    create_table_artifact(
        [
            {
                "类别": KINDS.get(s["unit_kind"], s["unit_kind"]),
                "名次": s["kind_rank"] if s["ranked"] else "",
                "单位": f"{s['unit_code']} {s['unit_name']}",
                "总分": points(s["total"]),
                "存在问题": lapses(found, s),
                "督办": "是" if s["bottom"] else "",
            }
            for _, members in found.groups()
            for s in members
        ],
        key=f"{key}-ranking",
        description=f"考核排名：{found.summary()}",
    )
    return found.summary()


@flow(name="assess")
def assess(
    unit: str | int,
    cycles: list[str] | str,
    bottom: int | None = None,
    deadline: dt.date | None = None,
    date: dt.date | None = None,
    home: str | None = None,
) -> Any:
    """Assess (考核) the units of an office's cycles: the 通报 ranking them by kind, a 督办函 to each at the bottom.

    ``unit`` also takes a number and ``cycles`` a comma-separated text, as `prefect deployment run -p unit=990121
    -p cycles=990121-annual_report-2025` sends them.

    Args:
        unit: 考核单位代码（组织填报周期的县或市），如 990121。The county or city running the cycles.
        cycles: 考核的周期，如 990121-annual_report-2025（多个用逗号分隔）。The cycles assessed.
        bottom: 向排名最后的几个单位发督办函（并列的一并发送；默认按 assessment.toml，3 个）。Letters to the N lowest.
        deadline: 督办函的整改期限（默认发函后 7 天）。The letters' deadline to fix (default: 7 days after the date).
        date: 考核日期和发函日期（默认今天）。The day assessed and the letters' date (default: today).
        home: 数据目录（默认 HUIZONG_HOME 或 ./var）。The data directory.
    """
    where = Home(home)
    day = date or dt.date.today()
    try:
        where.require()
        ids = split((cycles,)) if isinstance(cycles, str) else split(tuple(cycles))
        found = score(where, str(unit), ids, day, bottom)
        written = write(where, as_is(found), day, deadline)
        summary = report(as_is(found), written)
    except HuizongError as exc:
        return Failed(message=f"huizong: {exc}")
    return Completed(message=summary, data=summary)
