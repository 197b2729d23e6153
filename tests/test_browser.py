"""Every page of the app in a real browser: ``streamlit run app.py`` as a subprocess on a free
port, driven by Playwright in Debian's Chromium (``/usr/bin/chromium``, installed by
``make browser``; Playwright never downloads a browser here).

On each page of the navigation the test runs the page's main action with the smallest
settings, waits until Streamlit has finished, checks that the key figures are shown and that
no exception or error box is, and saves a full-page screenshot to ``tests/artifacts/screens/``
(or ``$PHARMAOPS_SCREENSHOTS``). A navigation page without a check here fails the test, and a
missing Chromium fails it too (never a skip: a skip would hide the gap). docs/testing.md.
"""

from __future__ import annotations

import contextlib
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Locator, Page, Playwright, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from data.dataset import load_dataset
from data.history import DEFAULT_PERIOD_DAYS, measure_history
from scenarios.channel import channel_report
from scenarios.paths import shipped_scenario
from scenarios.store import RunStore
from tests.display_rules import EXPECTED_CARDS, shown

PROJECT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SCREENSHOTS = Path(os.environ.get("PHARMAOPS_SCREENSHOTS") or PROJECT / "tests/artifacts/screens")
SERVER_START_S = 90
#: the longest a page's action may take (a committee run is about 10 s on 2 cores)
ACTION_MS = 150_000
VIEWPORT = {"width": 1440, "height": 1000}
#: the committee's scenarios, shortened: 2 replications of 60 days (10 warm-up)
SCENARIOS = ("baseline", "plan")
HORIZON_DAYS, WARMUP_DAYS, REPLICATIONS = 60, 10, 2
NUMBER = re.compile(r"-?\d[\d,]*(\.\d+)?")
KPI_VALUE = re.compile(r"^\d+\.\d+(%| days)$")


# --------------------------------------------------------------------------- server
@dataclass(frozen=True)
class App:
    url: str
    dataset: Path
    run_store: Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _short_scenario(name: str, dataset: Path) -> str:
    """A shipped scenario pointed at ``dataset`` (absolute) with a short horizon."""
    text = shipped_scenario(name).read_text(encoding="utf-8")
    for pattern, value in (
        (r'^dataset = ".*"', f'dataset = "{dataset.as_posix()}"'),
        (r"^horizon_days = \d+", f"horizon_days = {HORIZON_DAYS}"),
        (r"^warmup_days = \d+", f"warmup_days = {WARMUP_DAYS}"),
    ):
        text, n = re.subn(pattern, value, text, count=1, flags=re.MULTILINE)
        assert n == 1, f"{name}.toml: {pattern}"
    return text


def _wait_healthy(proc: subprocess.Popen, url: str, log: Path) -> None:
    deadline = time.monotonic() + SERVER_START_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with {proc.returncode}:\n{log.read_text()[-3000:]}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass
        time.sleep(0.3)
    pytest.fail(f"streamlit did not answer within {SERVER_START_S} s:\n{log.read_text()[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """End the server's whole process group (it may have started simulation workers)."""
    if proc.poll() is None:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=10)
        except ProcessLookupError:
            pass
    with contextlib.suppress(ProcessLookupError):  # workers of a server that died alone
        os.killpg(proc.pid, signal.SIGKILL)


