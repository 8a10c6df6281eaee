"""The numerics of the recommenders, on scipy.sparse matrices, shared by training and evaluation.

Nothing here touches the database: the live strategies build :class:`Interactions` from
Oscar orders, the evaluation command from a CSV, and both train and rank with the same code.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import date

import numpy as np
import scipy.sparse as sp


@dataclass
class Interactions:
    """Who bought what, order by order.

    ``orders`` is orders × items (1 where the order holds the item), its rows sorted by
    user and then time; ``order_user`` and ``order_day`` (a date ordinal) describe each row.
    ``recency`` is users × items, the sum of the user's order-recency weights: the last
    order counts 1, an order ``half_life`` orders earlier counts 0.5 (repeat purchases are
    a large share of real baskets, and recent ones predict the next best).
    """

    users: list[str]
    items: list[str]
    user_index: dict[str, int]
    item_index: dict[str, int]
    recency: sp.csr_matrix  # users × items, sum of decayed order weights
    bought: sp.csr_matrix  # users × items, 1 where the user bought the item
    orders: sp.csr_matrix | None = None  # orders × items, rows by (user, time)
    order_user: np.ndarray | None = None
    order_day: np.ndarray | None = None

    @classmethod
    def from_orders(
        cls, orders: Mapping[str, Mapping[str, set[str]]], half_life: float = 4.0
    ) -> Interactions:
        """``orders``: user -> order key (sorting by time, starting ``YYYY-MM-DD``) -> items."""
        users = sorted(orders)
        items = sorted(
            {
                item
                for user_orders in orders.values()
                for basket in user_orders.values()
                for item in basket
            }
        )
        item_index = {item: index for index, item in enumerate(items)}
        order_user: list[int] = []
        order_day: list[int] = []
        line_order: list[int] = []
        line_item: list[int] = []
        days: dict[str, int] = {}
        for row, user in enumerate(users):
            for key in sorted(orders[user]):
                day = key[:10]
                if day not in days:
                    days[day] = date.fromisoformat(day).toordinal()
                for item in orders[user][key]:
                    line_order.append(len(order_user))
                    line_item.append(item_index[item])
                order_user.append(row)
                order_day.append(days[day])
        return cls.from_arrays(
            users,
            items,
            np.asarray(order_user, dtype=np.int64),
            np.asarray(order_day, dtype=np.int64),
            np.asarray(line_order, dtype=np.int64),
            np.asarray(line_item, dtype=np.int64),
            half_life,
        )

    @classmethod
    def from_arrays(
        cls,
        users: list[str],
        items: list[str],
        order_user: np.ndarray,
        order_day: np.ndarray,
        line_order: np.ndarray,
        line_item: np.ndarray,
        half_life: float = 4.0,
    ) -> Interactions:
        """Orders as arrays: ``order_user``/``order_day`` per order, sorted by user and
        time; ``line_order``/``line_item`` per purchased line (duplicates allowed)."""
        n_orders = len(order_user)
        basket = sp.csr_matrix(
            (np.ones(len(line_order)), (line_order, line_item)), shape=(n_orders, len(items))
        )
        basket.sum_duplicates()
        basket.data[:] = 1.0
        # position of each order from the user's last one (0 = last)
        counts = np.bincount(order_user, minlength=len(users)) if n_orders else np.zeros(0, int)
        ends = np.cumsum(counts)
        from_last = (ends[order_user] - 1 - np.arange(n_orders)) if n_orders else np.zeros(0)
        weight = 0.5 ** (from_last / half_life)
        to_user = sp.csr_matrix(
            (weight, (order_user, np.arange(n_orders))), shape=(len(users), n_orders)
        )
        recency = (to_user @ basket).tocsr()
        recency.sort_indices()
        bought = recency.copy()
        bought.data[:] = 1.0
        return cls(
            users,
            items,
            {user: index for index, user in enumerate(users)},
            {item: index for index, item in enumerate(items)},
            recency,
            bought,
            basket,
            np.asarray(order_user),
            np.asarray(order_day),
        )

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
    candidates = np.argpartition(-scores, k - 1)[:k] if k < scores.size else np.arange(scores.size)
    threshold = scores[candidates].min()
    pool = np.flatnonzero(scores >= threshold)
    order = np.lexsort((pool, -scores[pool]))
    return [int(i) for i in pool[order][:k]]


def top_k_rows(
    rows: np.ndarray, cols: np.ndarray, scores: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The ``k`` best (row, col, score) entries of every row of a sparse score list, rows
    ascending, best first within a row, ties by column: one sort for a whole batch.

    Entries must come sorted by (row, col), as ``np.unique`` of row-major keys gives them;
    one stable sort of ``row * span - score`` then orders every row at once.
    """
    if not rows.size or k <= 0:
        return rows[:0], cols[:0], scores[:0]
    low, high = float(scores.min()), float(scores.max())
    span = 2.0 * (high - low) + 1.0
    order = np.argsort(rows * span - (scores - low), kind="stable")
    rows, cols, scores = rows[order], cols[order], scores[order]
    starts = np.r_[0, np.flatnonzero(rows[1:] != rows[:-1]) + 1]
    rank = np.arange(rows.size) - np.repeat(starts, np.diff(np.r_[starts, rows.size]))
    keep = rank < k
    return rows[keep], cols[keep], scores[keep]


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


