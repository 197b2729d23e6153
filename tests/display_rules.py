"""How the app must show each KPI, written out independently of the page code."""

from __future__ import annotations

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
