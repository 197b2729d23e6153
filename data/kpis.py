"""KPI definitions: the one place where every KPI the product reports is computed.

The functions take tables in the shape of the data set's ``orders``, ``invoices`` and
``payments`` (see :mod:`data.tables`), so the analytics of history and the simulation's event
records (written in the same columns) are measured by the same code. Formulas and units are
documented in ``docs/kpis.md``. Times are in days (fractional where timestamps allow); money
in CNY; rates are shares in 0..1.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

#: the overall KPI names shared by history analytics, the simulation and the JSON contracts
KPI_NAMES = ("order_processing_days", "on_time_rate", "dso_days", "bad_debt_rate",
             "remote_delivery_days", "complaint_rate")
#: companions of the KPIs, as the contracts read them (docs/kpis.md): the carrier's transit to
#: remote areas beside order-to-delivery, the customer's prepayment wait shown on its own (it is
#: not in order processing), DSO on total sales beside DSO on credit sales
COMPANION_NAMES = ("remote_transit_days", "prepayment_wait_days", "dso_total_days")
#: everything the KPI tables report under a KPI heading
REPORTED_NAMES = KPI_NAMES + COMPANION_NAMES
AGING_BUCKETS = (("0-30", 0, 30), ("31-60", 31, 60), ("61-90", 61, 90), ("91-180", 91, 180),
                 (">180", 181, None))
_DAY = pd.Timedelta(days=1)


@dataclass(frozen=True)
class Window:
    """Measurement period: whole days ``start`` .. ``end`` inclusive."""

    start: pd.Timestamp
    end: pd.Timestamp

    @classmethod
    def ending(cls, end: pd.Timestamp, days: int) -> Window:
        end = pd.Timestamp(end).normalize()
        return cls(end - pd.Timedelta(days=days - 1), end)

    @property
    def days(self) -> int:
        return int((self.end - self.start) / _DAY) + 1

    def contains(self, times: pd.Series) -> pd.Series:
        """True where ``times`` falls on a day of the window (NaT -> False)."""
        day = times.dt.normalize()
        return (day >= self.start) & (day <= self.end)


def _days(later: pd.Series, earlier: pd.Series) -> pd.Series:
    return (later - earlier) / _DAY


# --------------------------------------------------------------------------- orders
def prepayment_wait_days(orders: pd.DataFrame) -> pd.Series:
    """Days each shipped order waited for the customer's payment before picking (0 when it
    did not; a history without the column had none)."""
    shipped = orders["shipped_at"].notna()
    if "prepayment_wait_days" not in orders:
        return pd.Series(0.0, index=orders.index[shipped])
    return orders.loc[shipped, "prepayment_wait_days"].fillna(0.0).astype(float)


def order_processing_days(orders: pd.DataFrame) -> pd.Series:
    """Days from placed to shipped, without the customer's prepayment wait (the company's
    processing; the wait is :func:`prepayment_wait_days`), for orders that have shipped."""
    shipped = orders["shipped_at"].notna()
    days = _days(orders.loc[shipped, "shipped_at"], orders.loc[shipped, "placed_at"])
    return days - prepayment_wait_days(orders)


def transit_days(orders: pd.DataFrame) -> pd.Series:
    """Days from shipped to delivered (the carrier's part), for delivered orders."""
    done = orders["delivered_at"].notna() & orders["shipped_at"].notna()
    return _days(orders.loc[done, "delivered_at"], orders.loc[done, "shipped_at"])


def on_time_flags(orders: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """On time (delivered on or before the promised day) for orders whose promise has come due
    by ``as_of``; an order still undelivered after its promised day counts as late."""
    due = orders["promised_date"] <= pd.Timestamp(as_of).normalize()
    delivered_day = orders.loc[due, "delivered_at"].dt.normalize()
    return (delivered_day.notna() & (delivered_day <= orders.loc[due, "promised_date"])).astype(
        bool)


def delivery_days(orders: pd.DataFrame) -> pd.Series:
    """Days from placed to delivered, without the customer's prepayment wait (as processing),
    for delivered orders."""
    done = orders["delivered_at"].notna()
    days = _days(orders.loc[done, "delivered_at"], orders.loc[done, "placed_at"])
    return days - prepayment_wait_days(orders).reindex(days.index, fill_value=0.0)


def order_kpis(orders: pd.DataFrame, remote: pd.Series, as_of: pd.Timestamp) -> dict[str, float]:
    """Order KPIs over ``orders`` (already restricted to a period); ``remote`` aligned on rows."""
    processing = order_processing_days(orders)
    delivered = orders["delivered_at"].notna()
    lead = delivery_days(orders)
    remote_lead = lead[remote.loc[lead.index].to_numpy(dtype=bool)]
    transit = transit_days(orders)
    remote_transit = transit[remote.loc[transit.index].to_numpy(dtype=bool)]
    on_time = on_time_flags(orders, as_of)
    return {
        "orders": float(len(orders)),
        "order_processing_days": _mean(processing),
        "order_processing_p90_days": float(processing.quantile(0.9)) if len(processing) else
        float("nan"),
        "on_time_rate": _mean(on_time),
        "remote_delivery_days": _mean(remote_lead),
        "remote_transit_days": _mean(remote_transit),
        "prepayment_wait_days": _mean(prepayment_wait_days(orders)),
        "complaint_rate": _mean(orders.loc[delivered, "complaint"].astype(float)),
    }


def _mean(values: pd.Series) -> float:
    return float(values.astype(float).mean()) if len(values) else float("nan")


# --------------------------------------------------------------------------- receivables
@dataclass(frozen=True)
class Ledger:
    """Invoices and payments as aligned arrays (days as ``datetime64[D]``), built once.

    ``pay_invoice`` holds, for each payment, the position of its invoice.
    """

    invoice_day: np.ndarray
    amount: np.ndarray
    write_off_day: np.ndarray
    write_off: np.ndarray
    pay_invoice: np.ndarray
    pay_day: np.ndarray
    pay_amount: np.ndarray
    #: sales paid before delivery (no invoice receivable): day and amount, CNY
    cash_day: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype="datetime64[D]"))
    cash_amount: np.ndarray = field(default_factory=lambda: np.zeros(0))

    @classmethod
    def from_tables(cls, invoices: pd.DataFrame, payments: pd.DataFrame) -> Ledger:
        pos = pd.Index(invoices["invoice_id"].astype(object)).get_indexer(
            payments["invoice_id"].astype(object))
        known = pos >= 0  # a payment of an unknown invoice cannot reduce any receivable
        return cls(
            invoice_day=invoices["invoice_date"].to_numpy(dtype="datetime64[D]"),
            amount=invoices["amount_cny"].to_numpy(dtype=float),
            write_off_day=invoices["write_off_date"].to_numpy(dtype="datetime64[D]"),
            write_off=invoices["write_off_cny"].to_numpy(dtype=float),
            pay_invoice=pos[known],
            pay_day=payments["paid_date"].to_numpy(dtype="datetime64[D]")[known],
            pay_amount=payments["amount_cny"].to_numpy(dtype=float)[known],
        )

    def subset(self, mask: np.ndarray, cash_mask: np.ndarray | None = None) -> Ledger:
        """The invoices where ``mask`` is true, with their payments, and the cash sales where
        ``cash_mask`` is (none without it)."""
        new_pos = np.cumsum(mask) - 1
        keep = mask[self.pay_invoice]
        cash = np.zeros(len(self.cash_amount), dtype=bool) if cash_mask is None else cash_mask
        return Ledger(self.invoice_day[mask], self.amount[mask], self.write_off_day[mask],
                      self.write_off[mask], new_pos[self.pay_invoice[keep]],
                      self.pay_day[keep], self.pay_amount[keep], self.cash_day[cash],
                      self.cash_amount[cash])


