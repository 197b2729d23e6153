"""A run already computed is served from the store, not recomputed: same scenario text, seed,
replications, data set (fingerprint) and code version give the same numbers (the simulation
is reproducible, docs/simulation.md "Randomness"), so the stored run is that run."""

from __future__ import annotations

from dataclasses import replace

from scenarios.loading import LoadedScenario
from scenarios.provenance import code_version
from scenarios.result import RunResult
from scenarios.run import SimulationRun
from scenarios.store import FINGERPRINT_SHORT_CHARS, RunStore


def stored_same_run(store: RunStore, loaded: LoadedScenario, fingerprint: str, seed: int,
                    replications: int) -> SimulationRun | None:
    """The newest completed simulation of ``loaded``'s exact text with this seed, replication
    count, data set and code version (its result carrying its run id); None when there is
    none."""
    runs = store.list_runs()
    if runs.empty:
        return None
    same = runs[(runs["kind"] == "simulation") & (runs["status"] == "completed")
                & (runs["scenario_name"] == loaded.scenario.name)
                & (runs["seed"] == seed)
                & (runs["dataset_fingerprint"] == fingerprint[:FINGERPRINT_SHORT_CHARS])]
    version = code_version()
    for run_id in same["run_id"]:  # newest first
        stored = store.get(run_id)
        if (stored.scenario_text == loaded.text and stored.dataset_fingerprint == fingerprint
                and stored.code_version == version
                and stored.summary.get("replications") == replications
                and stored.replication_kpis is not None):
            result = replace(RunResult.from_json(stored.summary), run_id=run_id)
            return SimulationRun(result, stored.replication_kpis, dict(stored.decision_tables),
                                 [])
    return None
