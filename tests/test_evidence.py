"""Every assumption has its evidence: a source, a plausible low and high around its default
within the field's bounds, and the levers that use it; docs/scenarios.md shows the same; an
assumption the scenario's levers do not use changes no simulated figure."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from pydantic import ValidationError

from data.dataset import load_dataset
from scenarios.evidence import (
    EVIDENCE,
    JUDGEMENT,
    SCENARIO_RANGE,
    assumption_range,
    assumption_rows,
    in_play,
)
from scenarios.paths import shipped_scenario
from scenarios.run import configure
from scenarios.schema import Assumptions, Scenario
from simulation.calibrate import calibrate
from simulation.inputs import build_inputs
from simulation.replication import run_replication

ROOT = Path(__file__).resolve().parents[1]
FIELDS = list(Assumptions.model_fields)


def test_every_assumption_has_evidence_and_nothing_else_does() -> None:
    assert sorted(EVIDENCE) == sorted(FIELDS)


@pytest.mark.parametrize("name", FIELDS)
def test_default_lies_in_its_range_and_the_range_in_the_fields_bounds(name: str) -> None:
    found = EVIDENCE[name]
    default = Assumptions.model_fields[name].default
    assert found.low <= default <= found.high, (found.low, default, found.high)
    assert found.low < found.high, "a range of one value varies nothing"
    for end in (found.low, found.high):
        try:  # the schema's own bounds and type (strict: a whole number where one is asked)
            Assumptions.model_validate({name: end}, strict=True)
        except ValidationError as exc:
            pytest.fail(f"{name}: range end {end!r} is refused by the schema: {exc}")


@pytest.mark.parametrize("name", FIELDS)
def test_source_is_a_citation_or_judgement_and_reasons_are_given(name: str) -> None:
    found = EVIDENCE[name]
    assert found.source == JUDGEMENT or re.search(r"[A-Za-z]+\.md|\d{4}|https?://", found.source)
    assert len(found.reason) > 20 and found.used_when


def _assumption_table() -> dict[str, list[str]]:
    doc = (ROOT / "docs" / "scenarios.md").read_text(encoding="utf-8")
    section = doc[doc.index("## `[assumptions]`"):]
    section = section[:section.index("\n## ")]
    rows = [line for line in section.splitlines() if line.startswith("| `")]
    return {row.split(" | ")[0].strip("| `"): [c.strip() for c in row.split(" | ")]
            for row in rows}


def test_docs_show_each_source_and_range() -> None:
    table = _assumption_table()
    assert sorted(table) == sorted(FIELDS)
    for name, cells in table.items():
        found = EVIDENCE[name]
        assert cells[5] == f"{found.low:g} – {found.high:g}", name
        assert cells[6] == found.source, name


def test_a_scenario_range_replaces_the_catalogues() -> None:
    scenario = Scenario.model_validate({
        "name": "s", "dataset": "d",
        "assumptions": {"partner_speed_factor": 1.6},
        "assumption_ranges": {"partner_speed_factor": [1.1, 1.3]}})
    assert assumption_range(scenario, "partner_speed_factor") == (1.1, 1.3)
    assert assumption_range(scenario, "partner_incident_factor") == (
        EVIDENCE["partner_incident_factor"].low, EVIDENCE["partner_incident_factor"].high)
    rows = assumption_rows(scenario)
    assert rows["partner_speed_factor"] == {
        "value": 1.6, "low": 1.1, "high": 1.3, "used": False,
        "source": f"{EVIDENCE['partner_speed_factor'].source} ({SCENARIO_RANGE})"}
    assert rows["partner_incident_factor"]["source"] == EVIDENCE["partner_incident_factor"].source


def _shipped(name: str) -> Scenario:
    raw = tomllib.loads(shipped_scenario(name).read_text(encoding="utf-8"))
    return Scenario.model_validate(raw, strict=True)


#: the assumptions behind the outside drivers of the channel's payment (no company lever)
CHANNEL = ["public_terminal_payment_days", "other_terminal_payment_days",
           "pass_through_size_elasticity", "insured_share_of_public_sales",
           "insurance_settlement_days", "sme_rule_compliance", "sme_rule_max_days"]


#: what every run uses: today's staffing, and the cost of capital its financing cost is at
ALWAYS = ["staffing_utilization", "cost_of_capital"]


def test_today_uses_only_the_staffing_assumption_and_the_plan_all_but_the_drivers() -> None:
    assert in_play(_shipped("baseline")) == ALWAYS
    # the plan keeps today's calls: the call plan's keying-in assumption waits for one
    assert in_play(_shipped("plan")) == [f for f in FIELDS if f not in CHANNEL
                                         and f != "entry_wait_field_elasticity"]
    assert "entry_wait_field_elasticity" in in_play(_shipped("whatif_optimized_calls"))
    insurance = in_play(_shipped("whatif_insurance_settlement"))
    assert insurance == [*ALWAYS, *CHANNEL[:5]]
    assert in_play(_shipped("whatif_sme_payment_rule")) == [
        *ALWAYS, *CHANNEL[:3], *CHANNEL[5:]]


# ------------------------------------------------------------------ assumptions not in play
#: scenarios that pull some levers and leave their neighbours alone, so that each assumption
#: is out of play at least once next to levers that are pulled
PARTIAL = {
    "today": {},
    "partner, rebate, automated reminders": {
        "logistics": {"carrier": "strategic_partner"},
        "credit": {"scoring": True, "ordinary_terms": "monthly_plus_quarterly_rebate",
                   "reminders": "automated"}},
    "tracking, real-time stock, e-invoice, cash terms": {
        "orders": {"stock_sync": "real_time"},
        "logistics": {"carrier": "strategic_partner", "remote_limit_days": 3.0,
                      "tracking": True},
        "credit": {"scoring": True, "risk_terms": "cash_before_delivery",
                   "premium_terms": "cash_discount_1pct", "e_invoice": True,
                   "online_payment": True}},
}


@pytest.fixture(scope="module")
def small(small_dir: Path):
    from models.credit.scoring import score_customers

    ds = load_dataset(small_dir)
    return ds, calibrate(ds), build_inputs(ds), score_customers(ds, seed=3).scores["tier"]


@pytest.mark.parametrize("levers", sorted(PARTIAL))
def test_an_assumption_out_of_play_changes_no_figure(levers: str, small) -> None:
    ds, params, inputs, tiers = small
    base = {"name": "t", "dataset": "d", "horizon_days": 60, "warmup_days": 10, "seed": 5,
            **PARTIAL[levers]}

    def kpis(assumptions: dict) -> dict[str, float]:
        scenario = Scenario.model_validate({**base, "assumptions": assumptions})
        tier = tiers if scenario.credit.scoring else None
        _, config = configure(ds, params, scenario, inputs=inputs, credit_tier=tier)
        return run_replication(inputs, params, config, 0).kpis

    scenario = Scenario.model_validate(base)
    idle = [name for name in FIELDS if name not in in_play(scenario)]
    assert idle
    reference = kpis({})
    for name in idle:
        for end in (EVIDENCE[name].low, EVIDENCE[name].high):
            assert kpis({name: end}) == reference, (name, end)
