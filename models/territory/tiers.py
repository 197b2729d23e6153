"""Customer tiers: core, potential, basic (DOMAIN.md, "Customers").

A transparent first rule on the accounts the company invoices, until the RFM + clinical-value
model is built: **core** = level-1 distributors (the platforms that supply the top
hospitals) and any account in the top 20% of our sales (the 80/20 rule); **potential** =
level-2 distributors (county hospitals and clinics), private hospitals and accounts won in the
last two years; **basic** = the rest (smaller chains, private clinics).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIERS = ("core", "potential", "basic")
NEW_ACCOUNT_YEARS = 2.0
TOP_SALES_SHARE = 0.20


def customer_tiers(customers: pd.DataFrame, as_of: pd.Timestamp) -> pd.Series:
    """Tier per customer (indexed like ``customers``)."""
    ctype = customers["customer_type"]
    sales = customers["annual_sales_cny"]
    top = sales >= sales.quantile(1.0 - TOP_SALES_SHARE)
    years = (pd.Timestamp(as_of) - customers["relationship_start"]).dt.days / 365.25
    core = (ctype == "distributor_l1") | top
    potential = ~core & (ctype.isin(["distributor_l2", "private_hospital"])
                         | (years < NEW_ACCOUNT_YEARS))
    return pd.Series(np.where(core, "core", np.where(potential, "potential", "basic")),
                     index=customers.index, name="tier")
