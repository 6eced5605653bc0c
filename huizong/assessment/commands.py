"""``huizong assess``: the assessment (考核) from the command line, thin over ``huizong.assessment``.

It reads the published snapshot (as ``huizong status`` does), so it runs beside the portal and any run, and writes
only under ``<home>/out/assessment/``.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import click

from huizong.assessment.core import assess
from huizong.assessment.output import write_assessment
from huizong.config import Home
from huizong.options import home_option

DAY = click.DateTime(["%Y-%m-%d"])


def split(values: tuple[str, ...]) -> list[str]:
    """``--cycles A,B --cycles C`` (commas, full-width ones too, or the option repeated) as [A, B, C]."""
    return [part.strip() for value in values for part in value.replace("，", ",").split(",") if part.strip()]


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


@click.command("assess")
@home_option
@click.option("--unit", required=True, metavar="CODE", help="The office running the cycles (a county or city).")
@click.option("--cycles", required=True, multiple=True, metavar="ID,ID…", help="The cycles assessed, comma-separated.")
@click.option(
    "--bottom",
    type=click.IntRange(0),
    metavar="N",
    help="Write a 督办函 to the N lowest units, ties included (default: letter.bottom of assessment.toml, 3).",
)
@click.option("--date", "issued", type=DAY, metavar="DATE", help="The day assessed and the letters' date (today).")
@click.option(
    "--deadline", type=DAY, metavar="DATE", help="The letters' deadline to fix (default: letter.days after --date)."
)
@click.option("--json", "as_json", is_flag=True, help="Print the scores and the files written as JSON.")
def assess_command(
    home: Path,
    unit: str,
    cycles: tuple[str, ...],
    bottom: int | None,
    issued: dt.datetime | None,
    deadline: dt.datetime | None,
    as_json: bool,
) -> None:
    """Assess (考核) the units of an office's cycles: a 通报 workbook ranking them by kind, and a 督办函 to each
    unit at the bottom.

    Per unit and cycle: on time, late or missing; accepted at the first try; returns by the office; warnings left
    without an explanation (上报说明). The points are declared in <home>/assessment.toml (the defaults are in
    huizong/assessment/assessment.toml). Files go to <home>/out/assessment/<unit>-<cycles>/.

    \b
    Example:
        huizong assess --unit 990121 --cycles 990121-annual_report-2025 --bottom 3 --deadline 2026-03-10
    """
    where = Home(home).require()
    day = issued.date() if issued else dt.date.today()
    due = deadline.date() if deadline else None
    found = assess(where, unit, split(cycles), as_of=day, bottom=bottom)
    written = write_assessment(where, found, day, due)
    paths = [written.notice, *written.letters]
    if as_json:
        data = {"summary": found.summary(), "folder": str(written.folder), "notice": str(written.notice),
                "letters": [str(p) for p in written.letters], "scores": found.scores}  # fmt: skip
        click.echo(json.dumps(data, ensure_ascii=False, default=_plain, indent=2))
    else:
        for path in paths:
            click.echo(str(path))
    click.echo(found.summary(), err=True)
