"""The ``_meta`` sheet: what makes a huizong workbook self-describing (layout documented in docs/meta.md).

Rows 1 to ``len(HEADER_KEYS) + 1`` are ``key | value`` pairs, the first being ``huizong_meta | <layout version>``.
After one empty row comes a header row (``CELL_COLUMNS``) and one row per numeric cell of the printed tables.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from huizong.forms import Form
from huizong.layout import layout_form

SHEET = "_meta"
MARKER = "huizong_meta"
LAYOUT_VERSION = "1"
HEADER_KEYS = (
    "form_id",
    "form_version",
    "form_title",
    "form_basis",
    "unit_code",
    "unit_name",
    "unit_kind",
    "period",
    "scope",
    "template_hash",
    "generated_at",
    "generator",
)
CELL_COLUMNS = ("code", "kind", "type", "sheet", "cell", "section", "block", "row_path", "col_path")
PATH_SEPARATOR = " > "
CELLS_HEADER_ROW = len(HEADER_KEYS) + 2  # 0-based: marker row, the keys, one empty row
SCOPES = {"own": "本级", "aggregate": "汇总"}


@dataclass(frozen=True)
class CellRow:
    code: str
    kind: str  # input | computed
    type: str  # count | amount | change
    sheet: str
    cell: str  # A1 address
    section: str
    block: str
    row_path: str
    col_path: str

    def as_tuple(self) -> tuple[str, ...]:
        return (
            self.code,
            self.kind,
            self.type,
            self.sheet,
            self.cell,
            self.section,
            self.block,
            self.row_path,
            self.col_path,
        )


def cell_rows(form: Form) -> list[CellRow]:
    """The cell rows a template of ``form`` carries: one per numeric cell, in printed order."""
    layouts = layout_form(form)
    rows = []
    for code, cell in form.cells.items():
        table = form.table(cell.table)
        block = table.blocks[cell.block]
        rows.append(
            CellRow(
                code=code,
                kind="computed" if cell.computed else "input",
                type=cell.type,
                sheet=table.sheet,
                cell=layouts[cell.table].cells[code].a1,
                section=table.title,
                block=block.title or "",
                row_path=PATH_SEPARATOR.join(cell.row.labels),
                col_path=PATH_SEPARATOR.join(cell.col.labels),
            )
        )
    return rows


def template_hash(form_id: str, version: str, unit_code: str, period: str, scope: str, rows: Sequence[CellRow]) -> str:
    """A hash of a template's identity and cell map: edit either in ``_meta`` and it no longer matches."""
    return hash_with_rows(form_id, version, unit_code, period, scope, rows_json(rows))


def rows_json(rows: Sequence[CellRow]) -> str:
    return json.dumps([r.as_tuple() for r in rows], ensure_ascii=False)


def hash_with_rows(form_id: str, version: str, unit_code: str, period: str, scope: str, rows: str) -> str:
    """``template_hash`` with the cell map already as JSON (the reader computes it once per form): the payload is
    the JSON list ``[form_id, version, unit_code, period, scope, rows]``."""
    head = ", ".join(json.dumps(part, ensure_ascii=False) for part in (form_id, version, unit_code, period, scope))
    digest = hashlib.sha256(f"[{head}, ".encode())
    digest.update(_utf8(rows))
    digest.update(b"]")
    return digest.hexdigest()


@lru_cache(maxsize=8)
def _utf8(rows: str) -> bytes:
    """A form's cell map as bytes, encoded once (the reader hashes it for every file)."""
    return rows.encode()
