"""The numerics of the recommenders, on scipy.sparse matrices, shared by training and evaluation.

Nothing here touches the database: the live strategies build :class:`Interactions` from
Oscar orders and events, the evaluation command from a CSV, and both train the same models.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass
class Interactions:
    """Who bought what: users × items, with each order's weight decaying with its age.

    ``recency`` is the user's order-recency weight: the last order counts 1, an order
    ``half_life`` orders earlier counts 0.5 (repeat purchases are a large share of real
    baskets, and recent ones predict the next best).
    """

    users: list[str]
    items: list[str]
    user_index: dict[str, int]
    item_index: dict[str, int]
    recency: sp.csr_matrix  # users × items, sum of decayed order weights
    bought: sp.csr_matrix  # users × items, 1 where the user bought the item

    @classmethod
    def from_orders(
        cls, orders: Mapping[str, Mapping[str, set[str]]], half_life: float = 4.0
    ) -> Interactions:
        """``orders``: user -> order key (sorting by time) -> items."""
        users = sorted(orders)
        items = sorted(
            {
                item
                for user_orders in orders.values()
                for basket in user_orders.values()
                for item in basket
            }
        )
        user_index = {user: index for index, user in enumerate(users)}
        item_index = {item: index for index, item in enumerate(items)}
        rows: list[int] = []
        cols: list[int] = []
        weights: list[float] = []
        for user, user_orders in orders.items():
            keys = sorted(user_orders)
            last = len(keys) - 1
            row = user_index[user]
            for position, key in enumerate(keys):
                weight = 0.5 ** ((last - position) / half_life)
                for item in user_orders[key]:
                    rows.append(row)
                    cols.append(item_index[item])
                    weights.append(weight)
        shape = (len(users), len(items))
        recency = sp.csr_matrix((weights, (rows, cols)), shape=shape, dtype=np.float64)
        recency.sum_duplicates()
        bought = recency.copy()
        bought.data[:] = 1.0
        return cls(users, items, user_index, item_index, recency, bought)

    def items_of(self, user_index: int) -> np.ndarray:
        start, end = self.bought.indptr[user_index], self.bought.indptr[user_index + 1]
        return self.bought.indices[start:end]


def top_k(scores: np.ndarray, k: int, exclude: np.ndarray | None = None) -> list[int]:
    """Indexes of the ``k`` best scores, best first; ties by index (deterministic)."""
    if k <= 0 or scores.size == 0:
        return []
    scores = scores.astype(np.float64, copy=True)
    if exclude is not None and len(exclude):
        scores[exclude] = -np.inf
    k = min(k, int(np.isfinite(scores).sum()))
    if k == 0:
        return []
    # lexsort: primary -score, secondary index
    candidates = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
    threshold = scores[candidates].min()
    pool = np.flatnonzero(scores >= threshold)
    order = np.lexsort((pool, -scores[pool]))
    return [int(i) for i in pool[order][:k]]


class Popularity:
    """Items ranked by how many distinct customers bought them."""

    def __init__(self, interactions: Interactions):
        self.scores = np.asarray(interactions.bought.sum(axis=0)).ravel()

    def recommend(self, user_index: int, k: int, exclude: np.ndarray | None = None) -> list[int]:
        return top_k(self.scores, k, exclude)


def item_similarity(
    bought: sp.csr_matrix, neighbours: int = 20, alpha: float = 0.5
) -> sp.csr_matrix:
    """Item × item asymmetric cosine over co-buyers, pruned to ``neighbours`` per item.

    sim(i, j) = |U_i ∩ U_j| / (|U_i|^alpha · |U_j|^(1-alpha)); alpha = 0.5 is cosine.
    """
    counts = np.asarray(bought.sum(axis=0)).ravel()
    co = (bought.T @ bought).tocsr().astype(np.float64)
    co.setdiag(0)
    co.eliminate_zeros()
    left = sp.diags(1.0 / np.power(np.maximum(counts, 1), alpha))
    right = sp.diags(1.0 / np.power(np.maximum(counts, 1), 1 - alpha))
    return prune_rows((left @ co @ right).tocsr(), neighbours)


def prune_rows(matrix: sp.csr_matrix, keep: int) -> sp.csr_matrix:
    """Keep the ``keep`` largest entries of every row."""
    matrix = matrix.tocsr()
    data, indices, indptr = [], [], [0]
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values, columns = matrix.data[start:end], matrix.indices[start:end]
        if values.size > keep:
            chosen = np.argpartition(-values, keep - 1)[:keep]
            values, columns = values[chosen], columns[chosen]
        data.append(values)
        indices.append(columns)
        indptr.append(indptr[-1] + values.size)
    return sp.csr_matrix(
        (np.concatenate(data) if data else [], np.concatenate(indices) if indices else [], indptr),
        shape=matrix.shape,
    )


class OwnHistory:
    """The customer's own purchases, most often and most recently bought first."""

    def __init__(self, interactions: Interactions):
        self.recency = interactions.recency

    def recommend(self, user_index: int, k: int, exclude: np.ndarray | None = None) -> list[int]:
        row = self.recency.getrow(user_index)
        scores = np.full(self.recency.shape[1], -np.inf)
        scores[row.indices] = row.data
        return top_k(scores, k, exclude)


