"""``huizong import``'s work: published reports read by their labels, checked like templates, recorded as transcribed.

Each file is archived by content hash like any arrival, read (``read_document``), placed (unit, period and form from
the options, an ``index.csv`` beside the files, or the file itself: ``identify``) and turned into a ``Reading`` whose
every cell keeps its printed text. From there it is an intake like any other: checked with the same rules in one
validation per form (plus S5 on the text), recorded as a submission whose ``source`` is ``transcribed`` with a row
per cell in ``cell_places``, superseding and superseded as templates are, answered with a receipt, rolled up and
published. A dry run reads and checks the same way and stores nothing.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, lru_cache, partial
from pathlib import Path
from typing import Any

import pyarrow as pa

from huizong import intake
from huizong.assess import Verdict, assess
from huizong.config import Home
from huizong.consolidate import publish
from huizong.errors import HuizongError
from huizong.findings import Finding
from huizong.forms import Form
from huizong.importing.grids import UnreadableFile, read_document
from huizong.importing.identify import Names, check_title, choose_form, choose_unit, find_title
from huizong.importing.sentences import check_text
from huizong.layout import layout_form
from huizong.periods import Period
from huizong.reader import CellValue, Reading
from huizong.registry import Registry
from huizong.review import locked
from huizong.warehouse import Warehouse

INDEX = "index.csv"
READABLE = (".xlsx", ".xlsm", ".xls", ".et", ".ods", ".docx", ".html", ".htm", ".pdf")


@dataclass(frozen=True)
class Wanted:
    """What the office says about a file (each empty when to be found in the file)."""

    unit: str = ""
    period: str = ""
    form: str = ""


@dataclass
class Transcript:
    """A foreign file as read: the reading (as a template's would be) and where each cell was found."""

    reading: Reading
    located: dict[str, str] = field(default_factory=dict)
    texts: list[str] = field(default_factory=list)


@dataclass
class Imported:
    source: Path
    verdict: Verdict | None  # None: the same content was taken in before
    located: dict[str, str]
    earlier_status: str = ""

    def found_at(self, finding: Finding) -> str:
        """Where in the file a rule's finding is, when it names cells of the official layout (as the receipt shows
        them): "html table 2, row 7, column 5"; '' for findings about the file, its text or a missing label."""
        form = self.verdict.reading.form if self.verdict else None
        if form is None or not finding.cell:
            return ""
        codes = _codes_at(form).get(finding.sheet, {})
        places = [self.located[codes[a]] for a in finding.cell.split(",") if a in codes and codes[a] in self.located]
        return "；".join(places)

    def as_dict(self) -> dict[str, Any]:
        """What ``huizong import --json`` prints for the file."""
        if self.verdict is None:
            return {"file": str(self.source), "status": "duplicate", "earlier_status": self.earlier_status}
        reading = self.verdict.reading
        values = {code: cell.value for code, cell in reading.values.items()}
        return {
            "file": str(self.source),
            **self.verdict.as_dict(),
            "values": {
                code: (float(v) if not isinstance(v, int) and v is not None else v) for code, v in values.items()
            },
            "located": self.located,
        }


@cache
def _codes_at(form: Form) -> dict[str, dict[str, str]]:
    """Sheet and cell of the official layout (templates, receipts) to cell code."""
    return {
        form.table(table).sheet: {span.a1: code for code, span in layout.cells.items()}
        for table, layout in layout_form(form).items()
    }


def wanted_files(paths: Sequence[Path], given: Wanted) -> tuple[list[tuple[Path, Wanted]], list[str]]:
    """The files to import with what is known of each, and problems with an ``index.csv`` (one line each). A folder
    gives every readable file in it, each with its row of the folder's ``index.csv`` (file, unit, period, form)
    where there is one; options given on the command line fill what a row leaves empty."""
    found: list[tuple[Path, Wanted]] = []
    problems: list[str] = []
    for root in paths:
        if not root.is_dir():
            found.append((root, given))
            continue
        index = _index(root / INDEX, problems)
        for path in sorted(p for p in root.rglob("*") if p.is_file() and p.suffix.lower() in READABLE):
            row = index.pop(str(path.relative_to(root)), None) or index.pop(path.name, None)
            found.append((path, _merged(row, given) if row else given))
        problems += [f"{root / INDEX}: 文件“{name}”不在文件夹中" for name in index]
    return found, problems


def _index(path: Path, problems: list[str]) -> dict[str, Wanted]:
    if not path.exists():
        return {}
    rows: dict[str, Wanted] = {}
    with path.open(encoding="utf-8-sig", newline="") as stream:
        reader = csv.DictReader(stream)
        if "file" not in (reader.fieldnames or ()):
            problems.append(f"{path}: 第1行表头应为 file,unit,period（form 可选）")
            return {}
        for row in reader:
            name = (row.get("file") or "").strip()
            if name:
                rows[name] = Wanted(*((row.get(k) or "").strip() for k in ("unit", "period", "form")))
    return rows


def _merged(row: Wanted, given: Wanted) -> Wanted:
    return Wanted(row.unit or given.unit, row.period or given.period, row.form or given.form)


def transcribe(home: Home, path: Path, wanted: Wanted) -> Transcript:
    """Read one foreign file into a reading: its cells by their labels, whose and which year it is, the text check."""
    reading = Reading(path)
    try:
        document = read_document(path)
    except UnreadableFile as exc:
        reading.findings.append(Finding("FILE", "error", str(exc), message_en="the file cannot be read"))
        return Transcript(reading)
    period: Period | None = None
    if wanted.period:
        try:
            period = Period.parse(wanted.period)
        except (HuizongError, ValueError):
            reading.findings.append(Finding("PERIOD", "error", f"报告期“{wanted.period}”无效，应为年度，如 2024"))
            return Transcript(reading)
    form, found, problem = choose_form(home.catalog, document.grids, wanted.form or None, period)
    if form is None or found is None:
        reading.findings.append(problem or Finding("FORM", "error", "无法确定表式"))
        return Transcript(reading, texts=document.texts)
    title = find_title(document.texts)
    if period is None and title is not None:
        period = Period.parse(title.year)
    if period is None:
        reading.findings.append(
            Finding("PERIOD", "error", "文件中找不到报告年度（标题中的“2024年”）：请用 --period 年度 指定")
        )
        return Transcript(reading, texts=document.texts)
    names = names_for(home.registry, period)
    unit = home.registry.units.get(wanted.unit) if wanted.unit else None
    if wanted.unit and unit is None:
        reading.findings.append(Finding("UNIT", "error", f"单位代码 {wanted.unit} 不在名录中"))
        return Transcript(reading, texts=document.texts)
    if unit is None:
        unit, problem = choose_unit(names, title)
        if unit is None:
            reading.findings.append(problem or Finding("UNIT", "error", "无法确定单位"))
            return Transcript(reading, texts=document.texts)
    else:
        reading.findings += check_title(names, title, unit, period)
    reading.form = form
    reading.meta = {
        "form_id": form.id,
        "form_version": form.version,
        "unit_code": unit.code,
        "unit_name": unit.name,
        "unit_kind": unit.kind,
        "period": str(period),
        "scope": "aggregate" if home.registry.is_aggregating(unit.code, period) else "own",
        "source": "transcribed",
    }
    # a published report prints every number as text: reading "1,234" or "１２" as a number is the transcription's
    # work, not a slip of the unit's to note (the note is for a number typed as text in a template)
    reading.values = {
        code: CellValue(code, p.raw, p.value, "ok" if p.status == "normalized" else p.status)
        for code, p in found.parsed.items()
    }
    # a cell's text that is no number is found again by the form's own check (H5), pinned to the receipt's cell
    reading.findings += [f for f in found.findings if f.rule != "VALUE"]
    reading.findings += check_text(form, document.texts, found.values)
    grids = document.grids
    located = {code: grids[p.grid].where(p.row, p.col) for code, p in found.places.items()}
    return Transcript(reading, located, document.texts)


@lru_cache(maxsize=8)
def names_for(registry: Registry, period: Period) -> Names:
    """The registry's names for a period, made once for a folder of files."""
    return Names(registry, period)


def check_files(home: Home, files: Sequence[tuple[Path, Wanted]]) -> list[Imported]:
    """A dry run: every file read and checked against the warehouse as it is, nothing stored."""
    transcripts = [transcribe(home, path, wanted) for path, wanted in files]
    readings = [t.reading for t in transcripts]
    wanted = [(r.meta.get("unit_code", ""), r.meta.get("period", "")) for r in readings]
    previous = intake.previous_values(home, wanted, read_only=True)
    locks: Mapping[tuple[str, str, str], str] = {}
    if home.warehouse.exists():
        with home.connect(read_only=True) as wh:
            locks = locked(wh)
    verdicts = assess(home, readings, previous, None, locks)
    return [Imported(path, v, t.located) for (path, _), t, v in zip(files, transcripts, verdicts, strict=True)]


def import_files(home: Home, files: Sequence[tuple[Path, Wanted]]) -> tuple[list[Imported], dict[str, list[Any]]]:
    """Archive, read, check and record every file, then roll up and publish once; what the audits found. The files
    are checked and recorded a year at a time, earliest first, so that a folder of past years' reports checks each
    year against the one before (S3, S4) as it would have been checked when it came."""
    run_id = intake.new_run_id("import")
    arrivals = intake.archive_files(home, [path for path, _ in files])
    by_source = {path: wanted for path, wanted in files}
    outcomes, fresh = intake.sort_out(home, arrivals)
    transcripts = {id(o): transcribe(home, o.arrival.archived, by_source[o.arrival.source]) for o in fresh}
    for outcome in fresh:  # the archived copy was read; the reading names the file as it was given
        transcripts[id(outcome)].reading.path = outcome.arrival.source
    years: dict[str, list[intake.Outcome]] = {}
    for outcome in fresh:
        years.setdefault(transcripts[id(outcome)].reading.meta.get("period", "~"), []).append(outcome)
    for period in sorted(years):
        batch = years[period]
        intake.conclude(home, batch, [transcripts[id(o)].reading for o in batch], None)
        intake.record(home, run_id, batch, also=partial(_places, batch, transcripts))
        intake.write_receipts(home, batch)
    audits = intake.settle(home, run_id, outcomes, [o for o in outcomes if o.verdict is None])
    publish(home)
    located = {id(o): transcripts[id(o)].located for o in fresh}
    return [Imported(o.arrival.source, o.verdict, located.get(id(o), {}), o.earlier_status) for o in outcomes], audits


def _places(batch: Sequence[intake.Outcome], transcripts: Mapping[int, Transcript], wh: Warehouse) -> None:
    """Where each cell of the batch's files was found, in the batch's transaction."""
    rows = [(o.arrival.sha256, code, place) for o in batch for code, place in transcripts[id(o)].located.items()]
    columns = list(zip(*rows, strict=True)) if rows else [(), (), ()]
    names = ("sha256", "code", "place")
    wh.run("intake/insert_cell_places", incoming_places=pa.table(dict(zip(names, map(pa.array, columns), strict=True))))
