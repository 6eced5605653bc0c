"""Print what huizong writes as a clerk would, and look for text that overlaps or leaves its cell.

``render`` prints workbooks and documents to PDF with LibreOffice (recalculating every formula on load, as Excel does
with these files) and ``pages`` turns a PDF into PNG pages; ``problems`` reads a PDF's text positions (pdfplumber)
and reports two characters drawn over each other, a character crossed by a cell's border (text that left its row or
column), a character cut by the page's edge, and a number shown as ### (its column too narrow).
``python -m huizong.look`` does all of it for a data directory (``make look``).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECALC_ALWAYS = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">
<value>0</value></prop></item></oor:items>
"""
SLACK = 0.6  # points a glyph's box may reach over a border or its neighbour's box (font bearings)


@dataclass(frozen=True)
class Problem:
    page: int
    kind: str  # overlap, crossed, off-page, hashes
    text: str
    where: tuple[float, float]

    def __str__(self) -> str:
        what = {
            "overlap": "文字重叠",
            "crossed": "文字越出单元格",
            "off-page": "文字超出页面",
            "hashes": "数字或日期显示为 ###（列太窄）",
        }[self.kind]
        return f"第 {self.page} 页（{self.where[0]:.0f}, {self.where[1]:.0f}）{what}：{self.text}"


def render(paths: Sequence[Path], out: Path, timeout: float = 600) -> list[Path]:
    """Print ``paths`` to PDF into ``out`` in one LibreOffice run; return the PDFs in the same order."""
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="huizong-lo-") as profile:
        user = Path(profile) / "user"
        user.mkdir()
        (user / "registrymodifications.xcu").write_text(RECALC_ALWAYS, encoding="utf-8")
        command = ["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf"]
        subprocess.run([*command, "--outdir", str(out), *map(str, paths)], check=True, capture_output=True,
                       timeout=timeout)  # fmt: skip
    pdfs = [out / f"{p.stem}.pdf" for p in paths]
    missing = [p.name for p in pdfs if not p.exists()]
    if missing:
        raise RuntimeError(f"LibreOffice printed no PDF for {', '.join(missing)}")
    return pdfs


def pages(pdf: Path, out: Path, dpi: int = 70) -> list[Path]:
    """The PDF's pages as PNG files ``<out>/<stem>-<n>.png``."""
    out.mkdir(parents=True, exist_ok=True)
    subprocess.run(["pdftoppm", "-r", str(dpi), "-png", str(pdf), str(out / pdf.stem)], check=True, timeout=300)
    return sorted(out.glob(f"{pdf.stem}-*.png"))


def problems(pdf: Path) -> list[Problem]:
    import pdfplumber

    found: list[Problem] = []
    with pdfplumber.open(pdf) as document:
        for number, page in enumerate(document.pages, start=1):
            width, height = float(page.width), float(page.height)
            drawn = [c for c in page.chars if c["text"].strip()]
            found += _off_page(number, drawn, width, height)
            # what lies wholly outside the page is not printed on it (a chart's part that belongs to the next page)
            chars = [c for c in drawn if c["x1"] > 0 and c["bottom"] > 0 and c["x0"] < width and c["top"] < height]
            found += _overlaps(number, chars)
            found += _crossed(number, chars, [e for e in page.edges if _is_rule(e)])
            found += _hashes(number, page.extract_words())
    return found


def _off_page(page: int, chars: Sequence[dict[str, Any]], width: float, height: float) -> list[Problem]:
    """Characters the page's edge cuts through."""

    def cut(low: float, high: float, edge: float) -> bool:
        return low < edge - SLACK and high > edge + SLACK

    return [
        Problem(page, "off-page", c["text"], (c["x0"], c["top"]))
        for c in chars
        if cut(c["x0"], c["x1"], 0)
        or cut(c["x0"], c["x1"], width)
        or cut(c["top"], c["bottom"], 0)
        or cut(c["top"], c["bottom"], height)
    ]


