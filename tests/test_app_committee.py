"""The "Committee: scenarios" page, driven headless by AppTest: a run shows the KPIs that an
independent ``scenarios.run.simulate`` call computes, compares the scenarios with paired
differences, stores the runs, and a refused scenario file is an st.error, never a traceback.

The page reads its scenario folder from ``PHARMAOPS_SCENARIOS_DIR`` and writes its runs to
``PHARMAOPS_RUN_STORE``; both point into a temporary folder holding a small generated data set
and short copies (120 days, 30 warm-up) of the shipped baseline and plan.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from streamlit.proto.Metric_pb2 import Metric as MetricProto
from streamlit.testing.v1 import AppTest

from data.generate import generate_to_folder
from scenarios.loading import load_scenario
from scenarios.paths import shipped_scenario
from scenarios.run import SimulationRun, prepare, simulate
from scenarios.store import RunStore
from simulation.summary import paired_differences
from tests.display_rules import EXPECTED_CARDS, page_texts
from tests.display_rules import shown as kpi_text
from ui import i18n
from ui.committee import RESULTS_KEY, committee_workbook, comparison_json

PROJECT = Path(__file__).resolve().parents[1]
PAGE = "from ui.committee import render\nrender()\n"
TIMEOUT_S = 120
REPLICATIONS = 2
SCENARIOS = ("baseline", "plan")
CHINESE = re.compile(r"[\u4e00-\u9fff]")



def _shown_difference(value: float, unit: str, decimals: int) -> str:
    return f"{100 * value:+.{decimals}f} pts" if unit == "rate" else f"{value:+.{decimals}f} days"


def _short_copy(text: str) -> str:
    """A shipped scenario pointed at the small data set, simulating 120 days (30 warm-up)."""
    for pattern, value in (
        (r'^dataset = ".*"', 'dataset = "../data/small"'),
        (r"^horizon_days = \d+", "horizon_days = 120"),
        (r"^warmup_days = \d+", "warmup_days = 30"),
    ):
        text, n = re.subn(pattern, value, text, count=1, flags=re.MULTILINE)
        assert n == 1, pattern
    return text


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A temporary project: ``data/small``, ``scenarios/`` and the run store, set in the
    environment for the whole module."""
    root = tmp_path_factory.mktemp("committee")
    generate_to_folder("small", 7, root / "data" / "small")
    folder = root / "scenarios"
    folder.mkdir()
    for name in SCENARIOS:
        text = _short_copy(shipped_scenario(name).read_text(encoding="utf-8"))
        (folder / f"{name}.toml").write_text(text, encoding="utf-8")
    broken = (folder / "baseline.toml").read_text(encoding="utf-8")
    broken = broken.replace('name = "baseline"', 'name = "broken"\nunknown_lever = 1', 1)
    (folder / "broken.toml").write_text(broken, encoding="utf-8")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PHARMAOPS_SCENARIOS_DIR", str(folder))
        mp.setenv("PHARMAOPS_RUN_STORE", str(root / "runs" / "store.sqlite"))
        yield root


def until_done(at: AppTest, job: str = "committee_job") -> AppTest:
    """The page once its queued job (the comparison, or ``job``) has finished (the job runs
    outside the page, which polls it)."""
    deadline = time.monotonic() + 600
    while job in at.session_state:
        assert time.monotonic() < deadline, f"the job {job} did not finish"
        time.sleep(1)
        at.run(timeout=TIMEOUT_S)
    return at


@pytest.fixture(scope="module")
def ran(project: Path) -> AppTest:
    """The page after pressing Run with 2 replications and 1 worker (the defaults otherwise)."""
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    assert not at.exception
    assert at.sidebar.multiselect(key="committee_files").value == ["baseline.toml", "plan.toml"]
    assert not at.metric, "nothing runs on page load"
    at.sidebar.number_input(key="committee_replications").set_value(REPLICATIONS)
    at.sidebar.number_input(key="committee_workers").set_value(1)
    at.sidebar.button(key="committee_run").click()
    return until_done(at.run(timeout=TIMEOUT_S))


