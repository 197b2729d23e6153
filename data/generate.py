"""Deterministic generator of a realistic data set for the company.

Customers are placed in real Chinese districts (``data/geo``); orders flow through today's
manual process (rep keys in phone/WeChat orders, office clerk, manual approval, daily stock
sync with overselling, picking and a 16:00 carrier cut-off, third-party transit by road
distance) and invoices are paid by behaviours that depend on each customer's hidden credit
quality, with manual reminders that are sometimes forgotten and a write-off rule. The
baseline KPIs of DOMAIN.md are *consequences* of these mechanisms and of the parameters in
:class:`ProcessTruth`, which is stored in ``dataset.json`` as the hidden truth a calibration
must recover. Every draw comes from one ``numpy.random.Generator`` stream per source.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from data.calendar import add_working_hours, next_working_instant, to_timestamps
from data.geography import great_circle_km, load_districts
from data.tables import CUSTOMER_TYPES, DEPARTMENTS, REGIONS, THERAPY_AREAS, TITLES

GENERATOR_VERSION = "1"


@dataclass(frozen=True)
class Profile:
    """Size of a generated data set."""

    name: str
    customers: int
    reps: int
    products: int
    history_days: int = 730


PROFILES: dict[str, Profile] = {
    "small": Profile("small", customers=300, reps=8, products=12),
    "national": Profile("national", customers=8000, reps=150, products=40),
    "large": Profile("large", customers=80000, reps=1500, products=40),
}
DEFAULT_SEED = 20261


@dataclass(frozen=True)
class ProcessTruth:
    """Parameters of today's process used by the generator (days unless stated)."""

    channel_shares: dict[str, float] = field(
        default_factory=lambda: {"phone": 0.50, "wechat": 0.42, "app": 0.08})
    # office stages take working hours (Mon-Fri 09:00-18:00), see data.calendar
    entry_median_hours: float = 4.0          # rep keys in after the field day, lognormal
    entry_sigma: float = 0.7
    app_entry_minutes: float = 5.0
    clerk_mean_hours: float = 3.0            # gamma, shape 2
    approval_mean_hours: float = 4.0         # gamma, shape 1.5
    oversell_probability: float = 0.08       # daily batch stock sync
    replenishment_mean_days: float = 3.5     # calendar days, gamma, shape 3
    pick_mean_hours: float = 2.5             # gamma, shape 2
    carrier_cutoff_hour: float = 16.0
    detour_factor: float = 1.3               # road km / great-circle km
    trunk_km_per_day: float = 900.0
    handover_days: float = 0.3
    last_mile_days: float = 0.4
    remote_last_mile_days: float = 1.0
    transit_sigma: float = 0.30              # multiplicative lognormal noise
    incident_probability: float = 0.05       # lost in hub, vehicle trouble
    incident_max_days: float = 4.0           # uniform 1..max extra days
    promise_days: int = 7
    promise_days_remote: int = 10
    error_probability: float = 0.015         # wrong or damaged delivery
    complaint_if_late: float = 0.30
    complaint_if_error: float = 0.90
    complaint_no_visibility: float = 0.030   # untracked orders
    invoice_delay_mean_days: float = 2.5     # paper invoice, gamma shape 2
    settlement_days_after_month_end: int = 30
    lateness_mean_days: dict[str, float] = field(default_factory=lambda: {
        "hospital_3a": 26.0, "hospital_3": 24.0, "hospital_2": 20.0, "community_clinic": 14.0,
        "chain_pharmacy": 5.0, "single_pharmacy": 10.0, "distributor": 12.0})
    lateness_quality_effect: float = 0.35    # mean x exp(-effect * quality)
    lateness_shape: float = 1.5
    early_payment_days: float = 3.0
    reminder_first_days: float = 15.0        # after due date, then every 30 days
    reminder_interval_days: float = 30.0
    reminder_sent_probability: float = 0.6   # manual reminders get forgotten
    reminder_effect: float = 0.5             # remaining lateness kept after a reminder
    default_logit_intercept: float = -4.3
    default_logit_quality: float = -1.1
    default_type_offset: dict[str, float] = field(default_factory=lambda: {
        "hospital_3a": -1.2, "hospital_3": -1.0, "hospital_2": -0.4, "community_clinic": 0.2,
        "chain_pharmacy": 0.0, "single_pharmacy": 0.9, "distributor": 0.5})
    default_partial_probability: float = 0.3
    split_payment_probability: float = 0.15
    write_off_days_after_due: int = 180