def prune_rows(matrix: sp.spmatrix, keep: int) -> sp.csr_matrix:
    """Keep the ``keep`` largest entries of every row (ties by column)."""
    matrix = sp.csr_matrix(matrix)
    matrix.sum_duplicates()
    data, indices, indptr = [], [], [0]
    for row in range(matrix.shape[0]):
        start, end = matrix.indptr[row], matrix.indptr[row + 1]
        values, columns = matrix.data[start:end], matrix.indices[start:end]
        if values.size > keep:
            threshold = np.partition(values, values.size - keep)[values.size - keep]
            above = np.flatnonzero(values > threshold)
            tied = np.flatnonzero(values == threshold)[: keep - above.size]
            chosen = np.sort(np.concatenate([above, tied]))
            values, columns = values[chosen], columns[chosen]
        data.append(values)
        indices.append(columns)
        indptr.append(indptr[-1] + values.size)
    return sp.csr_matrix(
        (
            np.concatenate(data) if data else np.zeros(0),
            np.concatenate(indices) if indices else np.zeros(0, np.int32),
            indptr,
        ),
        shape=matrix.shape,
    )


def sequel_similarity(
    interactions: Interactions, span: int = 3, neighbours: int = 50
) -> sp.csr_matrix:
    """Item × item "bought i, later bought j for the first time": from each order to the
    customer's first purchases in the next order, up to ``span`` orders back (each step
    back counts half, an order's items share its weight), cosine-normalised by buyers.

    The co-purchase neighbours say what goes with an item; this says what customers go on
    to discover after it, which is what a list of *new* items has to guess.
    """
    baskets, order_user = interactions.orders, interactions.order_user
    n_items = len(interactions.items)
    if baskets is None or order_user is None or baskets.nnz == 0:
        return sp.csr_matrix((n_items, n_items))
    lines = baskets.tocoo()
    key = order_user[lines.row] * n_items + lines.col
    order = np.lexsort((lines.row, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    firsts = sp.csr_matrix(
        (np.ones(first.size), (lines.row[first], lines.col[first])), shape=baskets.shape
    )
    sizes = np.maximum(np.diff(baskets.indptr), 1)
    index = np.arange(baskets.shape[0])
    sequel = sp.csr_matrix((n_items, n_items))
    for back in range(1, span + 1):
        if back >= baskets.shape[0]:
            break
        later = index[back:][order_user[back:] == order_user[:-back]]
        if not later.size:
            break
        earlier = later - back
        weighted = sp.diags(0.5 ** (back - 1) / sizes[earlier]) @ baskets[earlier]
        sequel = sequel + weighted.T @ firsts[later]
    buyers = 1.0 / np.sqrt(np.maximum(np.asarray(interactions.bought.sum(axis=0)).ravel(), 1))
    return prune_rows(sp.diags(buyers) @ sequel @ sp.diags(buyers), neighbours)


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


def trending_scores(interactions: Interactions, half_life_days: float = 14.0) -> np.ndarray:
    """Distinct buyers per item, each weighted by how recently they bought it.

    A purchase ``half_life_days`` before the newest order in the data counts half, so
    seasonal items rise and fall. Without order dates: distinct buyers.
    """
    baskets, order_day = interactions.orders, interactions.order_day
    n_items = len(interactions.items)
    if baskets is None or order_day is None or baskets.nnz == 0:
        return np.asarray(interactions.bought.sum(axis=0), dtype=np.float64).ravel()
    weight = 0.5 ** (np.maximum(order_day.max() - order_day, 0) / half_life_days)
    lines = baskets.tocoo()
    key = interactions.order_user[lines.row] * n_items + lines.col
    line_weight = weight[lines.row]
    order = np.lexsort((-line_weight, key))  # each (user, item)'s latest purchase first
    best = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    return np.bincount(lines.col[best], weights=line_weight[best], minlength=n_items)


def _scaled(values: np.ndarray) -> np.ndarray:
    peak = values.max() if values.size else 0.0
    return values / peak if peak > 0 else values


def _scaled_sparse_rows(matrix: sp.spmatrix) -> sp.csr_matrix:
    """Each row divided by its maximum (rows of non-positive values left as they are)."""
    matrix = sp.csr_matrix(matrix)
    matrix.eliminate_zeros()
    peaks = np.zeros(matrix.shape[0])
    filled = np.diff(matrix.indptr) > 0
    if filled.any():
        peaks[filled] = np.maximum.reduceat(matrix.data, matrix.indptr[:-1][filled])
    scale = np.divide(1.0, peaks, out=np.zeros_like(peaks), where=peaks > 0)
    return sp.diags(scale) @ matrix


def als_factors(
    confidence: sp.csr_matrix,
    factors: int = 64,
    regularization: float = 0.05,
    iterations: int = 15,
) -> tuple[np.ndarray, np.ndarray] | None:
    """User and item factors from implicit's ALS, or None when implicit is not installed
    (or there is nothing to factorise). Seeded, so training twice gives the same lists."""
    if factors <= 0 or confidence.nnz == 0:
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
        model.fit(sp.csr_matrix(confidence, dtype=np.float32), show_progress=False)
    return np.asarray(model.user_factors), np.asarray(model.item_factors)


def _factor_top(
    user_factors: np.ndarray, item_factors: np.ndarray, k: int, exclude: sp.csr_matrix | None
) -> tuple[np.ndarray, np.ndarray]:
    """Each user's ``k`` best items by factor dot product (implicit's batched top-k)."""
    from implicit.cpu.topk import topk

    k = min(k, item_factors.shape[0])
    options = {}
    if exclude is not None:
        options["filter_query_items"] = sp.csr_matrix(exclude, dtype=np.float32)
    indexes, scores = topk(
        np.ascontiguousarray(item_factors, dtype=np.float32),
        np.ascontiguousarray(user_factors, dtype=np.float32),
        k,
        **options,
    )
    return np.asarray(indexes), np.asarray(scores)


_EXCLUDED = 1e9  # marks a user's own items in mode "new" (scores are at most ~10)
_MARK = 1e-12  # a candidate with no sparse score; far below any score difference that matters


def _pattern(rows: np.ndarray, cols: np.ndarray, shape: tuple[int, int]) -> sp.csr_matrix:
    return sp.csr_matrix((np.full(rows.size, _MARK), (rows, cols)), shape=shape)


def _factor_dots(
    user_factors: np.ndarray, item_factors: np.ndarray, rows: np.ndarray, cols: np.ndarray
) -> np.ndarray:
    """``user_factors[rows] · item_factors[cols]`` per entry: through a dense users ×
    items block when the catalogue is small next to the candidates, else gathered."""
    dots = np.empty(rows.size)
    if item_factors.shape[0] * user_factors.shape[0] <= 8 * rows.size:
        for start in range(0, user_factors.shape[0], 256):
            block = user_factors[start : start + 256] @ item_factors.T
            lo, hi = np.searchsorted(rows, [start, start + 256])
            dots[lo:hi] = block[rows[lo:hi] - start, cols[lo:hi]]
        return dots
    for start in range(0, rows.size, 65_536):
        part = slice(start, start + 65_536)
        dots[part] = np.einsum("ij,ij->i", user_factors[rows[part]], item_factors[cols[part]])
    return dots


class PersonalBlend:
    """Recommended for you: the customer's own recent items, their co-bought neighbours,
    what customers went on to buy after the same items ("sequels"), what is trending and
    (with implicit installed) ALS latent factors, blended by fixed weights chosen on a
    validation split taken from the training data (see docs/recommendations.md).

    Ranking is candidate-based, never users × items: a customer's candidates are the
    items any sparse part scores, ALS's own top ``candidates`` and the ``candidates`` most
    trending items; every candidate gets its exact blended score.
    """

    def __init__(
        self,
        interactions: Interactions,
        neighbours: int = 20,
        own_weight: float = 5.0,
        trend_weight: float = 1.0,
        trend_half_life_days: float = 14.0,
        als_weight: float = 1.5,
        als_factors_count: int = 64,
        sequel_weight: float = 1.0,
        sequel_span: int = 3,
        candidates: int = 50,
        als_pool: int = 5000,
    ):
        self.interactions = interactions
        self.own_weight = own_weight
        self.trend_weight = trend_weight
        self.als_weight = als_weight
        self.sequel_weight = sequel_weight
        self.candidates = candidates
        self.factors = als_factors(interactions.recency, als_factors_count) if als_weight else None
        self.similarity = item_similarity(interactions.bought, neighbours)
        self.sequels = (
            sequel_similarity(interactions, sequel_span)
            if sequel_weight
            else sp.csr_matrix(self.similarity.shape)
        )
        self.trend = _scaled(trending_scores(interactions, trend_half_life_days))
        self.trend_top = np.array(top_k(self.trend, candidates), dtype=np.int64)
        # ALS's own candidates come from the ``als_pool`` most bought items: exact for
        # catalogues up to that size, and bounded users × pool work beyond it
        buyers = np.asarray(interactions.bought.sum(axis=0)).ravel()
        self.pool = (
            None
            if buyers.size <= als_pool
            else np.sort(np.array(top_k(buyers, als_pool), dtype=np.int64))
        )

    def rank(
        self, user_indexes: np.ndarray, k: int, include_own: bool = True
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``k`` best (position in ``user_indexes``, item, score) entries per user;
        without ``include_own`` the users' own items are left out."""
        user_indexes = np.asarray(user_indexes, dtype=np.int64)
        n_items = len(self.interactions.items)
        if k <= 0 or not user_indexes.size or not n_items:
            return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
        batch = user_indexes.size
        recency = self.interactions.recency[user_indexes]
        blend = _scaled_sparse_rows(recency @ self.similarity)
        if self.sequel_weight:
            blend = blend + self.sequel_weight * _scaled_sparse_rows(recency @ self.sequels)
        if include_own:
            blend = blend + self.own_weight * _scaled_sparse_rows(recency)
        else:  # own items join the candidates only to be dropped below
            blend = blend - _EXCLUDED * self.interactions.bought[user_indexes]
        # candidates that no sparse part reaches: the most trending items and ALS's top
        # items of each user, merged in with a negligible mark so they stay stored
        if self.trend_weight and self.trend_top.size:
            blend = blend + _pattern(
                np.repeat(np.arange(batch), self.trend_top.size),
                np.tile(self.trend_top, batch),
                (batch, n_items),
            )
        peaks = None
        if self.factors is not None:
            users, items = self.factors
            exclude = None if include_own else self.interactions.bought[user_indexes]
            pool_items = items
            if self.pool is not None:
                pool_items = items[self.pool]
                exclude = None if exclude is None else exclude[:, self.pool]
            top, top_scores = _factor_top(users[user_indexes], pool_items, self.candidates, exclude)
            if self.pool is not None:
                top = np.where(top >= 0, self.pool[np.maximum(top, 0)], -1)
            valid = np.isfinite(top_scores) & (top >= 0)
            peaks = np.maximum(np.where(valid, top_scores, 0.0).max(axis=1), 0.0)
            blend = blend + _pattern(np.nonzero(valid)[0], top[valid], (batch, n_items))
        blend = sp.csr_matrix(blend)
        blend.sort_indices()
        rows = np.repeat(np.arange(batch), np.diff(blend.indptr))
        cols = blend.indices.astype(np.int64)
        scores = blend.data.astype(np.float64)
        if not include_own:
            keep = scores > -_EXCLUDED / 2
            rows, cols, scores = rows[keep], cols[keep], scores[keep]
        scores = scores + self.trend_weight * self.trend[cols]
        if self.factors is not None:
            scale = np.divide(1.0, peaks, out=np.zeros_like(peaks), where=peaks > 0)
            dots = _factor_dots(users[user_indexes], items, rows, cols)
            scores += self.als_weight * np.maximum(dots, 0.0) * scale[rows]
        return top_k_rows(rows, cols, scores, k)

    def recommend(self, user_index: int, k: int, exclude: np.ndarray | None = None) -> list[int]:
        """One customer's list; ``exclude`` (their own items, in mode ``new``) also drops
        the own-items part of the blend."""
        _, cols, _ = self.rank(
            np.array([user_index]),
            k + (len(exclude) if exclude is not None else 0),
            include_own=exclude is None,
        )
        if exclude is not None and len(exclude):
            cols = cols[~np.isin(cols, exclude)]
        return [int(c) for c in cols[:k]]

    def top_for_all(
        self, k: int, include_own: bool = True, batch: int = 2048
    ) -> Iterator[tuple[int, np.ndarray, np.ndarray]]:
        """``(user_index, best item indexes, their scores)`` for every user, in batches."""
        n_users = self.interactions.recency.shape[0]
        for start in range(0, n_users, batch):
            user_indexes = np.arange(start, min(start + batch, n_users))
            rows, cols, scores = self.rank(user_indexes, k, include_own)
            bounds = np.searchsorted(rows, np.arange(user_indexes.size + 1))
            for offset, user_index in enumerate(user_indexes):
                part = slice(bounds[offset], bounds[offset + 1])
                yield int(user_index), cols[part], scores[part]


STRATEGIES["personal"] = PersonalBlend
