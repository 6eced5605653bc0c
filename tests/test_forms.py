"""The form declarations: they load, they are exact to the official text, and bad ones are explained."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest

from huizong.catalog import FormCatalog
from huizong.errors import FormError
from huizong.formfile import load_form
from huizong.periods import Period

DOMAIN = Path(__file__).resolve().parents[2] / "shared" / "domain" / "annual-report.md"

# Transcribed from annual-report.md part b, character for character.
T3_COLUMNS = [
    "申请人情况",
    "自然人",
    "法人或其他组织",
    "商业企业",
    "科研机构",
    "社会公益组织",
    "法律服务机构",
    "其他",
    "总计",
]
T3_ROWS_2021 = """一、本年新收政府信息公开申请数量
二、上年结转政府信息公开申请数量
三、本年度办理结果
（一）予以公开
（二）部分公开（区分处理的，只计这一情形，不计其他情形）
（三）不予公开
1.属于国家秘密
2.其他法律行政法规禁止公开
3.危及“三安全一稳定”
4.保护第三方合法权益
5.属于三类内部事务信息
6.属于四类过程性信息
7.属于行政执法案卷
8.属于行政查询事项
（四）无法提供
1.本机关不掌握相关政府信息
2.没有现成信息需要另行制作
3.补正后申请内容仍不明确
（五）不予处理
1.信访举报投诉类申请
2.重复申请
3.要求提供公开出版物
4.无正当理由大量反复申请
5.要求行政机关确认或重新出具已获取信息
（六）其他处理
1.申请人无正当理由逾期不补正、行政机关不再处理其政府信息公开申请
2.申请人逾期未按收费通知要求缴纳费用、行政机关不再处理其政府信息公开申请
3.其他
（七）总计
四、结转下年度继续办理""".splitlines()
T3_ROWS_2019 = [r for r in T3_ROWS_2021 if not r.startswith(("1.申请人", "2.申请人", "3.其他"))]
T4_COLUMNS = [
    "行政复议",
    *["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
    "行政诉讼",
    "未经复议直接起诉",
    *["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
    "复议后起诉",
    *["结果维持", "结果纠正", "其他结果", "尚未审结", "总计"],
]
T2_2021 = [
    ("第二十条第（一）项", ["本年制发件数", "本年废止件数", "现行有效件数"], ["规章", "行政规范性文件"]),
    ("第二十条第（五）项", ["本年处理决定数量"], ["行政许可"]),
    ("第二十条第（六）项", ["本年处理决定数量"], ["行政处罚", "行政强制"]),
    ("第二十条第（八）项", ["本年收费金额（单位：万元）"], ["行政事业性收费"]),
]
T2_2019 = [
    ("第二十条第（一）项", ["本年新制作数量", "本年新公开数量", "对外公开总数量"], ["规章", "规范性文件"]),
    ("第二十条第（五）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政许可", "其他对外管理服务事项"]),
    ("第二十条第（六）项", ["上一年项目数量", "本年增/减", "处理决定数量"], ["行政处罚", "行政强制"]),
    ("第二十条第（八）项", ["上一年项目数量", "本年增/减"], ["行政事业性收费"]),
    ("第二十条第（九）项", ["采购项目数量", "采购总金额"], ["政府集中采购"]),
]
SECTIONS = ["二、主动公开政府信息情况", "三、收到和处理政府信息公开申请情况", "四、政府信息公开行政复议、行政诉讼情况"]
T3_NOTE = "（本列数据的勾稽关系为：第一项加第二项之和，等于第三项加第四项之和）"


def outline(nodes):  # labels in printed order, groups before their children
    for node in nodes:
        yield node.label
        yield from outline(node.children)


@pytest.mark.parametrize(
    ("key", "cells", "inputs"),
    [
        ("annual_report/2021", 200, 166),
        ("annual_report/2019", 198, 166),
        ("disclosure_by_category/2024", 40, 27),
    ],
)
def test_each_form_has_its_number_of_cells(catalog: FormCatalog, key: str, cells: int, inputs: int) -> None:
    form = catalog.get(key)
    assert (len(form.cells), len(form.inputs)) == (cells, inputs)


@pytest.mark.parametrize(
    ("key", "t2", "t3_rows"),
    [("annual_report/2021", T2_2021, T3_ROWS_2021), ("annual_report/2019", T2_2019, T3_ROWS_2019)],
)
def test_annual_report_labels_match_the_official_text(catalog: FormCatalog, key: str, t2: list, t3_rows: list) -> None:
    form = catalog.get(key)
    assert [t.title for t in form.tables] == SECTIONS
    assert [t.sheet for t in form.tables] == SECTIONS
    blocks = form.table("t2").blocks
    assert [(b.title, [c.label for c in b.columns], [r.label for r in b.rows]) for b in blocks] == t2
    assert {b.corner for b in blocks} == {"信息内容"}
    t3 = form.table("t3").blocks[0]
    assert t3.corner == T3_NOTE
    assert list(outline(t3.columns)) == T3_COLUMNS
    assert list(outline(t3.rows)) == t3_rows
    assert list(outline(form.table("t4").blocks[0].columns)) == T4_COLUMNS


@pytest.mark.skipif(not DOMAIN.exists(), reason="shared/domain/annual-report.md is not beside the checkout")
def test_every_annual_report_label_appears_verbatim_in_the_domain_notes(catalog: FormCatalog) -> None:
    text = DOMAIN.read_text(encoding="utf-8")
    for key in ("annual_report/2021", "annual_report/2019"):
        form = catalog.get(key)
        for table in form.tables:
            for block in table.blocks:
                labels = [*outline(block.columns), *outline(block.rows), block.title or "", block.corner or ""]
                missing = [label for label in labels if label and label not in text]
                assert not missing, f"{key} {table.code}: {missing}"


def test_cell_codes_are_stable_and_readable(catalog: FormCatalog) -> None:
    new = catalog.get("annual_report/2021")
    old = catalog.get("annual_report/2019")
    for code in (
        "t3.new_received.natural_person",
        "t3.withheld.state_secret.total",
        "t3.carried_forward.total",
        "t4.review.upheld",
        "t4.lawsuit_after_review.total",
        "t2.rules.issued",
    ):
        assert code in new.cells
    assert "t2.fees.amount" in new.cells and new.cells["t2.fees.amount"].type == "amount"
    assert new.cells["t2.fees.amount"].scale == 4
    assert "t3.other_handling.total" in old.cells and "t3.other_handling.total" not in new.cells
    assert old.cells["t2.licensing.change"].type == "change"
    assert all(re.fullmatch(r"[a-z0-9_.]+", code) for code in (*new.cells, *old.cells))
    shared = set(new.cells) & set(old.cells)
    assert {c for c in shared if c.startswith("t3.")} == {c for c in old.cells if c.startswith("t3.")} - {
        f"t3.other_handling.{col}" for col in T3_CODES
    }


T3_CODES = ["natural_person", "commercial", "research", "public_interest", "legal_services", "other", "total"]


def test_rules_are_declared_with_ids_severities_and_chinese_messages(catalog: FormCatalog) -> None:
    for form in catalog.forms.values():
        for rule in form.rules:
            assert re.search(r"[\u4e00-\u9fff]", rule.message), rule.id
    form = catalog.get("annual_report/2021")
    severity = {r.id: r.severity for r in form.rules}
    assert {k: v for k, v in severity.items() if k.startswith("H")} == dict.fromkeys(
        ["H1", "H2", "H3", "H4", "H5"], "error"
    )
    assert {k for k, v in severity.items() if v == "warning"} == {"S1", "S2", "S3", "S4", "S5", "S7", "S9"}
    h3 = next(r for r in form.rules if r.id == "H3")
    assert len(h3.equations) == 7 and h3.equations[0].item_label == "自然人"


def test_every_rule_declares_what_it_checks_in_the_official_words(catalog: FormCatalog) -> None:
    for form in catalog.forms.values():
        declared = {r["id"]: r.get("label") for r in tomllib.loads(form.source.read_text(encoding="utf-8"))["rule"]}
        for rule in form.rules:
            assert declared[rule.id] and rule.check_label == declared[rule.id], rule.id
            assert not re.search("不平|不符|错误|异常|请核实", rule.check_label), rule.id  # it reads beside 通过
    for key in ("annual_report/2021", "annual_report/2019"):
        labels = {r.id: r.check_label for r in catalog.get(key).rules}
        assert labels["H3"] == "本年新收＋上年结转＝办理结果总计＋结转下年度继续办理（每一列）"
        assert labels["H1"] == "总计＝自然人＋商业企业＋科研机构＋社会公益组织＋法律服务机构＋其他（每一行）"
        assert labels["H4"].startswith("结果维持＋结果纠正＋其他结果＋尚未审结＝总计")


def test_a_rule_without_a_label_is_described_by_its_message_less_the_failure(tmp_path: Path) -> None:
    assert load_form(_write(tmp_path, GOOD)).rules[0].check_label == "合计应等于甲"
    failing = GOOD.replace('message = "合计应等于甲"', 'message = "本行数据不平：合计应等于甲"')
    assert load_form(_write(tmp_path, failing)).rules[0].check_label == "合计应等于甲"
    labelled = GOOD.replace('message = "合计应等于甲"', 'label = "合计＝甲（每一行）"\nmessage = "合计应等于甲"')
    assert load_form(_write(tmp_path, labelled)).rules[0].check_label == "合计＝甲（每一行）"


def test_the_items_a_total_item_sums_come_from_the_forms_own_sums(catalog: FormCatalog) -> None:
    def totals(key: str, rule_id: str) -> dict[str, list[str]]:
        rule = next(r for r in catalog.get(key).rules if r.id == rule_id)
        return {e.item_label: [rule.equations[j].item_label for j in e.total_of] for e in rule.equations if e.total_of}

    applicants = ["自然人", "商业企业", "科研机构", "社会公益组织", "法律服务机构", "其他"]
    for key in ("annual_report/2021", "annual_report/2019"):
        for rule_id in ("H2", "H3", "S4"):  # per column: the 总计 column totals the applicant columns
            assert totals(key, rule_id) == {"总计": applicants}, (key, rule_id)
        (row,) = totals(key, "H1").items()  # per row: （七）总计 totals the result rows
        assert row[0] == "（七）总计" and row[1][0] == "（一）予以公开" and "四、结转下年度继续办理" not in row[1]
        assert totals(key, "H4") == {} and totals(key, "S3") == {}
    quarterly = "disclosure_by_category/2024"
    assert totals(quarterly, "Q2") == {"合计": ["门户网站", "政务新媒体", "政务公开栏"]}
    assert list(totals(quarterly, "Q1")) == ["合计"] and len(totals(quarterly, "Q1")["合计"]) == 9


def test_totals_are_computed_from_inputs(catalog: FormCatalog) -> None:
    form = catalog.get("annual_report/2021")
    assert set(form.formulas) == {c for c, cell in form.cells.items() if cell.computed}
    values = form.compute(
        {"t3.granted.natural_person": 3, "t3.granted.commercial": 2, "t3.not_processed.repeated.other": 1}
    )
    assert values["t3.granted.total"] == 5
    assert values["t3.results_total.natural_person"] == 3
    assert values["t3.results_total.total"] == 6


def test_forms_are_chosen_by_period(catalog: FormCatalog) -> None:
    assert catalog.choose(Period(2020)).key == "annual_report/2019"
    assert catalog.choose(Period(2021)).key == "annual_report/2021"
    assert catalog.choose(Period(2025, 3)).key == "disclosure_by_category/2024"
    assert catalog.choose(Period(2020), "annual_report/2021").key == "annual_report/2021"
    with pytest.raises(FormError, match="没有适用于报告期 2018"):
        catalog.choose(Period(2018))


GOOD = """
[form]
id = "tiny"
version = "1"
title = "小表"
basis = "测试"
period = "year"
years = [2020, 2030]
deadline_days = 31