class ItemItem:
    """ "Customers who bought this also bought": neighbours of the customer's own items."""

    def __init__(self, interactions: Interactions, neighbours: int = 20, alpha: float = 0.5):
        self.interactions = interactions
        self.similarity = item_similarity(interactions.bought, neighbours, alpha)
        self.popularity = Popularity(interactions).scores

    def scores(self, user_index: int) -> np.ndarray:
        row = self.interactions.recency.getrow(user_index)
        scores = np.asarray((row @ self.similarity).todense()).ravel()
        peak = scores.max() if scores.size else 0.0
        return scores / peak if peak > 0 else scores

    def recommend(self, user_index: int, k: int, exclude: np.ndarray | None = None) -> list[int]:
        # popularity only breaks ties and fills lists of customers with no neighbours
        tie_break = self.popularity / max(1.0, self.popularity.max()) * 1e-3
        return top_k(self.scores(user_index) + tie_break, k, exclude)


STRATEGIES = {
    "popularity": Popularity,
    "own_history": OwnHistory,
    "item_item": ItemItem,
}


def trending_scores(
    orders: Mapping[str, Mapping[str, set[str]]],
    item_index: Mapping[str, int],
    half_life_days: float = 14.0,
) -> np.ndarray:
    """Distinct buyers per item, each weighted by how recently they bought it.

    A purchase ``half_life_days`` before the newest order in the data counts half, so
    seasonal items rise and fall. Order keys start with ``YYYY-MM-DD HH:MM``.
    """
    scores = np.zeros(len(item_index))
    newest = max((key[:16] for user_orders in orders.values() for key in user_orders), default="")
    if not newest:
        return scores
    from datetime import datetime

    end = datetime.strptime(newest, "%Y-%m-%d %H:%M")
    day_weight: dict[str, float] = {}
    for user_orders in orders.values():
        best: dict[int, float] = {}
        for key, basket in user_orders.items():
            day = key[:10]
            weight = day_weight.get(day)
            if weight is None:
                age = (end - datetime.strptime(day, "%Y-%m-%d")).days
                weight = day_weight[day] = 0.5 ** (max(age, 0) / half_life_days)
            for item in basket:
                index = item_index[item]
                if weight > best.get(index, 0.0):
                    best[index] = weight
        for index, weight in best.items():
            scores[index] += weight
    return scores


def _scaled(values: np.ndarray) -> np.ndarray:
    peak = values.max() if values.size else 0.0
    return values / peak if peak > 0 else values


