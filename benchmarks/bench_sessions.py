"""Several people at once (issue: pages within 1 s while others simulate; downloads never
break because of another session).

Starts the app on the default data set with an empty run store, then three browser sessions:
two committee members each press **Run** on the committee page (baseline and plan, the given
replications, one worker), while a third moves between pages (Today, Supply chain, Committee)
and downloads the Today page's Excel workbook. Measures the third session's page changes
before the runs and while they run, each member's time from **Run** to the stored result, and
counts the server's "404" download errors. Prints the figures; docs/benchmarks.md keeps them.

    .venv/bin/python benchmarks/bench_sessions.py [--replications 3] [--rounds 6]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench_pages import PROJECT, _free_port, _idle
from bench_pages import _visit as _change
from playwright.sync_api import Browser, Page, sync_playwright

#: the pages the third session moves between
ROUND = ("", "supply-chain", "scenarios")


def _rounds(page: Page, url: str, rounds: int) -> list[float]:
    return [_change(page, f"{url}/{path}") for _ in range(rounds) for path in ROUND]


def _member(browser: Browser, url: str, replications: int, seed: int) -> tuple[Page, float]:
    """A committee member's page with baseline and plan queued (their own seed, so nothing
    is served from the other's runs); the time Run was pressed."""
    page = browser.new_page(viewport={"width": 1440, "height": 1000})
    page.goto(f"{url}/scenarios")
    page.get_by_text("Pick the scenarios in the sidebar").wait_for(timeout=300_000)
    sidebar = page.locator('[data-testid="stSidebar"]')
    for label, value in (("Replications", replications), ("Workers", 1), ("Seed", seed)):
        box = sidebar.get_by_label(label, exact=True)
        box.fill(str(value))
        box.press("Enter")
        _idle(page)
    start = time.perf_counter()
    sidebar.get_by_role("button", name="Run").click()
    return page, start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--replications", type=int, default=3)
    parser.add_argument("--rounds", type=int, default=4)
    args = parser.parse_args()
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    store = Path(tempfile.mkdtemp(prefix="bench_sessions_")) / "runs.sqlite"
    log = store.with_name("server.log")
    env = {**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           "PHARMAOPS_RUN_STORE": str(store)}
    with log.open("w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address",
             "127.0.0.1", "--server.port", str(port), "--server.headless", "true",
             "--browser.gatherUsageStats", "false"],
            cwd=PROJECT, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            watcher = browser.new_page(viewport={"width": 1440, "height": 1000})
            _rounds(watcher, url, 1)  # every page once: the caches of a first visit
            idle = _rounds(watcher, url, args.rounds)
            print(f"page change, nobody simulating: median {statistics.median(idle):.2f} s, "
                  f"worst {max(idle):.2f} s ({len(idle)} changes)", flush=True)
            members = [_member(browser, url, args.replications, seed) for seed in (101, 102)]
            busy, downloads = [], 0
            finished: dict[int, float] = {}
            while len(finished) < len(members):
                busy += _rounds(watcher, url, 1)
                _change(watcher, url)
                with watcher.expect_download(timeout=120_000) as got:
                    watcher.get_by_text("Download all KPI tables (Excel)").click()
                downloads += got.value.path().stat().st_size > 0
                for i, (page, start) in enumerate(members):
                    if i not in finished and page.get_by_text("Stored as run").count():
                        finished[i] = time.perf_counter() - start
            print(f"page change while two comparisons run or wait: median "
                  f"{statistics.median(busy):.2f} s, worst {max(busy):.2f} s "
                  f"({len(busy)} changes)")
            for i, seconds in sorted(finished.items()):
                print(f"member {i + 1}: Run to stored result {seconds:.0f} s "
                      f"({args.replications} replications × 2 scenarios; seen at the end of "
                      "the watcher's round)")
            print(f"downloads while they ran: {downloads} non-empty workbooks")
            browser.close()
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)
    errors = log.read_text(errors="replace").count("404")
    print(f"server log: {errors} lines with 404 ({log})")


if __name__ == "__main__":
    main()
