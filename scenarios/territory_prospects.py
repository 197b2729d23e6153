"""New customers: prospects won by calls (docs/territory.md, "New customers").

A prospect is a terminal that does not buy our products yet (the ``prospects`` table, and a
terminal won during the history before its ``won_date``). It is won in a month with a chance
that rises with the calls it gets that month, an ADBUDG curve of the same form as sales'
response: ``lo + (hi − lo) · x^c / (d + x^c)``. The curve is estimated from the history: one
row per prospect and complete month at risk (from the first month until the one it was won
in, or the end), with that month's calls and whether it was won then; least squares with
calendar-month factors and cluster-robust standard errors
(:func:`models.territory.response.fit_segment_response`, the outcome 0/1).

The value of a win, for the call plan, is the sales a new customer of its type brings
(its potential a month × its type's share of potential at its type's calls today) over
:attr:`SegmentRules.clv_years` discounted at :attr:`SegmentRules.discount_rate` (Gupta &
Lehmann 2003; the generated history loses no customer, so retention is taken as 1).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.dataset_memo import per_dataset
from models.territory.calls import adbudg_sales
from models.territory.response import SegmentResponse, fit_segment_response
from models.territory.segmentation import SegmentRules, lifetime_value
from scenarios.territory_response import MIN_ACCOUNTS, _months, unusable

WIN_PANEL_COLUMNS = ("account_id", "account_type", "month", "calls", "won")
#: fewest wins in the history for the win curve to be estimated: four parameters of a 0/1
#: outcome rest on the wins, not on the months
MIN_WINS = 30


def prospect_accounts(ds: Dataset) -> pd.DataFrame:
    """Every account that was a prospect during the history: the open prospects
    (``won_date`` empty) and the terminals won (their ``won_date``), with type, name, city,
    rep, distributor and potential a month (CNY)."""
    cols = ["terminal_type", "name", "city", "rep_id", "distributor_id", "longitude",
            "latitude", "annual_potential_cny"]
    open_ = ds["prospects"].rename(columns={"prospect_id": "account_id"})[["account_id",
                                                                          *cols]]
    t = ds["terminals"]
    won = t[t["won_date"].notna()] if "won_date" in t else t.iloc[:0]
    won = won.rename(columns={"terminal_id": "account_id"})[["account_id", *cols,
                                                             "won_date"]]
    out = pd.concat([open_.assign(won_date=pd.NaT), won], ignore_index=True)
    out["won_date"] = pd.to_datetime(out["won_date"])
    out["potential_cny_month"] = out.pop("annual_potential_cny") / 12.0
    return out.rename(columns={"terminal_type": "account_type"})


@per_dataset
def win_panel(ds: Dataset) -> pd.DataFrame:
    """One row per prospect and complete month at risk (:data:`WIN_PANEL_COLUMNS`): calls
    made that month, and 1 in the month it was won."""
    months = _months(ds)
    pros = prospect_accounts(ds)
    v = ds["visits"]
    v = v[(v["kind"] == "call") & v["account_id"].isin(pros["account_id"])]
    calls = v.groupby([v["account_id"], v["date"].dt.to_period("M").dt.start_time.rename(
        "month")]).size().rename("calls")
    grid = pd.MultiIndex.from_product([pros["account_id"], months],
                                      names=["account_id", "month"])
    out = calls.reindex(grid, fill_value=0).reset_index()
    won = out["account_id"].map(pros.set_index("account_id")["won_date"])
    out = out[~(out["month"] > won).to_numpy()].copy()
    out["won"] = (out["month"] == out["account_id"].map(
        pros.set_index("account_id")["won_date"])).astype(np.int64)
    out["account_type"] = out["account_id"].map(pros.set_index("account_id")["account_type"])
    return out[list(WIN_PANEL_COLUMNS)].reset_index(drop=True)


@per_dataset
def win_response(ds: Dataset) -> SegmentResponse | None:
    """:func:`estimate_win_response` on the data set's prospects (None without prospects)."""
    if "prospects" not in ds.tables or not len(ds["prospects"]):
        return None
    return estimate_win_response(win_panel(ds))


