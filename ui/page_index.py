"""Every page's module, title, icon and address, known without importing the pages.

A page's module loads its models' libraries (scikit-learn, HiGHS, SimPy …); the app imports
the page shown first by itself and the others in the background after it (:func:`warm_up`),
so the first view of one page does not pay for all."""

from __future__ import annotations

import contextlib
import importlib
import threading
from typing import NamedTuple

from ui.i18n import N_


class PageEntry(NamedTuple):
    title: str       # catalogue key, translated when shown
    icon: str
    url_path: str    # "" for the default page, served at "/"
    module: str      # imported on the page's first visit


TODAY = PageEntry(N_("Today"), ":material/monitoring:", "", "ui.overview")
CHANNEL = PageEntry(N_("Channel stock"), ":material/inventory_2:", "channel", "ui.channel")
COMMITTEE = PageEntry(N_("Committee: scenarios"), ":material/compare_arrows:", "scenarios",
                      "ui.committee")
EDITOR = PageEntry(N_("Scenario editor"), ":material/edit_note:", "scenario-editor",
                   "ui.scenario_editor")
SUPPLY_CHAIN = PageEntry(N_("Supply chain"), ":material/warehouse:", "supply-chain",
                         "ui.supply_chain")
FINANCE = PageEntry(N_("Finance / credit"), ":material/account_balance:", "credit", "ui.finance")
TERRITORY = PageEntry(N_("Sales territory"), ":material/groups:", "territory", "ui.territory")
UPLOAD = PageEntry(N_("Your data"), ":material/upload_file:", "your-data", "ui.upload")

#: the navigation's sections and their pages, in order
SECTIONS: dict[str, tuple[PageEntry, ...]] = {
    N_("Measure"): (TODAY, CHANNEL),
    N_("Decide"): (COMMITTEE, EDITOR, SUPPLY_CHAIN, FINANCE, TERRITORY),
    N_("Data"): (UPLOAD,),
}

_warming = threading.Event()


def warm_up() -> None:
    """Import every page's module in a background thread, once per server process: the first
    page shown does not wait for them, and another page's first visit finds them imported."""
    if _warming.is_set():
        return
    _warming.set()

    def imports() -> None:
        for entries in SECTIONS.values():
            for entry in entries:
                # a module that fails to import is the page's own visit's error to show
                with contextlib.suppress(Exception):
                    importlib.import_module(entry.module)

    threading.Thread(target=imports, name="pharmaops-page-imports", daemon=True).start()
