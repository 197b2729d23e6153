"""Results that depend only on a data set (and a few plain settings), computed once per data
set object.

A comparison prepares several scenarios on one data set, a lever attribution up to 64
coalitions of levers; each would otherwise fit the same response curves, build the same
panels and score the same accounts again (about 20 s per scenario on the national data set).
The results live as long as the :class:`~data.dataset.Dataset` they were computed from and are
keyed by that object, not by its fingerprint: a data set built in memory (a test's, a
truncated history) may carry any fingerprint. Each call gets its own deep copy, so a caller
that changes what it got cannot change what the next one gets.
"""

from __future__ import annotations

import copy
import functools
import threading
import weakref
from collections.abc import Callable
from typing import Any, TypeVar

from data.dataset import Dataset

T = TypeVar("T")

_kept: dict[int, dict[tuple, Any]] = {}  # id(dataset) → {(function, arguments): result}
_lock = threading.Lock()


def per_dataset(fn: Callable[..., T]) -> Callable[..., T]:
    """``fn(dataset, *args, **kwargs)`` computed once per data set and arguments (hashable)."""

    @functools.wraps(fn)
    def wrapper(dataset: Dataset, *args: Any, **kwargs: Any) -> T:
        key = (fn.__module__, fn.__qualname__, args, tuple(sorted(kwargs.items())))
        with _lock:
            results = _kept.get(id(dataset))
            if results is not None and key in results:
                return copy.deepcopy(results[key])
        value = fn(dataset, *args, **kwargs)
        with _lock:
            if id(dataset) not in _kept:
                _kept[id(dataset)] = {}
                # forget them with the data set, before its id can name another object
                weakref.finalize(dataset, _kept.pop, id(dataset), None)
            _kept[id(dataset)][key] = value
        return copy.deepcopy(value)

    return wrapper