# per customer type: share of accounts, median annual potential (CNY), order value (CNY),
# doctors per account
TYPE_MIX = {
    "hospital_3a": (0.04, 3.0e6, 40000, 12), "hospital_3": (0.06, 1.5e6, 25000, 8),
    "hospital_2": (0.15, 6.0e5, 12000, 5), "community_clinic": (0.25, 8.0e4, 3000, 2),
    "chain_pharmacy": (0.22, 4.0e5, 15000, 0), "single_pharmacy": (0.23, 6.0e4, 2500, 0),
    "distributor": (0.05, 5.0e6, 120000, 0),
}
REGION_WEIGHT = {"East": 0.32, "South": 0.14, "North": 0.14, "Central": 0.14,
                 "Southwest": 0.12, "Northwest": 0.06, "Northeast": 0.08}
# seasonality by calendar month (Spring Festival dip, year-end push)
MONTH_FACTOR = np.array([1.05, 0.75, 1.05, 1.0, 1.0, 1.0, 0.95, 0.95, 1.0, 0.95, 1.05, 1.25])
AREA_PREFERENCE = {  # therapy-area weights in chronic, oncology, acute_anti_infective, otc order
    "hospital": (0.35, 0.30, 0.30, 0.05), "community_clinic": (0.50, 0.02, 0.30, 0.18),
    "pharmacy": (0.45, 0.05, 0.15, 0.35), "distributor": (0.35, 0.20, 0.25, 0.20),
}
PRICE_RANGE = {"chronic": (30, 150), "oncology": (800, 3000), "acute_anti_infective": (20, 200),
               "otc": (10, 40)}
CENTRAL_DC_CITIES = ("310000", "420100")  # Shanghai, Wuhan
STREAMS = ("customers", "doctors", "reps", "products", "sites", "arrivals", "lines", "process",
           "transit", "complaints", "payments")


def generate_dataset(profile: str | Profile = "national", seed: int = DEFAULT_SEED,
                     as_of: str = "2026-09-30",
                     truth: ProcessTruth | None = None) -> tuple[dict[str, pd.DataFrame], dict]:
    """Build all tables for ``profile``; returns ``(tables, meta)``. Pure: same seed, same data."""
    prof = PROFILES[profile] if isinstance(profile, str) else profile
    if prof.reps < len(REGIONS) or prof.products < 4 or prof.customers < 1:
        raise ValueError(f"profile {prof.name!r} needs >= {len(REGIONS)} reps (one per region), "
                         f">= 4 products (one per therapy area) and >= 1 customer; got {prof}")
    truth = truth or ProcessTruth()
    rngs = dict(zip(STREAMS, (np.random.default_rng(s)
                              for s in np.random.SeedSequence(seed).spawn(len(STREAMS))),
                    strict=True))
    end = pd.Timestamp(as_of)
    epoch = end - pd.Timedelta(days=prof.history_days - 1)
    geo = load_districts()
    customers, quality = _customers(prof, geo, epoch, rngs["customers"])
    reps = _reps(prof, geo, customers, rngs["reps"])
    customers["rep_id"] = _assign_reps(customers, reps)
    doctors = _doctors(customers, rngs["doctors"])
    products = _products(prof, rngs["products"])
    sites = _sites(geo, rngs["sites"])
    orders, lines = _orders(prof, customers, products, epoch, rngs["arrivals"], rngs["lines"])
    orders = _process(orders, customers, sites, epoch, end, truth, rngs)
    invoices, payments = _ledger(orders, lines, customers, quality, epoch, end, truth,
                                 rngs["payments"])
    orders = _censor_orders(orders, epoch, end)
    tables = {"customers": customers, "doctors": doctors, "reps": reps, "products": products,
              "sites": sites, "orders": orders, "order_lines": lines, "invoices": invoices,
              "payments": payments}
    meta = {"profile": prof.name, "seed": seed, "as_of": end.strftime("%Y-%m-%d"),
            "history_start": epoch.strftime("%Y-%m-%d"), "generator_version": GENERATOR_VERSION,
            "process_truth": dataclasses.asdict(truth)}
    return tables, meta


