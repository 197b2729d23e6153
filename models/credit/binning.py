"""Optimal monotonic WOE binning of one feature against a binary outcome.

Each feature is cut into fine pre-bins (quantiles of a numeric feature, one pre-bin per category
of a categorical one, categories ordered by their bad rate), and the pre-bins are then merged
into contiguous bins by an exact dynamic programme that maximises the information value (IV)
subject to

* WOE strictly monotone across the bins (ascending or descending, whichever gives more IV),
* every bin holding at least ``min_bin_share`` of the rows, and at most ``max_bins`` bins.

IV is a sum over bins, so the best partition of pre-bins ``0..i`` ending in bin ``[j, i)`` only
depends on the bin before it: the programme visits every (bins, last bin, bin before) triple,
O(max_bins × n³) for n pre-bins, and returns the proven optimum (what optbinning solves as a
CP-SAT/MIP model). Missing values always get a bin of their own. Conventions follow Siddiqi,
*Credit Risk Scorecards* (2006): ``WOE = ln(share of goods / share of bads)``, so a higher WOE
is safer, and ``IV = Σ (share of goods − share of bads) × WOE``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: added to every bin's good and bad counts so that a pure bin has a finite WOE
WOE_SMOOTHING = 0.5
MISSING = "Missing"


@dataclass(frozen=True)
class FeatureBinning:
    """A fitted binning of one feature: apply it with ``bin_index`` and ``woe``.

    Numeric: bin ``k`` holds ``edges[k-1] <= x < edges[k]`` (open ends). Categorical:
    ``categories[k]`` lists the categories of bin ``k``; a category not seen in fitting gets
    WOE 0 (the training population's average). The missing bin is index ``len(bins)``.
    """

    name: str
    kind: str  # "numeric" | "categorical"
    edges: tuple[float, ...]
    categories: tuple[tuple[str, ...], ...]
    woe_by_bin: tuple[float, ...]  # the regular bins, then the missing bin
    goods: tuple[int, ...]
    bads: tuple[int, ...]
    iv: float
    monotonic_trend: str  # "ascending" | "descending" (WOE against bin order)

    @property
    def n_bins(self) -> int:
        """Regular bins plus the missing bin."""
        return len(self.woe_by_bin)

    def labels(self) -> list[str]:
        if self.kind == "numeric":
            bounds = [-math.inf, *self.edges, math.inf]
            out = [f"[{bounds[k]:.6g}, {bounds[k + 1]:.6g})" for k in range(len(bounds) - 1)]
        else:
            out = [", ".join(c) for c in self.categories]
        return [*out, MISSING]

    def bin_index(self, values: pd.Series) -> np.ndarray:
        """Bin of each value; -1 for a category not seen in fitting."""
        missing = values.isna().to_numpy()
        idx = np.full(len(values), self.n_bins - 1, dtype=np.int64)
        if self.kind == "numeric":
            x = pd.to_numeric(values, errors="coerce").to_numpy(dtype=float)
            missing = missing | np.isnan(x)
            idx[~missing] = np.searchsorted(np.asarray(self.edges), x[~missing], side="right")
        else:
            lookup = {c: k for k, cats in enumerate(self.categories) for c in cats}
            keys = values.astype(object).to_numpy()
            for r in np.flatnonzero(~missing):
                idx[r] = lookup.get(str(keys[r]), -1)
        return idx

    def woe(self, values: pd.Series) -> np.ndarray:
        idx = self.bin_index(values)
        table = np.asarray(self.woe_by_bin, dtype=float)
        return np.where(idx >= 0, table[np.maximum(idx, 0)], 0.0)


def _woe(goods: np.ndarray, bads: np.ndarray, total_good: float, total_bad: float) -> np.ndarray:
    return np.log(
        ((goods + WOE_SMOOTHING) / (total_good + WOE_SMOOTHING))
        / ((bads + WOE_SMOOTHING) / (total_bad + WOE_SMOOTHING))
    )


def _iv_terms(goods, bads, total_good, total_bad) -> np.ndarray:
    woe = _woe(goods, bads, total_good, total_bad)
    return (goods / total_good - bads / total_bad) * woe


def optimal_partition(
    goods: np.ndarray,
    bads: np.ndarray,
    total_good: float,
    total_bad: float,
    *,
    min_rows: int,
    max_bins: int,
    ascending: bool,
) -> tuple[list[int], float] | None:
    """Cut points (pre-bin indices where a new bin starts) of the IV-maximising partition.

    Returns ``(starts, iv)`` or None when no partition meets the constraints.
    """
    n = len(goods)
    cg = np.concatenate([[0], np.cumsum(goods)])
    cb = np.concatenate([[0], np.cumsum(bads)])
    # woe / iv / size of every candidate bin [j, i)
    woe = np.full((n + 1, n + 1), np.nan)
    iv = np.full((n + 1, n + 1), -np.inf)
    for j in range(n):
        g = cg[j + 1 :] - cg[j]
        b = cb[j + 1 :] - cb[j]
        ok = (g + b) >= min_rows
        w = _woe(g, b, total_good, total_bad)
        woe[j, j + 1 :] = np.where(ok, w, np.nan)
        iv[j, j + 1 :] = np.where(ok, (g / total_good - b / total_bad) * w, -np.inf)
    sign = 1.0 if ascending else -1.0
    # best[m][j][i]: max IV of a partition of [0, i) into m bins whose last bin is [j, i)
    best = np.full((max_bins + 1, n + 1, n + 1), -np.inf)
    back = np.full((max_bins + 1, n + 1, n + 1), -1, dtype=np.int64)
    best[1, 0, 1:] = iv[0, 1:]
    for m in range(2, max_bins + 1):
        for i in range(2, n + 1):
            for j in range(1, i):
                if not np.isfinite(iv[j, i]):
                    continue
                prev = best[m - 1, :j, j]  # previous bin [k, j)
                allowed = sign * (woe[j, i] - woe[:j, j]) > 1e-12
                cand = np.where(allowed, prev, -np.inf)
                k = int(np.argmax(cand))
                if np.isfinite(cand[k]):
                    best[m, j, i] = cand[k] + iv[j, i]
                    back[m, j, i] = k
    flat = best[:, :, n]
    if not np.isfinite(flat).any():
        return None
    m, j = np.unravel_index(int(np.argmax(flat)), flat.shape)
    value = float(flat[m, j])
    starts = []
    i = n
    while m >= 1:
        starts.append(int(j))
        k = back[m, j, i]
        i, j, m = j, k, m - 1
    return sorted(starts), value


def fit_feature_binning(
    values: pd.Series,
    bad: np.ndarray,
    *,
    categorical: bool,
    max_prebins: int = 20,
    min_bin_share: float = 0.05,
    max_bins: int = 8,
) -> FeatureBinning:
    """Optimal monotonic binning of ``values`` against the 0/1 array ``bad``."""
    bad = np.asarray(bad, dtype=int)
    missing = values.isna().to_numpy()
    total_bad = float(bad.sum())
    total_good = float(len(bad) - total_bad)
    present = ~missing
    y = bad[present]
    min_rows = max(1, math.ceil(min_bin_share * len(bad)))
    if categorical:
        cats = values[present].astype(str).to_numpy()
        frame = pd.DataFrame({"c": cats, "bad": y})
        grouped = frame.groupby("c", sort=True)["bad"].agg(["sum", "count"])
        grouped["rate"] = (grouped["sum"] + WOE_SMOOTHING) / (grouped["count"] + 2 * WOE_SMOOTHING)
        grouped = grouped.sort_values(["rate", "count"], kind="stable")
        pre_cats = [(c,) for c in grouped.index]
        pre_bads = grouped["sum"].to_numpy(dtype=float)
        pre_goods = grouped["count"].to_numpy(dtype=float) - pre_bads
        pre_edges: list[float] = []
    else:
        x = pd.to_numeric(values[present], errors="coerce").to_numpy(dtype=float)
        qs = np.quantile(x, np.linspace(0, 1, max_prebins + 1)[1:-1]) if len(x) else []
        pre_edges = sorted(set(float(q) for q in qs) - {float(x.min())} if len(x) else set())
        idx = np.searchsorted(np.asarray(pre_edges), x, side="right")
        pre_bads = np.bincount(idx, weights=y, minlength=len(pre_edges) + 1)
        pre_goods = np.bincount(idx, minlength=len(pre_edges) + 1) - pre_bads
        pre_cats = []
    starts, trend, iv_value = [0], "ascending", 0.0
    if len(pre_goods) > 1 and total_good > 0 and total_bad > 0:
        found = []
        for ascending in (True, False):
            res = optimal_partition(
                pre_goods,
                pre_bads,
                total_good,
                total_bad,
                min_rows=min_rows,
                max_bins=max_bins,
                ascending=ascending,
            )
            if res is not None:
                found.append((res[1], ascending, res[0]))
        if found:
            iv_value, ascending, starts = max(found, key=lambda t: t[0])
            trend = "ascending" if ascending else "descending"
    ends = [*starts[1:], len(pre_goods)]
    goods = [float(pre_goods[s:e].sum()) for s, e in zip(starts, ends, strict=True)]
    bads = [float(pre_bads[s:e].sum()) for s, e in zip(starts, ends, strict=True)]
    goods.append(float(total_good - sum(goods)))
    bads.append(float(total_bad - sum(bads)))
    g, b = np.asarray(goods), np.asarray(bads)
    woe = _woe(g, b, total_good, total_bad) if total_good > 0 and total_bad > 0 else g * 0
    if g[-1] + b[-1] == 0:
        woe[-1] = 0.0  # no missing values in fitting: neutral
    iv_total = float(_iv_terms(g, b, total_good, total_bad).sum()) if total_bad > 0 else 0.0
    return FeatureBinning(
        name=str(values.name),
        kind="categorical" if categorical else "numeric",
        edges=tuple(pre_edges[s - 1] for s in starts[1:]) if not categorical else (),
        categories=tuple(
            tuple(c for pc in pre_cats[s:e] for c in pc) for s, e in zip(starts, ends, strict=True)
        )
        if categorical
        else (),
        woe_by_bin=tuple(float(w) for w in woe),
        goods=tuple(int(v) for v in goods),
        bads=tuple(int(v) for v in bads),
        iv=iv_total if np.isfinite(iv_total) else 0.0,
        monotonic_trend=trend,
    )
