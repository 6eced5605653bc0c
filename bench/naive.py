"""The consolidation script a county office would otherwise write: the baseline huizong's intake is measured against.

For each file, in order of arrival (modification time): ``openpyxl.load_workbook`` (cached values, as an office
script reads them), the unit and period from the very hidden ``_meta`` sheet, one value per cell of the form at the
address the form declares, the totals recomputed from the inputs with the form's sum formulas, a pandas frame (one
row per cell: unit, code, type, value), **one** pandera ``validate`` call (numbers only, whole numbers for counts,
nothing negative but the 2019 本年增/减, at most 4 decimals for amounts, and the identities H1-H4), then, when the file
passes, ``DELETE`` of the unit's earlier rows and one ``INSERT`` per cell into a DuckDB file. At the end, one
``GROUP BY`` gives the totals.

It judges files as huizong does for what the benchmark's files can get wrong (text such as "12件" in a cell, a
fraction or a negative count, an unbalanced table, another period, an edited ``_meta``, a file that is not a
workbook), and keeps the latest accepted file of each unit as huizong does: a rejected file never replaces an
accepted one, and the same content twice counts once (the first of the given order, at its modification time). It
does *not* know the registry: a unit that is unknown, abolished or not expected in the cycle is accepted here and
rejected by huizong. Blank and "/" cells are 0 here; huizong stores them as NULL (the sums are the same).

Run it by hand on a folder: ``python -m bench.naive FOLDER --period 2025 [--db naive.duckdb]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import re
import sys
import tempfile
import time
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import cache
from pathlib import Path
from typing import Any, TypeGuard

import duckdb
import openpyxl  # type: ignore[import-untyped]
import pandas as pd
import pandera.pandas as pa

import huizong.forms
from huizong.forms import Equation, Form
from huizong.meta import CELL_COLUMNS, CELLS_HEADER_ROW, HEADER_KEYS, MARKER, SHEET, CellRow, cell_rows, template_hash

Number = int | Decimal
LIMIT = Decimal(10) ** 12
SLASHES = {"/", "-", "—", "–", "——"}  # after NFKC: ／ and － are / and -
_GROUPED = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_IDENTITIES = ("H1", "H2", "H3", "H4")

CREATE = """
CREATE OR REPLACE TABLE cell_values (
    unit    VARCHAR NOT NULL,
    code    VARCHAR NOT NULL,
    number  BIGINT,          -- counts (and signed changes)
    amount  DECIMAL(22, 4)   -- amounts (万元)
)
"""
INSERT_NUMBER = "INSERT INTO cell_values (unit, code, number) VALUES (?, ?, ?)"
INSERT_AMOUNT = "INSERT INTO cell_values (unit, code, amount) VALUES (?, ?, ?)"
TOTALS = "SELECT code, sum(number)::BIGINT, sum(amount)::DECIMAL(22, 4) FROM cell_values GROUP BY code"


@dataclass
class NaiveResult:
    files: int  # files processed
    accepted: int
    rejected: int
    seconds: float  # wall time of the whole naive run (perf_counter)
    totals: dict[str, int | Decimal]  # cell code -> sum over the latest accepted file of every unit, all cells


@dataclass
class FileVerdict:
    """What the script made of one file: ``reasons`` empty means accepted."""

    path: Path
    unit: str = ""
    reasons: list[str] = field(default_factory=list)
    frame: pd.DataFrame | None = None  # the validated frame (unit, code, type, value) when accepted

    @property
    def accepted(self) -> bool:
        return not self.reasons


def naive_consolidate(files: Sequence[Path], form: huizong.forms.Form, db: Path, period: str) -> NaiveResult:
    """Take in ``files`` for ``period`` the way an office script would, into the DuckDB file ``db``, and sum up."""
    start = time.perf_counter()
    accepted = rejected = 0
    with duckdb.connect(str(db)) as con:
        con.execute(CREATE)
        for path in arrival_order(files):
            verdict = judge_file(path, form, period)
            if not verdict.accepted:
                rejected += 1
                continue
            accepted += 1
            assert verdict.frame is not None
            con.execute("DELETE FROM cell_values WHERE unit = ?", [verdict.unit])
            for unit, code, kind, value in verdict.frame[["unit", "code", "type", "value"]].itertuples(index=False):
                if kind == "amount":
                    con.execute(INSERT_AMOUNT, (unit, code, value))
                else:
                    con.execute(INSERT_NUMBER, (unit, code, value))
        rows = con.execute(TOTALS).fetchall()
    totals: dict[str, int | Decimal] = {}
    for code, number, amount in rows:
        totals[code] = amount if form.cells[code].type == "amount" else number
    return NaiveResult(len(files), accepted, rejected, time.perf_counter() - start, totals)


def arrival_order(files: Sequence[Path]) -> list[Path]:
    """The files by arrival: modification time to the second (a future one counts as now), then content hash, as
    huizong orders them; a content already seen earlier in ``files`` is dropped (huizong judges it once)."""
    now = dt.datetime.now().replace(microsecond=0)
    seen: set[str] = set()
    keyed = []
    for path in files:
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        if digest in seen:
            continue
        seen.add(digest)
        mtime = min(dt.datetime.fromtimestamp(path.stat().st_mtime).replace(microsecond=0), now)
        keyed.append((mtime, digest, path))
    return [path for *_, path in sorted(keyed)]


# ───────────────────────────── one file ─────────────────────────────


def judge_file(path: Path, form: Form, period: str) -> FileVerdict:
    """Read one file with openpyxl and validate it with one pandera call."""
    verdict = FileVerdict(path)
    try:
        book = openpyxl.load_workbook(path, data_only=True)
    except Exception as exc:  # not a zip, not a workbook, encrypted: all "cannot open"
        verdict.reasons.append(f"cannot open: {type(exc).__name__}")
        return verdict
    try:
        if not _read_meta(book, form, period, verdict):
            return verdict
        frame = _frame(book, form, verdict.unit)
    finally:
        book.close()
    try:
        verdict.frame = schema(form).validate(frame, lazy=True)
    except pa.errors.SchemaErrors as exc:
        cases = exc.failure_cases
        verdict.reasons += sorted({f"{c}: {k}" for c, k in zip(cases["column"], cases["check"], strict=True)})
    return verdict


def _read_meta(book: Any, form: Form, period: str, verdict: FileVerdict) -> bool:
    if SHEET not in book.sheetnames:
        verdict.reasons.append("no _meta sheet")
        return False
    rows = [tuple("" if v is None else str(v).strip() for v in row) for row in book[SHEET].iter_rows(values_only=True)]
    rows = [(*row, *[""] * (len(CELL_COLUMNS) - len(row))) for row in rows]
    if not rows or rows[0][0] != MARKER:
        verdict.reasons.append("_meta damaged")
        return False
    meta = {row[0]: row[1] for row in rows[1 : len(HEADER_KEYS) + 1]}
    verdict.unit = meta.get("unit_code", "")
    if meta.get("period") != period:
        verdict.reasons.append(f"period {meta.get('period')!r}, not {period}")
    if (meta.get("form_id"), meta.get("form_version")) != (form.id, form.version):
        verdict.reasons.append(f"form {meta.get('form_id')}/{meta.get('form_version')}, not {form.key}")
    if meta.get("scope") != "own":
        verdict.reasons.append(f"scope {meta.get('scope')!r}: not a unit's own report")
    if verdict.reasons:
        return False
    cells = [CellRow(*row[: len(CELL_COLUMNS)]) for row in rows[CELLS_HEADER_ROW + 1 :] if row[0]]
    if cells != cell_rows(form):
        verdict.reasons.append("_meta cell map edited")
    elif template_hash(form.id, form.version, verdict.unit, period, "own", cells) != meta.get("template_hash"):
        verdict.reasons.append("_meta edited (hash)")
    return not verdict.reasons


def _frame(book: Any, form: Form, unit: str) -> pd.DataFrame:
    """One row per cell of the form: the inputs as read, the totals recomputed from them."""
    read: dict[str, object] = {}
    for row in _addresses(form):
        if row.kind == "input":
            read[row.code] = as_number(book[row.sheet][row.cell].value, row.type)
    numbers = {code: value if _is_number(value) else 0 for code, value in read.items()}
    values: dict[str, object] = {**form.compute(numbers), **read}
    codes = list(form.cells)
    return pd.DataFrame(
        {
            "unit": pd.Series([unit] * len(codes), dtype=object),
            "code": pd.Series(codes, dtype=object),
            "type": pd.Series([form.cells[c].type for c in codes], dtype=object),
            "value": pd.Series([values[c] for c in codes], dtype=object),
        }
    )


@cache
def _addresses(form: Form) -> tuple[CellRow, ...]:
    return tuple(cell_rows(form))


def as_number(content: object, kind: str) -> object:
    """A cell's content as a number where it plainly is one (blank and "/" are 0); anything else is left as read."""
    if content is None:
        return 0
    if isinstance(content, bool):
        return content
    if isinstance(content, int):
        number = Decimal(content)
    elif isinstance(content, float):
        number = Decimal(repr(content))
    elif isinstance(content, str):
        text = unicodedata.normalize("NFKC", content).strip().replace(" ", "")
        if not text or text in SLASHES:
            return 0
        if _GROUPED.match(text):
            text = text.replace(",", "")
        try:
            number = Decimal(text)
        except InvalidOperation:
            return content
        if not number.is_finite():
            return content
    else:
        return content
    if kind != "amount" and number == number.to_integral_value():
        return int(number)
    return number


