"""The optimizers' messages in the pages' language: each message is a template the catalogue
translates, its numbers stay as the solver found them, and its English (CLI, JSON, docs) is
unchanged (data/problems.py)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest

from data.problems import Text
from models.credit.terms import TermsProblem, optimize_terms
from models.inventory import FacilityProblem, solve_facility_location
from models.territory.alignment import align_territories
from ui import i18n

ROOT = Path(__file__).resolve().parents[1]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def zh() -> dict[str, str]:
    """The Chinese catalogue with the translations not yet merged into it."""
    added: dict[str, str] = {}
    for path in sorted((ROOT / "locale").glob("new_*.json")):
        added.update(json.loads(path.read_text(encoding="utf-8")))
    return {**added, **i18n.catalogue("zh_CN")}


def english_words(template: str) -> set[str]:
    """The template's English words: no placeholders, identifiers (``aggregate_capacity``,
    ``demand[j]``, ``p=``) or the solver's name, which the Chinese keeps."""
    words = re.sub(r"\{\w*\}", " ", template).split()
    plain = {w.strip(",;:().") for w in words if not re.search(r"[_\[=]", w)}
    return {w for w in plain if re.fullmatch(r"[A-Za-z]{2,}", w) and w != "HiGHS"}


def assert_said_in_chinese(message: str, zh: dict[str, str], numbers: list[str]) -> str:
    assert isinstance(message, Text)
    chinese = message.translated(lambda s: zh.get(s, s))
    assert CHINESE.search(chinese), chinese
    left = {w for w in english_words(message.template) if re.search(rf"\b{w}\b", chinese)}
    assert not left, (chinese, left)
    for number in numbers:
        assert number in chinese, (chinese, number)
    return chinese


def test_capacity_short_of_demand_is_said_in_chinese(zh: dict[str, str]) -> None:
    problem = FacilityProblem(fixed_cost=np.ones(2), capacity=np.array([2.0, 3.0]),
                              demand=np.array([4.0, 4.5]), cost=np.ones((2, 2)))
    result = solve_facility_location(problem)
    assert result.status == "infeasible"
    assert result.message == ("aggregate_capacity: total capacity 5 < total demand 8.5; "
                              "add capacity or sites")
    chinese = assert_said_in_chinese(result.message, zh, ["5", "8.5"])
    assert "aggregate_capacity" in chinese


def test_infeasibility_proven_by_the_solver_is_said_in_chinese(zh: dict[str, str]) -> None:
    """Capacity 20 ≥ demand 18, but no site can take two whole customers of 6 plus a third:
    only the solver proves that single sourcing fails."""
    problem = FacilityProblem(fixed_cost=np.ones(2), capacity=np.array([10.0, 10.0]),
                              demand=np.array([6.0, 6.0, 6.0]), cost=np.ones((2, 3)),
                              single_source=True)
    result = solve_facility_location(problem)
    assert result.status == "infeasible"
    assert result.message == ("HiGHS proved that no choice of sites satisfies demand[j], "
                              "capacity[i], aggregate_capacity, open_count and fixed_open "
                              "together")
    assert_said_in_chinese(result.message, zh, [])


def test_proven_optimum_is_said_in_chinese(zh: dict[str, str]) -> None:
    """Site 0 costs 1 to open and serves both customers at 1 each: optimum 3, proven."""
    problem = FacilityProblem(fixed_cost=np.array([1.0, 10.0]), capacity=None,
                              demand=np.array([1.0, 1.0]), cost=np.ones((2, 2)))
    result = solve_facility_location(problem)
    assert result.status == "optimal" and result.objective == pytest.approx(3.0)
    assert result.message == "optimality proven"
    assert result.message.translated(lambda s: zh.get(s, s)) == "最优性已证明"


def test_unreachable_dso_limit_is_said_in_chinese(zh: dict[str, str]) -> None:
    """One customer, terms of 30 or 60 days: a DSO limit of 10 days cannot be met and the
    message names the 30 days reachable."""
    problem = TermsProblem(sales_cny=np.array([[100.0, 100.0]]),
                           margin_rate=np.array([[0.3, 0.3]]),
                           receivable_days=np.array([[30.0, 60.0]]),
                           bad_debt_rate=np.array([[0.01, 0.02]]),
                           discount_cost_cny=np.zeros((1, 2)),
                           cost_of_capital_per_year=0.06,
                           option_names=("net 30", "net 60"))
    sol = optimize_terms(problem, dso_target_days=10.0, time_limit_s=10.0)
    assert sol.status == "infeasible" and sol.infeasible_constraint == "dso_days"
    assert sol.message == ("dso_days <= 10 cannot be met: the lowest reachable with the allowed "
                           "options is 30 days")
    chinese = assert_said_in_chinese(sol.message, zh, ["10", "30"])
    assert chinese.endswith("30 天")


def test_unit_above_the_balance_limit_is_said_in_chinese(zh: dict[str, str]) -> None:
    """Workloads 10, 1, 1 on two reps, balance ±10 %: the upper limit is 1.1 × 6 = 6.6."""
    result = align_territories(np.array([10.0, 1.0, 1.0]), np.ones((3, 2)),
                               balance=0.1)
    assert result.status == "infeasible"
    assert result.message == "unit 0 has workload 10, above the upper balance limit 6.6 per rep"
    assert_said_in_chinese(result.message, zh, ["0", "10", "6.6"])
