"""Master data: customers (with their hidden credit quality), reps and the account map,
doctors, products and warehouse sites, placed in real Chinese districts (``data/geo``)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from data.generate.parameters import (
    CENTRAL_DC_CITIES,
    PRICE_RANGE,
    REGION_WEIGHT,
    TERMINAL_MIX,
    TYPE_MIX,
    Profile,
)
from data.geography import great_circle_km
from data.tables import (
    CUSTOMER_TYPES,
    DEPARTMENTS,
    DISTRIBUTOR_TYPES,
    REGIONS,
    THERAPY_AREAS,
    TITLES,
)


def types_by_share(types: tuple[str, ...], shares: list[float], n: int,
                   rng: np.random.Generator) -> np.ndarray:
    """``n`` types in proportion to ``shares`` (at least one of each when n allows),
    shuffled."""
    counts = np.maximum(1, np.floor(np.array(shares) / sum(shares) * n)).astype(int)
    while counts.sum() > n:
        counts[int(np.argmax(counts))] -= 1
    counts[int(np.argmax(counts))] += n - counts.sum()
    return rng.permutation(np.repeat(np.array(types), counts))


def place(types: np.ndarray, geo: pd.DataFrame, near_centre: tuple[str, ...],
          rng: np.random.Generator) -> pd.DataFrame:
    """A real county-level district for each of ``types``, weighted by region, urbanisation
    and remoteness; the types in ``near_centre`` sit near regional centres."""
    # Sansha (South China Sea islands) has no road access: no accounts there
    counties = geo[(geo["level"] == "county") & ~geo["adcode"].str.startswith("4603")]
    counties = counties.reset_index(drop=True)
    urban = np.where(counties["district"].str.endswith("区"), 3.0,
                     np.where(counties["district"].str.endswith("市"), 1.5, 1.0))
    base = counties["region"].map(REGION_WEIGHT).to_numpy() * urban
    base = base / counties.groupby("region")["adcode"].transform("size").to_numpy()
    base = base * np.where(counties["remote"], 0.6, 1.0)
    near = np.exp(-counties["km_to_centre"].to_numpy() / 80.0)
    idx = np.empty(len(types), dtype=np.int64)
    for t in np.unique(types):
        mask = types == t
        w = base * near if t in near_centre else base
        idx[mask] = rng.choice(len(counties), size=int(mask.sum()), p=w / w.sum())
    return counties.iloc[idx].reset_index(drop=True)


def located(ids: np.ndarray, names: list[str], kind_column: str, kinds: np.ndarray,
            loc: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The identity and location columns shared by customers and terminals."""
    n = len(ids)
    return pd.DataFrame({
        kind_column.replace("_type", "_id"): ids, "name": names, kind_column: kinds,
        "province": loc["province"], "city": loc["city"],
        "longitude": (loc["longitude"] + rng.normal(0, 0.03, n)).round(5),
        "latitude": (loc["latitude"] + rng.normal(0, 0.03, n)).round(5),
        "region": loc["region"], "district": loc["district"], "adcode": loc["adcode"],
        "remote": loc["remote"].astype(bool),
    })


def customers_and_quality(prof: Profile, geo: pd.DataFrame, epoch: pd.Timestamp,
                          rng: np.random.Generator
                          ) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """The accounts invoiced, each one's hidden credit quality (standardised) and hidden
    affinity to our products (gamma, mean 1).

    Sales are left at 0 here: a distributor's follow from the terminals it supplies
    (:mod:`data.generate.channel`), a direct account's from its potential, its affinity and
    the calls it gets (:mod:`data.generate.visits`)."""
    n = prof.customers
    ctype = types_by_share(CUSTOMER_TYPES, [TYPE_MIX[t][0] for t in CUSTOMER_TYPES], n, rng)
    # level-1 distributors are provincial platforms in the regional centres
    loc = place(ctype, geo, ("distributor_l1",), rng)
    median_potential = np.array([TYPE_MIX[t][1] for t in ctype])
    potential = median_potential * rng.lognormal(0.0, 0.8, n)
    affinity = rng.gamma(5.0, 0.2, n)
    hospital = ctype == "private_hospital"
    beds = np.where(hospital, rng.integers(80, 600, n), 0)
    departments = np.where(hospital, np.maximum(5, beds // 40), 0)
    years_ago = rng.uniform(0.0, 15.0, n)
    distributor = np.isin(ctype, DISTRIBUTOR_TYPES)
    # direct accounts won during the history (a distributor's terminals were supplied before)
    new = (rng.random(n) < 0.08) & ~distributor
    years_ago = np.where(new, rng.uniform(0.05, prof.history_days / 365.0 - 0.05, n), years_ago)
    start = epoch + pd.to_timedelta(prof.history_days - years_ago * 365.0, unit="D")
    operating_years = np.where(distributor, rng.uniform(5, 40, n), rng.gamma(2.0, 5.0, n))
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
    customers = located(ids, names, "customer_type", ctype, loc, rng)
    customers["relationship_start"] = start.normalize()
    customers["annual_potential_cny"] = potential.round(2)
    customers["annual_sales_cny"] = 0.0
    customers["departments"] = departments.astype(np.int64)
    customers["beds"] = beds.astype(np.int64)
    customers["operating_years"] = operating_years.round(1)
    customers["revenue_growth_pct"] = growth.round(1)
    customers["debt_ratio"] = debt.round(3)
    customers["reputation_score"] = reputation.round(1)
    customers["payment_terms"] = "monthly"
    return customers, quality, affinity


_TYPE_LABEL = {"distributor_l1": "医药股份", "distributor_l2": "医药公司",
               "chain_pharmacy": "连锁药房", "private_hospital": "民营医院",
               "private_clinic": "诊所"}


def reps(prof: Profile, geo: pd.DataFrame, sales_by_region: pd.Series,
         rng: np.random.Generator) -> pd.DataFrame:
    """The reps table: reps per region by its sales, living in its regional centres."""
    sales = sales_by_region.reindex(REGIONS, fill_value=0)
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


def customer_reps(customers: pd.DataFrame, reps: pd.DataFrame) -> np.ndarray:
    """Each account's (or terminal's) rep id: the nearest rep of its region (today's
    relationship-based map)."""
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


def doctors(terminals: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The doctors table: doctors of the hospitals and clinics."""
    per = terminals["terminal_type"].map({t: v[2] for t, v in TERMINAL_MIX.items()}).to_numpy()
    count = np.where(per > 0, rng.poisson(per), 0)
    cust = np.repeat(np.arange(len(terminals)), count)
    n = len(cust)
    ctype = terminals["terminal_type"].to_numpy()[cust]
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
        "terminal_id": terminals["terminal_id"].to_numpy()[cust],
        "department": dept, "title": title,
        "weekly_outpatients": outpatients.astype(np.int64),
        "weekly_target_patients": target.astype(np.int64),
        "weekly_relevant_prescriptions": scripts.astype(np.int64),
        "beds_in_charge": beds.astype(np.int64),
        "our_share": rng.beta(2.0, 6.0, n).round(3),
        "kol": (title == "chief") & (rng.random(n) < 0.25 * grade),
    })


def products(prof: Profile, rng: np.random.Generator) -> pd.DataFrame:
    """The products table: therapy-area mix, prices, unit costs, cold chain."""
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


def sites(geo: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """The sites table: two central DCs and a forward-warehouse candidate per regional centre."""
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