@pytest.fixture(scope="module")
def expected(project: Path) -> dict[str, SimulationRun]:
    """The same runs, simulated independently of the page (same seed and replications)."""
    loaded = {
        name: load_scenario(project / "scenarios" / f"{name}.toml", allow_outside_data=True)
        for name in SCENARIOS
    }
    seed = loaded["baseline"].scenario.seed  # the page's default: the base scenario's seed
    return {
        name: simulate(item, prepare(item), replications=REPLICATIONS, seed=seed, workers=1)
        for name, item in loaded.items()
    }


def test_kpi_cards_match_an_independent_simulation(
    ran: AppTest, expected: dict[str, SimulationRun]
) -> None:
    assert not ran.exception
    assert not ran.error
    metrics = list(ran.metric)
    verdicts = [m.value for m in ran.markdown if "P(meet target)" in m.value]
    assert len(metrics) == 6 * len(SCENARIOS) == len(verdicts)
    for i, name in enumerate(SCENARIOS):
        payload = expected[name].payload
        shown = zip(metrics[6 * i : 6 * i + 6], verdicts[6 * i : 6 * i + 6], strict=True)
        cards = {m.label: (m, v) for m, v in shown}
        assert len(cards) == 6
        for kpi, (label, unit, decimals, higher_is_better) in EXPECTED_CARDS.items():
            card, verdict = cards[label]
            mean = payload["kpis"][kpi]["mean"]
            target = payload["targets"][kpi]
            assert card.value == kpi_text(mean, unit, decimals), (name, kpi)
            assert f"vs target {kpi_text(target['target'], unit, decimals)}" in (
                card.proto.delta_description
            )
            gap = round((mean - target["target"]) * (100 if unit == "rate" else 1), decimals)
            if gap != 0:
                worse = gap < 0 if higher_is_better else gap > 0
                assert (card.proto.color == MetricProto.MetricColor.RED) == worse, (name, kpi)
            assert target["status"] in verdict, (name, kpi)
            assert ("not met" in verdict) == (target["status"] == "not met"), (name, kpi)
            lo, hi = target["probability_ci95"]
            assert (f"**{100 * target['probability']:.0f}% ({100 * lo:.0f}–{100 * hi:.0f}%)**"
                    in verdict), (name, kpi)
        # undecided targets: the page recommends the replications that decide them all
        needed = [t["replications_to_decide"] for t in payload["targets"].values()
                  if t["status"] == "uncertain" and t["replications_to_decide"] is not None]
        if needed:
            assert any(f"About {max(needed):,}" in i.value for i in ran.info), name


def test_paired_differences_against_the_base(
    ran: AppTest, expected: dict[str, SimulationRun]
) -> None:
    tables = [d.value for d in ran.dataframe if "better?" in d.value.columns]
    assert len(tables) == 1
    table = tables[0].set_index("KPI")
    diffs = paired_differences(
        expected["baseline"].per_replication, expected["plan"].per_replication
    )
    for kpi, (label, unit, decimals, _) in EXPECTED_CARDS.items():
        assert table.loc[label, "difference"] == _shown_difference(
            diffs[kpi]["mean"], unit, decimals
        )
        assert table.loc[label, "better?"] == diffs[kpi]["verdict"]
    assert any("common random numbers" in c.value for c in ran.caption)


