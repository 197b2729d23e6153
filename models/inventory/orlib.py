"""Readers for the OR-Library location benchmarks (Beasley 1988; Beasley 1990).

Formats: tests/data/orlib/README.md (OR-Library). Both files are read as one token stream,
since lines may wrap anywhere.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import shortest_path

from data.problems import InputError, Problem
from models.inventory.facility_problem import FacilityProblem

#: the word capa/capb/capc use in place of every site's capacity
CAPACITY_WORD = "capacity"


def _tokens(path: Path) -> list[str]:
    return path.read_text().split()


def _numbers(tokens: list[str], path: Path, start: int, count: int) -> np.ndarray:
    chunk = tokens[start : start + count]
    if len(chunk) < count:
        raise InputError(
            Problem(str(path), f"token {start}", f"{count} more numbers", f"{len(chunk)}"),
            f"{path.name} ends early",
        )
    try:
        return np.array([float(t) for t in chunk], dtype=float)
    except ValueError as exc:
        raise InputError(
            Problem(str(path), f"tokens {start}..{start + count - 1}", "numbers", str(exc)),
            f"{path.name} is not an OR-Library file",
        ) from exc


def read_orlib_cap(path: str | Path, capacity: float | None = None) -> FacilityProblem:
    """Read an OR-Library capacitated warehouse file (cap41 … cap134, capa/capb/capc).

    Layout: ``m n``; m × ``capacity fixed_cost``; per customer ``demand`` then m costs of
    serving all of its demand from each site. In capa/capb/capc every capacity is the word
    ``capacity``, replaced by ``capacity`` (e.g. capa 8000/10000/12000/14000); a number in the
    file is kept as it is.
    """
    path = Path(path)
    tokens = _tokens(path)
    head = _numbers(tokens, path, 0, 2)
    m, n = int(head[0]), int(head[1])
    pos = 2
    caps = np.empty(m)
    fixed = np.empty(m)
    for i in range(m):
        if pos + 2 > len(tokens):
            _numbers(tokens, path, pos, 2)  # raises "ends early"
        word = tokens[pos]
        if word.lower() == CAPACITY_WORD:
            if capacity is None:
                raise InputError(
                    Problem(
                        str(path),
                        f"site {i} capacity",
                        "the capacity argument, e.g. read_orlib_cap(path, capacity=8000)",
                        f"the word {word!r} and capacity=None",
                    ),
                    f"{path.name} leaves the capacities open",
                )
            caps[i] = float(capacity)
        else:
            caps[i] = _numbers(tokens, path, pos, 1)[0]
        fixed[i] = _numbers(tokens, path, pos + 1, 1)[0]
        pos += 2
    block = _numbers(tokens, path, pos, n * (m + 1)).reshape(n, m + 1)
    if len(tokens) > pos + n * (m + 1):
        extra = len(tokens) - pos - n * (m + 1)
        raise InputError(
            Problem(str(path), "end of file", f"{pos + n * (m + 1)} tokens", f"{extra} more"),
            f"{path.name} has trailing data",
        )
    demand = block[:, 0].copy()
    cost = np.ascontiguousarray(block[:, 1:].T)
    name = path.stem if capacity is None else f"{path.stem}_{capacity:g}"
    return FacilityProblem(
        fixed_cost=fixed, capacity=caps, demand=demand, cost=cost, p=None, name=name
    )


def read_orlib_pmed(path: str | Path) -> FacilityProblem:
    """Read an OR-Library p-median file (pmed1 … pmed40) as a facility problem.

    Layout: ``n edges p`` then ``i j cost`` per edge (1-based, undirected). A duplicated edge
    takes its **last** cost (Beasley's generator overwrites the matrix entry). Costs are all
    pairs shortest paths; every node is a candidate site and a customer of demand 1, sites
    have no fixed cost and no capacity, and exactly p are open.
    """
    path = Path(path)
    tokens = _tokens(path)
    head = _numbers(tokens, path, 0, 3)
    n, n_edges, p = int(head[0]), int(head[1]), int(head[2])
    edges = _numbers(tokens, path, 3, 3 * n_edges).reshape(n_edges, 3)
    a = edges[:, 0].astype(int) - 1
    b = edges[:, 1].astype(int) - 1
    if a.min() < 0 or b.min() < 0 or a.max() >= n or b.max() >= n:
        raise InputError(
            Problem(str(path), "edges", f"node numbers in 1..{n}", "a node outside"),
            f"{path.name} has a bad edge",
        )
    # last occurrence wins: key each undirected edge, keep the last index per key
    lo, hi = np.minimum(a, b), np.maximum(a, b)
    key = lo * n + hi
    _, first_in_reversed = np.unique(key[::-1], return_index=True)
    keep = n_edges - 1 - first_in_reversed
    graph = coo_matrix((edges[keep, 2], (lo[keep], hi[keep])), shape=(n, n)).tocsr()
    dist = shortest_path(graph, method="D", directed=False)
    if not np.all(np.isfinite(dist)):
        raise InputError(
            Problem(str(path), "edges", "a connected graph", "unreachable node pairs"),
            f"{path.name} is not connected",
        )
    return FacilityProblem(
        fixed_cost=np.zeros(n),
        capacity=None,
        demand=np.ones(n),
        cost=dist,
        p=p,
        name=path.stem,
    )
