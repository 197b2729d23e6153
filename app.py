"""PharmaOps Streamlit app: routes only. Run with ``streamlit run app.py``."""

from __future__ import annotations

import streamlit as st

from ui import (
    channel,
    committee,
    finance,
    overview,
    scenario_editor,
    supply_chain,
    territory,
    upload,
)
from ui.i18n import _, language_switch

st.set_page_config(page_title="PharmaOps", layout="wide")
# before the pages: every title below and every page reads the language chosen here
language_switch()

today = st.Page(
    # the default page is served at "/" (Streamlit ignores a url_path on it)
    overview.render, title=_(overview.TITLE), icon=":material/monitoring:", default=True
)
channel_stock = st.Page(
    channel.render, title=_(channel.TITLE), icon=channel.ICON, url_path=channel.URL_PATH
)
scenarios = st.Page(
    committee.render, title=_(committee.TITLE), icon=committee.ICON, url_path=committee.URL_PATH
)
supply = st.Page(
    supply_chain.render,
    title=_(supply_chain.TITLE),
    icon=supply_chain.ICON,
    url_path=supply_chain.URL_PATH,
)
credit = st.Page(
    finance.render, title=_(finance.TITLE), icon=finance.ICON, url_path=finance.URL_PATH
)
editor = st.Page(
    scenario_editor.render,
    title=_(scenario_editor.TITLE),
    icon=scenario_editor.ICON,
    url_path=scenario_editor.URL_PATH,
)
sales = st.Page(
    territory.render, title=_(territory.TITLE), icon=territory.ICON, url_path=territory.URL_PATH
)
your_data = st.Page(upload.render, title=_(upload.TITLE), icon=upload.ICON,
                    url_path=upload.URL_PATH)

st.navigation(
    {
        _("Measure"): [today, channel_stock],
        _("Decide"): [scenarios, editor, supply, credit, sales],
        _("Data"): [your_data],
    }
).run()
