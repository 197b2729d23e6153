"""Population stability index (PSI) between two periods, per feature and for the score.

``PSI = Σ (a_i − e_i) × ln(a_i / e_i)`` over bins, with ``e_i`` and ``a_i`` the expected
(earlier, reference) and actual (later) shares of rows in bin ``i`` (Siddiqi, *Credit Risk
Scorecards*, 2006, ch. 8). Numeric bins are the expected sample's quantiles (``bins`` of them,
ties merged), categorical bins its categories plus one bin for categories it never had, and
missing values always have a bin of their own. An empty share is floored at ``EMPTY_SHARE`` so
the index stays finite. Bands: < 0.1 stable, 0.1-0.25 watch, > 0.25 shift.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from data.problems import InputError, Problem

#: a bin's share is floored at this before the logarithm (an empty bin would give ±∞)
EMPTY_SHARE = 1e-4
BANDS = ((0.1, "stable"), (0.25, "watch"), (float("inf"), "shift"))


def psi_band(value: float) -> str:
    """'stable' below 0.1, 'watch' from 0.1 to 0.25, 'shift' above 0.25."""
    for upper, name in BANDS:
        if value < upper or (name == "watch" and value <= upper):
            return name
    return "shift"


@dataclass(frozen=True)
class PSIResult:
    value: float
    band: str
    table: pd.DataFrame  # bin, expected_share, actual_share, contribution


def _categorical(s: pd.Series) -> bool:
    return not pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s)


def _psi_one(expected: pd.Series, actual: pd.Series, bins: int) -> PSIResult:
    if _categorical(expected) or _categorical(actual):
        e_cat = expected.astype(object).where(expected.notna(), None)
        a_cat = actual.astype(object).where(actual.notna(), None)
        seen = sorted({str(v) for v in e_cat.dropna()})

        def label(v):
            if v is None:
                return "Missing"
            return str(v) if str(v) in seen else "(unseen)"

        labels = [*seen, "(unseen)", "Missing"]
        e_lab, a_lab = e_cat.map(label), a_cat.map(label)
    else:
        e = pd.to_numeric(expected).to_numpy(dtype=float)
        a = pd.to_numeric(actual).to_numpy(dtype=float)
        present = e[~np.isnan(e)]
        qs = np.quantile(present, np.linspace(0, 1, bins + 1)[1:-1]) if len(present) else []
        edges = np.array(sorted(set(float(q) for q in qs)))
        names = [f"< {edges[0]:.6g}"] if len(edges) else ["all"]
        names += [f"[{edges[k]:.6g}, {edges[k + 1]:.6g})" for k in range(len(edges) - 1)]
        if len(edges):
            names.append(f">= {edges[-1]:.6g}")
        labels = [*names, "Missing"]

        def lab(x):
            idx = np.searchsorted(edges, x, side="right")
            return pd.Series(
                [labels[-1] if np.isnan(v) else names[i] for v, i in zip(x, idx, strict=True)],
                dtype=object,
            )

        e_lab, a_lab = lab(e), lab(a)
    e_share = e_lab.value_counts(normalize=True).reindex(labels, fill_value=0.0)
    a_share = a_lab.value_counts(normalize=True).reindex(labels, fill_value=0.0)
    keep = (e_share > 0) | (a_share > 0)
    e_s, a_s = e_share[keep].to_numpy(), a_share[keep].to_numpy()
    e_f, a_f = np.maximum(e_s, EMPTY_SHARE), np.maximum(a_s, EMPTY_SHARE)
    contrib = (a_f - e_f) * np.log(a_f / e_f)
    table = pd.DataFrame(
        {
            "bin": np.asarray(labels, dtype=object)[keep.to_numpy()],
            "expected_share": e_s,
            "actual_share": a_s,
            "contribution": contrib,
        }
    )
    value = float(contrib.sum())
    return PSIResult(value=value, band=psi_band(value), table=table)


def psi(expected, actual, *, bins: int = 10):
    """PSI of ``actual`` against ``expected``.

    Two Series/arrays → ``PSIResult`` (value, band, per-bin table). Two DataFrames → one row per
    common column with ``psi`` and ``band``; pass the scores of both periods as Series for the
    score's PSI.
    """
    if not isinstance(bins, int) or bins < 2:
        raise InputError(Problem("psi", "bins", "an integer ≥ 2", repr(bins)))
    if isinstance(expected, pd.DataFrame) and isinstance(actual, pd.DataFrame):
        common = [c for c in expected.columns if c in actual.columns]
        if not common:
            raise InputError(
                Problem(
                    "psi",
                    "expected / actual",
                    "common columns",
                    f"{list(expected.columns)} / {list(actual.columns)}",
                )
            )
        out = {c: _psi_one(expected[c], actual[c], bins) for c in common}
        return pd.DataFrame(
            {
                "psi": {c: r.value for c, r in out.items()},
                "band": {c: r.band for c, r in out.items()},
            }
        )
    e, a = pd.Series(expected).reset_index(drop=True), pd.Series(actual).reset_index(drop=True)
    if len(e) == 0 or len(a) == 0:
        raise InputError(
            Problem("psi", "expected / actual", "at least one value each", f"{len(e)} / {len(a)}")
        )
    return _psi_one(e, a, bins)
