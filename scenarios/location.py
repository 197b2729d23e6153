"""The location model's levers and its solve, shared by the scenario runner
(``forward_warehouses = "optimize"``), the CLI and the supply-chain page."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from data.dataset import Dataset
from models.inventory import network_design as nd
from models.inventory.covering import fewest_sites_location, maximal_covering_location
from scenarios.schema import Scenario
from simulation.params import ProcessParams


@dataclass(frozen=True)
class LocationLevers:
    """The location model's settings: candidate sites ("sites" of the data set or every
    "prefectures" city), at most ``max_sites`` forward sites, an annual fixed-cost budget
    (CNY/year), and a delivery-days rule (``service_days``; with ``service_share`` only that
    share of demand must be within it)."""

    candidates: str = "sites"
    max_sites: int | None = None
    budget_cny: float | None = None
    service_days: float | None = None
    service_share: float | None = None

    @classmethod
    def from_scenario(cls, scenario: Scenario, candidates: str = "sites") -> LocationLevers:
        lev = scenario.logistics
        return cls(candidates=candidates, max_sites=lev.warehouse_max_sites,
                   budget_cny=lev.warehouse_budget_cny, service_days=lev.warehouse_service_days,
                   service_share=lev.warehouse_service_share)

    def problem(self, dataset: Dataset, params: ProcessParams) -> nd.LocationInstance:
        return nd.build_location_problem(dataset, params.transit, **asdict(self))


def solve_warehouses(dataset: Dataset, params: ProcessParams, levers: LocationLevers,
                     time_limit_s: float) -> nd.LocationOutcome:
    """The location model for ``levers`` (status, bound and gap in ``.result``)."""
    return nd.solve_location(levers.problem(dataset, params), time_limit_s)


@dataclass(frozen=True)
class RuleHint:
    """What would make a delivery-days rule (D = ``service_days``) feasible, transit times
    only (capacities and the budget aside): the fewest forward warehouses that meet it
    (``min_sites``, None when no number of sites does; ``proven`` when that count is proven
    least) and the most demand within D days with the ``max_sites`` allowed (share of all
    demand). ``share_needed`` is the rule's share of all demand (every district: the demand
    some candidate reaches within D days)."""

    service_days: float
    share_needed: float
    max_sites: int | None
    min_sites: int | None
    proven: bool
    share_with_max_sites: float | None
    reachable_share: float

    @property
    def sites_suffice(self) -> bool:
        """True when the allowed number of sites could meet the rule (so something else,
        such as a capacity or the budget, rules the plan out)."""
        return self.min_sites is not None and (self.max_sites is None
                                               or self.min_sites <= self.max_sites)


def rule_hint(instance: nd.LocationInstance, time_limit_s: float = 30.0) -> RuleHint | None:
    """The :class:`RuleHint` of ``instance``'s delivery-days rule; None without a rule.
    Two covering solves of at most ``time_limit_s`` each (≈ 0.2-2 s on the national data set,
    docs/location.md)."""
    days = instance.service_days
    if days is None:
        return None
    within = instance.transit_days <= days
    total = float(instance.demand.sum())
    reachable = float(instance.demand[within.any(axis=0)].sum()) / total
    share = (float(instance.service_share) if instance.service_share is not None
             else reachable)
    fewest = fewest_sites_location(instance, days, min(share, 1.0), time_limit_s=time_limit_s)
    best = None
    if instance.max_sites is not None:
        best = maximal_covering_location(instance, days, max_sites=instance.max_sites,
                                         time_limit_s=time_limit_s).covered_share
    return RuleHint(service_days=float(days), share_needed=share, max_sites=instance.max_sites,
                    min_sites=fewest.n_sites, proven=fewest.status == "optimal",
                    share_with_max_sites=best, reachable_share=fewest.reachable_share)
