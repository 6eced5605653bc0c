"""The 督办函: a one-page letter to a unit at the bottom of the assessment, set as an official letter (GB/T 9704).

It names the unit (主送), its points and place, what was late or wrong cycle by cycle (reports not sent or never
passing the checks, reports sent late, files that failed the checks first, the office's returns with their reasons,
warnings left without a 上报说明), what to do and by when, and is signed by the issuing office with the date.
Where the details would run past one page they are said in counts instead (``compose`` measures the lines with
``huizong.paper``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from docx.shared import Pt

from huizong import official_doc as od
from huizong.assessment.core import Assessment
from huizong.assessment.workbook import points
from huizong.frame import short_title
from huizong.paper import char_ems, is_wide, lines_needed
from huizong.periods import Period

TITLE = ("关于督促整改政府信息公开", "报表报送问题的函")
SHORT_KINDS = {"office": "政府办公室", "department": "部门", "township": "乡镇", "street": "街道",
               "county": "县（市、区）", "zone": "开发区", "city": "市", "province": "省"}  # fmt: skip
NUMBERS = "一二三四五六七八九"
BODY = od.SIZES["三号"]
WIDTH = od.TEXT_WIDTH / 25.4 * 72  # points
# Lines of the body style a page holds below the title (two lines of 35 pt) and the empty line under it.
PAGE_LINES = int(((od.PAGE[1] - od.MARGINS["top"] - od.MARGINS["bottom"]) / 25.4 * 72 - 2 * 35.0) // od.LINE) - 1
REASON = 40  # characters of a return's reason quoted in full; longer ones are cut


@dataclass(frozen=True)
class Letter:
    unit_code: str
    unit_name: str
    issuer: str
    addressee: str  # 主送: 梅口镇人民政府
    paragraphs: tuple[tuple[str, str], ...]  # (lead in 楷体, text); the opening and closing have no lead
    contact: str  # the 附注 line, '' when none
    issued: dt.date
    deadline: dt.date
    title: tuple[str, ...] = TITLE

    def text(self) -> str:
        """The whole letter as plain text, paragraph by paragraph."""
        body = [lead + text for lead, text in self.paragraphs]
        tail = [f"（联系人：{self.contact}）"] if self.contact else []
        return "\n".join(["".join(self.title), f"{self.addressee}：", *body, *tail, self.issuer, day(self.issued)])

    def lines(self) -> int:
        """The body-style lines it takes below the title, as ``huizong.paper`` measures them (on the safe side)."""
        texts = [lead + text for lead, text in self.paragraphs]
        texts += [f"（联系人：{self.contact}）"] if self.contact else []
        indented = sum(lines_needed("\u3000\u3000" + t, WIDTH, BODY) for t in texts)
        return indented + 4  # the addressee, the empty line before the signature, the signature and the date


def day(when: dt.date) -> str:
    """2026年3月3日, as an official document writes a date."""
    return f"{when.year}年{when.month}月{when.day}日"


def addressee(name: str, kind: str) -> str:
    """How a letter addresses a unit: a township's 人民政府, a street's 办事处, others by their name."""
    if kind == "township" and not name.endswith("政府"):
        return f"{name}人民政府"
    if kind == "street" and name.endswith("街道"):
        return f"{name}办事处"
    return name


def compose(a: Assessment, score: dict[str, Any], issued: dt.date, deadline: dt.date, issuer: str) -> Letter:
    """The letter to the unit of ``score``: in detail where that fits one page, else in counts, else in brief."""
    items = [i for i in a.items_of(score["unit_code"]) if i["outcome"] not in ("excused", "pending")]
    letter = Letter(
        unit_code=score["unit_code"],
        unit_name=score["unit_name"],
        issuer=issuer,
        addressee=addressee(score["unit_name"], score["unit_kind"]),
        paragraphs=(),
        contact=a.weights.contact,
        issued=issued,
        deadline=deadline,
    )
    closing = _closing(items, deadline, issuer)
    for level in (_detailed, _counted):
        sections = [(lead, text) for lead, text in level(a, items) if text]
        numbered = [(f"（{NUMBERS[n]}）{lead}。", text) for n, (lead, text) in enumerate(sections)]
        opening = _opening(a, score, items, exact=level is _detailed)
        letter = replace(letter, paragraphs=(("", opening), *numbered, ("", closing)))
        if letter.lines() <= PAGE_LINES:
            return letter
    brief = _opening(a, score, items, exact=False) + "；".join(_counts(items)) + "。"
    return replace(letter, paragraphs=(("", brief), ("", _closing(items, deadline, issuer, short=True))))


def periods_said(periods: Sequence[Period]) -> str:
    """Periods as a sentence says them: 2025年第一、三季度、2026年."""
    by_year: dict[int, list[Period]] = {}
    for period in dict.fromkeys(periods):
        by_year.setdefault(period.year, []).append(period)
    parts = []
    for year, found in by_year.items():
        quarters = sorted(p.quarter for p in found if p.quarter)
        if any(p.quarter is None for p in found):
            parts.append(f"{year}年")
        if quarters:
            parts.append(f"{year}年第{'、'.join('一二三四'[q - 1] for q in quarters)}季度")
    return "、".join(parts)


def _cycles_said(a: Assessment, items: Sequence[dict[str, Any]], exact: bool) -> str:
    """The cycles a letter is about: each by its title, or (not ``exact``) each form's periods together."""
    chosen = [a.by_cycle[i["cycle_id"]] for i in items] or [a.cycles[0]]
    if exact:
        titles = list(dict.fromkeys(a.title_of(c.id) for c in chosen))
        return "、".join(titles) if len(titles) <= 2 else f"{titles[0]}等 {len(titles)} 期报表"
    forms: dict[str, list[Period]] = {}
    for cycle in chosen:
        forms.setdefault(cycle.form.title, []).append(cycle.period)
    return "、".join(f"{periods_said(periods)}{title}" for title, periods in forms.items())