def _is_number(value: object) -> TypeGuard[Number]:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


# ───────────────────────────── the schema ─────────────────────────────


@cache
def schema(form: Form) -> pa.DataFrameSchema:
    """One schema per form: the cell checks over the long frame, and H1-H4 over the frame pivoted to one value per
    cell code."""
    scales = {code: cell.scale for code, cell in form.cells.items()}

    def per_row(test: Callable[[str, str, Number], bool]) -> Callable[[pd.DataFrame], pd.Series]:
        def check(frame: pd.DataFrame) -> pd.Series:
            rows = zip(frame["code"], frame["type"], frame["value"], strict=True)
            return pd.Series([not _is_number(v) or test(c, k, v) for c, k, v in rows], index=frame.index, dtype=bool)

        return check

    def whole(code: str, kind: str, value: Number) -> bool:
        return kind == "amount" or isinstance(value, int)

    def non_negative(code: str, kind: str, value: Number) -> bool:
        return kind == "change" or value >= 0

    def decimals(code: str, kind: str, value: Number) -> bool:
        return kind != "amount" or value == Decimal(value).quantize(Decimal(1).scaleb(-scales[code]))

    def in_range(code: str, kind: str, value: Number) -> bool:
        return -LIMIT < value < LIMIT

    checks = [
        pa.Check(per_row(whole), name="whole number for a count"),
        pa.Check(per_row(non_negative), name="not negative"),
        pa.Check(per_row(decimals), name="decimals of an amount"),
        pa.Check(per_row(in_range), name="below 1e12"),
    ]
    for rule in form.rules:
        if rule.id in _IDENTITIES and rule.severity == "error" and rule.equations:
            checks.append(pa.Check(_identity(rule.equations), name=rule.id))
    return pa.DataFrameSchema(
        {
            "unit": pa.Column(object, pa.Check(lambda s: s.str.len() > 0, name="unit code")),
            "code": pa.Column(object, pa.Check.isin(list(form.cells)), unique=True),
            "type": pa.Column(object, pa.Check.isin(list(huizong.forms.CELL_TYPES))),
            "value": pa.Column(object, pa.Check(_is_number, element_wise=True, name="a number")),
        },
        checks=checks,
        name=f"naive {form.key}",
    )