def test_forward_stock_of_the_plan_is_shown(
    ran: AppTest, expected: dict[str, SimulationRun], project: Path
) -> None:
    frame = next(d.value for d in ran.dataframe if "fill rate" in d.value.columns)
    assert frame["scenario"].tolist() == ["plan"]  # the baseline has no forward warehouses
    row = frame.iloc[0]
    payload = expected["plan"].payload
    # the sites by their cities, as the data set's sites table names them
    sites = pd.read_csv(project / "data" / "small" / "sites.csv").set_index("site_id")
    cities = [sites.loc[s, "city"] for s in payload["warehouses"]["forward_warehouses"]]
    assert cities and row["forward warehouses"] == ", ".join(cities)
    assert row["chosen by"] == "location model"
    assert row["model status"] == payload["warehouses"]["status"]
    fill = payload["details"]["forward_fill_rate"]["mean"]
    assert row["fill rate"] == f"{100 * fill:.1f}%"
    split = payload["details"]["split_delivery_rate"]["mean"]
    assert row["split deliveries"] == f"{100 * split:.1f}%"


def test_assumptions_are_shown_with_their_range_and_source(ran: AppTest) -> None:
    from scenarios.evidence import EVIDENCE
    from ui.lever_labels import LEVER_LABELS

    tables = [d.value for d in ran.dataframe if "plausible range" in d.value.columns]
    assert len(tables) == len(SCENARIOS)
    baseline, plan = (t.set_index("assumption") for t in tables)
    # each assumption by its name with its unit, not its field name
    label = {name: LEVER_LABELS[f"assumptions.{name}"] for name in EVIDENCE}
    assert sorted(baseline.index) == sorted(label.values()) == sorted(plan.index)
    for name, found in EVIDENCE.items():
        row = plan.loc[label[name]]
        assert row["plausible range"] == f"{found.low:,.4g} – {found.high:,.4g}"
        assert row["source"] == found.source
        assert row["in range"] == "yes"
    # today's process pulls no lever: only the staffing assumption is used, and the cost of
    # capital every run's financing cost is reported at
    used = baseline[baseline["used by the levers"] == "yes"].index.tolist()
    assert used == ["Staff utilization (share)", "Cost of capital (per year)"]
    # the plan pulls every company lever but the call plan (today's calls); the outside
    # drivers of the channel are not its own
    drivers = [n for n in EVIDENCE if EVIDENCE[n].used_when.startswith("channel.")]
    assert len(drivers) == 7
    assert (plan["used by the levers"] == "yes").to_dict() == {
        label[n]: n not in drivers and n != "entry_wait_field_elasticity" for n in EVIDENCE}


def test_runs_are_stored_and_can_be_shown_again(ran: AppTest, project: Path) -> None:
    runs = RunStore(project / "runs" / "store.sqlite").list_runs()
    sims = runs[runs["kind"] == "simulation"]
    assert sorted(sims["scenario_name"]) == ["baseline", "plan"]
    shown = " ".join(s.value for s in ran.success)
    assert all(run_id in shown for run_id in sims["run_id"])
    listed = next(d.value for d in ran.dataframe if "kind of run" in d.value.columns)
    assert set(listed["kind of run"]) == {"scenario simulated"}  # a human name, not the code
    assert set(listed["run status"]) == {"completed"}

    ran.selectbox(key="committee_stored_run").set_value(sims["run_id"].iloc[0]).run()
    assert not ran.exception
    kpis = [d.value for d in ran.dataframe if "P(meet target)" in d.value.columns]
    assert len(kpis) == 1 and len(kpis[0]) == 6
    assert len(ran.metric) == 6 * len(SCENARIOS), "results survive the rerun"


def test_stored_runs_compare_side_by_side_with_paired_differences(
    ran: AppTest, project: Path, expected: dict[str, SimulationRun]
) -> None:
    """A fresh page (nothing run in this session) compares the two stored runs: the KPIs side
    by side with their verdicts, and the paired differences of the independent simulation."""
    runs = RunStore(project / "runs" / "store.sqlite").list_runs()
    sims = runs[runs["kind"] == "simulation"]
    ids = dict(zip(sims["scenario_name"], sims["run_id"], strict=True))
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    at.multiselect(key="committee_stored_compare").set_value(
        [ids["baseline"], ids["plan"]]).run(timeout=TIMEOUT_S)
    assert not at.exception and not at.error
    side = next(d.value for d in at.dataframe if "plan: verdict" in d.value.columns)
    side = side.set_index("KPI")
    diffs = paired_differences(
        expected["baseline"].per_replication, expected["plan"].per_replication
    )
    table = next(d.value for d in at.dataframe if "better?" in d.value.columns).set_index("KPI")
    for kpi, (label, unit, decimals, _) in EXPECTED_CARDS.items():
        verdict = expected["plan"].payload["targets"][kpi]["status"]
        assert side.loc[label, "plan: verdict"] == verdict
        assert table.loc[label, "difference"] == _shown_difference(
            diffs[kpi]["mean"], unit, decimals
        )
        assert table.loc[label, "better?"] == diffs[kpi]["verdict"]
    assert any(f"Paired differences over {REPLICATIONS} common replications" in c.value
               for c in at.caption)