def _opening(a: Assessment, score: dict[str, Any], items: Sequence[dict[str, Any]], exact: bool) -> str:
    got, full = points(score["total"]), points(a.weights.full)
    text = f"经对你单位{_cycles_said(a, items, exact)}的报送情况进行考核，你单位得分 {got} 分（满分 {full} 分）"
    if score["kind_ranked"] > 1:
        tied = sum(1 for s in a.scores if s["unit_kind"] == score["unit_kind"] and s["kind_rank"] == score["kind_rank"])
        place = f"{'并列' if tied > 1 else '排'}第 {score['kind_rank']} 名"
        text += f"，在 {score['kind_ranked']} 个{SHORT_KINDS.get(score['unit_kind'], '单位')}中{place}"
    return text + "，存在以下问题："


def _detailed(a: Assessment, items: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    timely, tries, returns, warned = [], [], [], []
    for item in items:
        title, due = a.title_of(item["cycle_id"]), day(item["deadline"])
        if item["outcome"] == "missing":
            timely.append(f"{title}截止日期为{due}，你单位至今未报送")
        elif item["outcome"] == "failed":
            sent = "报送的报表未通过校验" if item["files"] == 1 else f"报送的 {item['files']} 份报表均未通过校验"
            timely.append(f"{title}截止日期为{due}，你单位{sent}，至今没有通过校验的报表")
        elif item["outcome"] == "late":
            late = f"于{day(item['first_received'])}才首次报送，逾期 {item['days_late']} 天"
            timely.append(f"{title}截止日期为{due}，你单位{late}")
        if item["outcome"] in ("on_time", "late") and item["rejected_files"]:
            tries.append(f"{title}报送的文件有 {item['rejected_files']} 份未通过校验，经修改后才通过")
        for r in item["return_reasons"]:
            reason = r["reason"] if len(r["reason"]) <= REASON else r["reason"][: REASON - 2] + "……"
            returns.append(f"{title}于{day(r['decided_at'])}被退回，退回理由：{reason}")
        if item["unexplained"]:
            warned.append(f"{title}的报表有 {item['unexplained']} 条提示未附上报说明（{_rules(item)}）")
    return [("未按时报送", _sentence(timely)), ("报表未一次通过校验", _sentence(tries)),
            ("报表被退回", _sentence(returns)), ("提示未作说明", _sentence(warned))]  # fmt: skip


def _rules(item: dict[str, Any]) -> str:
    found = list(dict.fromkeys(f"{w['rule']} {short_title(w['sheet'])}{w['cell']}" if w["cell"] else w["rule"]
                               for w in item["unexplained_warnings"]))  # fmt: skip
    return "、".join(found[:3]) + ("等" if len(found) > 3 else "")


def _counted(a: Assessment, items: Sequence[dict[str, Any]]) -> list[tuple[str, str]]:
    def which(chosen: Sequence[dict[str, Any]]) -> str:
        return periods_said([a.by_cycle[i["cycle_id"]].period for i in chosen])

    absent = [i for i in items if i["outcome"] in ("missing", "failed")]
    late = [i for i in items if i["outcome"] == "late"]
    timely = [f"未报送或报表至今未通过校验 {len(absent)} 期（{which(absent)}）"] if absent else []
    timely += [f"逾期报送 {len(late)} 期（{which(late)}）"] if late else []
    tried = [i for i in items if i["outcome"] in ("on_time", "late") and i["rejected_files"]]
    returned = [i for i in items if i["returns"]]
    warned = [i for i in items if i["unexplained"]]
    files, times, notes = (sum(i[k] for i in found) for k, found in
                           (("rejected_files", tried), ("returns", returned), ("unexplained", warned)))  # fmt: skip
    return [
        ("未按时报送", _sentence(timely)),
        ("报表未一次通过校验", _sentence([f"{which(tried)}共有 {files} 份文件未通过校验"] if tried else [])),
        ("报表被退回", _sentence([f"{which(returned)}的报表共被退回 {times} 次"] if returned else [])),
        ("提示未作说明", _sentence([f"{which(warned)}的报表共有 {notes} 条提示未附上报说明"] if warned else [])),
    ]


def _counts(items: Sequence[dict[str, Any]]) -> list[str]:
    """Everything in one line of counts, for a letter that has too much to say otherwise."""
    absent = sum(1 for i in items if i["outcome"] in ("missing", "failed"))
    late = sum(1 for i in items if i["outcome"] == "late")
    files = sum(i["rejected_files"] for i in items if i["outcome"] in ("on_time", "late"))
    times, notes = sum(i["returns"] for i in items), sum(i["unexplained"] for i in items)
    said = [("未报送或报表至今未通过校验 {} 期", absent), ("逾期报送 {} 期", late), ("{} 份文件未通过校验", files),
            ("被退回 {} 次", times), ("{} 条提示未附上报说明", notes)]  # fmt: skip
    return [text.format(n) for text, n in said if n]


def _sentence(parts: Sequence[str]) -> str:
    return "；".join(parts) + "。" if parts else ""


def _closing(items: Sequence[dict[str, Any]], deadline: dt.date, issuer: str, short: bool = False) -> str:
    actions = []
    if any(i["outcome"] == "missing" for i in items):
        actions.append("尽快通过报送平台报送未报送的报表")
    if any(i["outcome"] == "failed" for i in items):
        actions.append("按校验结果修改报表后重新报送")
    if any(i["state"] == "returned" for i in items):
        actions.append("按退回意见核实修改后重新报送")
    if any(i["unexplained"] for i in items):
        actions.append("在报送平台逐条填写提示的上报说明")
    if not (short and actions):
        actions.append("认真分析原因，明确专人负责，确保今后按时、准确报送")
    return f"请你单位高度重视，于{day(deadline)}前完成整改：{'；'.join(actions)}，并将整改情况书面报{issuer}。"


# ── the document ──


def write_letter(path: Path, letter: Letter, made: dt.datetime) -> Path:
    doc = od.new_document(f"{letter.issuer}督办函（{letter.unit_name}）", made, author=letter.issuer)
    od.title(doc, letter.title)
    _indent(od.body(doc, [f"{letter.addressee}："]), first=0)
    for lead, text in letter.paragraphs:
        od.body(doc, [text], lead=lead)
    if letter.contact:
        od.body(doc, [f"（联系人：{letter.contact}）"])
    doc.add_paragraph()
    issuer, date = letter.issuer, day(letter.issued)
    wide, long = _ems(issuer), _ems(date)
    right = max(2.0, 4 + long - wide)  # 署名右空二字; the date's first character two to the right of the name's
    _indent(od.body(doc, [issuer]), first=0, right=right, align="right")
    _indent(od.body(doc, [date]), first=0, right=right + wide - 2 - long, align="right")
    return od.save(doc, path, made)


def _ems(text: str) -> float:
    """Width in ems as Word and LibreOffice set it: Arabic numerals a little over half an em, and a quarter em of
    space where Latin text meets CJK text (their automatic spacing)."""
    width = sum(0.55 if ch.isdigit() else char_ems(ch) for ch in text)
    meets = sum(1 for a, b in pairwise(text) if is_wide(a) != is_wide(b))
    return width + 0.25 * meets


def _indent(paragraph: Any, first: float, right: float = 0.0, align: str = "") -> None:
    """Set a paragraph's first-line and right indents in characters of the body size (both Word's character units,
    which win over lengths, and lengths, for the programs that read only those)."""
    fmt = paragraph.paragraph_format
    fmt.first_line_indent = Pt(first * BODY)
    fmt.right_indent = Pt(right * BODY)
    ind = paragraph._p.get_or_add_pPr().get_or_add_ind()
    ind.set(qn("w:firstLineChars"), str(round(first * 100)))
    ind.set(qn("w:rightChars"), str(round(right * 100)))
    if align == "right":
        paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT
