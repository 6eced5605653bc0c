"""S5: the figures a report's text states, compared with its tables.

The form's ``text`` rules say how a sentence states a figure (``Phrase``: "收到 政府信息公开申请 {}件" → 本年新收 总计);
every sentence of the text outside the tables that says it is compared with the sum of the phrase's cells. A
difference is a warning naming the sentence and the cells. Published reports most often differ because the text
speaks of the office alone while the tables hold the whole region (or the reverse): the message says so.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping, Sequence
from decimal import Decimal
from functools import cache

from huizong.findings import Finding
from huizong.forms import Form, Phrase, Rule

Number = int | Decimal
FILLER = r"[^\d。；;！!？?,、:]{0,12}?"  # what may stand between the words of a phrase: no digit, no sentence end
SENTENCE_END = re.compile(r"(?<=[。；;！!？?])")
SCOPE_HINT = "常见原因是正文只说本机关（本级），而表格是本地区的汇总（或相反），请核实统计口径"


@cache
def pattern(say: str) -> re.Pattern[str]:
    """A phrase as a regular expression: its words in order, fillers between them, the number as group ``n``."""
    parts = []
    for word in say.split():
        alternatives = [re.escape(a).replace(r"\{\}", r"(?P<n>\d[\d,]*)") for a in word.split("|")]
        parts.append("(?:" + "|".join(alternatives) + ")")
    return re.compile(FILLER.join(parts))


def sentences(texts: Sequence[str]) -> list[str]:
    """The text as sentences, with widths unified and the line breaks a page puts inside a sentence removed."""
    joined = "".join(unicodedata.normalize("NFKC", t).replace(" ", "").replace("\u3000", "") for t in texts)
    return [s for s in SENTENCE_END.split(joined) if s.strip()]


def check_text(form: Form, texts: Sequence[str], values: Mapping[str, Number | None]) -> list[Finding]:
    """A warning for every figure stated in ``texts`` that differs from the tables' ``values``."""
    rules = [rule for rule in form.rules if rule.kind == "text"]
    if not rules or not texts:
        return []
    found = []
    said = sentences(texts)
    for rule in rules:
        for phrase in rule.params["phrases"]:
            for sentence in said:
                for match in pattern(phrase.say).finditer(sentence):
                    stated = int(match.group("n").replace(",", ""))
                    table = sum((values.get(code) or 0 for code in phrase.cells), start=0)
                    if stated != table:
                        found.append(_differs(form, rule, phrase, sentence, match.group(0), stated, table))
    return found


def _differs(form: Form, rule: Rule, phrase: Phrase, sentence: str, words: str, stated: int, table: Number) -> Finding:
    cells = [form.cells[code] for code in phrase.cells]
    names = "＋".join(f"{form.table(c.table).name}“{'—'.join((*c.row.labels, *c.col.labels))}”" for c in cells)
    shown = sentence if len(sentence) <= 80 else "…" + sentence[max(0, sentence.find(words) - 30) :][:80] + "…"
    return Finding(
        rule.id,
        rule.severity,
        f"{rule.message}：正文“{shown}”中为{stated}件，{names}为{table}件。{SCOPE_HINT}",
        sheet="正文",
        seen=str(stated),
        expected=str(table),
        message_en=f"the text says {stated}, the table {table} ({', '.join(phrase.cells)})",
    )
