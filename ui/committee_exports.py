"""Downloads of a comparison: every table in long form, one JSON document, an Excel workbook
with provenance, CSV."""

from __future__ import annotations

import json

import pandas as pd

from scenarios.compare import Comparison
from scenarios.jsonio import json_ready
from simulation.summary import difference_verdict
from ui.common import csv_bytes
from ui.overview import kpi_workbook


# --------------------------------------------------------------------------- downloads
def _long_tables(res: Comparison) -> dict[str, pd.DataFrame]:
    """Every table of the comparison, one row per scenario and item (raw values)."""
    kpis, stages = [], []
    for r in res.results:
        p = r.result
        for name in p.kpis:  # the KPIs and their companions (docs/kpis.md)
            k, t = p.kpis[name], p.targets.get(name)
            kpis.append(
                {
                    "scenario": r.label,
                    "kpi": name,
                    "mean": k.mean,
                    "ci95_lo": k.ci_low,
                    "ci95_hi": k.ci_high,
                    "p10": k.p10,
                    "p90": k.p90,
                    "target": t.target if t else None,
                    "status": t.status if t else None,
                    "met": t.met if t else None,
                    "probability_met": t.probability if t else None,
                    "probability_met_ci95_lo": t.probability_ci95[0] if t else None,
                    "probability_met_ci95_hi": t.probability_ci95[1] if t else None,
                    "replications_to_decide": t.replications_to_decide if t else None,
                }
            )
        frame = pd.DataFrame(p.stages).T.astype(float).rename_axis("stage").reset_index()
        stages.append(frame.assign(scenario=r.label))
    diffs = [
        {
            "scenario": label,
            "base": res.base.label,
            "kpi": name,
            "difference": d["mean"],
            "ci95_lo": d["ci95"][0],
            "ci95_hi": d["ci95"][1],
            "better": d["better"],
            "verdict": d.get("verdict") or difference_verdict(name, *d["ci95"]),
        }
        for label, by_kpi in res.differences.items()
        for name, d in by_kpi.items()
    ]
    assumptions = [{"scenario": r.label, "assumption": name, **a}
                   for r in res.results for name, a in r.result.assumptions.items()]
    tables = {
        "kpis": pd.DataFrame(kpis),
        "differences": pd.DataFrame(
            diffs,
            columns=["scenario", "base", "kpi", "difference", "ci95_lo", "ci95_hi", "better",
                     "verdict"],
        ),
        "stages": _scenario_first(pd.concat(stages, ignore_index=True)),
        "per_replication": per_replication_table(res),
        "assumptions": pd.DataFrame(assumptions, columns=["scenario", "assumption", "value",
                                                          "low", "high", "source", "used"]),
    }
    for name in _table_names(res):
        tables[name] = _stacked(res, name)
    return tables


def _scenario_first(frame: pd.DataFrame) -> pd.DataFrame:
    return frame[["scenario", *[c for c in frame.columns if c != "scenario"]]]


def _table_names(res: Comparison) -> list[str]:
    names: list[str] = []
    for r in res.results:
        names += [n for n in r.tables if n not in names]
    return names


def _stacked(res: Comparison, name: str) -> pd.DataFrame:
    """Table ``name`` of every scenario that has it, with a leading ``scenario`` column."""
    frames = [r.tables[name].assign(scenario=r.label) for r in res.results if name in r.tables]
    return _scenario_first(pd.concat(frames, ignore_index=True))


def per_replication_table(res: Comparison) -> pd.DataFrame:
    """Every replication's KPIs of every scenario (``scenario, replication, ...``)."""
    frames = [r.per_replication.assign(scenario=r.label) for r in res.results]
    return _scenario_first(pd.concat(frames, ignore_index=True))


def comparison_json(res: Comparison) -> bytes:
    """Every scenario's JSON payload and the paired differences, as one JSON document."""
    doc = {
        "base": res.base.label,
        "seed": res.seed,
        "replications": res.replications,
        "scenarios": {r.label: r.result.to_json() for r in res.results},
        "differences": res.differences,
    }
    return json_bytes(doc)


def json_bytes(doc: object) -> bytes:
    return (json.dumps(json_ready(doc), indent=2, ensure_ascii=False, default=str) + "\n").encode()


def committee_workbook(res: Comparison) -> bytes:
    """An Excel workbook, one sheet per table, then an ``about`` sheet (provenance)."""
    about = {
        "base": res.base.label,
        "scenarios": ", ".join(r.label for r in res.results),
        "run_ids": ", ".join(str(r.result.run_id or "(not stored)") for r in res.results),
        "seed": str(res.seed),
        "replications": str(res.replications),
        "dataset_fingerprints": ", ".join(
            str(r.result.dataset_fingerprint) for r in res.results
        ),
        "finished_at": res.finished_at.isoformat(timespec="seconds"),
    }
    return kpi_workbook(_long_tables(res), about)


def _csv(frame: pd.DataFrame) -> bytes:
    return csv_bytes(frame)
