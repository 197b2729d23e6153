"""Simulate a forward-warehouse network the location model chose: on-time delivery, remote
days, fill rate and split deliveries with their confidence intervals, paired against today's
network (the same seed: common random numbers).

The supply-chain page uses this to put simulated service, not transit-time coverage, next to
the cost of each choice. Everything but the network is today's process (scenario defaults).
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd

from data.dataset import Dataset
from scenarios.frame_codec import decode_frame, encode_frame
from scenarios.run import configure, todays_work
from scenarios.schema import Scenario
from simulation.inputs import SimulationInputs, build_inputs
from simulation.params import ProcessParams
from simulation.runner import Progress, run_replications
from simulation.summary import (
    Estimate,
    mean_table,
    paired_differences,
    per_replication_frame,
    summarize,
)

#: KPIs a network moves (order processing and collection do not depend on it)
NETWORK_KPIS = ("on_time_rate", "remote_delivery_days", "complaint_rate")
FORWARD_DETAILS = ("forward_fill_rate", "forward_order_share", "split_delivery_rate")


def network_scenario(forward_sites: list[str], *, fill_rate: float = 0.98,
                     policy: str = "sQ", horizon_days: int = 365, warmup_days: int = 90,
                     seed: int = 20260101) -> Scenario:
    """Today's process with ``forward_sites`` open (empty: today's network)."""
    logistics = {"forward_warehouses": list(forward_sites) or "none",
                 "forward_fill_rate": fill_rate, "forward_policy": policy}
    return Scenario.model_validate({
        "name": "network", "dataset": ".", "horizon_days": horizon_days,
        "warmup_days": warmup_days, "seed": seed, "logistics": logistics})


@dataclass(frozen=True)
class NetworkCheck:
    """Simulated KPIs of a network and of today's network, per replication and summarised."""

    today: pd.DataFrame              # per replication, today's network
    network: pd.DataFrame            # per replication, the chosen network
    summary: dict[str, Estimate]     # the network's KPIs over replications
    differences: dict                # paired network − today per KPI
    by_site: pd.DataFrame            # per forward site, mean over replications

    def to_json(self) -> dict:
        """The check as JSON (``pharmaops warehouses simulate --json``): the frames lossless
        (:func:`scenarios.frame_codec.encode_frame`), estimates and differences as numbers
        (NaN as null once written); :meth:`from_json` rebuilds the check."""
        frames = {name: json.loads(encode_frame(getattr(self, name), name))
                  for name in ("today", "network", "by_site")}
        return {**frames, "summary": {k: e.to_json() for k, e in self.summary.items()},
                "differences": {k: {"mean": d["mean"], "ci95": list(d["ci95"]),
                                    "better": bool(d["better"]), "verdict": d["verdict"]}
                                for k, d in self.differences.items()}}

    @classmethod
    def from_json(cls, doc: dict) -> NetworkCheck:
        """The check :meth:`to_json` wrote (e.g. by a job of the app's queue)."""
        def number(value: float | None) -> float:
            return math.nan if value is None else float(value)

        frames = {name: decode_frame(json.dumps(doc[name]))
                  for name in ("today", "network", "by_site")}
        return cls(**frames,
                   summary={k: Estimate.from_json(e) for k, e in doc["summary"].items()},
                   differences={k: {"mean": number(d["mean"]),
                                    "ci95": [number(v) for v in d["ci95"]],
                                    "better": bool(d["better"]), "verdict": d["verdict"]}
                                for k, d in doc["differences"].items()})


def simulate_network(dataset: Dataset, params: ProcessParams, forward_sites: list[str],
                     assignment: Mapping[str, str] | None, *, replications: int = 3,
                     seed: int = 20260101, fill_rate: float = 0.98, policy: str = "sQ",
                     horizon_days: int = 365, warmup_days: int = 90, workers: int | None = 1,
                     inputs: SimulationInputs | None = None,
                     today: pd.DataFrame | None = None,
                     progress: Progress | None = None) -> NetworkCheck:
    """Run today's network and ``forward_sites`` (stocked by the stocking model, accounts as
    ``assignment`` maps their districts) with the same seeds; ``progress(done, total)`` over
    both runs' replications. ``today``: a previous check's per-replication KPIs of today's
    network with the same seed, horizon and replications (not run again)."""
    inputs = inputs if inputs is not None else build_inputs(dataset)
    common = dict(horizon_days=horizon_days, warmup_days=warmup_days, seed=seed)
    # today's work content net of the modelled wait, as every scenario run uses it
    params = todays_work(dataset, params, network_scenario([], **common), inputs)
    todo = [list(forward_sites)] if today is not None else [[], list(forward_sites)]
    runs = []
    for k, sites in enumerate(todo):
        scenario = network_scenario(sites, fill_rate=fill_rate, policy=policy, **common)
        _, config = configure(dataset, params, scenario, inputs=inputs, assignment=assignment)

        def tick(done: int, total: int, offset: int = k * replications) -> None:
            if progress is not None:
                progress(offset + done, len(todo) * replications)

        runs.append(run_replications(inputs, params, config, replications=replications,
                                     seed=seed, workers=workers, progress=tick))
    per_rep = [per_replication_frame(run) for run in runs]
    today_df = today if today is not None else per_rep[0]
    network_df = per_rep[-1]
    details = tuple(d for d in FORWARD_DETAILS if d in network_df.columns)
    frames = [r.by_site for r in runs[-1] if len(r.by_site)]
    by_site = mean_table(frames, "site_id") if frames else pd.DataFrame()
    return NetworkCheck(today_df, network_df, summarize(network_df, NETWORK_KPIS + details),
                        paired_differences(today_df, network_df, NETWORK_KPIS), by_site)
