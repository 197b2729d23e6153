"""Customer tiers: the documented first rule, checked on hand-made accounts."""

from __future__ import annotations

import pandas as pd

from models.territory.tiers import customer_tiers

AS_OF = pd.Timestamp("2026-09-30")


def test_tier_rule_by_hand() -> None:
    old = AS_OF - pd.Timedelta(days=3650)
    customers = pd.DataFrame({
        "customer_type": ["distributor_l1", "private_clinic", "private_clinic",
                          "distributor_l2", "private_clinic", "chain_pharmacy",
                          "private_clinic", "chain_pharmacy", "private_hospital",
                          "chain_pharmacy"],
        # the top 20% by sales (2 of 10 accounts) are core whatever their type
        "annual_sales_cny": [1e5, 9e6, 1e4, 2e4, 3e4, 8e6, 1e4, 1e4, 1e4, 1e4],
        "relationship_start": [old, old, old, old, AS_OF - pd.Timedelta(days=100), old, old,
                               old, old, old],
    })
    tiers = customer_tiers(customers, AS_OF).tolist()
    assert tiers == ["core", "core", "basic", "potential", "potential", "core", "basic",
                     "basic", "potential", "basic"]