def _overlaps(page: int, chars: Sequence[dict[str, Any]]) -> list[Problem]:
    """Characters whose boxes cover each other by more than a third of the smaller one."""
    ordered = sorted(chars, key=lambda c: c["top"])
    found: list[Problem] = []
    for i, a in enumerate(ordered):
        for b in ordered[i + 1 :]:
            if b["top"] >= a["bottom"]:
                break
            dx = min(a["x1"], b["x1"]) - max(a["x0"], b["x0"])
            dy = min(a["bottom"], b["bottom"]) - max(a["top"], b["top"])
            smaller = min(_area(a), _area(b))
            if dx > 0 and dy > 0 and dx * dy > smaller / 3:
                found.append(Problem(page, "overlap", a["text"] + b["text"], (a["x0"], a["top"])))
    return found


def _area(c: dict[str, Any]) -> float:
    return float((c["x1"] - c["x0"]) * (c["bottom"] - c["top"]))


def _hashes(page: int, words: Sequence[dict[str, Any]]) -> list[Problem]:
    """A number or date too wide for its column, which a spreadsheet prints as ###."""
    return [
        Problem(page, "hashes", w["text"], (w["x0"], w["top"]))
        for w in words
        if len(w["text"]) >= 2 and set(w["text"]) == {"#"}
    ]


def _is_rule(edge: dict[str, Any]) -> bool:
    """A border or a rule: a line, or the side of a stroked box (a highlight's or a cell's shading is no border)."""
    return bool(edge.get("stroke", True)) or edge["object_type"] != "rect_edge"


def _crossed(page: int, chars: Sequence[dict[str, Any]], edges: Iterable[dict[str, Any]]) -> list[Problem]:
    """Characters a border runs through: text that left its row (a horizontal border) or column (a vertical one)."""
    rows = [e for e in edges if e["orientation"] == "h"]
    cols = [e for e in edges if e["orientation"] == "v"]
    found: list[Problem] = []
    for c in chars:
        mid_x, mid_y = (c["x0"] + c["x1"]) / 2, (c["top"] + c["bottom"]) / 2
        inside = 2 * SLACK
        across = any(
            e["x0"] <= mid_x <= e["x1"] and c["top"] + inside < e["top"] < c["bottom"] - inside for e in rows
        ) or any(e["top"] <= mid_y <= e["bottom"] and c["x0"] + SLACK < e["x0"] < c["x1"] - SLACK for e in cols)
        if across:
            found.append(Problem(page, "crossed", c["text"], (c["x0"], c["top"])))
    return found


def outputs(home: Path) -> list[Path]:
    """Every workbook and document under ``<home>/out``: templates, receipts, consolidated workbooks, drafts."""
    out = home / "out"
    return sorted(p for p in out.rglob("*") if p.suffix in (".xlsx", ".docx") and not p.name.startswith("~$"))


def pick(paths: Sequence[Path], templates: int) -> list[Path]:
    """All but the templates, and the first ``templates`` templates of each cycle (they differ only in the unit)."""
    chosen: list[Path] = []
    kept: dict[Path, int] = {}
    for path in paths:
        if path.parent.name == "templates":
            kept[path.parent] = kept.get(path.parent, 0) + 1
            if kept[path.parent] > templates:
                continue
        chosen.append(path)
    return chosen


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m huizong.look", description=__doc__.splitlines()[0])
    parser.add_argument("--home", type=Path, default=Path("var"), help="the data directory (default: var)")
    parser.add_argument("--out", type=Path, help="where the PDFs and PNG pages go (default: <home>/look)")
    parser.add_argument("--templates", type=int, default=3, help="templates to print per cycle (default: 3)")
    args = parser.parse_args(argv)
    if shutil.which("soffice") is None or shutil.which("pdftoppm") is None:
        print("huizong look: LibreOffice (soffice) and poppler-utils (pdftoppm) are needed", file=sys.stderr)
        return 2
    out = args.out or args.home / "look"
    shutil.rmtree(out, ignore_errors=True)
    files = pick(outputs(args.home), args.templates)
    if not files:
        print(f"huizong look: nothing under {args.home / 'out'}; run make demo first", file=sys.stderr)
        return 2
    bad = 0
    for source, pdf in zip(files, render(files, out / "pdf"), strict=True):
        found = problems(pdf)
        png = pages(pdf, out / "png")
        bad += bool(found)
        print(f"{source.relative_to(args.home)}: {len(png)} 页" + (f"，{len(found)} 处问题" if found else ""))
        for problem in found[:10]:
            print(f"  {problem}")
    print(f"PDF 和 PNG 在 {out}")
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