@pytest.fixture(scope="module")
def app(small_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[App]:
    """The app served on a free port, on the small data set, with short scenario copies and
    a temporary run store."""
    root = tmp_path_factory.mktemp("browser")
    scenarios = root / "scenarios"
    scenarios.mkdir()
    for name in SCENARIOS:
        (scenarios / f"{name}.toml").write_text(
            _short_scenario(name, small_dir.resolve()), encoding="utf-8"
        )
    store = root / "runs" / "store.sqlite"
    env = {
        **os.environ,
        "PHARMAOPS_DATASET": str(small_dir),
        "PHARMAOPS_RUN_STORE": str(store),
        "PHARMAOPS_SCENARIOS_DIR": str(scenarios),
        "PHARMAOPS_UPLOADS_DIR": str(root / "uploads"),
        "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
    }
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    log = root / "streamlit.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py",
             "--server.address", "127.0.0.1", "--server.port", str(port),
             "--server.headless", "true", "--browser.gatherUsageStats", "false"],
            cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
    try:
        _wait_healthy(proc, url, log)
        yield App(url, small_dir, store)
    finally:
        _stop(proc)
        print(f"\nstreamlit log: {log}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium")
    pw: Playwright = sync_playwright().start()
    try:
        b = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()
    finally:
        pw.stop()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


# --------------------------------------------------------------------------- helpers
def wait_idle(page: Page, timeout_ms: int = ACTION_MS) -> None:
    """Wait until Streamlit has finished: connected, script not running (so no "Running..."
    status widget), no spinner; a run that starts just after the action is waited for too."""
    app = page.locator('[data-testid="stApp"]')
    with contextlib.suppress(PlaywrightTimeout):  # the rerun may take a moment to start
        app.and_(page.locator('[data-test-script-state="running"]')).wait_for(timeout=1500)
    page.wait_for_function(
        """() => {
            const a = document.querySelector('[data-testid="stApp"]');
            return a && a.dataset.testConnectionState === 'CONNECTED'
                && a.dataset.testScriptState === 'notRunning'
                && !document.querySelector('[data-testid="stSpinner"]')
                && !document.querySelector('[data-testid="stSkeleton"]');
        }""",
        timeout=timeout_ms,
    )
    page.locator('[data-testid="stStatusWidget"]', has_text="Running").wait_for(
        state="hidden", timeout=timeout_ms
    )


def open_page(page: Page, app: App, url_path: str) -> None:
    page.goto(f"{app.url}/{url_path}")
    page.locator('[data-testid="stApp"]').wait_for()
    wait_idle(page)


def assert_no_errors(page: Page) -> None:
    exceptions = page.locator('[data-testid="stException"]')
    assert exceptions.count() == 0, exceptions.first.inner_text()
    errors = page.locator('[data-testid="stAlertContentError"]')
    assert errors.count() == 0, errors.first.inner_text()
    # the app opens no dialogs of its own; Streamlit's "Page not found" is one
    dialogs = page.get_by_role("dialog")
    assert dialogs.count() == 0, dialogs.first.inner_text()


def metrics(page: Page) -> dict[str, list[str]]:
    """Every st.metric on the page: label -> the values shown under it, in page order."""
    out: dict[str, list[str]] = {}
    for card in page.locator('[data-testid="stMetric"]').all():
        label = card.locator('[data-testid="stMetricLabel"]').inner_text().strip()
        value = card.locator('[data-testid="stMetricValue"]').inner_text().strip()
        out.setdefault(label, []).append(value)
    return out


def number(area: Locator, label: str, value: int) -> None:
    """Type ``value`` into the number input labelled ``label`` in ``area``."""
    box = area.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    wait_idle(area.page)
    assert box.input_value() == str(value), label


def heading(page: Page, text: str) -> None:
    page.get_by_role("heading", name=text, exact=True).first.wait_for()


