"""Customer segmentation: RFM scores, A/B/C/D by the 80/20 rule, core / potential / basic
tiers, and customer lifetime value (DOMAIN.md, "Customers"; docs/territory.md).

- **RFM** over a window of transactions (invoiced orders for accounts, flow data for
  terminals): recency (days since the last purchase, fewer is better), frequency (purchases)
  and monetary value (CNY), each scored 1-5 against cut points (default: the population's
  quintiles; a sales director may set them), summed to 3-15.
- **A/B/C/D** (Pareto): accounts sorted by monetary value; A bring the first 80% of it, B the
  next 15%, C the rest, D nothing in the window.
- **Tiers**: core = A accounts, or accounts of clinical value (they serve the key departments
  of grade-3 hospitals) with RFM ≥ 12; potential = accounts of clinical value or serving
  grade-2 hospitals (the growing county hospitals) with RFM ≥ 7, or new accounts (won within
  two years); basic = the rest (community clinics, small pharmacies and clinics).
- **Lifetime value** (Gupta & Lehmann 2003): the net present value of the expected margin,
  ``CLV = Σ_{t=1..T} m · r^t / (1 + i)^t`` with annual margin m, retention r (the share of
  a segment's accounts buying in one year that buy in the next, from the history) and the
  discount rate i; closed form ``m · q (1 − q^T) / (1 − q)``, q = r / (1 + i).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.dataset import Dataset
from data.problems import InputError, Problem

TIERS = ("core", "potential", "basic")
ABCD = ("A", "B", "C", "D")
#: terminals whose key departments make the accounts that supply them of clinical value
KEY_HOSPITALS = ("hospital_3a", "hospital_3")
#: terminals whose growth makes the accounts that supply them potential
GROWTH_HOSPITALS = ("hospital_2",)


@dataclass(frozen=True)
class SegmentRules:
    """The cut points of segmentation (the scenario's to change)."""

    #: days of transactions RFM reads, ending on the as-of day
    window_days: int = 365
    #: per R / F / M, four increasing cut points of the raw value for scores 2..5 (recency:
    #: decreasing, fewer days is better); None = the population's quintiles
    cuts: Mapping[str, Sequence[float]] | None = None
    #: cumulative shares of monetary value closing classes A and B
    abc_shares: tuple[float, float] = (0.80, 0.95)
    core_min_rfm: int = 12
    potential_min_rfm: int = 7
    new_account_years: float = 2.0
    contribution_margin: float = 0.30
    discount_rate: float = 0.08
    clv_years: int = 5


def _problem(where: str, expected: str, found: object) -> InputError:
    return InputError([Problem("segmentation", where, expected, repr(found))])


def rfm_table(transactions: pd.DataFrame, keys: Sequence[str], as_of: pd.Timestamp,
              window_days: int = 365) -> pd.DataFrame:
    """Recency (days since the last purchase on or before ``as_of``; NaN never), frequency
    and monetary value (CNY) within the ``window_days`` ending on ``as_of``, for every key in
    ``keys``. ``transactions``: columns ``key``, ``date``, ``amount_cny``."""
    for column in ("key", "date", "amount_cny"):
        if column not in transactions.columns:
            raise _problem("transactions", "columns key, date, amount_cny", f"no {column}")
    as_of = pd.Timestamp(as_of)
    t = transactions[transactions["date"] <= as_of]
    recent = t[t["date"] > as_of - pd.Timedelta(days=window_days)]
    index = pd.Index(keys, name="key")
    last = t.groupby("key")["date"].max().reindex(index)
    return pd.DataFrame({
        "recency_days": (as_of - last).dt.days.astype(float),
        "frequency": recent.groupby("key").size().reindex(index).fillna(0).astype(int),
        "monetary_cny": recent.groupby("key")["amount_cny"].sum().reindex(index).fillna(0.0),
    })


def _score(values: pd.Series, cuts: Sequence[float] | None, lower_is_better: bool
           ) -> np.ndarray:
    """1-5 against four cut points (quintiles of ``values`` by default)."""
    x = values.to_numpy(dtype=float)
    if cuts is None:
        finite = x[np.isfinite(x)]
        cuts = np.quantile(finite, [0.2, 0.4, 0.6, 0.8]) if len(finite) else [0, 0, 0, 0]
    c = np.asarray(cuts, dtype=float)
    if len(c) != 4 or not np.all(np.diff(c) >= 0):
        raise _problem("rules.cuts", "four increasing cut points", list(c))
    if lower_is_better:
        score = 5 - np.searchsorted(c, x, side="left")  # at or below the first cut: 5
    else:
        score = 1 + np.searchsorted(c, x, side="right")  # at or above the last cut: 5
    return np.where(np.isfinite(x), score, 1).astype(int)


def rfm_scores(rfm: pd.DataFrame, cuts: Mapping[str, Sequence[float]] | None = None
               ) -> pd.DataFrame:
    """``rfm`` with r, f, m scores (1-5) and their sum ``rfm_score`` (3-15); an account
    without purchases in the window scores 1 on frequency and value."""
    cuts = cuts or {}
    out = rfm.copy()
    out["r"] = _score(rfm["recency_days"], cuts.get("r"), lower_is_better=True)
    out["f"] = _score(rfm["frequency"], cuts.get("f"), lower_is_better=False)
    out["m"] = _score(rfm["monetary_cny"], cuts.get("m"), lower_is_better=False)
    out.loc[rfm["frequency"] == 0, ["f", "m"]] = 1
    out["rfm_score"] = out["r"] + out["f"] + out["m"]
    return out


def abcd_classes(monetary: pd.Series, shares: tuple[float, float] = (0.80, 0.95)
                 ) -> pd.Series:
    """A: the largest accounts that bring the first ``shares[0]`` of the value (the one that
    crosses the line included); B: up to ``shares[1]``; C: the rest with value; D: none."""
    if not 0 < shares[0] < shares[1] <= 1:
        raise _problem("rules.abc_shares", "0 < A share < B share ≤ 1", shares)
    value = monetary.clip(lower=0)
    order = value.sort_values(ascending=False, kind="stable")
    total = float(order.sum())
    if total <= 0:
        return pd.Series("D", index=monetary.index, name="abcd")
    before = (order.cumsum() - order) / total  # share of value ahead of each account
    cls = np.select([before < shares[0], before < shares[1]], ["A", "B"], "C")
    out = pd.Series(cls, index=order.index).where(order > 0, "D")
    return out.reindex(monetary.index).rename("abcd")


def tiers(rfm_score: pd.Series, abcd: pd.Series, clinical_value: pd.Series,
          growth: pd.Series, new_account: pd.Series, rules: SegmentRules = SegmentRules()
          ) -> pd.Series:
    """core / potential / basic per account (the module's rule)."""
    core = (abcd == "A") | (clinical_value & (rfm_score >= rules.core_min_rfm))
    potential = ~core & (((clinical_value | growth) & (rfm_score >= rules.potential_min_rfm))
                         | new_account)
    return pd.Series(np.where(core, "core", np.where(potential, "potential", "basic")),
                     index=rfm_score.index, name="tier")


def retention(active_before: pd.Series, active_after: pd.Series, group: pd.Series
              ) -> pd.Series:
    """Per group: of the accounts active in the earlier year, the share active in the later
    (NaN for a group without accounts active before)."""
    frame = pd.DataFrame({"before": active_before.astype(bool),
                          "after": active_after.astype(bool), "group": group})
    kept = frame[frame["before"]].groupby("group")["after"].mean()
    return kept.reindex(pd.Index(group.unique())).rename("retention")


def lifetime_value(annual_margin: np.ndarray, retention_rate: np.ndarray,
                   discount_rate: float, years: int) -> np.ndarray:
    """``Σ_{t=1..years} m · r^t / (1 + i)^t`` in closed form (CNY)."""
    if discount_rate <= -1 or years < 1:
        raise _problem("rules", "discount_rate > -1 and clv_years ≥ 1", (discount_rate, years))
    q = np.asarray(retention_rate, dtype=float) / (1.0 + discount_rate)
    m = np.asarray(annual_margin, dtype=float)
    near_one = np.isclose(q, 1.0)
    series = np.where(near_one, years, q * (1.0 - q**years) / np.where(near_one, 1.0, 1.0 - q))
    return m * series


def order_transactions(dataset: Dataset) -> pd.DataFrame:
    """Each invoiced account's orders as transactions: key, date, amount_cny."""
    orders = dataset["orders"]
    amount = dataset["order_lines"].groupby("order_id")["amount_cny"].sum()
    return pd.DataFrame({"key": orders["customer_id"].to_numpy(dtype=object),
                         "date": orders["placed_at"].dt.normalize(),
                         "amount_cny": orders["order_id"].map(amount).fillna(0.0).to_numpy()})


def account_segments(dataset: Dataset, rules: SegmentRules = SegmentRules()) -> pd.DataFrame:
    """Per invoiced account (indexed by customer_id, the customers table's order): RFM and
    its scores, A/B/C/D, clinical value (it supplies a grade-3 hospital), growth (a grade-2
    one), new (won within
    ``new_account_years``), tier, its type's retention and its lifetime value (CNY)."""
    customers = dataset["customers"].set_index("customer_id")
    as_of = dataset.as_of
    tx = order_transactions(dataset)
    out = rfm_scores(rfm_table(tx, customers.index, as_of, rules.window_days), rules.cuts)
    out["abcd"] = abcd_classes(out["monetary_cny"], rules.abc_shares)
    terminals = dataset["terminals"] if "terminals" in dataset.tables else None
    if terminals is not None and len(terminals):
        def supplies(kinds: tuple[str, ...]) -> np.ndarray:
            chosen = terminals[terminals["terminal_type"].isin(kinds)]
            return out.index.isin(set(chosen["distributor_id"]))

        out["clinical_value"], out["growth"] = supplies(KEY_HOSPITALS), supplies(
            GROWTH_HOSPITALS)
    else:  # a data set without the channel: the level-1 platforms supply the top hospitals
        out["clinical_value"] = customers["customer_type"].eq("distributor_l1").to_numpy()
        out["growth"] = customers["customer_type"].eq("distributor_l2").to_numpy()
    years = (as_of - customers["relationship_start"]).dt.days / 365.25
    out["new_account"] = (years < rules.new_account_years).to_numpy()
    out["tier"] = tiers(out["rfm_score"], out["abcd"], out["clinical_value"], out["growth"],
                        out["new_account"], rules)
    # retention per account type: of those buying in the year before the window, the share
    # buying in it
    before = rfm_table(tx, customers.index, as_of - pd.Timedelta(days=rules.window_days),
                       rules.window_days)["frequency"] > 0
    kept = retention(before, out["frequency"] > 0, customers["customer_type"])
    out["customer_type"] = customers["customer_type"]
    out["retention"] = out["customer_type"].map(kept).fillna(0.0).astype(float)
    out["clv_cny"] = lifetime_value(out["monetary_cny"] * rules.contribution_margin,
                                    out["retention"], rules.discount_rate, rules.clv_years)
    out.index.name = "customer_id"
    return out
