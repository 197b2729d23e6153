"""Response of sales to calls estimated from a data set (docs/territory.md, "Response
curves"): the calls in the CRM's visits against what each account sold month by month.

A terminal's sales are its flow data (units at our list price), not our invoices: a
distributor's stocking smooths its orders. Months the flow data cannot be trusted are left
out: a distributor month without one flow row (a missing report), and every terminal month
that got flows of a distributor × product × month the channel reconciliation found oversold
(sales reported beyond what the distributor had), and a terminal's months before it was won.
An account sold to direct sells what it orders. Only complete months of the history count.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.dataset_memo import per_dataset
from data.tables import DISTRIBUTOR_TYPES
from models.territory.response import C_BOUNDS, SegmentResponse, fit_segment_response

PANEL_COLUMNS = ("account_id", "account_type", "month", "calls", "sales_cny",
                 "potential_cny")
#: fewest accounts for a segment's curve to be estimated
MIN_ACCOUNTS = 20


def _months(ds: Dataset) -> pd.DatetimeIndex:
    """The complete calendar months of the history."""
    start = pd.Timestamp(str(ds.meta.get("history_start") or ds["orders"]["placed_at"].min()))
    first = start if start.day == 1 else (start + pd.offsets.MonthBegin(1))
    last = (ds.as_of + pd.Timedelta(days=1)).to_period("M").start_time
    return pd.date_range(first.normalize(), last - pd.offsets.MonthBegin(1), freq="MS")


def _terminal_sales(ds: Dataset, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Terminal × month sales at list price (CNY), with the months not to trust dropped."""
    from scenarios.channel import channel_reconciliation

    flows = ds["flows"]
    price = ds["products"].set_index("product_id")["unit_price_cny"]
    flows = flows.assign(sales_cny=flows["quantity"] * flows["product_id"].map(price).to_numpy())
    recon = channel_reconciliation(ds)
    bad = recon.anomalies[recon.anomalies["kind"] == "oversold"]
    key = ["distributor_id", "product_id", "month"]
    flagged = flows[key].merge(bad.rename(columns={"distributor": "distributor_id",
                                                   "product": "product_id"})[key],
                               on=key, how="left", indicator=True)["_merge"].eq("both")
    drop = flows.loc[flagged.to_numpy(), ["terminal_id", "month"]].drop_duplicates()
    sold = flows.groupby(["terminal_id", "month"])["sales_cny"].sum()
    terminals = ds["terminals"]
    grid = pd.MultiIndex.from_product([terminals["terminal_id"], months],
                                      names=["terminal_id", "month"])
    out = sold.reindex(grid, fill_value=0.0).reset_index()
    # a distributor month without one flow row is a missing report, not zero sales
    reported = flows[["distributor_id", "month"]].drop_duplicates().assign(reported=True)
    out["distributor_id"] = out["terminal_id"].map(
        terminals.set_index("terminal_id")["distributor_id"])
    out = out.merge(reported, on=["distributor_id", "month"], how="left")
    out = out[out["reported"].eq(True).to_numpy()]
    out = out.merge(drop.assign(flagged=True), on=["terminal_id", "month"], how="left")
    # a terminal won during the history was a prospect before (its calls won it, sold nothing)
    if "won_date" in terminals:
        won = out["terminal_id"].map(terminals.set_index("terminal_id")["won_date"])
        out = out[~(out["month"] < won).to_numpy()]
    return out[~out["flagged"].eq(True).to_numpy()][["terminal_id", "month", "sales_cny"]]


def _direct_sales(ds: Dataset, months: pd.DatetimeIndex) -> pd.DataFrame:
    """Direct account × month orders (CNY), from the month after the relationship began."""
    customers = ds["customers"]
    direct = customers[~customers["customer_type"].isin(DISTRIBUTOR_TYPES)]
    orders = ds["orders"][["order_id", "customer_id", "placed_at"]]
    amount = ds["order_lines"].groupby("order_id")["amount_cny"].sum()
    orders = orders.assign(amount_cny=orders["order_id"].map(amount).fillna(0.0).to_numpy(),
                           month=orders["placed_at"].dt.to_period("M").dt.start_time)
    sold = orders.groupby(["customer_id", "month"])["amount_cny"].sum()
    grid = pd.MultiIndex.from_product([direct["customer_id"], months],
                                      names=["customer_id", "month"])
    out = sold.reindex(grid, fill_value=0.0).reset_index()
    began = out["customer_id"].map(direct.set_index("customer_id")["relationship_start"])
    out = out[(out["month"] > began).to_numpy()]
    return out.rename(columns={"amount_cny": "sales_cny"})


