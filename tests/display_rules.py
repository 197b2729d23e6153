"""How the app must show each KPI, written out independently of the page code."""

from __future__ import annotations

import json

from streamlit.testing.v1 import AppTest

# The test's own display rules (label, unit, decimals, higher is better), written out in the tests
# rather than imported from ui/, so a formatting slip in the page cannot hide itself.
EXPECTED_CARDS = {
    "order_processing_days": ("Order processing", "days", 1, False),
    "on_time_rate": ("On-time delivery", "rate", 1, True),
    "dso_days": ("DSO", "days", 1, False),
    "bad_debt_rate": ("Bad-debt rate", "rate", 2, False),
    "remote_delivery_days": ("Remote-area delivery", "days", 1, False),
    "complaint_rate": ("Complaint rate", "rate", 1, False),
}


def shown(value: float, unit: str, decimals: int) -> str:
    return f"{100 * value:.{decimals}f}%" if unit == "rate" else f"{value:.{decimals}f} days"


def page_texts(at: AppTest) -> list[str]:
    """What a page shows as text: title, headers, captions, markdown, metric labels, tabs,
    buttons and widget labels."""
    out = [e.value for kind in ("title", "header", "subheader", "caption", "markdown",
                                "info", "warning") for e in at.get(kind)]
    out += [m.label for m in at.metric]
    out += [t.label for t in at.tabs]
    out += [b.label for b in at.get("download_button")]
    out += [w.label for kind in ("radio", "number_input", "text_input", "selectbox")
            for w in at.get(kind)]
    return out


def table_headers(at: AppTest) -> list[str]:
    """The column headers the page's tables show: a column's configured label where the
    page sets one, else its name; the index's name too where the table shows one."""
    out = []
    for frame in at.dataframe:
        config = json.loads(frame.proto.columns or "{}")
        labels = {key.removeprefix("name:"): c.get("label") for key, c in config.items()}
        out += [labels.get(str(c)) or str(c) for c in frame.value.columns]
        if isinstance(frame.value.index.name, str):
            out.append(frame.value.index.name)
    return out


def every_text(at: AppTest) -> list[str]:
    """:func:`page_texts` and the rest a page can show as text: success and error messages,
    metric deltas, sliders', toggles', date inputs', buttons', checkboxes', multiselects' and
    text areas' labels, radio options."""
    out = page_texts(at)
    out += [e.value for kind in ("success", "error") for e in at.get(kind)]
    out += [m.delta for m in at.metric if isinstance(m.delta, str)]
    out += [w.label for kind in ("slider", "toggle", "date_input", "button", "checkbox",
                                 "multiselect", "text_area")
            for w in at.get(kind)]
    out += [str(o) for r in at.radio for o in r.options]
    return out


def english_left(at: AppTest, catalogue: dict[str, str]) -> list[str]:
    """The texts and table headers a page shows that are catalogue texts left in English
    (``catalogue``: msgid → translation; texts of 3 characters or fewer, such as "DSO" or
    "KPI" in a cell, are not judged)."""
    english = set(catalogue)
    return [t for t in every_text(at) + table_headers(at) if t in english and len(t) > 3]