def estimate_win_response(panel: pd.DataFrame) -> SegmentResponse | None:
    """The monthly chance of a win against calls that month (None: fewer than
    :data:`MIN_ACCOUNTS` prospects, or fewer than :data:`MIN_WINS` wins in the history)."""
    if panel["account_id"].nunique() < MIN_ACCOUNTS or panel["won"].sum() < MIN_WINS:
        return None
    return fit_segment_response(panel["calls"].to_numpy(), panel["won"].to_numpy(dtype=float),
                                panel["month"].dt.month.to_numpy(),
                                panel["account_id"].to_numpy())


def wins_by_month(ds: Dataset) -> pd.Series:
    """Terminals won per complete month of the history (0 where none)."""
    months = _months(ds)
    t = ds["terminals"]
    won = t["won_date"].dropna() if "won_date" in t else pd.Series(dtype="datetime64[ns]")
    counts = won.dt.to_period("M").dt.start_time.value_counts()
    return counts.reindex(months, fill_value=0).rename("won").astype(np.int64)


def new_customers_per_year(ds: Dataset, months: int = 12) -> float:
    """Prospects won over the last ``months`` complete months, a year (today's rate)."""
    won = wins_by_month(ds)
    recent = won.iloc[-months:]
    return float(recent.sum()) * 12.0 / max(len(recent), 1)


def win_value(accounts: pd.DataFrame, customer_share: pd.Series,
              rules: SegmentRules | None = None) -> pd.Series:
    """Sales (CNY) a win of each prospect brings over the rules' lifetime: its potential a
    month × ``customer_share`` (its type's share of potential as a customer) × 12 a year,
    discounted over ``clv_years``."""
    rules = rules or SegmentRules()
    annual = (accounts["potential_cny_month"] * 12.0
              * accounts["account_type"].map(customer_share).fillna(0.0))
    return pd.Series(lifetime_value(annual.to_numpy(), np.ones(len(accounts)),
                                    rules.discount_rate, rules.clv_years),
                     index=accounts.index)


def recent_flow_sales(ds: Dataset, key: str, months: int = 12) -> pd.Series:
    """Sales a month at list price (CNY) per ``key`` of the flow data (``terminal_id``,
    ``distributor_id``) over its last ``months`` months."""
    flows = ds["flows"]
    price = ds["products"].set_index("product_id")["unit_price_cny"]
    recent = flows[flows["month"] >= _first_recent_month(flows, months)]
    return (recent["quantity"] * recent["product_id"].map(price)).groupby(
        recent[key]).sum() / months


def _first_recent_month(flows: pd.DataFrame, months: int) -> pd.Timestamp:
    return flows["month"].max() - pd.DateOffset(months=months - 1)


def customer_share(ds: Dataset, months: int = 12) -> pd.Series:
    """Each terminal type's sales as a share of its potential over the flow data's last
    ``months`` months (sales at list price; terminals buying the whole time)."""
    t = ds["terminals"]
    sold = recent_flow_sales(ds, "terminal_id", months) * 12.0
    if "won_date" in t:
        t = t[~(t["won_date"] > _first_recent_month(ds["flows"], months))]
    sums = pd.DataFrame({"type": t["terminal_type"], "potential": t["annual_potential_cny"],
                         "sales": t["terminal_id"].map(sold).fillna(0.0)}).groupby("type").sum()
    return sums["sales"] / sums["potential"].where(sums["potential"] > 0)


