"""Forward-warehouse stocking: classification invariants, textbook values, Monte Carlo checks."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from data.dataset import Dataset
from data.generate import generate_dataset
from data.problems import InputError
from models.inventory.assortment import abc_xyz_classes, forward_assortment
from models.inventory.reorder_policies import (
    RS_policy_for_fill_rate,
    eoq,
    inverse_standard_normal_loss,
    lead_time_demand,
    pooling_safety_stock,
    safety_stock_normal,
    sQ_policy_for_fill_rate,
    standard_normal_loss,
    undershoot_moments,
)
from models.inventory.site_stocking import pooling_table, site_policies


@pytest.fixture(scope="module")
def dataset() -> Dataset:
    tables, meta = generate_dataset("small", 3)
    return Dataset(tables, pd.Timestamp(meta["as_of"]), "x", None, meta)


# --------------------------------------------------------------------------- classification
@pytest.mark.parametrize("by", ["value", "units"])
def test_abc_shares_add_up_and_follow_thresholds(dataset: Dataset, by: str) -> None:
    table = abc_xyz_classes(dataset, by=by)
    assert len(table) == len(dataset.tables["products"])
    assert table["share"].sum() == pytest.approx(1.0)
    assert table["cumulative_share"].iloc[-1] == pytest.approx(1.0)
    measure = "annual_value_cny" if by == "value" else "annual_units"
    assert table[measure].is_monotonic_decreasing
    cum, abc = table["cumulative_share"].to_numpy(), table["abc"].to_numpy()
    assert abc[0] == "A"
    assert np.all(cum[1:][abc[1:] == "A"] <= 0.8 + 1e-12)
    assert np.all((cum[abc == "B"] > 0.8) & (cum[abc == "B"] <= 0.95 + 1e-12))
    assert np.all(cum[abc == "C"] > 0.95)
    # classes are contiguous in the sorted order: A then B then C
    assert list(abc) == sorted(abc)


def test_annual_volume_is_last_365_days(dataset: Dataset) -> None:
    table = abc_xyz_classes(dataset).set_index("product_id")
    orders, lines = dataset.tables["orders"], dataset.tables["order_lines"]
    start = pd.Timestamp(dataset.as_of) - pd.Timedelta(days=364)
    recent = orders.loc[orders["placed_at"] >= start, "order_id"]
    expected = lines[lines["order_id"].isin(recent)].groupby("product_id")["quantity"].sum()
    pd.testing.assert_series_equal(
        table["annual_units"].loc[expected.index], expected.astype(float), check_names=False
    )


def test_xyz_thresholds(dataset: Dataset) -> None:
    table = abc_xyz_classes(dataset, x_cv=0.7, y_cv=1.0)
    cv, xyz = table["cv_weekly"].to_numpy(), table["xyz"].to_numpy()
    assert np.all(cv[xyz == "X"] < 0.7)
    assert np.all((cv[xyz == "Y"] >= 0.7) & (cv[xyz == "Y"] < 1.0))
    assert np.all(~(cv[xyz == "Z"] < 1.0))
    # cv is the sample cv of 52 weekly totals
    assert np.allclose(table["sd_weekly_units"] / table["mean_weekly_units"], cv)
    assert np.allclose(table["mean_weekly_units"] * 52, table["annual_units"], rtol=0.05)


def test_orders_per_week(dataset: Dataset) -> None:
    table = abc_xyz_classes(dataset)
    assert (table["orders_per_week"] > 0).all()
    n_orders = (
        dataset.tables["orders"]["placed_at"]
        .ge(pd.Timestamp(dataset.as_of) - pd.Timedelta(days=364))
        .sum()
    )
    # each order has >= 1 line, so product-order incidences >= orders
    assert table["orders_per_week"].sum() * 365 / 7 >= n_orders


def test_bad_parameters_are_named(dataset: Dataset) -> None:
    with pytest.raises(InputError, match="by"):
        abc_xyz_classes(dataset, by="margin")
    with pytest.raises(InputError, match="a_share"):
        abc_xyz_classes(dataset, a_share=0.99, b_share=0.9)


@pytest.mark.parametrize("qualified", [True, False])
def test_assortment_chronic_first_and_cold_chain(dataset: Dataset, qualified: bool) -> None:
    table = forward_assortment(dataset, site_cold_chain=qualified)
    forward = table[table["forward"]]
    assert not forward.empty
    areas = forward["therapy_area"].tolist()
    n_chronic = areas.count("chronic")
    assert n_chronic > 0 and areas[:n_chronic] == ["chronic"] * n_chronic
    rest = forward.iloc[n_chronic:]
    assert rest["abc"].isin(["A", "B"]).all() and rest["xyz"].isin(["X", "Y"]).all()
    assert rest["orders_per_week"].is_monotonic_decreasing
    if not qualified:
        assert not forward["cold_chain"].any()
        blocked = table[table["cold_chain"] & (table["priority"] < 3)]
        assert (blocked["reason"] == "cold chain: site not qualified").all()
    else:
        cold = table[table["cold_chain"] & (table["priority"] < 3)]
        assert cold["forward"].all()


def test_assortment_cap_keeps_priority(dataset: Dataset) -> None:
    full = forward_assortment(dataset, True)
    capped = forward_assortment(dataset, True, max_products=3)
    assert capped["forward"].sum() == 3
    assert (
        capped.loc[capped["forward"], "product_id"].tolist()
        == full.loc[full["forward"], "product_id"].tolist()[:3]
    )


# --------------------------------------------------------------------------- textbook values
@pytest.mark.parametrize(
    ("k", "g"),
    [
        (0.0, 0.3989),
        (1.0, 0.0833),
        (2.0, 0.0085),
        (-1.0, 1.0833),
        (0.5, 0.1978),
        (1.5, 0.0293),
        (3.0, 0.0004),
    ],
)
def test_standard_normal_loss_tables(k: float, g: float) -> None:
    assert standard_normal_loss(k) == pytest.approx(g, abs=5e-5)
    assert inverse_standard_normal_loss(standard_normal_loss(k)) == pytest.approx(k, abs=1e-8)


def test_loss_identity_g_minus_k() -> None:
    # G(-k) = G(k) + k
    k = np.linspace(-3, 3, 13)
    assert np.allclose(standard_normal_loss(-k), standard_normal_loss(k) + k)


def test_eoq_closed_form() -> None:
    # D = 1200/yr, K = 100, h = 6: Q* = sqrt(2*1200*100/6) = 200; order and holding cost equal
    q = eoq(1200, 100, 6)
    assert q == pytest.approx(200.0)
    assert 1200 / q * 100 == pytest.approx(q / 2 * 6)
    cost = [1200 / x * 100 + x / 2 * 6 for x in (150, 200, 250)]
    assert cost[1] < cost[0] and cost[1] < cost[2]
    with pytest.raises(InputError, match="holding_cost_per_unit_year"):
        eoq(1200, 100, 0)


def test_safety_stock_and_lead_time_demand() -> None:
    assert safety_stock_normal(1.645, 100.0) == pytest.approx(164.5)
    mu, sigma = lead_time_demand(100.0, 20.0, 4.0, 1.0)
    assert mu == 400.0 and sigma == pytest.approx(math.sqrt(4 * 400 + 100**2 * 1))


def test_sq_reorder_point_hand_computed() -> None:
    # mu=100/d, sd=20/d, L=4 d: mu_L=400, sigma_L=40; Q=400, beta=0.99:
    # G(k) = 0.01*400/40 = 0.1  ->  k = 0.9027 (tables), s = 400 + 0.9027*40 = 436.1
    pol = sQ_policy_for_fill_rate(100, 20, 4, 0, 400, 0.99)
    assert pol.sd_lt == pytest.approx(40.0)
    assert pol.k == pytest.approx(0.9027, abs=1e-3)
    assert pol.s == pytest.approx(436.1, abs=0.1)
    assert pol.safety_stock == pytest.approx(pol.k * 40)


# --------------------------------------------------------------------------- Monte Carlo
def _gamma_increments(rng: np.random.Generator, mean: float, sd: float, n: int) -> np.ndarray:
    return rng.gamma(mean**2 / sd**2, sd**2 / mean, n)


def _fill_rate(d: np.ndarray, net_before: np.ndarray, start: int) -> float:
    """Share of demand met from stock; net_before = net stock after arrivals, before demand."""
    served = np.clip(net_before, 0.0, d)
    return float(served[start:].sum() / d[start:].sum())


def simulate_sq(
    mean_daily: float,
    sd_daily: float,
    lead_time_days: float,
    lead_time_sd_days: float,
    s: float,
    q: float,
    days: int,
    seed: int,
    steps_per_day: int = 100,
) -> float:
    """Achieved fill rate of a continuous-review (s, Q) policy with backorders.

    Demand is a gamma process on a fine grid (dt = 1/steps_per_day days); the k-th order is
    placed at the first step where cumulative demand reaches k·Q (inventory position ≤ s,
    starting from s + Q); lead times are normal (truncated at 0).
    """
    demand_rng, lead_rng = (np.random.default_rng(x) for x in np.random.SeedSequence(seed).spawn(2))
    n = days * steps_per_day
    dt = 1.0 / steps_per_day
    d = _gamma_increments(demand_rng, mean_daily * dt, sd_daily * math.sqrt(dt), n)
    cum = np.cumsum(d)
    n_orders = int(cum[-1] // q)
    placed = np.searchsorted(cum, q * np.arange(1, n_orders + 1))  # step of the crossing
    lead = np.maximum(lead_rng.normal(lead_time_days, lead_time_sd_days, n_orders), 0.0)
    # placed at the end of step i, available from step i + 1 + L/dt onwards
    arrive = placed + 1 + np.ceil(lead / dt - 1e-9).astype(np.int64)
    arrivals = np.bincount(arrive[arrive < n], minlength=n)[:n]
    net_before = s + q + q * np.cumsum(arrivals) - np.concatenate(([0.0], cum[:-1]))
    return _fill_rate(d, net_before, start=n // 20)


def simulate_rs(
    mean_daily: float,
    sd_daily: float,
    review_days: int,
    lead_time_days: int,
    big_s: float,
    days: int,
    seed: int,
) -> float:
    """Achieved fill rate of a periodic (R, S) policy, gamma daily demand, backorders.

    Review at the end of days R, 2R, …: order = demand since the last review (inventory
    position back to S), arriving at the end of day t + L.
    """
    rng = np.random.default_rng(seed)
    d = _gamma_increments(rng, mean_daily, sd_daily, days)
    cum = np.concatenate(([0.0], np.cumsum(d)))  # cum[t] = demand in days 1..t
    reviews = np.arange(review_days, days + 1, review_days)
    qty = cum[reviews] - cum[reviews - review_days]
    arrival_day = reviews + lead_time_days + 1  # first day the units can serve (1-based)
    arrivals = np.zeros(days + 2)
    keep = arrival_day <= days
    np.add.at(arrivals, arrival_day[keep], qty[keep])
    net_before = big_s + np.cumsum(arrivals)[1 : days + 1] - cum[:-1]
    return _fill_rate(d, net_before, start=days // 20)


@pytest.mark.parametrize(
    ("beta", "lt_sd", "q"), [(0.95, 0.0, 800.0), (0.98, 0.0, 600.0), (0.98, 1.0, 1500.0)]
)
def test_sq_fill_rate_monte_carlo(beta: float, lt_sd: float, q: float) -> None:
    # The simulated gamma process jumps, so the position undershoots s by about
    # sigma^2 / (2 mu) = 2 units, which the textbook model ignores: the achieved fill rate is
    # about 0.2 points below target (seed sd about 0.1 point per run, docs/stocking.md).
    mean, sd, lead = 100.0, 20.0, 5.0
    pol = sQ_policy_for_fill_rate(mean, sd, lead, lt_sd, q, beta)
    achieved = [
        simulate_sq(mean, sd, lead, lt_sd, pol.s, q, days=20_000, seed=seed) for seed in (1, 2)
    ]
    assert np.mean(achieved) == pytest.approx(beta, abs=0.005)


@pytest.mark.parametrize(("beta", "review"), [(0.95, 7), (0.98, 7), (0.98, 14)])
def test_rs_fill_rate_monte_carlo(beta: float, review: int) -> None:
    mean, sd, lead = 100.0, 30.0, 3
    pol = RS_policy_for_fill_rate(mean, sd, review, lead, beta)
    assert pol.sd_pi == pytest.approx(sd * math.sqrt(review + lead))
    achieved = [
        simulate_rs(mean, sd, review, lead, pol.S, days=200_000, seed=seed) for seed in (1, 2)
    ]
    assert np.mean(achieved) == pytest.approx(beta, abs=0.005)


def test_monte_carlo_detects_a_wrong_policy() -> None:
    # the check has power: a reorder point one sigma too low misses the target clearly
    pol = sQ_policy_for_fill_rate(100.0, 20.0, 5.0, 0.0, 400.0, 0.98)
    achieved = simulate_sq(100.0, 20.0, 5.0, 0.0, pol.s - pol.sd_lt, 400.0, 10_000, 1)
    assert achieved < 0.98 - 0.01


# --------------------------------------------------------------------------- undershoot
@pytest.mark.parametrize("c", [1.0, 7.0, 40.0])
def test_undershoot_of_constant_transactions_is_uniform(c: float) -> None:
    # transactions of exactly c units: the undershoot is uniform on (0, c)
    mean, sd = undershoot_moments(c, c**2, c**3)
    assert mean == pytest.approx(c / 2)
    assert sd == pytest.approx(c / math.sqrt(12))


def test_undershoot_of_exponential_transactions_is_exponential() -> None:
    # memoryless sizes: the undershoot has the size distribution itself (mean m, sd m)
    m = 25.0
    assert undershoot_moments(m, 2 * m**2, 6 * m**3) == pytest.approx((m, m))


def simulate_sq_compound(rate_per_day: float, size_shape: float, size_scale: float,
                         lead_time_days: float, s: float, q: float, days: int,
                         seed: int) -> float:
    """Fill rate of (s, Q) with backorders under compound Poisson demand: transactions at
    rate ``rate_per_day`` of gamma(size_shape, size_scale) units; the j-th order is placed at
    the transaction where cumulative demand first reaches jQ (position ≤ s, start s + Q) and
    arrives ``lead_time_days`` later."""
    rng = np.random.default_rng(seed)
    n = rng.poisson(rate_per_day * days)
    t = np.sort(rng.uniform(0.0, days, n))
    x = rng.gamma(size_shape, size_scale, n)
    cum = np.cumsum(x)
    placed = t[np.searchsorted(cum, q * np.arange(1, int(cum[-1] // q) + 1))]
    arrived = np.searchsorted(placed + lead_time_days, t, side="right")
    net_before = s + q + q * arrived - (cum - x)
    served = np.clip(net_before, 0.0, x)
    start = n // 20
    return float(served[start:].sum() / x[start:].sum())


@pytest.mark.parametrize(
    ("size_mean", "size_sd", "rate", "lead", "q", "beta"),
    [(20.0, 30.0, 5.0, 3.0, 1500.0, 0.98), (100.0, 150.0, 1.0, 4.0, 2000.0, 0.95)],
)
def test_sq_with_undershoot_meets_fill_rate_under_lumpy_demand(
    size_mean: float, size_sd: float, rate: float, lead: float, q: float, beta: float
) -> None:
    shape, scale = (size_mean / size_sd) ** 2, size_sd**2 / size_mean
    m2 = size_sd**2 + size_mean**2
    m3 = scale**3 * shape * (shape + 1) * (shape + 2)
    sd_daily = math.sqrt(rate * m2)  # compound Poisson: Var per day = rate × E[X²]
    u_mean, u_sd = undershoot_moments(size_mean, m2, m3)
    corrected = sQ_policy_for_fill_rate(rate * size_mean, sd_daily, lead, 0.0, q, beta,
                                        u_mean, u_sd)
    textbook = sQ_policy_for_fill_rate(rate * size_mean, sd_daily, lead, 0.0, q, beta)
    assert corrected.safety_stock == pytest.approx(corrected.k * corrected.sd_lt)

    def achieved(s: float) -> float:
        return float(np.mean([simulate_sq_compound(rate, shape, scale, lead, s, q, 100_000, seed)
                              for seed in (1, 2)]))

    # measured (docs/stocking.md): 0.979 and 0.947 with the correction, 0.971 and 0.908 without
    assert achieved(corrected.s) == pytest.approx(beta, abs=0.005)
    assert achieved(textbook.s) < beta - 0.008


# --------------------------------------------------------------------------- pooling
@pytest.mark.parametrize("n", [1, 2, 4, 9, 16])
def test_square_root_law(n: int) -> None:
    separate, pooled = pooling_safety_stock([30.0] * n, z=2.0)
    assert separate == pytest.approx(2.0 * 30.0 * n)
    assert separate / pooled == pytest.approx(math.sqrt(n))


def test_pooling_never_needs_more() -> None:
    rng = np.random.default_rng(5)
    for _ in range(20):
        sig = rng.uniform(0, 50, rng.integers(1, 10))
        separate, pooled = pooling_safety_stock(sig)
        assert pooled <= separate + 1e-9


# --------------------------------------------------------------------------- site policies
def test_site_policies(dataset: Dataset) -> None:
    customers = dataset.tables["customers"]["customer_id"].to_numpy()
    sites = ["S01", "S02", "S05"]
    qualified = dataset.tables["sites"].set_index("site_id")["cold_chain_qualified"]
    assignment = {c: sites[i % 3] for i, c in enumerate(customers)}
    pol = site_policies(dataset, sites, assignment, fill_rate=0.98)
    assert set(pol["site_id"]) == set(sites)
    assert (pol["policy"] == "sQ").all()
    # cold-chain products only at qualified sites
    cold_sites = set(pol.loc[pol["cold_chain"], "site_id"])
    assert all(bool(qualified[s]) for s in cold_sites)
    # Q is the EOQ, s = mu_L + k sigma_L, holding cost = E[on hand] * h
    row = pol.iloc[0]
    h = row["holding_cost_cny_per_unit_year"]
    assert row["Q_units"] == pytest.approx(eoq(row["mean_daily_units"] * 365, 500.0, h))
    assert row["holding_cost_cny_per_year"] == pytest.approx(row["expected_on_hand_units"] * h)
    # site demand adds up to the company demand of the last year
    everywhere = pol.groupby("product_id")["site_id"].transform("size") == len(sites)
    total = pol[everywhere].groupby("product_id")["mean_daily_units"].sum() * 365
    assert len(total) > 0
    annual = abc_xyz_classes(dataset).set_index("product_id")["annual_units"]
    assert np.allclose(total, annual.loc[total.index])
    rs = site_policies(dataset, sites, assignment, review_days=7)
    assert (rs["policy"] == "RS").all() and rs["S_units"].notna().all()
    pooled = pooling_table(pol)
    three = pooled[pooled["sites"] == 3]
    assert (three["pooling_ratio"] <= math.sqrt(3) + 1e-9).all()
    assert (three["pooled_safety_stock_units"] < three["separate_safety_stock_units"]).all()


def test_site_policies_refuses_unknown_site(dataset: Dataset) -> None:
    with pytest.raises(InputError, match="sites_open"):
        site_policies(dataset, ["S99"], {})
