"""The ``huizong`` command: a thin layer over the library.

Exit codes: 0 success, 1 the input was rejected, 2 the command was used wrongly (or the setup is wrong).
Errors are one line on stderr, prefixed ``huizong:``.
"""

from __future__ import annotations

import json
import shutil
import sys
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import click
import duckdb

from huizong import __version__, events
from huizong import status as season
from huizong.assess import Verdict, assess
from huizong.config import Home
from huizong.consolidate import consolidate_cycle, publish
from huizong.consolidate import rebuild as rebuild_all
from huizong.cycles import load_cycle_specs
from huizong.demo import play
from huizong.distribute import cycle_for, template_name, write_cycle_templates
from huizong.draft import SCOPES, Scope
from huizong.errors import HuizongError, UsageError, storage_error
from huizong.findings import STATUS_LABELS
from huizong.inbox import Skipped, shown
from huizong.intake import count, new_run_id, previous_values, run_intake
from huizong.options import F, home_option, the_warehouse
from huizong.periods import Period
from huizong.reader import read_workbook
from huizong.receipts import write_missing
from huizong.registry import Registry
from huizong.template import write_template

DEMO = Path(__file__).resolve().parent.parent / "fixtures" / "demo_city"


def wait_option(command: F) -> F:
    return click.option(
        "--wait",
        default=0,
        metavar="SECONDS",
        type=click.FloatRange(0),
        help="If another run holds the warehouse, wait this long for it (default: stop at once).",
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
        except (OSError, duckdb.Error) as exc:
            storage = storage_error(exc)
            if storage is None:
                raise
            click.echo(f"huizong: {storage}", err=True)
            sys.exit(storage.exit_code)
        finally:
            events.flush()  # the Prefect events this command sent (none without a configured server)


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
    checked = Registry.load(registry)  # checked before anything is copied: a bad file never lands in the home
    if cycles is not None:
        load_cycle_specs(cycles, checked)
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


@main.command()
@home_option
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--period", metavar="P", help="The period being collected: a file for another one is rejected.")
@click.option("--json", "as_json", is_flag=True, help="Print the verdict and findings as JSON.")
def check(home: Path, file: Path, period: str | None, as_json: bool) -> None:
    """Check one file against the registry and cycles without storing anything.

    Exit 0 when the file has no error, 1 when it would be rejected.

    \b
    Example:
        huizong check 990121101_梅口镇_annual_report-2025.xlsx
        huizong check 梅口镇.xlsx --json
    """
    where = Home(home)
    reading = read_workbook(file, where.catalog, where.registry)
    wanted = [(reading.meta.get("unit_code", ""), reading.meta.get("period", ""))]
    expect = Period.parse(period) if period else None
    verdict = assess(where, [reading], previous_values(where, wanted, read_only=True), expect)[0]
    if as_json:
        click.echo(json.dumps(verdict_json(verdict), ensure_ascii=False, indent=2))
    else:
        click.echo(verdict_line(verdict, file.name))
        for finding in verdict.findings:
            click.echo(f"  {finding}")
    sys.exit(0 if verdict.accepted else 1)


@main.command()
@home_option
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.option("--period", metavar="P", help="Only this period is being collected: files for another are rejected.")
@wait_option
def intake(home: Path, paths: tuple[Path, ...], period: str | None, wait: float) -> None:
    """Take in files: the inbox (<home>/inbox) when no FILE or DIR is given.

    Every file is archived by content hash, read, checked and recorded; the same file twice is recognised.
    Files taken from the inbox move to inbox/processed/. Exit 1 when a new file was rejected.

    \b
    Example:
        huizong intake
        huizong intake ~/收件/青石县 --period 2025
    """
    where = Home(home)
    with (
        the_warehouse(where, "huizong intake", wait),
        click.progressbar(length=1, label="读取报表", file=sys.stderr) as bar,
    ):

        def progress(done: int, of: int) -> None:
            bar.length = of
            bar.update(1)

        skipped: list[Skipped] = []
        when = Period.parse(period) if period else None
        outcomes = run_intake(where, paths, when, _say_audits, progress, skipped)
    for passed in skipped:
        click.echo(f"跳过  {shown(str(passed.path))}（{passed.reason}）")
    for outcome in outcomes:
        name = shown(outcome.arrival.source.name)
        if outcome.same_as is not None:
            click.echo(f"重复  {name}（与本批的 {shown(outcome.same_as.name)} 内容相同）")
        elif outcome.verdict is None:
            click.echo(f"重复  {name}（此前已收到，状态：{STATUS_LABELS[outcome.earlier_status]}）")
        else:
            click.echo(verdict_line(outcome.verdict, name))
    counts = count(outcomes)
    click.echo(
        f"共 {len(outcomes)} 个文件：通过 {counts['accepted']}，退回 {counts['rejected']}，重复 {counts['duplicate']}"
        + (f"，跳过 {len(skipped)}" if skipped else "")
    )
    # a file rejected before and sent again is still rejected: a rerun after a crash reports what it reports
    rejected = counts["rejected"] + sum(o.verdict is None and o.earlier_status == "rejected" for o in outcomes)
    sys.exit(1 if rejected else 0)


@main.command()
@home_option
@click.option("--missing", is_flag=True, required=True, help="Write every receipt that is owed and missing.")
def receipts(home: Path, missing: bool) -> None:
    """Write the receipts (回执) owed by runs that stopped before writing them; print each path.

    Every submission with findings is owed one; intake writes the missing ones at the start of every run too.

    \b
    Example:
        huizong receipts --missing
    """
    where = Home(home)
    with the_warehouse(where, "huizong receipts", 0), where.connect() as wh:
        written = write_missing(where, wh)
    for path in written:
        click.echo(str(path))
    click.echo(f"补写回执 {len(written)} 份", err=True)


@main.command()
@home_option
@wait_option
def rebuild(home: Path, wait: float) -> None:
    """Roll up the totals of every period again, run every audit and publish the snapshot.

    Runs bring up to date only the periods their files touch (and every period when the registry or the forms
    change); this rolls up everything, and gives the same tables. Exit 1 when an audit found something.

    \b
    Example:
        huizong rebuild
    """
    where = Home(home)
    with the_warehouse(where, "huizong rebuild", wait):
        with where.connect() as wh:
            audits = rebuild_all(wh, where, new_run_id("rebuild"), full=True)
            counted = wh.con.execute("SELECT count(*) FROM scope_periods").fetchone()
        publish(where, rewrite=True)  # the snapshot's values gathered into one part per period
    _say_audits(audits)
    click.echo(f"已重新汇总 {counted[0] if counted else 0} 个报告期，分析库：{where.published / 'huizong.duckdb'}")
    sys.exit(1 if any(audits.values()) else 0)


@main.command()
@home_option
@click.option("--cycle", "cycle_id", metavar="ID", help="List the units still to chase (督办) in this cycle.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of a table.")
def status(home: Path, cycle_id: str | None, as_json: bool) -> None:
    """Show where each reporting cycle stands, from the published snapshot.

    \b
    Example:
        huizong status
        huizong status --cycle 990121-annual_report-2025
    """
    where = Home(home)
    if cycle_id:
        rows = season.chase(where, cycle_id)
        if as_json:
            click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
            return
        header = ("代码", "单位", "状态", "截止", "超期", "报送次数", "错误")
        body = [
            (
                r["unit_code"],
                r["unit_name"],
                STATUS_LABELS[r["status"]],
                str(r["deadline"]),
                "是" if r["overdue"] else "",
                str(r["files"]),
                str(r["errors"]),
            )
            for r in rows
        ]
        _table([header, *body])
        return
    rows = season.cycles(where)
    if as_json:
        click.echo(json.dumps(rows, ensure_ascii=False, indent=2, default=str))
        return
    _table([("周期", "报告期", "报送情况")] + [(r["cycle_id"], r["period"], season.line(r)) for r in rows])


@main.command()
@home_option
@click.option("--unit", default="990121", show_default=True, metavar="CODE", help="The demo county.")
@click.option("--period", default="2025", show_default=True, metavar="P", help="The season to simulate.")
def demo(home: Path, unit: str, period: str) -> None:
    """Play a reporting season in the demo city, from the units' files to the city's consolidated workbook.

    The county's units report last year (complete and clean) and this year (some late, some wrong, some missing);
    the county consolidates and passes its workbook up; the city's departments report, the other counties send their
    汇总, and the city consolidates. Running it again changes nothing: the same files are recognised.

    \b
    Example:
        huizong init --demo && huizong demo
    """
    where = Home(home)
    with the_warehouse(where, "huizong demo", 0):
        workbooks = play(where, unit, period, click.echo)
    click.echo(f"分析库：{where.published / 'huizong.duckdb'}")
    for path in workbooks:
        click.echo(str(path))


@main.command()
@home_option
@click.option("--unit", required=True, metavar="CODE", help="The county or city to consolidate.")
@period_and_form
@click.option(
    "--draft",
    type=click.Choice(SCOPES),
    default="region",
    show_default=True,
    help="What the annual report's draft (.docx) covers: region, the region's totals (汇总); or own, the "
    "government office's own report (本级).",
)
@click.option("--dry-run", is_flag=True, help="Compute and show, write nothing.")
@wait_option
def consolidate(home: Path, unit: str, period: str, form: str | None, draft: Scope, dry_run: bool, wait: float) -> None:
    """Consolidate a cycle: totals, completeness, audits, the snapshot, the consolidated workbook, and the draft of
    the annual report (年度报告草稿, a Word document in the official layout for the office to complete).

    Both go under <home>/out/<cycle>/: the draft's path is printed, then the workbook's, last. With --draft own and
    no accepted own report of the government office, no draft is written and one line on stderr says why.

    \b
    Example:
        huizong consolidate --unit 990121 --period 2025
        huizong consolidate --unit 990121 --period 2025 --draft own
    """
    where = Home(home).require()
    cycle = cycle_for(where, unit, period, form)
    with the_warehouse(where, "huizong consolidate", wait):
        result = consolidate_cycle(where, cycle, dry_run=dry_run, draft=draft)
    assert result.data is not None
    click.echo(f"{cycle.owner.name} {cycle.period.label} {cycle.form.title}：{result.data.summary()}")
    _say_audits(result.audits)
    if result.draft_note:
        click.echo(f"huizong: {result.draft_note}", err=True)
    if result.draft is not None:
        click.echo(str(result.draft))
    if result.workbook is not None:
        click.echo(str(result.workbook))


def _say_audits(audits: dict[str, list[dict[str, object]]]) -> None:
    """Audits that found something are a problem of huizong or of the data, never of one file: say so loudly."""
    for name, rows in audits.items():
        if rows:
            click.echo(f"huizong: 审计 {name} 发现 {len(rows)} 处问题（见 audit_results 表）", err=True)


def verdict_line(verdict: Verdict, name: str) -> str:
    meta = verdict.reading.meta
    who = f"{meta['unit_code']} {meta.get('unit_name', '')} {meta['period']}" if "unit_code" in meta else "（无法识别）"
    errors, warnings = verdict.counts()
    return f"{STATUS_LABELS[verdict.status]}  {who}  {name}  错误 {errors}，提示 {warnings}"


def verdict_json(verdict: Verdict) -> dict[str, Any]:
    return verdict.as_dict()


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _table(rows: Sequence[Sequence[str]]) -> None:
    widths = [max(_width(r[i]) for r in rows) for i in range(len(rows[0]))]
    for row in rows:
        cells = [cell + " " * (width - _width(cell)) for cell, width in zip(row, widths, strict=True)]
        click.echo("  ".join(cells).rstrip())


def _portal_commands() -> None:
    from huizong.assessment.commands import assess_command
    from huizong.importing.commands import import_command
    from huizong.portal.commands import accounts, serve
    from huizong.review.commands import review

    main.add_command(serve)
    main.add_command(accounts)
    main.add_command(review)
    main.add_command(assess_command)
    main.add_command(import_command)


_portal_commands()