def _identity(equations: Sequence[Equation]) -> Callable[[pd.DataFrame], bool]:
    def check(frame: pd.DataFrame) -> bool:
        pivot = frame.set_index("code")["value"]
        values: Mapping[str, Number] = {str(c): v if _is_number(v) else 0 for c, v in pivot.items()}
        return all(lhs == rhs for lhs, rhs in (eq.sides(values) for eq in equations if not eq.cross_period))

    return check


# ───────────────────────────── by hand ─────────────────────────────


def main(argv: Sequence[str] | None = None) -> int:
    from huizong.catalog import BUNDLED_FORMS, FormCatalog
    from huizong.periods import Period

    parser = argparse.ArgumentParser(prog="python -m bench.naive", description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("--period", default="2025")
    parser.add_argument("--db", type=Path, default=None, help="DuckDB file (default: a temporary one)")
    args = parser.parse_args(argv)
    form = FormCatalog([BUNDLED_FORMS]).choose(Period.parse(args.period))
    files = sorted(p for p in args.folder.rglob("*.xlsx") if not p.name.startswith(("~$", ".")))
    with tempfile.TemporaryDirectory() as tmp:
        result = naive_consolidate(files, form, args.db or Path(tmp) / "naive.duckdb", args.period)
    per_file = result.seconds / max(result.files, 1)
    print(
        f"{result.files} files: {result.accepted} accepted, {result.rejected} rejected, "
        f"{result.seconds:.2f} s ({per_file:.3f} s per file)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