def _day(t: pd.Timestamp) -> np.datetime64:
    return np.datetime64(pd.Timestamp(t).normalize().date(), "D")


def _in(days: np.ndarray, window: Window) -> np.ndarray:
    return (days >= _day(window.start)) & (days <= _day(window.end))


def outstanding(ledger: Ledger, at: pd.Timestamp) -> np.ndarray:
    """Open amount (CNY) of each invoice at the end of day ``at``, after payments and
    write-offs dated on or before ``at``; 0 for invoices issued later."""
    at_day = _day(at)
    paid_by = ledger.pay_day <= at_day
    paid = np.bincount(ledger.pay_invoice[paid_by], weights=ledger.pay_amount[paid_by],
                       minlength=len(ledger.amount))
    written = np.where(ledger.write_off_day <= at_day, ledger.write_off, 0.0)
    open_amount = np.clip(ledger.amount - paid - written, 0.0, None)
    return np.where(ledger.invoice_day <= at_day, open_amount, 0.0)


def credit_sales(ledger: Ledger, window: Window) -> float:
    """Invoiced amount (CNY) dated within ``window``."""
    return float(ledger.amount[_in(ledger.invoice_day, window)].sum())


def dso_days(ledger: Ledger, as_of: pd.Timestamp, period_days: int = 90) -> float:
    """Standard DSO: receivables at ``as_of`` / credit sales of the last ``period_days`` days ×
    ``period_days``."""
    sales = credit_sales(ledger, Window.ending(as_of, period_days))
    receivable = float(outstanding(ledger, as_of).sum())
    return receivable / sales * period_days if sales > 0 else float("nan")


def dso_total_days(ledger: Ledger, as_of: pd.Timestamp, period_days: int = 90) -> float:
    """DSO on total sales: receivables at ``as_of`` / (credit + cash sales of the last
    ``period_days`` days) × ``period_days``; equals :func:`dso_days` without cash sales."""
    window = Window.ending(as_of, period_days)
    sales = credit_sales(ledger, window) + float(
        ledger.cash_amount[_in(ledger.cash_day, window)].sum())
    receivable = float(outstanding(ledger, as_of).sum())
    return receivable / sales * period_days if sales > 0 else float("nan")


