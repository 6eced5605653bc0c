"""The unit registry, the fictional city, and reporting cycles."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from huizong.config import Home
from huizong.cycles import load_cycle_specs, plan_cycle
from huizong.errors import RegistryError, UsageError
from huizong.periods import Period
from huizong.registry import Registry


def test_the_demo_city_is_shaped_like_a_real_one(demo_home: Home) -> None:
    registry = demo_home.registry
    assert all(code.startswith("99") for code in registry.units)
    city = registry.get("990100")
    assert city.kind == "city"
    children = registry.below("990100", Period(2025))
    kinds = [u.kind for u in children]
    assert kinds.count("office") == 1
    assert 38 <= kinds.count("department") <= 42
    assert kinds.count("county") == 8 and kinds.count("zone") == 1
    for county in (u for u in children if u.kind == "county"):
        below = registry.below(county.code, Period(2025))
        counts = {kind: sum(u.kind == kind for u in below) for kind in ("office", "department")}
        townships = sum(u.kind in ("township", "street") for u in below)
        assert counts["office"] == 1, county.name
        assert 30 <= counts["department"] <= 60, county.name
        assert 10 <= townships <= 25, county.name


def test_units_come_and_go_with_their_validity(demo_home: Home) -> None:
    registry = demo_home.registry
    codes = lambda year: {u.code for u in registry.below("990121", Period(year))}  # noqa: E731
    assert "990121601" in codes(2022) and "990121601" not in codes(2025)  # 县乡村振兴局, 2021-06 to 2024
    assert "990121602" in codes(2024) and "990121602" not in codes(2023)  # 县数据资源局, from 2024
    assert "990121204" in codes(2023) and "990121204" not in codes(2024)  # a 乡 merged at the end of 2023
    assert registry.tier("990121101") == "county" and registry.tier("990100501") == "city"


def test_a_declared_cycle_sets_expectations_and_deadlines(demo_home: Home) -> None:
    cycle = plan_cycle(demo_home.registry, demo_home.catalog, demo_home.cycle_specs, "990121", Period(2025))
    assert cycle.declared and cycle.id == "990121-annual_report-2025"
    assert cycle.form.key == "annual_report/2021"
    assert len(cycle.expected) == 59
    township, department = demo_home.registry.get("990121101"), demo_home.registry.get("990121501")
    assert cycle.deadline_for(township) == dt.date(2026, 1, 20)
    assert cycle.deadline_for(department) == dt.date(2026, 1, 31)


def test_a_city_cycle_expects_its_counties_totals(demo_home: Home) -> None:
    cycle = plan_cycle(demo_home.registry, demo_home.catalog, demo_home.cycle_specs, "990100", Period(2025))
    kinds = {u.kind for u in cycle.expected}
    assert kinds == {"office", "department", "county", "zone"}
    assert cycle.deadline_for(demo_home.registry.get("990121")) == dt.date(2026, 2, 20)


def test_an_undeclared_period_gets_a_default_cycle(demo_home: Home) -> None:
    cycle = plan_cycle(demo_home.registry, demo_home.catalog, demo_home.cycle_specs, "990121", Period(2020))
    assert not cycle.declared
    assert cycle.form.key == "annual_report/2019"
    assert cycle.deadline == dt.date(2021, 1, 31)
    quarterly = plan_cycle(demo_home.registry, demo_home.catalog, [], "990121", Period(2025, 2))
    assert quarterly.form.id == "disclosure_by_category" and quarterly.deadline == dt.date(2025, 7, 15)


def test_a_unit_without_children_cannot_run_a_cycle(demo_home: Home) -> None:
    with pytest.raises(UsageError, match="不能作为汇总单位"):
        plan_cycle(demo_home.registry, demo_home.catalog, [], "990121101", Period(2025))


HEADER = "code,name,kind,parent,valid_from,valid_to\n"


@pytest.mark.parametrize(
    ("rows", "words"),
    [
        ("1,甲市,city,,,\n2,乙,townshp,1,,\n", "units.csv:3: 单位类型 'townshp' 无效"),
        ("1,甲市,city,,,\n2,乙,street,9,,\n", "单位 2 的上级 9 不在名录中"),
        ("1,甲市,city,,,\n1,乙,street,1,,\n", "units.csv:3: 单位代码 1 重复"),
        ("1,甲市,city,,2025/01/01,\n", "valid_from 应为 YYYY-MM-DD"),
        ("1,甲市,city,2,,\n2,乙,county,1,,\n", "形成循环"),
    ],
)
def test_a_bad_registry_is_explained_with_its_line(rows: str, words: str) -> None:
    with pytest.raises(RegistryError, match=words):
        Registry.parse(HEADER + rows, Path("units.csv"))


def test_a_registry_saved_by_excel_with_a_bom_loads(tmp_path: Path) -> None:
    path = tmp_path / "units.csv"
    path.write_text(HEADER + "1,甲市,city,,,\n", encoding="utf-8-sig")
    assert Registry.load(path).get("1").name == "甲市"


def test_a_bad_cycles_file_points_at_the_key(tmp_path: Path) -> None:
    path = tmp_path / "cycles.toml"
    path.write_text('[[cycle]]\nowner = "1"\nperiod = "2025"\ndeadlnie = 2026-01-31\n', encoding="utf-8")
    with pytest.raises(RegistryError, match=r"未知的键 'deadlnie'.*deadline"):
        load_cycle_specs(path)
