"""How fast the pages answer in a real browser (issue: first view <= 3 s, a widget <= 1 s).

Starts the app on the default data set on a free port, opens every page in Debian's Chromium
(Playwright) and measures the time from navigation to a page at rest (script finished, no
spinner): the first visit after the server started (cold: nothing cached) and later visits
(warm: the caches of the first), then a widget change on the Today page (the period). Prints
the medians; docs/benchmarks.md keeps the figures. ``--pages`` measures some pages only (in
the order given), ``--project`` runs the app of another checkout (a before/after comparison in
one sitting), ``--store`` points the run store (and the results kept beside it) elsewhere, e.g.
an empty folder for the very first visit of a new installation.

    .venv/bin/python benchmarks/bench_pages.py [--repeats 3] [--pages today credit]
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import Page, sync_playwright

PROJECT = Path(__file__).resolve().parents[1]
PAGES = ("", "channel", "scenarios", "scenario-editor", "supply-chain", "credit", "territory",
         "your-data")
IDLE_JS = """() => {
    const a = document.querySelector('[data-testid="stApp"]');
    return a && a.dataset.testConnectionState === 'CONNECTED'
        && a.dataset.testScriptState === 'notRunning'
        && !document.querySelector('[data-testid="stSpinner"]')
        && !document.querySelector('[data-testid="stSkeleton"]');
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _idle(page: Page) -> None:
    page.wait_for_timeout(300)  # let the rerun start
    page.wait_for_function(IDLE_JS, timeout=600_000)


def _visit(page: Page, url: str) -> float:
    start = time.perf_counter()
    page.goto(url)
    page.locator('[data-testid="stApp"]').wait_for()
    _idle(page)
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--pages", nargs="+", metavar="PAGE",
                        help="pages to measure ('today' for the first; default all)")
    parser.add_argument("--project", type=Path, default=PROJECT,
                        help="the checkout whose app is started (default this one)")
    parser.add_argument("--store", type=Path, help="run store file (default the project's)")
    args = parser.parse_args()
    pages = PAGES if not args.pages else tuple("" if p == "today" else p for p in args.pages)
    port = _free_port()
    url = f"http://127.0.0.1:{port}"
    env = {**os.environ, "STREAMLIT_SERVER_FILE_WATCHER_TYPE": "none",
           "PYTHONPATH": str(args.project)}  # that checkout's packages
    if args.store is not None:
        env["PHARMAOPS_RUN_STORE"] = str(args.store)
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.address", "127.0.0.1",
         "--server.port", str(port), "--server.headless", "true",
         "--browser.gatherUsageStats", "false"],
        cwd=args.project, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/_stcore/health", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium")
            rows = []
            for path in pages:
                page = browser.new_page(viewport={"width": 1440, "height": 1000})
                cold = _visit(page, f"{url}/{path}")
                warm = [_visit(page, f"{url}/{path}") for _ in range(args.repeats)]
                page.close()
                rows.append((path or "today", cold, statistics.median(warm)))
                print(f"{path or 'today':>16}: first {cold:6.1f} s, later (median of "
                      f"{args.repeats}) {statistics.median(warm):5.2f} s", flush=True)
            page = browser.new_page(viewport={"width": 1440, "height": 1000})
            _visit(page, url)
            box = page.get_by_label("Measurement period (days)", exact=True)
            reactions = []
            for value in (180, 365, 90, 365)[: max(2, args.repeats)]:
                start = time.perf_counter()
                box.fill(str(value))
                box.press("Enter")
                _idle(page)
                reactions.append(time.perf_counter() - start)
            print(f"Today, period changed: median {statistics.median(reactions):.2f} s "
                  f"({', '.join(f'{r:.2f}' for r in reactions)})")
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)


if __name__ == "__main__":
    main()
