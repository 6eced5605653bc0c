"""The ``huizong`` command: a thin layer over the library.

Exit codes: 0 success, 1 the input was rejected, 2 the command was used wrongly (or the setup is wrong).
Errors are one line on stderr, prefixed ``huizong:``.
"""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from huizong import __version__
from huizong.config import Home
from huizong.distribute import cycle_for, template_name, write_cycle_templates
from huizong.errors import HuizongError, UsageError
from huizong.periods import Period
from huizong.template import write_template

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo_city"
F = TypeVar("F", bound=Callable[..., Any])


def home_option(command: F) -> F:
    return click.option(
        "--home",
        "home",
        envvar="HUIZONG_HOME",
        default="var",
        show_default=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="数据目录 (data directory; env HUIZONG_HOME).",
    )(command)


def period_and_form(command: F) -> F:
    command = click.option(
        "--form", metavar="FORM", help="annual_report/2021, or a form id; default: the one that fits the period."
    )(command)
    return click.option(
        "--period", required=True, metavar="P", help="Report period: 2025, or 2025Q3 for a quarterly form."
    )(command)


class _Group(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except HuizongError as exc:
            click.echo(f"huizong: {exc}", err=True)
            sys.exit(exc.exit_code)


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="huizong")
def main() -> None:
    """huizong（汇总）：政府信息公开工作年度报告等报表的下发、收取、校验与汇总。

    All state lives in one data directory (--home, HUIZONG_HOME, default ./var).

    \b
    Example:
        huizong init --demo
        huizong templates --unit 990121 --period 2025
    """


@main.command()
@home_option
@click.option("--demo", is_flag=True, help="Use the bundled fictional city 明川市 (fixtures/demo_city).")
@click.option("--registry", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A units.csv to use.")
@click.option("--cycles", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="A cycles.toml to use.")
def init(home: Path, demo: bool, registry: Path | None, cycles: Path | None) -> None:
    """Create the data directory and put a unit registry (and cycles) in it.

    An existing file is kept unless it is identical to the one given.

    \b
    Example:
        huizong init --demo
        huizong init --home /srv/huizong --registry units.csv --cycles cycles.toml
    """
    if demo:
        registry, cycles = registry or DEMO / "units.csv", cycles or DEMO / "cycles.toml"
    if registry is None:
        raise UsageError("需要 --demo 或 --registry FILE (give --demo or --registry)")
    target = Home(home)
    for source, dest in ((registry, target.units_file), (cycles, target.cycles_file)):
        if source is None:
            continue
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.exists() and dest.read_bytes() != source.read_bytes():
            click.echo(f"保留已有的 {dest}（与 {source} 不同；如需替换请先删除）")
            continue
        shutil.copyfile(source, dest)
    for sub in ("inbox", "archive", "out", "forms"):
        (target.root / sub).mkdir(parents=True, exist_ok=True)
    units = target.registry
    click.echo(f"数据目录 {target.root}：{len(units.units)} 个单位，{len(target.cycle_specs)} 个填报周期")


@main.command()
@home_option
@click.option("--under", metavar="CODE", help="Only this unit and those below it.")
@click.option("--period", metavar="P", help="Only units that exist in this period (2025, 2025Q3).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def units(home: Path, under: str | None, period: str | None, as_json: bool) -> None:
    """List the unit registry: code, name, kind, parent.

    \b
    Example:
        huizong units --under 990121 --period 2025
    """
    registry = Home(home).registry
    chosen = list(registry.subtree(under)) if under else list(registry.units.values())
    if period:
        when = Period.parse(period)
        chosen = [u for u in chosen if u.active_in(when)]
    rows = [{"code": u.code, "name": u.name, "kind": u.kind, "parent": u.parent or ""} for u in chosen]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    _table([("代码", "名称", "类型", "上级")] + [(r["code"], r["name"], r["kind"], r["parent"]) for r in rows])


@main.command()
@home_option
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def forms(home: Path, as_json: bool) -> None:
    """List the form versions huizong knows (bundled, and any under <home>/forms).

    \b
    Example:
        huizong forms
    """
    catalog = Home(home).catalog
    rows = [
        {
            "form": f.key,
            "title": f.title,
            "basis": f.basis,
            "period": f.period_kind,
            "years": f"{f.years[0]}-{f.years[1]}",
            "cells": str(len(f.cells)),
            "inputs": str(len(f.inputs)),
        }
        for f in catalog.forms.values()
    ]
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    _table(
        [("表式", "名称", "依据", "周期", "适用年度", "单元格")]
        + [(r["form"], r["title"], r["basis"], r["period"], r["years"], r["cells"]) for r in rows]
    )


@main.command()
@home_option
@click.option("--unit", required=True, metavar="CODE", help="The unit that will fill the template.")
@period_and_form
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), help="File to write.")
def template(home: Path, unit: str, period: str, form: str | None, output: Path | None) -> None:
    """Write one unit's template and print its path.

    \b
    Example:
        huizong template --unit 990121101 --period 2025 -o 梅口镇.xlsx
        huizong template --unit 990121501 --period 2025Q4 --form disclosure_by_category
    """
    where = Home(home)
    who = where.registry.get(unit)
    when = Period.parse(period)
    if not who.active_in(when):
        raise UsageError(f"单位 {who.code}（{who.name}）在 {when} 不存在（valid {who.valid_from}–{who.valid_to}）")
    chosen = where.catalog.choose(when, form)
    deadline = None
    if who.parent:
        try:
            deadline = cycle_for(where, who.parent, str(when), chosen.key).deadline_for(who)
        except HuizongError:
            deadline = None
    path = output or where.out / "templates" / template_name(who, chosen.id, when)
    scope = "aggregate" if where.registry.is_aggregating(who.code, when) else "own"
    write_template(path, chosen, who, when, deadline=deadline, password=where.settings.template_password, scope=scope)
    click.echo(str(path))


@main.command()
@home_option
@click.option("--unit", required=True, metavar="CODE", help="The aggregating unit that runs the cycle.")
@period_and_form
@click.option("-o", "--output", type=click.Path(file_okay=False, path_type=Path), help="Folder to write into.")
def templates(home: Path, unit: str, period: str, form: str | None, output: Path | None) -> None:
    """Write the template of every unit expected in a cycle; print the folder on the last line.

    \b
    Example:
        huizong templates --unit 990121 --period 2025
    """
    where = Home(home)
    cycle = cycle_for(where, unit, period, form)
    click.echo(
        f"{cycle.owner.name} {cycle.period.label} {cycle.form.title}（{cycle.form.basis}）："
        f"应报 {len(cycle.expected)} 个单位，截止 {cycle.deadline:%Y-%m-%d}"
        + ("" if cycle.declared else "（未在 cycles.toml 中声明，按默认设置）")
    )
    with click.progressbar(length=len(cycle.expected), label="写模板", file=sys.stderr) as bar:
        paths = write_cycle_templates(where, cycle, output, progress=lambda _: bar.update(1))
    click.echo(str(paths[0].parent if paths else output or where.out))


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)]
        click.echo("  ".join(cells).rstrip())