# --------------------------------------------------------------------------- customers
def _customers(prof: Profile, geo: pd.DataFrame, epoch: pd.Timestamp,
               rng: np.random.Generator) -> tuple[pd.DataFrame, np.ndarray]:
    n = prof.customers
    # Sansha (South China Sea islands) has no road access: no accounts there
    counties = geo[(geo["level"] == "county") & ~geo["adcode"].str.startswith("4603")]
    counties = counties.reset_index(drop=True)
    shares = np.array([TYPE_MIX[t][0] for t in CUSTOMER_TYPES])
    ctype = rng.choice(np.array(CUSTOMER_TYPES), size=n, p=shares / shares.sum())
    urban = np.where(counties["district"].str.endswith("区"), 3.0,
                     np.where(counties["district"].str.endswith("市"), 1.5, 1.0))
    base = counties["region"].map(REGION_WEIGHT).to_numpy() * urban
    base = base / counties.groupby("region")["adcode"].transform("size").to_numpy()
    base = base * np.where(counties["remote"], 0.6, 1.0)
    near = np.exp(-counties["km_to_centre"].to_numpy() / 80.0)
    idx = np.empty(n, dtype=np.int64)
    for t in CUSTOMER_TYPES:  # top hospitals and distributors sit near regional centres
        mask = ctype == t
        w = base * near if t in ("hospital_3a", "hospital_3", "distributor") else base
        idx[mask] = rng.choice(len(counties), size=int(mask.sum()), p=w / w.sum())
    loc = counties.iloc[idx].reset_index(drop=True)
    median_potential = np.array([TYPE_MIX[t][1] for t in ctype])
    potential = median_potential * rng.lognormal(0.0, 0.8, n)
    share = rng.beta(2.0, 5.0, n)
    is_hosp = np.char.startswith(ctype.astype(str), "hospital")
    beds = np.where(ctype == "hospital_3a", rng.integers(1500, 3500, n),
                    np.where(ctype == "hospital_3", rng.integers(800, 1600, n),
                             np.where(ctype == "hospital_2", rng.integers(200, 700, n), 0)))
    departments = np.where(is_hosp, np.maximum(8, beds // 50), 0)
    years_ago = rng.uniform(0.0, 15.0, n)
    new = rng.random(n) < 0.08  # accounts won during the history
    years_ago = np.where(new, rng.uniform(0.05, prof.history_days / 365.0 - 0.05, n), years_ago)
    start = epoch + pd.to_timedelta(prof.history_days - years_ago * 365.0, unit="D")
    operating_years = np.where(is_hosp, rng.uniform(10, 80, n), rng.gamma(2.0, 5.0, n))
    growth = rng.normal(6.0, 12.0, n)
    debt = rng.beta(3.0, 4.0, n)
    reputation = np.clip(rng.normal(70, 12, n), 0, 100)
    # hidden credit quality: what operating condition and reputation reveal, plus noise
    quality = (0.35 * (np.log1p(operating_years) - 2.5) + 0.03 * (growth - 6.0)
               - 2.0 * (debt - 0.43) + 0.04 * (reputation - 70.0) + rng.normal(0, 0.6, n))
    quality = (quality - quality.mean()) / quality.std()
    ids = np.char.add("C", np.char.zfill(np.arange(1, n + 1).astype(str), 6))
    names = [f"{d}{_TYPE_LABEL[t]}{i % 97 + 1}" for d, t, i in
             zip(loc["district"], ctype, range(n), strict=True)]
    customers = pd.DataFrame({
        "customer_id": ids, "name": names, "customer_type": ctype,
        "province": loc["province"], "city": loc["city"],
        "longitude": (loc["longitude"] + rng.normal(0, 0.03, n)).round(5),
        "latitude": (loc["latitude"] + rng.normal(0, 0.03, n)).round(5),
        "region": loc["region"], "district": loc["district"], "adcode": loc["adcode"],
        "remote": loc["remote"].astype(bool), "relationship_start": start.normalize(),
        "annual_potential_cny": potential.round(2),
        "annual_sales_cny": (potential * share).round(2),
        "departments": departments.astype(np.int64), "beds": beds.astype(np.int64),
        "operating_years": operating_years.round(1), "revenue_growth_pct": growth.round(1),
        "debt_ratio": debt.round(3), "reputation_score": reputation.round(1),
        "payment_terms": "monthly",
    })
    return customers, quality


_TYPE_LABEL = {"hospital_3a": "三甲医院", "hospital_3": "三级医院", "hospital_2": "二级医院",
               "community_clinic": "社区卫生服务中心", "chain_pharmacy": "连锁药房",
               "single_pharmacy": "单体药店", "distributor": "医药公司"}


def _reps(prof: Profile, geo: pd.DataFrame, customers: pd.DataFrame,
          rng: np.random.Generator) -> pd.DataFrame:
    sales = customers.groupby("region")["annual_sales_cny"].sum().reindex(REGIONS, fill_value=0)
    alloc = np.maximum(1, np.floor(sales / sales.sum() * (prof.reps - len(REGIONS)))).astype(int)
    alloc.iloc[int(np.argmax(alloc.to_numpy()))] += prof.reps - int(alloc.sum())
    centres = geo[geo["regional_centre"]]
    rows = []
    for region, count in alloc.items():
        cities = centres[centres["region"] == region]
        pick = cities.iloc[rng.integers(0, len(cities), count)]
        for k, (_, c) in enumerate(pick.iterrows()):
            rows.append((region, c, k))
    n = len(rows)
    return pd.DataFrame({
        "rep_id": [f"R{i + 1:04d}" for i in range(n)],
        "name": [f"Rep {i + 1}" for i in range(n)],
        "home_city": [c["city"] for _, c, _ in rows],
        "longitude": [round(c["longitude"], 5) for _, c, _ in rows],
        "latitude": [round(c["latitude"], 5) for _, c, _ in rows],
        "region": [r for r, _, _ in rows],
        "team": [f"{r}-{k // 8 + 1}" for r, _, k in rows],
        "field_days_per_month": rng.integers(18, 23, n).astype(float),
        "calls_per_day": rng.integers(6, 11, n).astype(float),
        "academic_specialist": rng.random(n) < 0.15,
    })


def _assign_reps(customers: pd.DataFrame, reps: pd.DataFrame) -> np.ndarray:
    """Each account goes to the nearest rep of its region (today's relationship-based map)."""
    out = np.empty(len(customers), dtype=object)
    for region, group in customers.groupby("region"):
        pool = reps[reps["region"] == region]
        d = great_circle_km(group["longitude"].to_numpy()[:, None],
                            group["latitude"].to_numpy()[:, None],
                            pool["longitude"].to_numpy()[None, :],
                            pool["latitude"].to_numpy()[None, :])
        # spread ties among reps sharing a home city by account index
        nearest = d.min(axis=1, keepdims=True)
        ties = d <= nearest + 1.0
        counts = ties.sum(axis=1)
        order = np.arange(len(group)) % counts
        choice = np.array([np.flatnonzero(row)[k] for row, k in zip(ties, order, strict=True)])
        out[group.index.to_numpy()] = pool["rep_id"].to_numpy()[choice]
    return out


def _doctors(customers: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    per = customers["customer_type"].map({t: v[3] for t, v in TYPE_MIX.items()}).to_numpy()
    count = np.where(per > 0, rng.poisson(per), 0)
    cust = np.repeat(customers.index.to_numpy(), count)
    n = len(cust)
    ctype = customers["customer_type"].to_numpy()[cust]
    grade = pd.Series(ctype).map({"hospital_3a": 1.6, "hospital_3": 1.3, "hospital_2": 1.0,
                                  "community_clinic": 0.5}).to_numpy()
    dept = rng.choice(np.array(DEPARTMENTS), size=n, p=[0.22, 0.16, 0.14, 0.16, 0.14, 0.18])
    title = rng.choice(np.array(TITLES), size=n, p=[0.15, 0.25, 0.40, 0.20])
    senior = np.where(title == "chief", 1.4, np.where(title == "associate_chief", 1.2, 1.0))
    outpatients = rng.poisson(14 * grade * senior)
    target = rng.binomial(outpatients, 0.35)
    scripts = np.where(dept == "infectious_disease", rng.poisson(60 * grade),
                       rng.poisson(np.maximum(target, 0) * 0.45))
    beds = np.where(np.isin(ctype, ["community_clinic"]), 0,
                    rng.poisson(6 * grade * np.where(dept == "infectious_disease", 1.5, 1.0)))
    return pd.DataFrame({
        "doctor_id": [f"D{i + 1:06d}" for i in range(n)],
        "customer_id": customers["customer_id"].to_numpy()[cust],
        "department": dept, "title": title,
        "weekly_outpatients": outpatients.astype(np.int64),
        "weekly_target_patients": target.astype(np.int64),
        "weekly_relevant_prescriptions": scripts.astype(np.int64),
        "beds_in_charge": beds.astype(np.int64),
        "our_share": rng.beta(2.0, 6.0, n).round(3),
        "kol": (title == "chief") & (rng.random(n) < 0.25 * grade),
    })


def _products(prof: Profile, rng: np.random.Generator) -> pd.DataFrame:
    mix = np.array([0.40, 0.20, 0.25, 0.15])
    counts = np.maximum(1, np.round(mix * prof.products)).astype(int)
    counts[0] += prof.products - counts.sum()
    area = np.repeat(np.array(THERAPY_AREAS), counts)
    lo = np.array([PRICE_RANGE[a][0] for a in area])
    hi = np.array([PRICE_RANGE[a][1] for a in area])
    price = np.exp(rng.uniform(np.log(lo), np.log(hi))).round(2)
    cold = np.where(area == "oncology", rng.random(len(area)) < 0.5, rng.random(len(area)) < 0.05)
    return pd.DataFrame({
        "product_id": [f"P{i + 1:03d}" for i in range(len(area))],
        "name": [f"{a.replace('_', ' ').title()} {i + 1}" for i, a in enumerate(area)],
        "therapy_area": area, "unit_price_cny": price,
        "unit_cost_cny": (price * rng.uniform(0.25, 0.5, len(area))).round(2),
        "cold_chain": cold,
    })


def _sites(geo: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    centres = geo[geo["regional_centre"]].reset_index(drop=True)
    central = centres["adcode"].isin(CENTRAL_DC_CITIES).to_numpy()
    n = len(centres)
    tier1 = centres["adcode"].isin(["110000", "310000", "440100", "440300"]).to_numpy()
    fixed = np.where(tier1, 4.0e6, 2.0e6) * rng.uniform(0.8, 1.25, n)
    return pd.DataFrame({
        "site_id": [f"S{i + 1:02d}" for i in range(n)],
        "name": [f"{c}{'中心仓' if k else '前置仓候选'}" for c, k in
                 zip(centres["city"], central, strict=True)],
        "kind": np.where(central, "central_dc", "candidate"),
        "province": centres["province"], "city": centres["city"],
        "longitude": centres["longitude"], "latitude": centres["latitude"],
        "region": centres["region"], "adcode": centres["adcode"],
        "annual_fixed_cost_cny": fixed.round(-3),
        "capacity_units_per_year": np.where(central, 2.0e7, rng.uniform(1.0e6, 3.0e6, n).round(-3)),
        "handling_cost_cny_per_unit": np.where(central, 0.8, rng.uniform(0.9, 1.5, n)).round(2),
        "cold_chain_qualified": central | (rng.random(n) < 0.4),
    })


# --------------------------------------------------------------------------- orders
def _orders(prof: Profile, customers: pd.DataFrame, products: pd.DataFrame,
            epoch: pd.Timestamp, rng: np.random.Generator,
            line_rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    ctype = customers["customer_type"].to_numpy()
    order_value = np.array([TYPE_MIX[t][2] for t in ctype])
    per_year = np.clip(customers["annual_sales_cny"].to_numpy() / order_value, 2.0, 250.0)
    months = pd.period_range(epoch, periods=int(np.ceil(prof.history_days / 30.44)) + 1, freq="M")
    m_start = np.array([(p.start_time - epoch).days for p in months], dtype=float)
    m_len = np.array([p.days_in_month for p in months], dtype=float)
    factor = MONTH_FACTOR[np.array([p.month - 1 for p in months])]
    lam = per_year[:, None] / 12.0 * factor[None, :] * (m_len / 30.44)[None, :]
    counts = rng.poisson(lam)
    cust_idx, month_idx = np.nonzero(counts)
    reps = counts[cust_idx, month_idx]
    cust = np.repeat(cust_idx, reps)
    month = np.repeat(month_idx, reps)
    day = m_start[month] + np.floor(rng.random(len(cust)) * m_len[month])
    t = day + rng.uniform(8.0, 20.0, len(cust)) / 24.0
    start = ((customers["relationship_start"] - epoch).dt.days.to_numpy())[cust]
    keep = (t >= np.maximum(start, 0)) & (t < prof.history_days)
    cust, t = cust[keep], t[keep]
    order = np.argsort(t, kind="stable")
    cust, t = cust[order], t[order]
    n = len(cust)
    value = order_value[cust] * rng.lognormal(-0.18, 0.6, n)
    orders = pd.DataFrame({
        "order_id": [f"O{i + 1:07d}" for i in range(n)],
        "customer_index": cust, "placed_days": t, "value": value,
    })
    lines = _lines(orders, customers, products, line_rng)
    amounts = lines.groupby("order_index")["amount_cny"].sum()
    orders["amount_cny"] = amounts.reindex(np.arange(n)).to_numpy()
    return orders, lines.drop(columns="order_index")


def _lines(orders: pd.DataFrame, customers: pd.DataFrame, products: pd.DataFrame,
           rng: np.random.Generator) -> pd.DataFrame:
    n = len(orders)
    k = np.minimum(1 + rng.poisson(1.2, n), 6)
    oi = np.repeat(np.arange(n), k)
    line_no = np.arange(len(oi)) - np.repeat(np.cumsum(k) - k, k) + 1
    ctype = customers["customer_type"].to_numpy()[orders["customer_index"].to_numpy()][oi]
    group = np.where(np.char.startswith(ctype.astype(str), "hospital"), "hospital",
                     np.where(np.char.endswith(ctype.astype(str), "pharmacy"), "pharmacy", ctype))
    area_idx = np.empty(len(oi), dtype=np.int64)
    for g, pref in AREA_PREFERENCE.items():
        mask = group == g
        area_idx[mask] = rng.choice(4, size=int(mask.sum()), p=np.array(pref) / sum(pref))
    prod_area = products["therapy_area"].map({a: i for i, a in enumerate(THERAPY_AREAS)})
    product = np.empty(len(oi), dtype=np.int64)
    for a in range(4):
        pool = np.flatnonzero(prod_area.to_numpy() == a)
        mask = area_idx == a
        # a few best-sellers per area: Zipf-like popularity
        w = 1.0 / np.arange(1, len(pool) + 1)
        product[mask] = pool[rng.choice(len(pool), size=int(mask.sum()), p=w / w.sum())]
    weights = rng.gamma(1.0, 1.0, len(oi))
    share = weights / np.bincount(oi, weights)[oi]
    price = products["unit_price_cny"].to_numpy()[product]
    qty = np.maximum(1, np.round(orders["value"].to_numpy()[oi] * share / price)).astype(np.int64)
    return pd.DataFrame({
        "order_index": oi, "order_id": orders["order_id"].to_numpy()[oi],
        "line_no": line_no.astype(np.int64),
        "product_id": products["product_id"].to_numpy()[product],
        "quantity": qty, "amount_cny": (qty * price).round(2),
    })


def _gamma(rng: np.random.Generator, shape: float, mean: float, n: int) -> np.ndarray:
    return rng.gamma(shape, mean / shape, n)


def _process(orders: pd.DataFrame, customers: pd.DataFrame, sites: pd.DataFrame,
             epoch: pd.Timestamp, end: pd.Timestamp, truth: ProcessTruth,
             rngs: dict[str, np.random.Generator]) -> pd.DataFrame:
    """Today's order-to-delivery process, stage by stage, on the working calendar."""
    rng, trng, crng = rngs["process"], rngs["transit"], rngs["complaints"]
    n = len(orders)
    ci = orders["customer_index"].to_numpy()
    names = list(truth.channel_shares)
    p = np.array([truth.channel_shares[c] for c in names])
    channel = rng.choice(np.array(names), size=n, p=p / p.sum())
    t0 = orders["placed_days"].to_numpy()
    rep_hours = rng.lognormal(np.log(truth.entry_median_hours), truth.entry_sigma, n)
    app = channel == "app"
    entered = np.where(app, t0 + truth.app_entry_minutes / 1440.0,
                       add_working_hours(t0, rep_hours, epoch))
    clerked = add_working_hours(entered, _gamma(rng, 2.0, truth.clerk_mean_hours, n), epoch)
    approved = add_working_hours(clerked, _gamma(rng, 1.5, truth.approval_mean_hours, n), epoch)
    backordered = rng.random(n) < truth.oversell_probability
    replenish = np.where(backordered, _gamma(rng, 3.0, truth.replenishment_mean_days, n), 0.0)
    picked = add_working_hours(approved + replenish, _gamma(rng, 2.0, truth.pick_mean_hours, n),
                               epoch)
    cutoff = truth.carrier_cutoff_hour / 24.0
    day = np.floor(picked)
    ship_day = np.where(picked - day <= cutoff, day, day + 1)
    shipped = next_working_instant(ship_day + cutoff, epoch)
    shipped = np.maximum(shipped, picked)
    # serving warehouse: nearest central DC; transit by road distance and region
    central = sites[sites["kind"] == "central_dc"]
    lon = customers["longitude"].to_numpy()[ci]
    lat = customers["latitude"].to_numpy()[ci]
    d = great_circle_km(lon[:, None], lat[:, None], central["longitude"].to_numpy()[None, :],
                        central["latitude"].to_numpy()[None, :])
    wh = d.argmin(axis=1)
    road_km = d[np.arange(n), wh] * truth.detour_factor
    remote = customers["remote"].to_numpy()[ci]
    base = (truth.handover_days + road_km / truth.trunk_km_per_day
            + np.where(remote, truth.remote_last_mile_days, truth.last_mile_days))
    transit = base * trng.lognormal(-0.5 * truth.transit_sigma**2, truth.transit_sigma, n)
    incident = trng.random(n) < truth.incident_probability
    transit += np.where(incident, trng.uniform(1.0, truth.incident_max_days, n), 0.0)
    delivered = next_working_instant(shipped + transit, epoch)
    promise = np.where(remote, truth.promise_days_remote, truth.promise_days)
    promised = np.floor(t0) + promise
    late = np.floor(delivered) > promised
    error = crng.random(n) < truth.error_probability
    u = crng.random(n)
    reason = np.where(late & (u < truth.complaint_if_late), "late",
                      np.where(error & (u < truth.complaint_if_error), "error",
                               np.where(u < truth.complaint_no_visibility, "no_visibility", "")))
    out = orders.copy()
    out["customer_id"] = customers["customer_id"].to_numpy()[ci]
    out["channel"] = channel
    for name, value in (("entered_days", entered), ("approved_days", approved),
                        ("picked_days", picked), ("shipped_days", shipped),
                        ("delivered_days", delivered)):
        out[name] = value
    out["promised_days"] = promised
    out["warehouse_id"] = central["site_id"].to_numpy()[wh]
    out["backordered"] = backordered
    out["complaint_reason"] = reason
    return out


def _censor_orders(orders: pd.DataFrame, epoch: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """What the ERP holds at ``end``: later events are not known yet."""
    horizon = (end - epoch).days + 1.0  # end of the as-of day
    out = pd.DataFrame({"order_id": orders["order_id"],
                        "customer_id": orders["customer_id"], "channel": orders["channel"]})
    out["placed_at"] = to_timestamps(orders["placed_days"].to_numpy(), epoch)
    for stage in ("entered", "approved", "picked", "shipped", "delivered"):
        t = orders[f"{stage}_days"].to_numpy()
        out[f"{stage}_at"] = to_timestamps(np.where(t < horizon, t, np.nan), epoch)
    out["promised_date"] = to_timestamps(orders["promised_days"].to_numpy(), epoch).dt.normalize()
    out["warehouse_id"] = orders["warehouse_id"]
    out["backordered"] = orders["backordered"]
    known = orders["delivered_days"].to_numpy() < horizon
    reason = np.where(known, orders["complaint_reason"], "")
    out["complaint"] = reason != ""
    out["complaint_reason"] = pd.Series(reason).replace("", None)
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- ledger
def _ledger(orders: pd.DataFrame, lines: pd.DataFrame, customers: pd.DataFrame,
            quality: np.ndarray, epoch: pd.Timestamp, end: pd.Timestamp, truth: ProcessTruth,
            rng: np.random.Generator) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoices at shipping (+ paper delay), monthly settlement, payment behaviour, write-off."""
    n = len(orders)
    horizon = (end - epoch).days  # index of the as-of day
    ci = orders["customer_index"].to_numpy()
    inv_day = np.floor(orders["shipped_days"].to_numpy()
                       + _gamma(rng, 2.0, truth.invoice_delay_mean_days, n))
    inv_date = epoch + pd.to_timedelta(inv_day, unit="D")
    month_end = (inv_date + pd.offsets.MonthEnd(0)).normalize()
    due = month_end + pd.Timedelta(days=truth.settlement_days_after_month_end)
    due_day = (due - epoch).days.to_numpy().astype(float)
    ctype = customers["customer_type"].to_numpy()[ci]
    q = quality[ci]
    mean_late = (pd.Series(ctype).map(truth.lateness_mean_days).to_numpy()
                 * np.exp(-truth.lateness_quality_effect * q))
    late = (rng.gamma(truth.lateness_shape, mean_late / truth.lateness_shape, n)
            - rng.uniform(0, truth.early_payment_days, n))
    # manual reminders: opportunities every interval after the first, each sometimes forgotten
    reminders = np.zeros(n, dtype=np.int64)
    remaining = late.copy()
    for k in range(6):
        at = truth.reminder_first_days + k * truth.reminder_interval_days
        due_now = remaining > at
        sent = due_now & (rng.random(n) < truth.reminder_sent_probability)
        reminders += sent
        remaining = np.where(sent, at + (remaining - at) * truth.reminder_effect, remaining)
    pay_day = np.maximum(inv_day, due_day + np.round(remaining))
    logit = (truth.default_logit_intercept + truth.default_logit_quality * q
             + pd.Series(ctype).map(truth.default_type_offset).to_numpy())
    default = rng.random(n) < 1.0 / (1.0 + np.exp(-logit))
    amount = orders["amount_cny"].to_numpy()
    partial = default & (rng.random(n) < truth.default_partial_probability)
    paid_share = np.where(default, np.where(partial, rng.uniform(0.2, 0.6, n), 0.0), 1.0)
    split = ~default & (rng.random(n) < truth.split_payment_probability)
    wo_day = due_day + truth.write_off_days_after_due
    issued = inv_day <= horizon
    inv_ids = np.array([f"I{i + 1:07d}" for i in range(n)])
    # payments: first (or only) instalment, second instalment for split payers
    first_amt = np.where(split, np.round(amount * 0.5, 2), np.round(amount * paid_share, 2))
    first_day = np.where(split, np.floor((inv_day + pay_day) / 2),
                         np.where(default, due_day + np.round(remaining * 0.5), pay_day))
    second_amt = np.where(split, np.round(amount - first_amt, 2), 0.0)
    pay_inv = np.concatenate([np.arange(n), np.arange(n)])
    pay_amt = np.concatenate([first_amt, second_amt])
    pay_day_all = np.concatenate([first_day, pay_day])
    keep = (pay_amt > 0) & (pay_day_all <= horizon) & issued[pay_inv]
    order_p = np.lexsort((pay_day_all[keep], pay_inv[keep]))
    p_inv, p_amt, p_day = pay_inv[keep][order_p], pay_amt[keep][order_p], pay_day_all[keep][order_p]
    payments = pd.DataFrame({
        "payment_id": [f"Y{i + 1:07d}" for i in range(len(p_inv))],
        "invoice_id": inv_ids[p_inv],
        "paid_date": epoch + pd.to_timedelta(p_day, unit="D"),
        "amount_cny": p_amt,
    })
    written = default & (wo_day <= horizon)
    # reminders counted only up to the as-of day
    counted = np.where(pay_day <= horizon, reminders,
                       np.minimum(reminders, np.maximum(0, (horizon - due_day) // 30 + 1)))
    invoices = pd.DataFrame({
        "invoice_id": inv_ids, "order_id": orders["order_id"].to_numpy(),
        "customer_id": orders["customer_id"].to_numpy(),
        "amount_cny": np.round(amount, 2), "invoice_date": inv_date,
        "due_date": due, "reminders": counted.astype(np.int64),
        "write_off_date": pd.Series(epoch + pd.to_timedelta(
            np.where(written, wo_day, np.nan), unit="D")),
        "write_off_cny": np.where(written, np.round(amount - first_amt, 2), 0.0),
    })
    return invoices[issued].reset_index(drop=True), payments


def generate_to_folder(profile: str | Profile, seed: int, out_dir: str | Path) -> Path:
    """Generate ``profile`` with ``seed`` and write it atomically to ``out_dir``."""
    from data.dataset import write_dataset

    tables, meta = generate_dataset(profile, seed)
    return write_dataset(tables, out_dir, meta)
