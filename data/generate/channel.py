"""The two-invoice channel: terminals (public hospitals, community clinics, retail pharmacies)
and the delivering distributor that supplies each, the terminals' monthly demand by product,
the distributors' replenishment orders to the company (order-up-to on a stock cover), and,
once deliveries are timed, the true monthly stock and sales with what the distributors report:
flow data (流向) and month-end stock, with missing reports, over-reported sales and miscounted
stock as they happen."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.generate.master_data import located, place, types_by_share
from data.generate.order_flow import preferred_products
from data.generate.parameters import (
    MONTH_FACTOR,
    TERMINAL_MIX,
    ProcessTruth,
    Profile,
)
from data.geography import great_circle_km
from data.tables import PUBLIC_TERMINAL_TYPES, TERMINAL_TYPES

#: the distributor's selling price over the company's list price (distribution margin)
DISTRIBUTOR_MARKUP = 0.07
_LABEL = {"hospital_3a": "三甲医院", "hospital_3": "三级医院", "hospital_2": "二级医院",
          "community_clinic": "社区卫生服务中心", "retail_pharmacy": "零售药店"}


def terminals(prof: Profile, geo: pd.DataFrame, truth: ProcessTruth,
              rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The terminals (without supplier, rep and sales), each one's hidden payment days (the
    days from its distributor's invoice until it pays; public hospitals 120-180) and hidden
    affinity to our products (gamma, mean 1: its sales follow from it, its potential and the
    calls it gets, :mod:`data.generate.visits`)."""
    n = prof.terminal_count
    ttype = types_by_share(TERMINAL_TYPES, [TERMINAL_MIX[t][0] for t in TERMINAL_TYPES], n, rng)
    loc = place(ttype, geo, ("hospital_3a", "hospital_3"), rng)
    potential = np.array([TERMINAL_MIX[t][1] for t in ttype]) * rng.lognormal(0.0, 0.9, n)
    affinity = rng.gamma(5.0, 0.2, n)
    beds = np.select([ttype == "hospital_3a", ttype == "hospital_3", ttype == "hospital_2"],
                     [rng.integers(1500, 3500, n), rng.integers(800, 1600, n),
                      rng.integers(200, 700, n)], 0)
    ids = np.char.add("T", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    names = [f"{d}{_LABEL[t]}{i % 89 + 1}" for d, t, i in
             zip(loc["district"], ttype, range(n), strict=True)]
    out = located(ids, names, "terminal_type", ttype, loc, rng)
    out.insert(3, "public", np.isin(ttype, PUBLIC_TERMINAL_TYPES))
    out["annual_potential_cny"] = potential.round(2)
    out["annual_sales_cny"] = 0.0
    out["departments"] = np.where(beds > 0, np.maximum(8, beds // 50), 0).astype(np.int64)
    out["beds"] = beds.astype(np.int64)
    sigma = truth.terminal_payment_sigma
    pay_days = (pd.Series(ttype).map(truth.terminal_payment_days).to_numpy()
                * rng.lognormal(-0.5 * sigma**2, sigma, n))
    return out, pay_days, affinity


def _nearest(lon: np.ndarray, lat: np.ndarray, pool_lon: np.ndarray,
             pool_lat: np.ndarray) -> np.ndarray:
    """Index into the pool of the nearest point for each point (in chunks: large profiles)."""
    out = np.empty(len(lon), dtype=np.int64)
    for a in range(0, len(lon), 4000):
        d = great_circle_km(lon[a:a + 4000, None], lat[a:a + 4000, None],
                            pool_lon[None, :], pool_lat[None, :])
        out[a:a + 4000] = d.argmin(axis=1)
    return out


def supplying_distributors(terminals: pd.DataFrame, customers: pd.DataFrame,
                           rng: np.random.Generator) -> np.ndarray:
    """Each terminal's delivering distributor (row index into ``customers``): top hospitals
    buy from the nearest level-1 platform; the rest from the nearest level-2 distributor of
    their region (remote ones always, others 70%), else the nearest level-1."""
    ctype = customers["customer_type"].to_numpy()
    lon, lat = terminals["longitude"].to_numpy(), terminals["latitude"].to_numpy()
    l1 = np.flatnonzero(ctype == "distributor_l1")
    l2 = np.flatnonzero(ctype == "distributor_l2")
    c_lon, c_lat = customers["longitude"].to_numpy(), customers["latitude"].to_numpy()
    out = l1[_nearest(lon, lat, c_lon[l1], c_lat[l1])]
    ttype = terminals["terminal_type"].to_numpy()
    local = ~np.isin(ttype, ("hospital_3a", "hospital_3")) & (
        terminals["remote"].to_numpy() | (rng.random(len(terminals)) < 0.7))
    c_region = customers["region"].to_numpy()
    for region in np.unique(terminals["region"]):
        pool = l2[c_region[l2] == region]
        mask = local & (terminals["region"].to_numpy() == region)
        if len(pool) and mask.any():
            out[mask] = pool[_nearest(lon[mask], lat[mask], c_lon[pool], c_lat[pool])]
    return out


def terminal_products(terminals: pd.DataFrame, products: pd.DataFrame,
                      rng: np.random.Generator) -> pd.DataFrame:
    """Which products each terminal uses, with its share of the terminal's sales: a
    ``terminal`` × ``product`` (row indices) table with ``share``."""
    ttype = terminals["terminal_type"].to_numpy()
    k = pd.Series(ttype).map({t: v[3] for t, v in TERMINAL_MIX.items()}).to_numpy()
    t_idx = np.repeat(np.arange(len(terminals)), k)
    group = np.where(np.char.startswith(ttype.astype(str), "hospital"), "hospital",
                     np.where(ttype == "retail_pharmacy", "pharmacy", ttype))[t_idx]
    product = preferred_products(group, products, rng)
    pairs = pd.DataFrame({"terminal": t_idx, "product": product,
                          "weight": rng.gamma(1.0, 1.0, len(t_idx))})
    pairs = pairs.groupby(["terminal", "product"], as_index=False)["weight"].sum()
    pairs["share"] = pairs["weight"] / pairs.groupby("terminal")["weight"].transform("sum")
    return pairs.drop(columns="weight")


def months_of(epoch: pd.Timestamp, history_days: int) -> pd.DataFrame:
    """The history's calendar months: ``start`` (days since the epoch), ``days``, ``factor``
    (seasonality) and ``period``."""
    periods = pd.period_range(epoch, epoch + pd.Timedelta(days=history_days - 1), freq="M")
    return pd.DataFrame({
        "period": periods,
        "start": [(p.start_time - epoch).days for p in periods],
        "days": [p.days_in_month for p in periods],
        "factor": MONTH_FACTOR[[p.month - 1 for p in periods]],
    })


def terminal_demand(pairs: pd.DataFrame, terminals: pd.DataFrame, products: pd.DataFrame,
                    months: pd.DataFrame, truth: ProcessTruth, rng: np.random.Generator,
                    lift: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Expected and drawn units per pair and month (``pairs`` × months): the terminal's sales
    rate split by product, seasonal, times the terminal's ``lift`` that month (terminals ×
    months: the calls it got against the plan), Poisson; a hospital that drops a product from
    its list buys none of it from a random month on."""
    annual = terminals["annual_sales_cny"].to_numpy()[pairs["terminal"]] * pairs["share"]
    units_per_day = (annual / 365.0 / products["unit_price_cny"].to_numpy()[pairs["product"]])
    expected = (units_per_day.to_numpy()[:, None] * months["days"].to_numpy()[None, :]
                * months["factor"].to_numpy()[None, :])
    if lift is not None:
        expected = expected * lift[pairs["terminal"].to_numpy()]
    m = len(months)
    hospital = terminals["public"].to_numpy()[pairs["terminal"]]
    dropped = hospital & (rng.random(len(pairs)) < truth.delisting_probability)
    from_month = np.where(dropped, rng.integers(3, max(4, m - 3), len(pairs)), m)
    expected = np.where(np.arange(m)[None, :] >= from_month[:, None], 0.0, expected)
    return expected, rng.poisson(expected)


def distributor_orders(customers: pd.DataFrame, supplier: np.ndarray, pairs: pd.DataFrame,
                       expected: np.ndarray, demand: np.ndarray, months: pd.DataFrame,
                       products: pd.DataFrame, truth: ProcessTruth,
                       rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """The distributors' replenishment orders to the company.

    Each distributor stocks the products its terminals use and reviews them a few times a
    month (``distributor_orders_per_month``): a product projected below the reorder share of
    its cover (``distributor_cover_days`` of expected sales) is ordered up to the cover.
    Returns orders and lines in generator units (customer and product row indices, days since
    the epoch; lines carry ``order_index`` and ``group``) and the stock groups
    (``distributor``, ``product``, ``pair_group`` for each pair, ``opening`` units,
    ``demand`` per group and month)."""
    dist = supplier[pairs["terminal"].to_numpy()]
    key = dist.astype(np.int64) * len(products) + pairs["product"].to_numpy()
    uniq, pair_group = np.unique(key, return_inverse=True)
    g_dist, g_prod = uniq // len(products), uniq % len(products)
    n_g, n_m = len(uniq), len(months)
    exp_g = np.zeros((n_g, n_m))
    dem_g = np.zeros((n_g, n_m), dtype=np.int64)
    np.add.at(exp_g, pair_group, expected)
    np.add.at(dem_g, pair_group, demand)
    ctype = customers["customer_type"].to_numpy()
    cover = pd.Series(ctype[g_dist]).map(truth.distributor_cover_days).to_numpy()
    per_month = pd.Series(ctype).map(truth.distributor_orders_per_month).fillna(0).to_numpy()
    days = months["days"].to_numpy()
    target = cover[:, None] * exp_g / days[None, :]  # order-up-to level, units
    reorder = truth.reorder_share_of_cover * target
    stock = np.round(0.7 * target[:, 0])
    opening = stock.astype(np.int64)
    k_g = per_month[g_dist]
    records = []
    for m in range(n_m):
        u = rng.random((len(customers), int(per_month.max())))
        ordered = np.zeros(n_g)
        for j in range(int(per_month.max())):
            with np.errstate(divide="ignore", invalid="ignore"):
                day_c = np.floor((j + u[:, j]) * days[m] / np.maximum(per_month, 1))
            day = day_c[g_dist]
            projected = stock + ordered - dem_g[:, m] * day / days[m]
            need = (k_g > j) & (projected < reorder[:, m]) & (target[:, m] > 0)
            q = np.where(need, np.ceil(target[:, m] - projected), 0.0)
            hit = np.flatnonzero(q > 0)
            records.append(pd.DataFrame({"group": hit, "month": m, "slot": j,
                                         "day": months["start"].iloc[m] + day[hit],
                                         "quantity": q[hit].astype(np.int64)}))
            ordered += q
        stock = np.maximum(0.0, stock + ordered - dem_g[:, m])
    lines = pd.concat(records, ignore_index=True)
    lines["customer_index"] = g_dist[lines["group"]]
    lines = lines.sort_values(["day", "customer_index", "group"], kind="stable")
    order_key = lines[["customer_index", "month", "slot"]].drop_duplicates()
    order_key = order_key.assign(order_index=np.arange(len(order_key)))
    lines = lines.merge(order_key, on=["customer_index", "month", "slot"], how="left")
    price = products["unit_price_cny"].to_numpy()
    lines["product"] = g_prod[lines["group"]]
    lines["amount_cny"] = (lines["quantity"] * price[lines["product"]]).round(2)
    first = lines.groupby("order_index").agg(customer_index=("customer_index", "first"),
                                             day=("day", "first"),
                                             amount_cny=("amount_cny", "sum"))
    orders = pd.DataFrame({
        "customer_index": first["customer_index"].to_numpy(),
        # reviewed in office hours
        "placed_days": first["day"].to_numpy() + rng.uniform(9.0, 17.0, len(first)) / 24.0,
        "amount_cny": first["amount_cny"].to_numpy(),
    })
    orders["value"] = orders["amount_cny"]
    lines = lines[["order_index", "group", "product", "quantity", "amount_cny"]]
    groups = {"distributor": g_dist, "product": g_prod, "pair_group": pair_group,
              "opening": opening, "demand": dem_g}
    return orders, lines, groups


def _allocate(total: np.ndarray, weights: np.ndarray, group: np.ndarray) -> np.ndarray:
    """Split each group's integer ``total`` over its rows in proportion to ``weights``
    (largest remainder; rows of a group with zero weight share equally)."""
    wsum = np.bincount(group, weights, minlength=len(total))
    count = np.bincount(group, minlength=len(total))
    share = np.where(wsum[group] > 0, weights / np.where(wsum > 0, wsum, 1)[group],
                     1.0 / np.maximum(count, 1)[group])
    exact = total[group] * share
    base = np.floor(exact).astype(np.int64)
    short = total - np.bincount(group, base, minlength=len(total)).astype(np.int64)
    order = np.lexsort((-(exact - base), group))
    rank = np.empty(len(group), dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    rank[order] = np.arange(len(group)) - starts[group[order]]
    return base + (rank < short[group])


def flows_and_stock(orders: pd.DataFrame, lines: pd.DataFrame, groups: dict,
                    pairs: pd.DataFrame, demand: np.ndarray, months: pd.DataFrame,
                    history_days: int, customers: pd.DataFrame, terminals: pd.DataFrame,
                    products: pd.DataFrame, epoch: pd.Timestamp, truth: ProcessTruth,
                    rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """True monthly stock and sales once deliveries are timed, and what the distributors
    report of them: ``flows`` and ``stock_reports`` tables.

    Stock arrives in the month its order is delivered (orders still on the road at the
    history's end are not stock yet); a distributor sells what its terminals demand as far as
    its stock allows, shared among the terminals by their demand. Reports of complete months
    only. Reporting faults: a distributor-month not reported at all, a product-month's sales
    over-reported to one terminal (sales it could not have had), a stock count off by up to
    30%."""
    n_g, n_m = len(groups["opening"]), len(months)
    delivered = orders["delivered_days"].to_numpy()[lines["order_index"].to_numpy()]
    on_time = (lines["group"].to_numpy() >= 0) & (delivered < history_days)
    month = np.searchsorted(months["start"].to_numpy(), delivered[on_time], side="right") - 1
    purchases = np.zeros((n_g, n_m), dtype=np.int64)
    np.add.at(purchases, (lines["group"].to_numpy()[on_time], month),
              lines["quantity"].to_numpy()[on_time])
    stock = groups["opening"].astype(np.int64)
    sales = np.zeros((n_g, n_m), dtype=np.int64)
    closing = np.zeros((n_g, n_m), dtype=np.int64)
    for m in range(n_m):
        available = stock + purchases[:, m]
        sales[:, m] = np.minimum(groups["demand"][:, m], available)
        closing[:, m] = stock = available - sales[:, m]
    # shares of each group's sales among its terminals, month by month
    pg = groups["pair_group"]
    sold = np.column_stack([_allocate(sales[:, m], demand[:, m].astype(float), pg)
                            for m in range(n_m)])
    end = epoch + pd.Timedelta(days=history_days - 1)
    complete = np.array([p.end_time.normalize() <= end for p in months["period"]])
    dist_of_group, prod_of_group = groups["distributor"], groups["product"]
    n_c = len(customers)
    missing = rng.random((n_c, n_m)) < truth.missing_report_probability
    # over-reported sales: one terminal of the group gets units the distributor never had
    inflate = rng.random((n_g, n_m)) < truth.inflated_flow_probability
    g_inf, m_inf = np.nonzero(inflate & complete[None, :])
    extra = (np.ceil((closing[g_inf, m_inf] + sales[g_inf, m_inf])
                     * rng.uniform(0.5, 1.5, len(g_inf))) + 1).astype(np.int64)
    by_group = np.argsort(pg, kind="stable")
    count = np.bincount(pg, minlength=n_g)
    starts = np.concatenate([[0], np.cumsum(count)[:-1]])
    chosen = by_group[starts[g_inf] + rng.integers(0, 1 << 30, len(g_inf)) % count[g_inf]]
    reported = sold.copy()
    np.add.at(reported, (chosen, m_inf), extra)
    t_idx, m_idx = np.nonzero(reported)
    keep = complete[m_idx] & ~missing[dist_of_group[pg[t_idx]], m_idx]
    t_idx, m_idx = t_idx[keep], m_idx[keep]
    price = products["unit_price_cny"].to_numpy()
    prod = pairs["product"].to_numpy()[t_idx]
    qty = reported[t_idx, m_idx]
    month_start = np.array([p.start_time for p in months["period"]], dtype="datetime64[ns]")
    flows = pd.DataFrame({
        "distributor_id": customers["customer_id"].to_numpy()[dist_of_group[pg[t_idx]]],
        "terminal_id": terminals["terminal_id"].to_numpy()[pairs["terminal"].to_numpy()[t_idx]],
        "product_id": products["product_id"].to_numpy()[prod],
        "month": month_start[m_idx], "quantity": qty.astype(np.int64),
        "amount_cny": (qty * price[prod] * (1 + DISTRIBUTOR_MARKUP)).round(2),
    }).sort_values(["month", "distributor_id", "terminal_id", "product_id"], kind="stable")
    # stock reports: the opening (the month before the history) and every complete month
    g_rep, m_rep = np.meshgrid(np.arange(n_g), np.arange(-1, n_m), indexing="ij")
    g_rep, m_rep = g_rep.ravel(), m_rep.ravel()
    units = np.where(m_rep < 0, groups["opening"][g_rep], closing[g_rep, np.maximum(m_rep, 0)])
    ok = (m_rep < 0) | (complete[np.maximum(m_rep, 0)]
                        & ~missing[dist_of_group[g_rep], np.maximum(m_rep, 0)])
    g_rep, m_rep, units = g_rep[ok], m_rep[ok], units[ok]
    miscount = rng.random(len(units)) < truth.stock_count_error_probability
    units = np.where(miscount, np.round(units * rng.uniform(0.7, 1.3, len(units))), units)
    before = np.array([(months["period"].iloc[0] - 1).start_time], dtype="datetime64[ns]")
    stock_reports = pd.DataFrame({
        "distributor_id": customers["customer_id"].to_numpy()[dist_of_group[g_rep]],
        "product_id": products["product_id"].to_numpy()[prod_of_group[g_rep]],
        "month": np.where(m_rep < 0, before[0], month_start[np.maximum(m_rep, 0)]),
        "units": units.astype(np.int64),
    }).sort_values(["month", "distributor_id", "product_id"], kind="stable")
    return flows.reset_index(drop=True), stock_reports.reset_index(drop=True)
