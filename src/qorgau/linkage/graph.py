"""The link graph in arrays: exact links by key and clusters as connected components.

At a million records a Python loop per record (a dict of groups, a union–find) took seconds
each — a third of a 300,000-record run. Here both are whole-array operations (pandas
factorisation, SciPy's connected components), linear in the number of records and links.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components


def star_edges(keys: Sequence[Any] | pd.Series) -> tuple[Any, Any]:
    """Records sharing a key, as a star per group: (first member, each other member).

    Records whose key is missing (``None``, NaN, "") belong to no group.
    """
    codes, _ = pd.factorize(pd.Series(keys).replace("", None), use_na_sentinel=True)
    members = np.flatnonzero(codes >= 0)
    codes = codes[members]
    # Members are in record order, so each group's first member is its smallest index.
    first_of = pd.Series(members).groupby(codes).transform("min").to_numpy()
    others = members != first_of
    return first_of[others], members[others]


def components(n: int, left: Any, right: Any) -> list[int]:
    """A cluster number per record (0..n-1), 1.. in order of first appearance — the
    numbering of :meth:`qorgau.linkage.engine.UnionFind.labels` — for the links
    ``left[i]``–``right[i]``."""
    if n == 0:
        return []
    left, right = np.asarray(left, dtype=np.int64), np.asarray(right, dtype=np.int64)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    _, labels = connected_components(graph, directed=False)
    # Renumber: the component of record 0 is 1, the next new component met is 2, …
    _, first = np.unique(labels, return_index=True)
    rank = np.empty(len(first), dtype=np.int64)
    rank[np.argsort(first)] = np.arange(1, len(first) + 1)
    clusters: list[int] = rank[labels].tolist()
    return clusters
