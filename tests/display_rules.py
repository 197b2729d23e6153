"""How the app must show each KPI, written out independently of the page code."""

from __future__ import annotations

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
