"""Scenario files: schema, loader problems, path rules, and a mutation property test."""

from __future__ import annotations

import datetime
import itertools
import math
import re
import shutil
import tempfile
import tomllib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from unittest.mock import patch

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from data.problems import Problem, ScenarioError
from scenarios import loading
from scenarios.loading import LoadedScenario, load_scenario, validate_scenario_file
from scenarios.schema import LEVER_SECTIONS, LogEntry, Scenario

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "scenarios" / "2026Q4"
SHIPPED_FILES = tuple(sorted(p.name for p in SHIPPED.glob("*.toml")))


# ---------------------------------------------------------------- helpers


@contextmanager
def project_tree(base: Path) -> Iterator[Path]:
    """``base/data/national`` as the project's data folder; yields a quarter's folder of the
    scenario book, ``base/scenarios/2026Q4``."""
    base = base.resolve()
    (base / "data" / "national").mkdir(parents=True)
    (base / "scenarios" / "2026Q4").mkdir(parents=True)
    with patch.object(loading, "project_data_folder", return_value=base / "data"):
        yield base / "scenarios" / "2026Q4"


def write(folder: Path, text: str, name: str = "s.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def locations(problems: list[Problem]) -> list[str]:
    return [p.location for p in problems]


MINIMAL = 'name = "t"\ndataset = "../../data/national"\n'


# ---------------------------------------------------------------- shipped files


@pytest.mark.parametrize("name", SHIPPED_FILES)
def test_shipped_file_is_a_valid_scenario(name: str) -> None:
    raw = tomllib.loads((SHIPPED / name).read_text(encoding="utf-8"))
    scenario = Scenario.model_validate(raw, strict=True)
    assert scenario.dataset == "../../data/national"


@pytest.mark.parametrize("name", SHIPPED_FILES)
def test_shipped_file_validates_in_a_project_tree(name: str, tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        shutil.copy(SHIPPED / name, scenarios / name)
        assert validate_scenario_file(scenarios / name) == []
        loaded = load_scenario(scenarios / name)
    assert loaded.dataset_path == tmp_path.resolve() / "data" / "national"
    assert loaded.dataset_path.is_absolute()


@pytest.mark.parametrize("name", SHIPPED_FILES)
def test_shipped_dataset_path_lies_inside_the_real_data_folder(name: str) -> None:
    # data/national may not be built yet; its absence is then the only problem.
    problems = validate_scenario_file(SHIPPED / name)
    assert all(p.location == "dataset" for p in problems), problems
    assert all(p.expected == "an existing data set folder" for p in problems), problems


def test_baseline_is_every_default() -> None:
    """Today's process = the schema defaults: the baseline states nothing else."""
    raw = tomllib.loads((SHIPPED / "baseline.toml").read_text(encoding="utf-8"))
    baseline = Scenario.model_validate(raw, strict=True)
    defaults = Scenario(name=baseline.name, dataset=baseline.dataset)
    for section in ("targets", *LEVER_SECTIONS):
        assert getattr(baseline, section) == getattr(defaults, section), section
    assert baseline.horizon_days == defaults.horizon_days
    assert baseline.warmup_days == defaults.warmup_days
    assert baseline.seed == defaults.seed


def test_plan_states_the_domain_measures() -> None:
    raw = tomllib.loads((SHIPPED / "plan.toml").read_text(encoding="utf-8"))
    plan = Scenario.model_validate(raw, strict=True)
    assert plan.orders.auto_approval_tiers == ["core"]
    assert plan.orders.esign_approval_hours == 2
    assert plan.orders.stock_sync == "real_time"
    assert plan.logistics.carrier == "strategic_partner"
    assert plan.logistics.remote_limit_days == 5
    assert plan.logistics.tracking and plan.logistics.tracking_notice_days_before == 1
    # forward warehouses chosen by the location model under a delivery-days rule
    assert plan.logistics.forward_warehouses == "optimize"
    assert plan.logistics.warehouse_service_days == 2
    assert plan.territory.tiering == "rfm_clinical"
    assert plan.credit.scoring
    assert (plan.credit.premium_min_score, plan.credit.risk_max_score) == (80, 59)
    assert plan.credit.risk_terms == "cash_before_delivery"
    assert plan.targets == Scenario(name="x", dataset="x").targets


# ---------------------------------------------------------------- problems


def test_every_problem_is_reported_with_its_dotted_path(tmp_path: Path) -> None:
    text = (
        'name = "t"\ndataset = "../../data/missing"\n'
        "[credit]\npremium_mn_score = 85\n"
        "[targets]\non_time_rate = 1.5\n"
    )
    with project_tree(tmp_path) as scenarios:
        path = write(scenarios, text)
        problems = validate_scenario_file(path)
        with pytest.raises(ScenarioError) as raised:
            load_scenario(path)
    assert sorted(locations(problems)) == [
        "credit.premium_mn_score",
        "dataset",
        "targets.on_time_rate",
    ]
    assert raised.value.problems == problems
    assert {p.source for p in problems} == {str(path)}
    by_location = {p.location: p for p in problems}
    unknown = by_location["credit.premium_mn_score"]
    assert unknown.expected.startswith("no such field; allowed: scoring, premium_min_score")
    assert unknown.found == "85"
    assert by_location["targets.on_time_rate"].expected == "a number in 0..1"
    assert by_location["targets.on_time_rate"].found == "1.5"
    assert by_location["dataset"] == Problem(
        str(path),
        "dataset",
        "an existing data set folder",
        str(tmp_path.resolve() / "data" / "missing"),
    )
    assert str(unknown) == (
        f"{path}: credit.premium_mn_score: expected {unknown.expected}; found 85"
    )


def test_list_item_problem_names_the_index(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        path = write(scenarios, MINIMAL + '[orders]\nauto_approval_tiers = ["core", "vip"]\n')
        (problem,) = validate_scenario_file(path)
    assert problem.location == "orders.auto_approval_tiers.1"
    assert problem.found == "'vip'"
    assert "'core'" in problem.expected and "'basic'" in problem.expected


def test_repeated_tier_is_refused(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        path = write(scenarios, MINIMAL + '[orders]\nauto_approval_tiers = ["core", "core"]\n')
        (problem,) = validate_scenario_file(path)
    assert problem.location == "orders.auto_approval_tiers"
    assert "'core' is repeated" in problem.expected


def test_types_are_not_coerced(tmp_path: Path) -> None:
    text = MINIMAL + 'horizon_days = "365"\n[logistics]\ntracking = 1\n'
    with project_tree(tmp_path) as scenarios:
        problems = validate_scenario_file(write(scenarios, text))
    assert locations(problems) == ["horizon_days", "logistics.tracking"]
    assert problems[0].expected == "an integer in 30..3650"
    assert problems[1].expected == "true or false"


def test_missing_required_field(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        (problem,) = validate_scenario_file(write(scenarios, 'dataset = "../../data/national"\n'))
    assert problem.location == "name"
    assert problem.expected.endswith("(required)")
    assert problem.found == "nothing"


def test_long_found_values_are_cut(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        path = write(scenarios, MINIMAL + f'[credit]\nreminders = "{"x" * 500}"\n')
        (problem,) = validate_scenario_file(path)
    assert len(problem.found) <= 60
    assert problem.found.endswith("...")


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        path = write(scenarios, MINIMAL + "[credit\nscoring = true\n")
        (problem,) = validate_scenario_file(path)
    assert problem.source == str(path)
    assert problem.location.startswith("line 3, column ")
    assert problem.expected == "valid TOML"


def test_file_problems(tmp_path: Path) -> None:
    missing = tmp_path / "nope.toml"
    assert validate_scenario_file(missing) == [
        Problem(str(missing), "", "an existing scenario file", "no such file")
    ]
    (folder_problem,) = validate_scenario_file(tmp_path)
    assert folder_problem.found == "a folder"
    binary = tmp_path / "binary.toml"
    binary.write_bytes(b'name = "ok"\nseed = \xff\n')
    (encoding_problem,) = validate_scenario_file(binary)
    assert encoding_problem.location == "line 2, column 8"
    assert encoding_problem.expected == "UTF-8 text"
    with pytest.raises(ScenarioError, match="no such file"):
        load_scenario(missing)


def test_dataset_escaping_the_data_folder_is_refused(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        outside = tmp_path.resolve() / "outside"
        outside.mkdir()
        path = write(scenarios, 'name = "t"\ndataset = "../../data/national/../../outside"\n')
        (problem,) = validate_scenario_file(path)
        assert problem.location == "dataset"
        assert problem.expected.startswith(f"a folder inside {tmp_path.resolve() / 'data'}")
        assert problem.found == str(outside)
        assert validate_scenario_file(path, allow_outside_data=True) == []
        loaded = load_scenario(path, allow_outside_data=True)
    assert isinstance(loaded, LoadedScenario)
    assert loaded.dataset_path == outside


def test_symlink_cannot_escape_the_data_folder(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        outside = tmp_path.resolve() / "outside"
        outside.mkdir()
        (tmp_path / "data" / "link").symlink_to(outside, target_is_directory=True)
        path = write(scenarios, 'name = "t"\ndataset = "../../data/link"\n')
        (problem,) = validate_scenario_file(path)
    assert problem.location == "dataset"
    assert problem.found == str(outside)


def test_the_data_folder_itself_is_not_a_data_set(tmp_path: Path) -> None:
    with project_tree(tmp_path) as scenarios:
        path = write(scenarios, 'name = "t"\ndataset = "../../data"\n')
        (problem,) = validate_scenario_file(path)
    assert problem.location == "dataset"


@pytest.mark.parametrize(
    ("settings_text", "found"),
    [
        ("horizon_days = 100\nwarmup_days = 100\n", "100"),
        ("horizon_days = 60\n", "90 (the default)"),  # the default warm-up is checked too
    ],
)
def test_warmup_must_end_before_the_horizon(tmp_path: Path, settings_text: str, found: str) -> None:
    with project_tree(tmp_path) as scenarios:
        (problem,) = validate_scenario_file(write(scenarios, MINIMAL + settings_text))
    assert problem.location == "warmup_days"
    assert "horizon_days" in problem.expected
    assert problem.found == found


def test_risk_band_must_lie_below_the_premium_band(tmp_path: Path) -> None:
    text = MINIMAL + "[credit]\npremium_min_score = 70\nrisk_max_score = 75\n"
    with project_tree(tmp_path) as scenarios:
        (problem,) = validate_scenario_file(write(scenarios, text))
    assert problem.location == "credit.risk_max_score"
    assert problem.expected == "a score below premium_min_score (70)"


def test_assumption_ranges_are_pairs_within_the_assumptions_bounds(tmp_path: Path) -> None:
    text = MINIMAL + ("[assumption_ranges]\n"
                      "tracking_visibility_complaint_reduction = [0.5, 0.75]\n"
                      "cash_discount_pay_days = [5, 12]\n")
    with project_tree(tmp_path) as scenarios:
        assert validate_scenario_file(write(scenarios, text)) == []
        scenario = load_scenario(scenarios / "s.toml").scenario
    assert scenario.assumption_ranges.tracking_visibility_complaint_reduction == (0.5, 0.75)
    assert scenario.assumption_ranges.partner_speed_factor is None
    bad = MINIMAL + ("[assumption_ranges]\n"
                     "partner_speed_factor = [1.4, 1.1]\n"      # reversed
                     "staffing_utilization = [0.5, 1.0]\n"      # 1 is outside < 1
                     "cash_discount_pay_days = [5.5, 12]\n"     # not whole
                     "online_payment_days_saved = [1]\n"        # one number
                     "remote_limit_compliance = [true, 1]\n"    # not a number
                     "tracking = [0, 1]\n")                     # not an assumption
    with project_tree(tmp_path / "bad") as scenarios:
        problems = validate_scenario_file(write(scenarios, bad))
    by_location = {p.location: p for p in problems}
    assert sorted(by_location) == sorted(
        f"assumption_ranges.{name}" for name in (
            "partner_speed_factor", "staffing_utilization", "cash_discount_pay_days",
            "online_payment_days_saved", "remote_limit_compliance", "tracking"))
    assert by_location["assumption_ranges.partner_speed_factor"].expected == (
        "[low, high]: two numbers in 0.2..5 with low <= high")
    assert by_location["assumption_ranges.staffing_utilization"].expected == (
        "[low, high]: two numbers >= 0.05 and < 1 with low <= high")
    assert "whole numbers in 0..60" in by_location[
        "assumption_ranges.cash_discount_pay_days"].expected
    assert by_location["assumption_ranges.tracking"].expected.startswith("no such field")


def test_docs_describe_every_field() -> None:
    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    sections = ("targets", *LEVER_SECTIONS, "assumptions", "assumption_ranges", "rollout")
    for name in Scenario.model_fields:
        shown = (f"`[{name}]`" if name in sections else "`[[log]]`" if name == "log"
                 else f"`{name}`")
        assert shown in doc, name
    for section in sections:
        for name in Scenario.model_fields[section].annotation.model_fields:  # type: ignore[union-attr]
            assert f"`{name}`" in doc, f"{section}.{name}"
    for name in LogEntry.model_fields:
        assert f"| `{name}` |" in doc, f"log.{name}"


# ---------------------------------------------------------------- property: mutated scenarios
#
# An oracle written from the brief (not from the pydantic schema) says which dotted paths of a
# mutated scenario are wrong; the loader must report exactly those paths (or paths below them).

TIERS = ("core", "potential", "basic")


def _int(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: type(v) is int and low <= v <= high


GRADING_ATTRIBUTES = ("hospital_grade", "title", "outpatients", "beds", "product_need")


def _num(low: float, high: float = math.inf, *, open_low: bool = False) -> Callable[[Any], bool]:
    def ok(v: Any) -> bool:
        if type(v) not in (int, float) or not math.isfinite(v):
            return False
        return (v > low if open_low else v >= low) and v <= high

    return ok


def _text(low: int, high: int) -> Callable[[Any], bool]:
    return lambda v: type(v) is str and low <= len(v) <= high


def _one_of(*values: str) -> Callable[[Any], bool]:
    return lambda v: type(v) is str and v in values


def _is_bool(v: Any) -> bool:
    return type(v) is bool


def _unique(items: list[Any]) -> bool:
    return all(items.index(item) == i for i, item in enumerate(items))


def _tiers(v: Any) -> bool:
    return type(v) is list and all(_one_of(*TIERS)(t) for t in v) and _unique(v)


def _forward_warehouses(v: Any) -> bool:
    if type(v) is str:
        return v in ("none", "optimize")
    return type(v) is list and len(v) > 0 and all(_text(1, 10**9)(s) for s in v) and _unique(v)


TOP: dict[str, Callable[[Any], bool]] = {
    "name": _text(1, 80),
    "description": _text(0, 2000),
    "horizon_days": _int(30, 3650),
    "warmup_days": _int(0, 730),
    "replications": _int(1, 1000),
    "seed": _int(0, 2**63 - 1),
}
SECTIONS: dict[str, dict[str, Callable[[Any], bool]]] = {
    "targets": {
        "order_processing_days": _num(0, 30, open_low=True),
        "on_time_rate": _num(0, 1),
        "dso_days": _num(0, 365, open_low=True),
        "bad_debt_rate": _num(0, 1),
        "remote_delivery_days": _num(0, 30, open_low=True),
        "complaint_rate": _num(0, 1),
    },
    "orders": {
        "app_channel_share": _num(0, 1),
        "auto_approval_tiers": _tiers,
        "abnormal_order_threshold_cny": _num(0, 1e10, open_low=True),
        "esign_approval_hours": _num(0, 72, open_low=True),
        "stock_sync": _one_of("daily_batch", "real_time"),
        "app_orders_skip_review": _is_bool,
    },
    "logistics": {
        "carrier": _one_of("current_3pl", "strategic_partner"),
        "remote_limit_days": _num(0, 15, open_low=True),
        "tracking": _is_bool,
        "tracking_notice_days_before": _num(0, 7),
        "forward_warehouses": _forward_warehouses,
        "warehouse_max_sites": _int(0, 100),
        "warehouse_budget_cny": _num(0, 1e10),
        "warehouse_service_days": _num(0, 15, open_low=True),
        "warehouse_service_share": _num(0, 1, open_low=True),
        "forward_fill_rate": lambda v: _num(0.5, 1)(v) and v < 1,
        "forward_policy": _one_of("sQ", "RS"),
        "forward_review_days": _num(0, 90, open_low=True),
        "forward_max_products": _int(1, 10000),
    },
    "territory": {
        "tiering": _one_of("none", "rfm_clinical"),
        "academic_specialist_for_core": _is_bool,
        "academic_meetings_per_specialist": _num(0, 31),
        "field_days_per_month": _num(1, 31),
        "calls_per_day": _num(0, 30, open_low=True),
        "grading_weights": lambda v: type(v) is dict and all(
            k in GRADING_ATTRIBUTES and _num(0, 100)(w) for k, w in v.items())
        and any(w > 0 for w in v.values()),
        "visit_quota": lambda v: type(v) is dict and all(
            k in ("A", "B", "C", "D") and _num(0, 31)(w) for k, w in v.items()),
        "grade_cuts": lambda v: type(v) is dict and set(v) == {"A", "B", "C"} and all(
            _num(0, 100)(w) for w in v.values()) and v["A"] > v["B"] > v["C"],
        "rep_cost_cny_per_month": _num(0, 1e6),
        "allocation": _one_of("current", "optimize"),
        "reps": _int(1, 100000),
    },
    "credit": {
        "scoring": _is_bool,
        "premium_min_score": _num(0, 100),
        "risk_max_score": _num(0, 100),
        "premium_terms": _one_of("monthly", "extended_75_days", "cash_discount_1pct"),
        "ordinary_terms": _one_of("monthly", "monthly_plus_quarterly_rebate"),
        "risk_terms": _one_of("monthly", "cash_before_delivery"),
        "policy": _one_of("uniform", "tiered", "optimize"),
        "uniform_terms": _one_of("monthly", "extended_75_days", "cash_discount_1pct",
                                 "monthly_plus_quarterly_rebate", "cash_before_delivery"),
        "dso_limit_days": _num(0, 365, open_low=True),
        "bad_debt_limit": _num(0, 1),
        "sales_loss_limit": _num(0, 1),
        "contribution_margin": _num(0, 1),
        "risk_never_extended": _is_bool,
        "cash_before_delivery_only_risk": _is_bool,
        "never_cash_before_delivery": lambda v: type(v) is list and all(
            _one_of("distributor_l1", "distributor_l2", "chain_pharmacy", "private_hospital",
                    "private_clinic")(t) for t in v),
        "e_invoice": _is_bool,
        "online_payment": _is_bool,
        "reminders": _one_of("manual", "automated"),
        "reminder_schedule_days": lambda v: type(v) is list and 1 <= len(v) <= 12 and all(
            _num(-30, 365)(d) for d in v) and all(b > a for a, b in itertools.pairwise(v)),
    },
    "assumptions": {
        "staffing_utilization": lambda v: _num(0.05, 1)(v) and v < 1,
        "real_time_backorder_reduction": _num(0, 1),
        "cash_before_delivery_wait_days": _num(0, 30),
        "partner_speed_factor": _num(0.2, 5),
        "partner_incident_factor": _num(0, 1),
        "remote_limit_compliance": _num(0, 1),
        "tracking_late_complaint_factor": _num(0, 1),
        "tracking_visibility_complaint_reduction": _num(0, 1),
        "cash_discount_take_up": _num(0, 1),
        "cost_of_money": _num(0, 1),
        "cost_of_money_constrained": _num(0, 1),
        "cash_discount_pay_days": _int(0, 60),
        "quarterly_rebate_rate": _num(0, 0.1),
        "cash_before_delivery_sales_loss": _num(0, 1),
        "cost_of_capital": _num(0, 1),
        "entry_wait_field_elasticity": _num(0, 3),
        "rebate_lateness_factor": _num(0, 1),
        "pre_due_reminder_effect": _num(0, 1),
        "automated_reminder_interval_days": _num(0, 90, open_low=True),
        "online_payment_days_saved": _num(0, 30),
        "e_invoice_delay_days": _num(0, 30),
        "paper_invoice_mail_days": _num(0, 30),
        "forward_replenishment_handling_days": _num(0, 30),
        "forward_lead_time_sd_days": _num(0, 30),
        "forward_order_cost_cny": _num(0, 1e6),
        "forward_holding_rate_per_year": _num(0, 2, open_low=True),
    },
}


def _pair(rule: Callable[[Any], bool]) -> Callable[[Any], bool]:
    """[low, high]: two values the assumption itself accepts, low <= high."""
    return lambda v: type(v) is list and len(v) == 2 and all(map(rule, v)) and v[0] <= v[1]


SECTIONS["assumption_ranges"] = {name: _pair(rule)
                                 for name, rule in SECTIONS["assumptions"].items()}
# the roll-out: non-empty, unique region names (checked against the data set where it has a
# customers table; the test's tree has none) and 0..36 months
SECTIONS["rollout"] = {
    "regions": lambda v: type(v) is list and len(v) > 0 and all(_text(1, 10**9)(r) for r in v)
    and _unique(v),
    "months_to_full": _num(0, 36),
}
#: the dotted paths a log entry may name: the top-level fields, the sections and their fields
LEVER_PATHS = {*TOP, "dataset", "process", *SECTIONS,
               *(f"{section}.{field}" for section, rules in SECTIONS.items() for field in rules)}


def _log_problems(value: Any) -> set[str]:
    """The wrong paths of a ``log`` value: a list of tables of date, author (1..80
    characters), levers (a non-empty list of known, unique dotted paths) and note (1..2000
    characters)."""
    if type(value) is not list:
        return {"log"}
    wrong: set[str] = set()
    for i, entry in enumerate(value):
        if type(entry) is not dict:
            wrong.add(f"log.{i}")
            continue
        for key in ("date", "author", "levers", "note"):
            if key not in entry:
                wrong.add(f"log.{i}.{key}")
        for key, item in entry.items():
            ok = {"date": lambda v: type(v) is datetime.date, "author": _text(1, 80),
                  "note": _text(1, 2000), "levers": lambda v: True}.get(key)
            if ok is None or not ok(item):
                wrong.add(f"log.{i}.{_key(key)}")
        levers = entry.get("levers", [])
        if "levers" in entry and (type(levers) is not list or not levers):
            wrong.add(f"log.{i}.levers")
        elif type(levers) is list:
            bad = {f"log.{i}.levers.{j}" for j, lever in enumerate(levers)
                   if type(lever) is not str or lever not in LEVER_PATHS}
            wrong |= bad
            if not bad and not _unique(levers):
                wrong.add(f"log.{i}.levers")
    return wrong


def _key(part: str) -> str:
    """A key as a dotted path shows it: bare if TOML allows, else a quoted TOML string."""
    return part if re.fullmatch(r"[A-Za-z0-9_-]+", part) else _toml_string(part)


def _dataset_ok(value: Any, scenario_dir: Path, data_root: Path) -> bool:
    if type(value) is not str or not value:
        return False
    try:
        resolved = (scenario_dir / value).resolve()
        return resolved.is_dir() and resolved != data_root and resolved.is_relative_to(data_root)
    except (OSError, ValueError, RuntimeError):
        return False


def oracle(doc: dict[str, Any], scenario_dir: Path, data_root: Path) -> set[str]:
    """The dotted paths that are wrong in ``doc``."""
    wrong: set[str] = set()
    for name in ("name", "dataset"):
        if name not in doc:
            wrong.add(name)
    for key, value in doc.items():
        if key in TOP:
            if not TOP[key](value):
                wrong.add(key)
        elif key == "dataset":
            if not _dataset_ok(value, scenario_dir, data_root):
                wrong.add(key)
        elif key == "process":  # no process file exists in the test's tree
            wrong.add(key)
        elif key == "log":
            wrong |= _log_problems(value)
        elif key in SECTIONS:
            if type(value) is not dict:
                wrong.add(key)
                continue
            for field, field_value in value.items():
                rule = SECTIONS[key].get(field)
                if rule is None or not rule(field_value):
                    wrong.add(f"{key}.{_key(field)}")
        else:
            wrong.add(_key(key))
    horizon, warmup = doc.get("horizon_days", 365), doc.get("warmup_days", 90)
    if TOP["horizon_days"](horizon) and TOP["warmup_days"](warmup) and warmup >= horizon:
        wrong.add("warmup_days")
    logistics = doc.get("logistics", {})
    if (
        type(logistics) is dict
        and "warehouse_service_share" in logistics
        and SECTIONS["logistics"]["warehouse_service_share"](logistics["warehouse_service_share"])
        and "warehouse_service_days" not in logistics
    ):
        wrong.add("logistics.warehouse_service_share")  # a share needs its days
    territory = doc.get("territory", {})
    if (
        type(territory) is dict
        and "reps" in territory
        and SECTIONS["territory"]["reps"](territory["reps"])
        and SECTIONS["territory"]["allocation"](territory.get("allocation", "current"))
        and territory.get("allocation", "current") != "optimize"
    ):
        wrong.add("territory.reps")  # a new size needs its calls re-planned
    credit = doc.get("credit", {})
    if type(credit) is dict:
        premium, risk = credit.get("premium_min_score", 80), credit.get("risk_max_score", 59)
        rules = SECTIONS["credit"]
        if (
            rules["premium_min_score"](premium)
            and rules["risk_max_score"](risk)
            and risk >= premium
        ):
            wrong.add("credit.risk_max_score")
    return wrong


def _toml_string(text: str) -> str:
    out = []
    for char in text:
        if char in '"\\':
            out.append("\\" + char)
        elif ord(char) < 0x20 or ord(char) == 0x7F:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)  # 'nan', 'inf', '-inf' and exponents are valid TOML floats
    if isinstance(value, str):
        return _toml_string(value)
    if isinstance(value, datetime.date):
        return value.isoformat()  # a TOML local date
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return (
            "{" + ", ".join(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in value.items()) + "}"
        )
    raise TypeError(type(value))


def to_toml(doc: dict[str, Any]) -> str:
    """Top-level scalars and arrays first, then one [table] per dict; deeper dicts inline."""
    lines = [f"{_toml_string(k)} = {_toml_value(v)}" for k, v in doc.items() if type(v) is not dict]
    for key, table in doc.items():
        if type(table) is dict:
            lines.append(f"[{_toml_string(key)}]")
            lines.extend(f"{_toml_string(k)} = {_toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


keys = st.text(st.characters(exclude_categories=("Cs",)), max_size=10)
scalars = st.one_of(
    st.booleans(),
    st.integers(-(2**63), 2**63 - 1),
    st.integers(-5, 4000),
    st.floats(),
    st.floats(-10, 400),
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["core", "none", "optimize", "monthly", "real_time", "../../data/national",
                     ""]),
)
json_like = st.recursive(
    scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(keys, children, max_size=3),
    max_leaves=6,
)


def _plan_doc() -> dict[str, Any]:
    return tomllib.loads((SHIPPED / "plan.toml").read_text(encoding="utf-8"))


@st.composite
def mutated_scenarios(draw: st.DrawFn) -> dict[str, Any]:
    doc = _plan_doc()
    if draw(st.booleans()):  # sometimes start from the sparse form: only what is required
        doc = {"name": doc["name"], "dataset": doc["dataset"]}
    for _ in range(draw(st.integers(0, 4))):
        tables = [doc] + [v for v in doc.values() if type(v) is dict]
        table = draw(st.sampled_from(tables))
        action = draw(st.sampled_from(["insert", "replace", "delete"]))
        if action == "insert" or not table:
            table[draw(keys)] = draw(json_like)
        elif action == "replace":
            table[draw(st.sampled_from(sorted(table)))] = draw(json_like)
        else:
            del table[draw(st.sampled_from(sorted(table)))]
    return doc


def _covered(location: str, paths: set[str]) -> bool:
    return any(location == p or location.startswith(p + ".") for p in paths)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=mutated_scenarios())
def test_mutated_scenarios_are_reported_exactly(doc: dict[str, Any]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = Path(folder).resolve()
        with project_tree(base) as scenarios:
            path = write(scenarios, to_toml(doc))
            if not _has_nan(doc):  # the test's own TOML writer round-trips
                assert tomllib.loads(path.read_text(encoding="utf-8")) == doc
            wrong = oracle(doc, scenarios, base / "data")
            problems = validate_scenario_file(path)
    if not wrong:
        assert problems == []
        return
    assert problems, wrong
    for problem in problems:
        assert problem.source == str(path)
        assert problem.location
        assert problem.expected
        assert _covered(problem.location, wrong), (problem, wrong)
    for expected_path in wrong:
        assert any(_covered(p.location, {expected_path}) for p in problems), (
            expected_path,
            problems,
        )


def _has_nan(value: Any) -> bool:
    if isinstance(value, float):
        return math.isnan(value)
    if isinstance(value, list):
        return any(_has_nan(v) for v in value)
    if isinstance(value, dict):
        return any(_has_nan(v) for v in value.values())
    return False


@settings(max_examples=150, deadline=None)
@given(
    content=st.binary(max_size=200)
    | st.text(max_size=200).map(lambda t: t.encode("utf-8", "replace"))
)
def test_arbitrary_file_content_never_raises(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "s.toml"
        path.write_bytes(content)
        problems = validate_scenario_file(path)
    assert problems  # no arbitrary content names both a scenario and an existing data set
    assert all(p.source == str(path) for p in problems)


def test_process_file_is_resolved_and_validated(tmp_path: Path) -> None:
    from simulation.params import ProcessParams

    data_dir = tmp_path / "ds"
    data_dir.mkdir()
    scen = tmp_path / "s.toml"
    scen.write_text('name = "x"\ndataset = "ds"\nprocess = "process.json"\n')
    problems = validate_scenario_file(scen, allow_outside_data=True)
    assert [p.location for p in problems] == ["process"]
    assert problems[0].expected == "an existing process file"
    (tmp_path / "process.json").write_text('{"source": "x", "channel_shares": {}}')
    problems = validate_scenario_file(scen, allow_outside_data=True)
    assert problems and all(p.source.endswith("process.json") for p in problems)
    assert any(p.location == "entry_hours" for p in problems)
    assert ProcessParams.model_fields["entry_hours"].is_required()