def prospect_rows(ds: Dataset, win: SegmentResponse, panel: pd.DataFrame,
                  current_calls: pd.Series, rules: SegmentRules | None = None
                  ) -> pd.DataFrame:
    """The open prospects as rows of the call plan: each one's win curve in CNY (the chance
    of a win a month × :func:`win_value`), margin, calls today (``current_calls`` by
    account), no minimum, and at most what 95% of the prospect-months with calls got
    (``panel``: :func:`win_panel`). A win's value rests on :func:`customer_share`."""
    pros = prospect_accounts(ds)
    pros = pros[pros["won_date"].isna()].drop(columns="won_date").reset_index(drop=True)
    pros["win_value_cny"] = win_value(pros, customer_share(ds), rules)
    c = win.curve
    pros["sales_min"] = pros["win_value_cny"] * c.sales_min
    pros["sales_max"] = pros["win_value_cny"] * c.sales_max
    pros["c"], pros["d"] = c.c, c.d
    pros["margin"] = (rules or SegmentRules()).contribution_margin
    pros["current_calls"] = pros["account_id"].map(current_calls).fillna(0.0)
    pros["min_calls"] = 0
    called = panel["calls"][panel["calls"] > 0]
    top = int(round(called.quantile(0.95))) if len(called) else 0
    pros["max_calls"] = top
    return pros


def win_chance(calls: pd.Series | np.ndarray, curve: np.ndarray | SegmentResponse
               ) -> np.ndarray:
    """The chance of a win a month at ``calls`` (curves as rows lo, hi, c, d broadcast
    against the calls, or an estimate's curve)."""
    if isinstance(curve, SegmentResponse):
        k = curve.curve
        curve = np.array([k.sales_min, k.sales_max, k.c, k.d])
    x = np.maximum(np.asarray(calls, dtype=float), 0.0)
    lo, hi, c, d = (np.asarray(curve)[..., [i]] if np.ndim(curve) > 1 else curve[i]
                    for i in range(4))
    return np.clip(adbudg_sales(x, lo, hi, c, d), 0.0, 1.0)


def win_summary(pros: pd.DataFrame | None, win: SegmentResponse | None) -> dict:
    """The plan's figures on prospects: how many, calls a month on them today and planned,
    and the wins a month each would bring at the estimated curve (None where the curve is
    missing or too uncertain to plan on, with the reason)."""
    if pros is None:
        why = (f"fewer than {MIN_WINS} prospects won in the history" if win is None
               else unusable(win))
        return {"prospects": None, "wins_today_month": None, "wins_planned_month": None,
                "win_curve_left_out": why}
    k, se = win.curve, win.curve.standard_errors or {}
    out = {"prospects": len(pros), "win_curve_left_out": "",
           "win_curve": {"no_calls": k.sales_min, "saturation": k.sales_max, "c": k.c,
                         "d": k.d, **{f"{n}_se": v for n, v in se.items()},
                         "prospects_in_history": win.accounts,
                         "prospect_months": win.observations},
           "prospect_calls_today": float(pros["current_calls"].sum()),
           "prospect_calls_planned": int(pros["planned_calls"].sum())}
    for name, col in (("today", "current_calls"), ("planned", "planned_calls"),
                      ("reallocated", "reallocated_calls")):
        out[f"wins_{name}_month"] = float(win_chance(pros[col], win).sum())
    return out


def wins_interval(pros: pd.DataFrame, column: str, win: SegmentResponse,
                  rng: np.random.Generator, draws: int = 400) -> list[float]:
    """95% interval of the change in wins a month at ``column``'s calls against today's, a
    share (curves drawn within the win estimate's uncertainty)."""
    curves = win.draw_curves(rng, draws)
    curves[:, 1] = np.minimum(curves[:, 1], 1.0)
    today = win_chance(pros["current_calls"].to_numpy()[None, :], curves).sum(axis=1)
    planned = win_chance(pros[column].to_numpy()[None, :], curves).sum(axis=1)
    change = planned / np.where(today > 0, today, np.nan) - 1
    return [float(np.nanquantile(change, 0.025)), float(np.nanquantile(change, 0.975))]


__all__ = ["MIN_WINS", "WIN_PANEL_COLUMNS", "customer_share", "estimate_win_response",
           "new_customers_per_year", "prospect_accounts", "prospect_rows", "recent_flow_sales",
           "win_chance", "win_panel", "win_summary", "win_value", "wins_by_month", "wins_interval"]