@per_dataset
def call_panel(ds: Dataset) -> pd.DataFrame:
    """One row per account and trusted complete month: :data:`PANEL_COLUMNS` (calls made,
    sales in CNY at list price, the account's potential per month in CNY)."""
    months = _months(ds)
    visits = ds["visits"]
    calls = visits[visits["kind"] == "call"]
    calls = calls.groupby([calls["account_id"],
                           calls["date"].dt.to_period("M").dt.start_time.rename("month")]
                          ).size().rename("calls")
    terminals, customers = ds["terminals"], ds["customers"]
    kind = pd.concat([terminals.set_index("terminal_id")["terminal_type"],
                      customers.set_index("customer_id")["customer_type"]])
    potential = pd.concat([terminals.set_index("terminal_id")["annual_potential_cny"],
                           customers.set_index("customer_id")["annual_potential_cny"]]) / 12.0
    parts = [_terminal_sales(ds, months).rename(columns={"terminal_id": "account_id"}),
             _direct_sales(ds, months).rename(columns={"customer_id": "account_id"})]
    panel = pd.concat(parts, ignore_index=True)
    panel = panel.join(calls, on=["account_id", "month"])
    panel["calls"] = panel["calls"].fillna(0).astype(np.int64)
    panel["account_type"] = panel["account_id"].map(kind).to_numpy()
    panel["potential_cny"] = panel["account_id"].map(potential).to_numpy()
    panel = panel[(panel["potential_cny"] > 0).to_numpy()]
    return panel[list(PANEL_COLUMNS)].reset_index(drop=True)


def estimate_responses(panel: pd.DataFrame) -> dict[str, SegmentResponse]:
    """Each account type's response (segments with at least :data:`MIN_ACCOUNTS` accounts)."""
    out = {}
    for segment, rows in panel.groupby("account_type", sort=True):
        if rows["account_id"].nunique() < MIN_ACCOUNTS:
            continue
        out[str(segment)] = fit_segment_response(
            rows["calls"].to_numpy(), (rows["sales_cny"] / rows["potential_cny"]).to_numpy(),
            rows["month"].dt.month.to_numpy(), rows["account_id"].to_numpy())
    return out


def unusable(est: SegmentResponse) -> str:
    """Why a segment's curve is too uncertain to plan on ("" when it is usable): its shape at
    a bound of the fit (the data do not pin it down), or a saturation level less certain than
    its own size."""
    c, se = est.curve, est.curve.standard_errors or {}
    if not C_BOUNDS[0] * 1.02 < c.c < C_BOUNDS[1] * 0.98:
        return f"shape c at the fit's bound ({c.c:.2f})"
    if se.get("sales_max", 0.0) >= c.sales_max:
        return (f"saturation {c.sales_max:.2f} ± {se['sales_max']:.2f}: less certain than its "
                "size")
    return ""


def usable_estimates(estimates: dict[str, SegmentResponse]) -> dict[str, SegmentResponse]:
    return {s: e for s, e in estimates.items() if not unusable(e)}


def response_table(estimates: dict[str, SegmentResponse]) -> pd.DataFrame:
    """One row per segment: the curve (share of monthly potential), its standard errors,
    the accounts and months it rests on, and why it is not planned on ("" when it is)."""
    rows = []
    for segment, est in estimates.items():
        c, se = est.curve, est.curve.standard_errors or {}
        rows.append({"segment": segment, "sales_min": c.sales_min, "sales_max": c.sales_max,
                     "c": c.c, "d": c.d, **{f"{k}_se": v for k, v in se.items()},
                     "accounts": est.accounts, "account_months": est.observations,
                     "rmse": est.rmse, "not_used_because": unusable(est)})
    return pd.DataFrame(rows)


__all__ = ["MIN_ACCOUNTS", "PANEL_COLUMNS", "call_panel", "estimate_responses",
           "response_table", "unusable", "usable_estimates"]
