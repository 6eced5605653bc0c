"""``huizong import``: reports as they were published, taken in by their labels (thin over ``taking``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from huizong.config import Home
from huizong.findings import STATUS_LABELS
from huizong.importing.taking import READABLE, Imported, Wanted, check_files, import_files, wanted_files
from huizong.inbox import shown
from huizong.options import home_option, the_warehouse


@click.command("import")
@home_option
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--unit", default="", metavar="CODE", help="Whose report it is (else found from the title).")
@click.option("--period", default="", metavar="P", help="The year it reports on (else found from the title).")
@click.option(
    "--form", default="", metavar="F", help="annual_report or annual_report/2019 (else found from the tables)."
)
@click.option("--dry-run", is_flag=True, help="Read and check only: nothing is archived or stored.")
@click.option(
    "--json", "as_json", is_flag=True, help="Print per file: status, unit, period, form, findings, values, located."
)
@click.option("--wait", default=0.0, type=click.FloatRange(0), metavar="SECONDS", help="Wait for a running run.")
def import_command(
    home: Path, paths: tuple[Path, ...], unit: str, period: str, form: str, dry_run: bool, as_json: bool, wait: float
) -> None:
    """Take in reports as they were published: Word (.docx), PDF with a text layer, web pages (.html), and workbooks
    of any layout (.xlsx, .xls, WPS .et).

    Every cell of the form is found by its printed row and column labels, checked with the form's rules (and the
    figures stated in the text against the tables, S5) and recorded as a transcribed submission, which supersedes
    and is superseded as a template is. A folder is read whole, each file with its row of the folder's index.csv
    (file,unit,period[,form]) where there is one. Exit 1 when a file was rejected (or would be, with --dry-run).

    \b
    Example:
        huizong import 青石县2024年政府信息公开工作年度报告.docx --dry-run --json
        huizong import 梅口镇.pdf --unit 990121101 --period 2024
        huizong import ~/往年年报/青石县/
    """
    where = Home(home)
    files, problems = wanted_files(paths, Wanted(unit, period, form))
    for problem in problems:
        click.echo(f"huizong import: {problem}", err=True)
    if not files:
        click.echo(f"huizong import: 没有可读取的报告（{' '.join(READABLE)}）", err=True)
    if dry_run:
        where.require()
        results = check_files(where, files)
    else:
        with the_warehouse(where, "huizong import", wait):
            results, audits = import_files(where, files)
        for name, rows in audits.items():
            if rows:
                click.echo(f"huizong: 审计 {name} 发现 {len(rows)} 处问题（见 audit_results 表）", err=True)
    if as_json:
        click.echo(json.dumps([r.as_dict() for r in results], ensure_ascii=False, indent=2, default=str))
    else:
        for result in results:
            _say(result)
    rejected = sum(r.verdict is not None and not r.verdict.accepted for r in results)
    sys.exit(1 if rejected or problems else 0)


def _say(result: Imported) -> None:
    name = shown(result.source.name)
    if result.verdict is None:
        click.echo(f"重复  {name}（此前已收到，状态：{STATUS_LABELS.get(result.earlier_status, '未知')}）")
        return
    from huizong.cli import verdict_line  # the line intake prints; imported here, as cli imports this module

    form = result.verdict.reading.form
    cells = f"，{len(result.located)}/{len(form.cells)} 格找到" if form else ""
    click.echo(verdict_line(result.verdict, name) + cells)
    for finding in result.verdict.findings:
        at = result.found_at(finding)
        click.echo(f"  {finding}" + (f"（文件中：{at}）" if at else ""))