def test_downloads_hold_every_table(ran: AppTest, expected: dict[str, SimulationRun]) -> None:
    res = ran.session_state[RESULTS_KEY]
    sheets = pd.read_excel(io.BytesIO(committee_workbook(res)), sheet_name=None)
    assert list(sheets) == [
        "kpis",
        "differences",
        "stages",
        "per_replication",
        "assumptions",
        "by_region",
        "by_tier",
        "credit_scores",
        "forward_stock",
        "forward_policies",
        "about",
    ]
    kpis = sheets["kpis"].set_index(["scenario", "kpi"])
    for name, run in expected.items():
        for kpi, summary in run.payload["kpis"].items():
            assert kpis.loc[(name, kpi), "mean"] == pytest.approx(summary["mean"])
    assert len(sheets["per_replication"]) == REPLICATIONS * len(SCENARIOS)
    doc = json.loads(comparison_json(res))
    assert doc["base"] == "baseline" and set(doc["scenarios"]) == set(SCENARIOS)
    assert doc["scenarios"]["plan"]["run_id"]


SENSITIVITY_ASSUMPTIONS = ["cash_before_delivery_wait_days",
                           "tracking_visibility_complaint_reduction"]
#: how the page names them, written out
SENSITIVITY_LABELS = {"cash_before_delivery_wait_days": "Cash-before-delivery wait (days)",
                      "tracking_visibility_complaint_reduction":
                      "Visibility complaints removed by tracking (share)"}


def test_sensitivity_shows_the_verdicts_of_an_independent_run(project: Path) -> None:
    from scenarios.sensitivity_run import run_sensitivity
    from ui.committee_sensitivity import JOINT_LABELS, sensitivity_csv_table
    from ui.committee_sensitivity import RESULT_KEY as SENSITIVITY_KEY

    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    at.sidebar.number_input(key="committee_workers").set_value(1)
    at.selectbox(key="sensitivity_file").set_value("plan.toml").run(timeout=TIMEOUT_S)
    chosen = at.multiselect(key="sensitivity_assumptions_plan.toml")
    # 32 assumptions, less the 7 behind the channel's outside drivers the plan does not pull
    assert len(chosen.value) == 25, "every assumption the plan's levers use is offered"
    # offered by name with unit; the value kept is the field name
    assert "Partner speed factor (ratio)" in chosen.options
    assert "partner_speed_factor" in chosen.value
    chosen.set_value(SENSITIVITY_ASSUMPTIONS)
    at.number_input(key="sensitivity_replications").set_value(REPLICATIONS)
    until_done(at.button(key="sensitivity_run").click().run(timeout=TIMEOUT_S),
               "sensitivity_job")
    assert not at.exception and not at.error

    loaded = load_scenario(project / "scenarios" / "plan.toml", allow_outside_data=True)
    independent = run_sensitivity(loaded, prepare(loaded), replications=REPLICATIONS,
                                  workers=1, assumptions=SENSITIVITY_ASSUMPTIONS)
    grid = next(d.value for d in at.dataframe if "assumption" in d.value.columns
                and "On-time delivery" in d.value.columns).set_index("assumption")
    shown_as = {**SENSITIVITY_LABELS, **JOINT_LABELS}
    shown_rows = [*SENSITIVITY_LABELS.values(), *JOINT_LABELS.values()]
    assert grid.index.tolist() == shown_rows
    rows = independent.result.rows()
    for row in rows:
        label = EXPECTED_CARDS[row["kpi"]][0]
        cell = grid.loc[shown_as[row["assumption"]], label]
        at_ends = {row["verdict_at_low"], row["verdict_at_high"]}
        if at_ends == {row["verdict_at_base"]}:
            assert cell == row["verdict_at_base"], (row, cell)
        else:
            assert cell == f"{row['verdict_at_low']} → {row['verdict_at_high']}", (row, cell)
    ranges = next(d.value for d in at.dataframe if "source" in d.value.columns
                  and "plausible range" in d.value.columns).set_index("assumption")
    assert ranges.index.tolist() == list(SENSITIVITY_LABELS.values())
    assert ranges["source"].tolist() == [
        independent.varied[n]["source"] for n in SENSITIVITY_ASSUMPTIONS]
    found = at.session_state[SENSITIVITY_KEY]
    assert found.to_json()["flips"] == independent.to_json()["flips"]
    csv = sensitivity_csv_table(found)
    assert len(csv) == len(rows) and set(csv["verdict_at_low"]) <= {"met", "uncertain", "not met"}


