"""How many replications a stated precision needs: the committee states the half-width of
the 95% confidence interval it wants for a KPI (days, or percentage points for a rate) and
the page answers per scenario from the replications' spread
(``simulation.summary.replications_for_precision``, Law 2015 §9.4.1)."""

from __future__ import annotations

import math

import pandas as pd
import streamlit as st

from data.kpis import KPI_NAMES
from scenarios.compare import Comparison
from simulation.summary import replications_for_precision
from ui.committee_views import replications_text
from ui.common import MEASURES
from ui.i18n import _


def precision_view(res: Comparison, name: str, half_width: float) -> pd.DataFrame:
    """Per scenario: the replications run, today's half-width and the replications that
    would give ``half_width`` (in the KPI's own unit: days, or a share for rates)."""
    rate = MEASURES[name].unit == "rate"
    scale, unit = (100.0, _("pts")) if rate else (1.0, _("days"))
    rows = []
    for r in res.results:
        values = r.per_replication[name].dropna().to_numpy(dtype=float)
        sd = float(values.std(ddof=1)) if len(values) >= 2 else math.nan
        ci = r.result.kpis[name].ci95
        now = (ci[1] - ci[0]) / 2 if all(map(math.isfinite, ci)) else math.nan
        needed = None if not math.isfinite(sd) else replications_for_precision(sd, half_width)
        rows.append({
            _("scenario"): r.label,
            _("replications run"): f"{len(values):,}",
            _("95% CI half-width now"): "—" if not math.isfinite(now)
            else f"± {scale * now:.2f} {unit}",
            _("replications for ± {width} {unit}").format(
                width=f"{scale * half_width:g}", unit=unit): _("run at least 2 first")
            if needed is None else replications_text(needed),
        })
    return pd.DataFrame(rows)


def precision_section(res: Comparison) -> None:
    with st.expander(_("Replications for a stated precision")):
        st.caption(_("State how precise a KPI must be (the half-width of its 95% confidence "
                     "interval); the spread of the replications run says how many give it."))
        cols = st.columns(2)
        labels = {k: MEASURES[k].label for k in KPI_NAMES}  # translated before the widget
        name = cols[0].selectbox(_("KPI"), list(KPI_NAMES), key="precision_kpi",
                                 format_func=labels.__getitem__)
        rate = MEASURES[name].unit == "rate"
        width = cols[1].number_input(
            _("Half-width (percentage points)") if rate else _("Half-width (days)"),
            min_value=0.01, max_value=100.0, value=0.5 if rate else 1.0, step=0.1,
            key=f"precision_width_{name}")
        half = float(width) / 100 if rate else float(width)
        st.dataframe(precision_view(res, name, half), hide_index=True)
