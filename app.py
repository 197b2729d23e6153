"""PharmaOps Streamlit app: routes only. Run with ``streamlit run app.py``."""

from __future__ import annotations

import importlib
from collections.abc import Callable

import streamlit as st

from ui.i18n import _, language_switch
from ui.page_index import SECTIONS, TODAY, PageEntry, warm_up


def _render(entry: PageEntry) -> Callable[[], None]:
    """The page's render function, its module imported on first use."""
    def render() -> None:
        importlib.import_module(entry.module).render()
    # Streamlit tells pages apart by the callable's name when no address is given
    render.__name__ = entry.module.rsplit(".", 1)[-1]
    return render


st.set_page_config(page_title="PharmaOps", layout="wide")
# before the pages: every title below and every page reads the language chosen here
language_switch()

pages = {
    _(section): [
        # the default page is served at "/" (Streamlit ignores a url_path on it)
        st.Page(_render(entry), title=_(entry.title), icon=entry.icon, default=True)
        if entry is TODAY else
        st.Page(_render(entry), title=_(entry.title), icon=entry.icon, url_path=entry.url_path)
        for entry in entries
    ]
    for section, entries in SECTIONS.items()
}
st.navigation(pages).run()
# after the page: the other pages' libraries load while the first is read
warm_up()