def dso_countback_days(ledger: Ledger, as_of: pd.Timestamp) -> float:
    """Countback DSO: walk back month by month from ``as_of`` (the current month counted to
    ``as_of``), taking each month's credit sales off the receivables; whole months count their
    days, the last one its share. NaN if the history is too short to absorb the receivables."""
    as_of = pd.Timestamp(as_of).normalize()
    left = float(outstanding(ledger, as_of).sum())
    total = 0.0
    end = as_of
    first = ledger.invoice_day.min() if len(ledger.invoice_day) else None
    while left > 1e-9 and first is not None and _day(end) >= first:
        start = end.replace(day=1)
        month = Window(start, end)
        sales = credit_sales(ledger, month)
        if sales >= left:
            return total + left / sales * month.days
        total += month.days
        left -= sales
        end = start - _DAY
    return total if left <= 1e-9 else float("nan")


def average_collection_days(ledger: Ledger, window: Window) -> float:
    """Payment-weighted mean days from invoice date to payment, over payments in ``window``."""
    inside = _in(ledger.pay_day, window)
    weight = ledger.pay_amount[inside]
    if weight.sum() <= 0:
        return float("nan")
    days = (ledger.pay_day[inside] - ledger.invoice_day[ledger.pay_invoice[inside]]).astype(
        "timedelta64[D]").astype(float)
    return float((days * weight).sum() / weight.sum())


def aging(ledger: Ledger, as_of: pd.Timestamp) -> dict[str, float]:
    """Open receivables (CNY) at ``as_of`` by days since invoice date."""
    open_amount = outstanding(ledger, as_of)
    age = (_day(as_of) - ledger.invoice_day).astype("timedelta64[D]").astype(float)
    out = {}
    for label, lo, hi in AGING_BUCKETS:
        mask = (age >= lo) & ((age <= hi) if hi is not None else True)
        out[label] = float(open_amount[mask].sum())
    return out


def bad_debt_rate(ledger: Ledger, window: Window) -> float:
    """Amount written off within ``window`` / credit sales within ``window``."""
    sales = credit_sales(ledger, window)
    written = ledger.write_off[_in(ledger.write_off_day, window)].sum()
    return float(written) / sales if sales > 0 else float("nan")


def ledger_kpis(ledger: Ledger, window: Window, dso_period_days: int = 90) -> dict[str, float]:
    """Receivables KPIs at the end of ``window``."""
    return {
        "credit_sales_cny": credit_sales(ledger, window),
        "receivables_cny": float(outstanding(ledger, window.end).sum()),
        "dso_days": dso_days(ledger, window.end, dso_period_days),
        "dso_total_days": dso_total_days(ledger, window.end, dso_period_days),
        "dso_countback_days": dso_countback_days(ledger, window.end),
        "average_collection_days": average_collection_days(ledger, window),
        "bad_debt_rate": bad_debt_rate(ledger, window),
    }


# --------------------------------------------------------------------------- selling expenses
def month_shares(months: pd.Series, window: Window) -> np.ndarray:
    """Share (0..1) of each month's days (``months``: first days) inside ``window``."""
    start = pd.DatetimeIndex(months).to_period("M").to_timestamp()
    stop = start + pd.offsets.MonthEnd(0)
    first = np.maximum(start.to_numpy(), np.datetime64(window.start, "ns"))
    last = np.minimum(stop.to_numpy(), np.datetime64(window.end, "ns"))
    inside = ((last - first) / np.timedelta64(1, "D")).astype(float) + 1.0
    return np.clip(inside, 0.0, None) / np.asarray(start.days_in_month, dtype=float)


def selling_expenses_cny(expenses: pd.DataFrame, window: Window) -> float:
    """Selling expenses (CNY) of ``window``: each month's ``amount_cny`` times the share of
    its days inside the window (a table in the shape of ``selling_expenses``)."""
    share = month_shares(expenses["month"], window)
    return float((expenses["amount_cny"].to_numpy(dtype=float) * share).sum())


def selling_expense_ratio(expenses: pd.DataFrame | None, ledger: Ledger,
                          window: Window) -> float:
    """Selling expenses / credit sales of the same ``window`` (share 0..1); NaN when the
    expenses are not known (``None``) or nothing was invoiced."""
    sales = credit_sales(ledger, window)
    if expenses is None or sales <= 0:
        return float("nan")
    return selling_expenses_cny(expenses, window) / sales


def new_customers(terminals: pd.DataFrame, window: Window) -> float:
    """Terminals won within ``window`` (their ``won_date``: the month they first bought our
    products); NaN when the terminals carry no ``won_date``."""
    if "won_date" not in terminals:
        return float("nan")
    won = terminals["won_date"].dropna()
    return float(((won >= window.start) & (won <= window.end)).sum())
