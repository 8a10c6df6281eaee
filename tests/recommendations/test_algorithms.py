"""The numerics on hand-made data: order arrays, sequels, trending, batched ranking."""

import numpy as np
import pytest

from ecrm_oscar.recommendations.algorithms import (
    Interactions,
    PersonalBlend,
    prune_rows,
    sequel_similarity,
    top_k,
    top_k_rows,
    trending_scores,
)

# a: day 1 {x, y}, day 5 {z};  b: day 2 {x}, day 3 {x, z}, day 9 {w};  c: day 9 {y}
ORDERS = {
    "a": {"2024-01-01 10:00": {"x", "y"}, "2024-01-05 10:00": {"z"}},
    "b": {"2024-01-02 10:00": {"x"}, "2024-01-03 09:00": {"x", "z"}, "2024-01-09 08:00": {"w"}},
    "c": {"2024-01-09 12:00": {"y"}},
}


def test_from_orders_builds_recency_and_baskets():
    inter = Interactions.from_orders(ORDERS, half_life=1.0)
    assert inter.users == ["a", "b", "c"] and inter.items == ["w", "x", "y", "z"]
    assert inter.orders.shape == (6, 4)
    recency = inter.recency.toarray()
    # b bought x in its 3rd-to-last (0.25) and 2nd-to-last (0.5) orders; w last (1)
    assert recency[1].tolist() == [1.0, 0.75, 0.0, 0.5]
    assert inter.bought.toarray()[0].tolist() == [0, 1, 1, 1]
    assert list(inter.items_of(2)) == [2]


def test_sequels_are_first_purchases_after_an_item():
    inter = Interactions.from_orders(ORDERS)
    sequel = sequel_similarity(inter, span=3).toarray()
    w, x, y, z = range(4)
    # a: {x, y} -> z new; b: {x} -> {z} new (x is a repeat), then {x, z} -> w new, and two
    # orders back {x} -> w at half weight. Buyers: w 1, x 2, y 2, z 2.
    assert sequel[x, z] == pytest.approx((1 / 2 + 1) / np.sqrt(2 * 2))
    assert sequel[y, z] == pytest.approx((1 / 2) / np.sqrt(2 * 2))
    assert sequel[z, w] == pytest.approx((1 / 2) / np.sqrt(2 * 1))
    assert sequel[x, w] == pytest.approx((1 / 2 + 1 / 2) / np.sqrt(2 * 1))
    assert sequel[x, x] == 0 and sequel[:, y].sum() == 0  # c's only order follows nothing
    assert sequel_similarity(Interactions.from_orders({})).nnz == 0


def test_trending_counts_each_buyers_latest_purchase_by_age():
    inter = Interactions.from_orders(ORDERS)
    scores = trending_scores(inter, half_life_days=4.0)
    newest = 9  # 9 January
    expected = {
        "w": 1.0,
        "x": 0.5 ** ((newest - 1) / 4) + 0.5 ** ((newest - 3) / 4),
        "y": 0.5 ** ((newest - 1) / 4) + 1.0,
        "z": 0.5 ** ((newest - 5) / 4) + 0.5 ** ((newest - 3) / 4),
    }
    assert scores.tolist() == pytest.approx([expected[item] for item in inter.items])


def test_top_k_rows_and_prune_rows_break_ties_by_column():
    rows = np.array([0, 0, 0, 1, 1, 2])
    cols = np.array([1, 2, 3, 0, 4, 1])
    scores = np.array([0.5, 0.9, 0.5, 0.1, 0.2, -1.0])
    r, c, s = top_k_rows(rows, cols, scores, 2)
    assert r.tolist() == [0, 0, 1, 1, 2] and c.tolist() == [2, 1, 4, 0, 1]
    assert s.tolist() == [0.9, 0.5, 0.2, 0.1, -1.0]
    assert top_k_rows(rows, cols, scores, 0)[0].size == 0
    import scipy.sparse as sp

    matrix = sp.csr_matrix(np.array([[0, 2, 2, 2], [1, 0, 0, 3]], dtype=float))
    assert prune_rows(matrix, 2).toarray().tolist() == [[0, 2, 2, 0], [1, 0, 0, 3]]


def _random_shop(seed=3, users=60, items=40):
    rng = np.random.default_rng(seed)
    orders = {}
    for user in range(users):
        orders[f"u{user:03d}"] = {
            f"2024-02-{day:02d} 10:00": {f"i{i:02d}" for i in rng.choice(items, 3)}
            for day in sorted(set(rng.integers(1, 28, rng.integers(1, 5))))
        }
    return Interactions.from_orders(orders)


@pytest.mark.parametrize("als_weight", [0.0, 1.5])
def test_batched_ranking_matches_one_user_at_a_time(als_weight):
    inter = _random_shop()
    model = PersonalBlend(inter, als_weight=als_weight, als_factors_count=8, candidates=10)
    for include_own in (True, False):
        batched = {
            user: (cols.tolist(), scores)
            for user, cols, scores in model.top_for_all(5, include_own=include_own, batch=7)
        }
        assert len(batched) == len(inter.users)
        for user, (cols, scores) in batched.items():
            assert 0 < len(cols) <= 5 and list(scores) == sorted(scores, reverse=True)
            exclude = inter.items_of(user) if not include_own else None
            assert model.recommend(user, 5, exclude) == cols
            if not include_own:
                assert not set(cols) & set(inter.items_of(user).tolist())


def test_own_items_weigh_in_only_when_allowed():
    inter = _random_shop()
    model = PersonalBlend(inter, als_weight=0.0, own_weight=100.0)
    for user in range(len(inter.users)):
        own = set(inter.items_of(user).tolist())
        listed = model.recommend(user, len(own))
        assert set(listed) == own  # with a huge weight, own items fill the top
    assert model.recommend(0, 0) == [] and top_k(np.zeros(0), 3) == []