def test_unknown_key_is_an_error_not_a_traceback(project: Path) -> None:
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S).run(timeout=TIMEOUT_S)
    at.sidebar.multiselect(key="committee_files").set_value(["broken.toml"])
    at.sidebar.number_input(key="committee_replications").set_value(REPLICATIONS)
    at.sidebar.button(key="committee_run").click().run(timeout=TIMEOUT_S)

    assert not at.exception
    assert len(at.error) == 1
    assert "broken.toml" in at.error[0].value
    problems = at.dataframe[0].value
    assert list(problems.columns) == ["File or field", "Where", "Expected", "Found"]
    assert problems["Where"].tolist() == ["unknown_lever"]
    assert "no such field" in problems["Expected"].iloc[0]
    assert not at.metric


def test_sales_and_calls_are_shown_with_their_ci(
    ran: AppTest, expected: dict[str, SimulationRun]
) -> None:
    frame = next(d.value for d in ran.dataframe if "calls" in d.value.columns
                 and "scenario" in d.value.columns)
    assert frame["scenario"].tolist() == list(SCENARIOS)
    sales_column = next(c for c in frame.columns if c.startswith("credit sales over"))
    for _, row in frame.iterrows():
        sales = expected[row["scenario"]].payload["details"]["credit_sales_cny"]
        assert row[sales_column] == f"{sales['mean']:,.0f}"
        lo, hi = sales["ci95"]
        assert row["95% CI (CNY)"] == f"{lo:,.0f} – {hi:,.0f}"
        assert row["calls"] == "today's"  # neither shipped scenario plans calls


def test_a_planned_scenario_shows_its_call_plan() -> None:
    """A stored run of territory.allocation = "optimize" carries its plan: the view says how
    the calls were set beside the sales."""
    import pandas as pd

    from scenarios.compare import ScenarioResult
    from scenarios.result import RunResult
    from ui.committee_views import sales_view

    plan = {"status": "optimal", "gap": 0.0, "reps": 120, "reps_today": 150,
            "calls_planned": 18000, "calls_today": 17115.9, "uplift_share": 0.123}
    result = RunResult.from_json({
        "scenario": "s", "window": {"horizon_days": 365, "warmup_days": 90},
        "details": {"credit_sales_cny": {"mean": 2.5e9, "ci95": [2.4e9, 2.6e9],
                                         "p10": 2.45e9, "p90": 2.55e9}},
        "call_plan": plan})
    row = sales_view([ScenarioResult("s.toml", "s", "", result, pd.DataFrame(), {})]).iloc[0]
    assert row["credit sales over 275 days (CNY)"] == "2,500,000,000"
    assert row["95% CI (CNY)"] == "2,400,000,000 – 2,600,000,000"
    assert row["calls"] == "call plan (optimal, gap 0.00%)"
    assert row["reps"] == "120 (today 150)"
    assert row["calls a month"] == "18,000 (today 17,116)"
    assert row["sales uplift the curves expect"] == "+12.3%"
    assert row["academic meetings a month"] == "today's"  # the run plans none