[[table]]
code = "t"
sheet = "表"
title = "表"

[[table.block]]
corner = "项目"
columns = [{ code = "a", label = "甲" }, { code = "total", label = "合计" }]
rows = [{ code = "x", label = "行" }]

[[rule]]
id = "R1"
severity = "error"
kind = "sum"
table = "t"
for_each = "rows"
total = "{}.total"
parts = ["{}.a"]
message = "合计应等于甲"
"""


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (("columns = [", "colums = ["), "未知的键 'colums'"),
        (('kind = "sum"', 'kind = "summ"'), "是否应为 sum"),
        (('parts = ["{}.a"]', 'parts = ["{}.b"]'), "单元格代码 't.x.b' 不存在"),
        (('severity = "error"', 'severity = "fatal"'), "severity 应为 error 或 warning"),
        (('{ code = "a", label = "甲" }', '{ code = "a", label = "甲", type = "money" }'), "单元格类型 'money' 无效"),
        (('{ code = "x", label = "行" }', '{ code = "x", label = "行", level = 3 }'), "level 3 不连贯"),
        (('sheet = "表"', 'sheet = "表[1]"'), "不能超过31个字符"),
        (
            ('message = "合计应等于甲"', 'label = 3\nmessage = "合计应等于甲"'),
            "label 应为非空的文字（字符串），而不是 3",
        ),
        (('{ code = "a", label = "甲" }', '{ code = "a", label = "甲", short = [] }'), "short 应为非空的文字"),
        (('message = "合计应等于甲"', 'labels = "合计＝甲"\nmessage = "合计应等于甲"'), "是否应为 label"),
    ],
)
def test_a_bad_form_file_is_explained(tmp_path: Path, change: tuple[str, str], words: str) -> None:
    assert load_form(_write(tmp_path, GOOD)).key == "tiny/1"
    with pytest.raises(FormError, match=re.escape(words)) as caught:
        load_form(_write(tmp_path, GOOD.replace(*change)))
    assert "tiny.toml" in str(caught.value)


def _write(folder: Path, text: str) -> Path:
    path = folder / "tiny.toml"
    path.write_text(text, encoding="utf-8")
    return path