def screenshot(page: Page, name: str) -> Path:
    """A full-page screenshot. Streamlit scrolls inside its main area, not the document, so
    the viewport is first made as tall as that area's content."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.mouse.move(VIEWPORT["width"] - 5, VIEWPORT["height"] - 5)  # no tooltip over the page
    height = page.evaluate(
        """() => Math.max(...[document.documentElement,
                             document.querySelector('[data-testid="stMain"]'),
                             document.querySelector('[data-testid="stMainBlockContainer"]')]
                             .filter(Boolean).map(e => e.scrollHeight))"""
    )
    page.set_viewport_size({"width": VIEWPORT["width"], "height": min(int(height) + 80, 16000)})
    page.wait_for_timeout(500)  # charts and the map re-layout to the new size
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(VIEWPORT)
    print(f"screenshot: {path}")
    return path


# --------------------------------------------------------------------------- pages
def check_today(page: Page, app: App) -> None:
    """KPIs are measured on load: the six cards show what measure_history measures."""
    heading(page, "Today")
    heading(page, "KPIs today vs the committee's targets")
    ds = load_dataset(app.dataset)
    kpis = measure_history(ds, period_days=DEFAULT_PERIOD_DAYS).kpis
    shown_cards = metrics(page)
    for name, (label, unit, decimals, _) in EXPECTED_CARDS.items():
        assert shown_cards.get(label) == [shown(kpis[name], unit, decimals)], label
    for table, rows in ds.counts().items():
        assert shown_cards[table.replace("_", " ")] == [f"{rows:,}"], table
    assert page.get_by_text(ds.fingerprint[:12]).count() >= 1
    assert page.locator('[data-testid="stDeckGlJsonChart"]').count() >= 1


def check_channel(page: Page, app: App) -> None:
    """The reconciliation is computed on load: the cards show what channel_report finds in
    the data set (it needs the data set's channel tables), with the findings, the stock
    chart, pure sales and stock days."""
    heading(page, "Channel stock")
    heading(page, "Findings")
    report = channel_report(load_dataset(app.dataset))
    recon = report.reconciliation
    cards = metrics(page)
    assert cards["Distributors"] == [f"{recon.distributors['distributor'].nunique():,}"]
    assert cards["Findings"] == [f"{len(recon.anomalies):,}"]
    for title in ("Stock per distributor", "Pure sales (sales to terminals)",
                  "Channel stock days", "Downloads"):
        heading(page, title)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2  # stock, region bars
    assert page.locator('[data-testid="stDataFrame"]').count() >= 3


def check_committee(page: Page, app: App) -> None:
    """Run baseline and plan with 2 replications as a job outside the app (the page polls
    it, showing its progress); both scenarios' KPI cards, the charts, the paired
    differences, and the runs stored in the run store."""
    heading(page, "Committee: scenarios")
    page.get_by_text("Pick the scenarios in the sidebar").wait_for()
    sidebar = page.locator('[data-testid="stSidebar"]')
    number(sidebar, "Replications", REPLICATIONS)
    number(sidebar, "Workers", 1)
    sidebar.get_by_role("button", name="Run").click()
    page.get_by_text("Stored as run").wait_for(timeout=ACTION_MS)
    wait_idle(page)
    for name in SCENARIOS:
        heading(page, name)
    heading(page, "KPIs side by side")
    heading(page, "Differences from the base (baseline)")
    # a loaded machine may still be drawing the cards (grey placeholders): wait for values
    page.wait_for_function(
        """n => [...document.querySelectorAll('[data-testid="stMetricValue"]')]
                 .filter(e => e.innerText.trim()).length >= n""",
        arg=6 * len(SCENARIOS), timeout=ACTION_MS)
    cards = metrics(page)
    for label, *_ in EXPECTED_CARDS.values():
        values = cards.get(label, [])
        assert len(values) == len(SCENARIOS), (label, values)
        assert all(KPI_VALUE.match(v) for v in values), (label, values)
    assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 7  # 6 KPIs + stages
    runs = RunStore(app.run_store).list_runs()
    sims = runs[runs["kind"] == "simulation"]
    assert sorted(sims["scenario_name"]) == sorted(SCENARIOS)
    for run_id in sims["run_id"]:
        assert page.get_by_text(run_id).count() >= 1, run_id


def check_supply_chain(page: Page, app: App) -> None:
    """One location solve on the page's defaults (90% of demand within 2 days, so forward
    sites are chosen): status, objective, map, tables and the stock plan of the chosen
    sites."""
    heading(page, "Supply chain")
    sidebar = page.locator('[data-testid="stSidebar"]')
    assert sidebar.get_by_label("D (days)").input_value() == "2.00"
    sidebar.get_by_role("button", name="Solve").click()
    wait_idle(page)
    heading(page, "Solution")
    cards = metrics(page)
    assert cards["Status"] == ["optimal (proven)"]
    assert NUMBER.fullmatch(cards["Objective (CNY/year)"][0]), cards["Objective (CNY/year)"]
    assert cards["Gap"][0].endswith("%"), cards["Gap"]
    for title in (
        "Map",
        "Cost components",
        "Coverage",
        "Chosen sites",
        "Stocking of the chosen forward sites",
        "Downloads",
    ):
        heading(page, title)
    assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 1
    assert page.get_by_text("No forward site is chosen").count() == 0
    # cost components, coverage, chosen sites, stocking
    assert page.locator('[data-testid="stDataFrame"]').count() == 4
    # the chosen network simulated against today's, with the fewest replications (2)
    main = page.locator('[data-testid="stMain"]')
    number(main, "Replications", 2)
    main.get_by_role("button", name="Simulate the chosen network").click()
    # a job of the shared queue: the page polls it and shows the check once it has finished
    page.locator('[data-testid="stMetricDelta"]', has_text="vs today").first.wait_for(
        timeout=ACTION_MS)
    wait_idle(page)
    cards = metrics(page)
    for label, unit in (
        ("On-time delivery", "%"),
        ("Remote-area delivery (days)", " days"),
        ("Complaints", "%"),
    ):
        value = cards[label][0]
        assert value.endswith(unit) and NUMBER.match(value), (label, value)
    deltas = page.locator('[data-testid="stMetricDelta"]')
    assert deltas.filter(has_text="vs today").count() == 3
    # a rate's change in percentage points, not "%"
    assert re.fullmatch(r"([+-]\d+\.\d pts|0) vs today",
                        deltas.filter(has_text="vs today").first.inner_text().strip())
    assert page.locator('[data-testid="stDataFrame"]').count() >= 5


def check_credit(page: Page, app: App) -> None:
    """Scores and tiers, one account's reasons, the terms model's answer (a proof, or the
    limit that cannot be met) on the shipped plan's limits, the reminder schedules and the
    collection worklist, each computed on its button when the first view says it is not."""
    del app
    heading(page, "Finance / credit")
    for title in ("Credit scores and tiers", "One account's score and its reasons",
                  "Payment terms per account (terms model)"):
        heading(page, title)
    cards = metrics(page)
    assert {"premium accounts", "ordinary accounts", "risk accounts"} <= set(cards)
    assert "score (points)" in cards
    # what is not computed yet says so, and its button computes it (then it is kept)
    main = page.locator('[data-testid="stMain"]')
    for button in ("Solve the terms model", "Compare the reminder schedules",
                   "Rank the worklist"):
        found = main.get_by_role("button", name=button, exact=True)
        if found.count():
            assert page.get_by_text("Not computed yet", exact=False).count() >= 1
            found.click()
            wait_idle(page)
    answer = page.get_by_text("Proven optimal").or_(
        page.get_by_text("No assignment meets the limits"))
    answer.first.wait_for()
    for title in ("Simulate this policy", "Collection worklist"):
        heading(page, title)
    cards = metrics(page)
    assert "accounts to contact" in cards
    assert any(label.startswith("DSO with automated reminders") for label in cards)


def check_territory(page: Page, app: App) -> None:
    """Tiers with their shares, doctor grades and the value grid, the reps behind their visit
    quota; one proposed alignment at the default balance (proof, km, a second map, the
    workbook); one call plan (proof, sales, the size curve and its workbook); what is not built
    yet is said, not shown as numbers."""
    del app
    heading(page, "Sales territory")
    for title in ("Customer tiers", "Territories today", "Proposed alignment", "Doctor grades",
                  "Value grid: potential × support", "Reps behind their visit quota",
                  "Academic specialists"):
        heading(page, title)
    cards = metrics(page)
    assert {"core accounts", "potential accounts", "basic accounts"} <= set(cards)
    assert "grade A doctors" in cards
    assert re.fullmatch(r"\d+ of \d+", cards["reps behind"][0]), cards.get("reps behind")
    page.get_by_text("is not built yet").wait_for()
    main = page.locator('[data-testid="stMain"]')
    main.get_by_role("button", name="Propose an alignment").click()
    wait_idle(page)
    cards = metrics(page)
    assert cards["status"] == ["optimal"], cards.get("status")
    for label in ("km to the reps' bases, today", "km to the reps' bases, proposed",
                  "lower bound: no balanced alignment has fewer"):
        value = cards[label][0]
        assert value.endswith(" km") and NUMBER.match(value), (label, value)
    assert page.locator('[data-testid="stDeckGlJsonChart"]').count() == 2  # today, proposed
    main.get_by_text("Download the proposed alignment (Excel)").wait_for()
    main.get_by_role("button", name="Plan calls").click()
    wait_idle(page)
    cards = metrics(page)
    assert cards["call plan status"] == ["optimal"], cards.get("call plan status")
    value = cards["sales a month, planned"][0]
    assert value.endswith(" CNY") and NUMBER.match(value), value
    # the small data set's 7 wins are too few for a win curve: said, not planned
    main.get_by_text("No prospect is planned on: fewer than 30 prospects won").wait_for()
    heading(page, "Sales-force size")
    main.get_by_text("Download the call plan and the size curve (Excel)").wait_for()


def check_scenario_editor(page: Page, app: App) -> None:
    """Edit the plan (the app's ordering share), save it with a note, run it as a job with 2
    replications: the progress ends in a stored run whose KPIs are shown."""
    heading(page, "Scenario editor")
    main = page.locator('[data-testid="stMain"]')
    main.get_by_text("Valid: 0 lever(s) changed").wait_for()
    main.get_by_text("Orders: channel, approval, stock visibility").click()
    number(main, "App channel share (0..1)", 1)  # the plan sets it (0.6): its box is ticked
    main.get_by_text("Valid: 1 lever(s) changed").wait_for()
    main.get_by_label("File name (without .toml)", exact=True).fill("whatif_all_app")
    main.get_by_label("Author", exact=True).fill("Sales operations")
    note = main.get_by_label("Assumptions note: what you changed and why", exact=True)
    note.fill("Every order by app.")
    note.press("Control+Enter")
    wait_idle(page)
    main.get_by_role("button", name="Save", exact=True).click()
    wait_idle(page)
    main.get_by_text("It is in the scenario book now").wait_for()
    number(main, "Replications", REPLICATIONS)
    number(main, "Worker processes", 1)
    main.get_by_role("button", name="Run and store").click()
    main.get_by_text("Done: run").wait_for(timeout=ACTION_MS)
    runs = RunStore(app.run_store).list_runs()
    assert (runs["scenario_name"] == "plan").any() and (runs["kind"] == "simulation").any()
    run_id = re.search(r"run (\S+) is stored", main.get_by_text("Done: run").inner_text())[1]
    assert run_id in set(runs["run_id"]), (run_id, runs["run_id"].tolist())
    main.locator('[data-testid="stDataFrame"]').first.wait_for()  # its KPIs


def check_your_data(page: Page, app: App) -> None:
    """Upload the template workbook as it is: checked valid, stored, used, then back to the
    default data set."""
    del app
    from data.upload_template import template_workbook

    heading(page, "Your data")
    heading(page, "Upload and check")
    main = page.locator('[data-testid="stMain"]')
    main.locator('input[type="file"]').set_input_files(files=[{
        "name": "template.xlsx", "buffer": template_workbook(),
        "mimeType": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}])
    wait_idle(page)
    main.get_by_role("button", name="Check", exact=True).click()
    wait_idle(page)
    main.get_by_text("Valid: 15 tables").wait_for(timeout=ACTION_MS)
    main.get_by_label("Name of the data set", exact=True).fill("template-example")
    main.get_by_label("Name of the data set", exact=True).press("Enter")
    wait_idle(page)
    main.get_by_role("button", name="Store and use this data set").click()
    wait_idle(page)
    main.get_by_text("Every page now starts with this data set").wait_for()
    main.get_by_role("button", name="Back to the default data set").click()
    wait_idle(page)


#: every page of the navigation: name -> (url path, title, check); a new page needs one here.
#: The default page is served at the root (Streamlit ignores its url_path).
PAGES: dict[str, tuple[str, str, Callable[[Page, App], None]]] = {
    "today": ("", "Today", check_today),
    "channel": ("channel", "Channel stock", check_channel),
    "scenarios": ("scenarios", "Committee: scenarios", check_committee),
    "supply-chain": ("supply-chain", "Supply chain", check_supply_chain),
    "territory": ("territory", "Sales territory", check_territory),
    "credit": ("credit", "Finance / credit", check_credit),
    "scenario-editor": ("scenario-editor", "Scenario editor", check_scenario_editor),
    "your-data": ("your-data", "Your data", check_your_data),
}


# --------------------------------------------------------------------------- tests
def test_navigation_lists_exactly_the_checked_pages(page: Page, app: App) -> None:
    """Every link of the sidebar navigation has a check below, and each link opens its page."""
    open_page(page, app, "")
    links = page.locator('[data-testid="stSidebarNavLink"]')
    hrefs = [links.nth(i).get_attribute("href") or "" for i in range(links.count())]
    paths = [h.removeprefix(app.url).strip("/") for h in hrefs]
    assert sorted(paths) == sorted(url for url, _, _ in PAGES.values()), hrefs
    titles = {url: title for url, title, _ in PAGES.values()}
    for i, path in enumerate(paths):
        links.nth(i).click()
        wait_idle(page)
        assert page.url.removeprefix(app.url).strip("/") == path
        heading(page, titles[path])
        assert_no_errors(page)


@pytest.mark.parametrize("name", list(PAGES))
def test_page_in_browser(page: Page, app: App, name: str) -> None:
    url_path, _, check = PAGES[name]
    open_page(page, app, url_path)
    assert_no_errors(page)
    try:
        check(page, app)
        wait_idle(page)
        assert_no_errors(page)
    finally:
        screenshot(page, name)


#: pages whose bodies speak Chinese, with their Chinese title and a section heading
CHINESE_PAGES = {"": ("今日概况", "当前 KPI 与委员会目标对比"),
                 "channel": ("渠道库存", "各经销商库存"),
                 "supply-chain": ("供应链", None),
                 "scenarios": ("项目委员会：情景", None),
                 "scenario-editor": ("情景编辑器", None),
                 "credit": ("财务 / 信用", "信用评分与等级"),
                 "territory": ("销售区域", "客户等级"),
                 "your-data": ("我的数据", "上传并检查")}


@pytest.mark.parametrize("url_path", list(CHINESE_PAGES))
def test_page_in_chinese_in_browser(page: Page, app: App, url_path: str) -> None:
    """Opened with ?lang=zh_CN the page, its navigation and the language switch speak
    Chinese, render the Chinese characters (the CJK font) and show no error."""
    title, section = CHINESE_PAGES[url_path]
    page.goto(f"{app.url}/{url_path}?lang=zh_CN")
    page.locator('[data-testid="stApp"]').wait_for()
    wait_idle(page)
    heading(page, title)
    if section is not None:
        heading(page, section)
    nav = page.locator('[data-testid="stSidebarNav"]').inner_text()
    assert "今日概况" in nav and "项目委员会：情景" in nav, nav
    assert_no_errors(page)
    screenshot(page, f"zh_{url_path or 'today'}")