def test_the_academic_specialists_plan_is_said_beside_the_sales() -> None:
    """A run under academic_specialist_for_core shows its meetings planned against today's,
    or why none were planned."""
    import pandas as pd

    from scenarios.compare import ScenarioResult
    from scenarios.result import RunResult
    from ui.committee_views import sales_view

    def row(meetings: dict):
        result = RunResult.from_json({"scenario": "s", "academic_meetings": meetings})
        return sales_view([ScenarioResult("s.toml", "s", "", result, pd.DataFrame(),
                                          {})]).iloc[0]["academic meetings a month"]

    assert row({"left_out": "", "meetings_planned_month": 19, "meetings_today_month": 39.75}
               ) == "19 planned (today 40), at the core accounts where they earn most"
    assert row({"left_out": "fewer than 30 academic meetings in the history (7)"}) == (
        "today's (not planned: fewer than 30 academic meetings in the history (7))")


def test_new_customers_are_judged_against_the_base_by_their_interval() -> None:
    """The change in new customers is the paired difference over the base's mean; +20% is
    reached only when the whole interval lies above it, missed when below, else uncertain."""
    import pandas as pd

    from scenarios.compare import ScenarioResult
    from scenarios.result import RunResult
    from ui.committee_views import sales_view

    def result(name: str, mean: float) -> ScenarioResult:
        doc = {"scenario": name, "window": {"horizon_days": 365, "warmup_days": 90},
               "details": {"new_customers_per_year": {"mean": mean, "ci95": [mean - 10,
                                                                            mean + 10]}}}
        return ScenarioResult(f"{name}.toml", name, "", RunResult.from_json(doc),
                              pd.DataFrame(), {})

    diffs = {"b": {"new_customers_per_year": {"mean": 50.0, "ci95": [30.0, 70.0]}},
             "c": {"new_customers_per_year": {"mean": 10.0, "ci95": [0.0, 15.0]}},
             "d": {"new_customers_per_year": {"mean": 25.0, "ci95": [10.0, 40.0]}}}
    view = sales_view([result("a", 100.0), result("b", 150.0), result("c", 110.0),
                       result("d", 125.0)], diffs).set_index("scenario")
    assert view.loc["a", "new customers a year"] == "100"
    assert view.loc["a", "new customers 95% CI"] == "90 – 110"
    assert view.loc["a", "target +20%"] == "—"
    assert view.loc["b", "new customers vs base (95% CI)"] == "+50% (+30% to +70%)"
    assert view.loc["b", "target +20%"] == "reached"
    assert view.loc["c", "target +20%"] == "not reached"
    assert view.loc["d", "target +20%"] == "uncertain"  # mean beyond, interval across


def _headers(frame) -> list[str]:
    """The column headers a table shows: its column config's label where it sets one."""
    config = json.loads(frame.proto.columns or "{}")
    labels = {key.removeprefix("name:"): c.get("label") for key, c in config.items()}
    return [labels.get(str(c)) or str(c) for c in frame.value.columns]