def als_factors(
    bought: sp.csr_matrix, factors: int = 64, regularization: float = 0.05, iterations: int = 15
) -> tuple[np.ndarray, np.ndarray] | None:
    """User and item factors from implicit's ALS, or None when implicit is not installed
    (or there is nothing to factorise). Seeded, so training twice gives the same lists."""
    if factors <= 0 or bought.nnz == 0:
        return None
    try:
        from implicit.cpu.als import AlternatingLeastSquares
        from threadpoolctl import threadpool_limits
    except ImportError:
        return None
    # implicit parallelises itself; a multi-threaded BLAS underneath only slows it down
    with threadpool_limits(1, "blas"):
        model = AlternatingLeastSquares(
            factors=factors, regularization=regularization, iterations=iterations, random_state=1
        )
        model.fit(bought.astype(np.float32), show_progress=False)
    return np.asarray(model.user_factors), np.asarray(model.item_factors)


class PersonalBlend:
    """Recommended for you: the customer's own recent items, their co-bought neighbours,
    what is trending and (with implicit installed) ALS latent factors, blended by fixed
    weights chosen on a validation split taken from the training data (see
    docs/recommendations.md)."""

    def __init__(
        self,
        interactions: Interactions,
        orders: Mapping[str, Mapping[str, set[str]]] | None = None,
        neighbours: int = 20,
        own_weight: float = 2.0,
        trend_weight: float = 0.5,
        trend_half_life_days: float = 14.0,
        als_weight: float = 1.0,
        als_factors_count: int = 64,
    ):
        self.interactions = interactions
        self.als_weight = als_weight
        self.factors = als_factors(interactions.bought, als_factors_count) if als_weight else None
        self.similarity = item_similarity(interactions.bought, neighbours)
        self.own_weight = own_weight
        self.trend_weight = trend_weight
        trend = (
            trending_scores(orders, interactions.item_index, trend_half_life_days)
            if orders is not None
            else np.asarray(interactions.bought.sum(axis=0)).ravel()
        )
        self.trend = _scaled(trend.astype(np.float64))

    def scores(self, user_index: int, include_own: bool = True) -> np.ndarray:
        return self.scores_for(user_index, user_index + 1, include_own)[0]

    def recommend(self, user_index: int, k: int, exclude: np.ndarray | None = None) -> list[int]:
        return top_k(self.scores(user_index, include_own=exclude is None), k, exclude)

    def scores_for(self, start: int, stop: int, include_own: bool = True) -> np.ndarray:
        """Blend scores of users ``start:stop`` (dense rows); each part scaled to a row
        maximum of 1 before weighting."""
        recency = self.interactions.recency[start:stop]
        scores = _scaled_rows(np.asarray((recency @ self.similarity).todense()))
        scores += self.trend_weight * self.trend
        if self.factors is not None:
            users, items = self.factors
            scores += self.als_weight * _scaled_rows(np.maximum(users[start:stop] @ items.T, 0.0))
        if include_own:
            scores += self.own_weight * _scaled_rows(np.asarray(recency.todense()))
        return scores

    def top_for_all(
        self, k: int, include_own: bool = True, batch: int = 512
    ) -> Iterator[tuple[int, list[int], np.ndarray]]:
        """``(user_index, best item indexes, that user's scores)`` for every user, in
        batches, so a large shop never holds a users × items matrix in memory."""
        bought = self.interactions.bought
        for start in range(0, bought.shape[0], batch):
            stop = min(start + batch, bought.shape[0])
            block = self.scores_for(start, stop, include_own)
            for offset in range(stop - start):
                user_index = start + offset
                exclude = None if include_own else self.interactions.items_of(user_index)
                yield user_index, top_k(block[offset], k, exclude), block[offset]


def _scaled_rows(matrix: np.ndarray) -> np.ndarray:
    peaks = matrix.max(axis=1, keepdims=True) if matrix.size else matrix
    return np.divide(matrix, peaks, out=np.zeros_like(matrix, dtype=np.float64), where=peaks > 0)


STRATEGIES["personal"] = PersonalBlend
