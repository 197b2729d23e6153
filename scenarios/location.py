"""The location model's levers and its solve, shared by the scenario runner
(``forward_warehouses = "optimize"``), the CLI and the supply-chain page."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from data.dataset import Dataset
from models.inventory import network_design as nd
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