def test_the_page_in_chinese_after_a_run(project: Path) -> None:
    """The committee page in Chinese: the sidebar, the KPI cards with their verdict badges,
    every section and the tables' column headers speak Chinese, and no rendered text or
    column header is a catalogue text left in English."""
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    assert at.title[0].value == "项目委员会：情景"
    assert at.sidebar.button(key="committee_run").label == "运行"
    at.sidebar.number_input(key="committee_replications").set_value(REPLICATIONS)
    at.sidebar.number_input(key="committee_workers").set_value(1)
    until_done(at.sidebar.button(key="committee_run").click().run(timeout=TIMEOUT_S))
    assert not at.exception and not at.error
    sections = {h.value for h in at.subheader}
    assert {"关键指标对比", "订单在哪里等待：流程环节", "下载"} <= sections
    assert "与基准（baseline）的差异" in sections
    badges = " ".join(m.value for m in at.markdown)
    assert "达标概率" in badges
    assert any(word in badges for word in ("达标", "未达标", "不确定"))
    english = set(i18n.catalogue("zh_CN"))
    left = [t for t in page_texts(at) if t in english and len(t) > 3]
    headers = [shown for frame in at.dataframe for shown in _headers(frame)]
    left += [h for h in headers if h in english and len(h) > 3]
    assert not left, f"catalogue texts shown in English: {left}"
    assert {"关键指标", "差值", "是否更好？", "情景", "大区", "分级"} <= set(headers)
    # the assumptions by their Chinese names with units, their sources in Chinese
    assumptions = [d.value for d in at.dataframe if "合理区间" in d.value.columns]
    assert len(assumptions) == len(SCENARIOS)
    for table in assumptions:
        assert all(CHINESE.search(name) for name in table["假设"]), table["假设"].tolist()
        assert {"人员利用率（比例）", "资本成本（每年）"} <= set(table["假设"])
        assert "判断" in set(table["来源"])
        assert "《保障中小企业款项支付条例》（2025 年修订）：30 天，合同约定最长 60 天" in set(
            table["来源"])
    # the sensitivity's picker offers them by their Chinese names
    picker = at.multiselect(key="sensitivity_assumptions_plan.toml")
    assert picker.label == "要变动的假设"
    assert "合作物流商速度系数（比值）" in picker.options
    assert all(CHINESE.search(name) for name in picker.options), picker.options


def test_the_sensitivity_in_chinese(project: Path) -> None:
    """The sensitivity in Chinese: the grid's rows, the assumptions not varied and the ranges
    with their sources name the assumptions in Chinese; no catalogue text left in English."""
    at = AppTest.from_string(PAGE, default_timeout=TIMEOUT_S)
    at.session_state[i18n.KEY] = "zh_CN"
    at.run(timeout=TIMEOUT_S)
    at.sidebar.number_input(key="committee_workers").set_value(1)
    at.selectbox(key="sensitivity_file").set_value("plan.toml").run(timeout=TIMEOUT_S)
    at.multiselect(key="sensitivity_assumptions_plan.toml").set_value(
        ["tracking_visibility_complaint_reduction"])
    at.number_input(key="sensitivity_replications").set_value(REPLICATIONS)
    until_done(at.button(key="sensitivity_run").click().run(timeout=TIMEOUT_S),
               "sensitivity_job")
    assert not at.exception and not at.error
    grid = next(d.value for d in at.dataframe if "准时交付率" in d.value.columns)
    assert grid["假设"].tolist()[0] == "物流跟踪消除的可见性投诉（比例）"
    ranges = next(d.value for d in at.dataframe if "来源" in d.value.columns
                  and "合理区间" in d.value.columns)
    assert ranges["假设"].tolist() == ["物流跟踪消除的可见性投诉（比例）"]
    assert ranges["来源"].tolist() == [
        "DOMAIN.md，“其他地方观察到的效应大小”：公开（B2C）数据显示，物流跟踪可使“我的订单在哪里”"
        "类投诉减少 60-80%"]
    not_varied = next(c.value for c in at.caption if c.value.startswith("未变动"))
    assert "合作物流商速度系数（比值） (未选择)" in not_varied
    assert "partner_speed_factor" not in not_varied and "not asked for" not in not_varied
    english = set(i18n.catalogue("zh_CN"))
    left = [t for t in page_texts(at) if t in english and len(t) > 3]
    left += [h for frame in at.dataframe for h in _headers(frame) if h in english and len(h) > 3]
    assert not left, f"catalogue texts shown in English: {left}"
