"""Reports as they were published (Word, web pages, a unit's own workbook): the official tables read by their labels.

``read_foreign(path, form)`` reads every table the file holds (``grids``), finds each declared cell of ``form`` by its
row and column label paths (``locate``, matching labels as ``labels`` normalises them) and gives every cell's number,
where it was found, and findings in Chinese for what could not be found or read.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from huizong.findings import Finding
from huizong.forms import Form
from huizong.importing.grids import Grid, UnreadableFile, read_grids
from huizong.importing.locate import Number, locate

__all__ = ["Grid", "Result", "read_foreign", "read_grids"]


@dataclass(frozen=True)
class Result:
    values: dict[str, Number | None]  # every cell code of the form: its number, or None where nothing was printed
    located: dict[str, str]  # cell code -> where it was found ("docx table 3, row 7, column 2")
    findings: list[Finding]


def read_foreign(path: Path, form: Form) -> Result:
    try:
        grids = read_grids(path)
    except UnreadableFile as exc:
        finding = Finding("FILE", "error", str(exc), sheet=path.name, message_en="file cannot be read")
        return Result({code: None for code in form.cells}, {}, [finding])
    found = locate(grids, form)
    located = {code: grids[p.grid].where(p.row, p.col) for code, p in found.places.items()}
    return Result(found.values, located, found.findings)
