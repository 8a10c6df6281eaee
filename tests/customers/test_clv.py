"""CLV and next-purchase maths on known inputs, and the priors fitted on known populations."""

import math
import random

import pytest

from ecrm_oscar.customers import clv

H = clv.CustomerHistory


def test_purchase_rate_is_the_gamma_posterior_mean():
    fit = clv.PopulationFit(rate_shape=1.0, rate_scale=10.0, value_mean=0, value_weight=1)
    # x = 3 repeat orders in T = 30 days: (1 + 3) / (10 + 30)
    assert clv.purchase_rate(H(orders=4, total=0, age_days=30, active_days=20), fit) == 0.1
    # no history yet: the population's mean rate r / α
    assert clv.purchase_rate(H(orders=1, total=0, age_days=0, active_days=0), fit) == 0.1
    # a long history dominates the prior: close to x / T
    long = H(orders=1001, total=0, age_days=10000, active_days=10000)
    assert clv.purchase_rate(long, fit) == pytest.approx(0.1, rel=0.01)


def test_probability_active_known_value():
    # λ = 0.1/day, mean lifetime 100 days (μ = 0.01), 10 days since the last order
    p = clv.probability_active(0.1, 10, 100)
    assert p == pytest.approx(1 / (1 + (0.01 / 0.11) * (math.exp(1.1) - 1)))
    assert p == pytest.approx(0.845882, abs=1e-6)
    assert clv.probability_active(0.1, 0, 100) == 1.0
    assert clv.probability_active(0.1, 1e6, 100) == 0.0  # no overflow
    gaps = [clv.probability_active(0.05, g, 730) for g in (0, 10, 30, 90, 365)]
    assert gaps == sorted(gaps, reverse=True)


def test_probability_active_matches_its_definition():
    """The closed form equals the likelihood ratio integrated numerically."""
    lam, mu, t_x, T, x = 0.04, 1 / 500, 100.0, 260.0, 5
    alive = lam**x * math.exp(-(lam + mu) * T)
    steps = 20000
    width = (T - t_x) / steps
    died = sum(
        lam**x * math.exp(-lam * tau) * mu * math.exp(-mu * tau) * width
        for tau in (t_x + (i + 0.5) * width for i in range(steps))
    )
    assert clv.probability_active(lam, T - t_x, 1 / mu) == pytest.approx(
        alive / (alive + died), rel=1e-6
    )


def test_expected_orders_in_the_horizon():
    # active for sure, 0.1 orders/day, 365 days, lifetime 730: 0.1 * 730 * (1 - e^-0.5)
    assert clv.expected_orders(0.1, 1.0, 365, 730) == pytest.approx(28.723262, rel=1e-6)
    assert clv.expected_orders(0.1, 0.5, 365, 730) == pytest.approx(28.723262 / 2, rel=1e-6)
    assert clv.expected_orders(0.1, 1.0, 0, 730) == 0
    # a lifetime far beyond the horizon: nearly rate × horizon
    assert clv.expected_orders(0.1, 1.0, 365, 1e9) == pytest.approx(36.5, rel=1e-6)


def test_expected_order_value_is_credibility_weighted():
    fit = clv.PopulationFit(0, 1, value_mean=50.0, value_weight=4.0)
    four_orders = H(orders=4, total=400, age_days=10, active_days=10)
    assert clv.expected_order_value(four_orders, fit) == 75.0  # Z = 4 / (4 + 4)
    one_order = H(orders=1, total=400, age_days=10, active_days=0)
    assert clv.expected_order_value(one_order, fit) == 120.0  # Z = 1/5: 0.2·400 + 0.8·50


def test_prediction_combines_the_parts():
    fit = clv.PopulationFit(rate_shape=1.0, rate_scale=10.0, value_mean=50.0, value_weight=4.0)
    history = H(orders=4, total=400, age_days=30, active_days=25)
    p = clv.predict(history, fit, horizon_days=365, lifetime_days=730)
    assert p.rate == 0.1
    assert p.p_active == clv.probability_active(0.1, 5, 730)
    assert p.expected_orders == pytest.approx(28.723262 * p.p_active, rel=1e-6)
    assert p.expected_value == 75.0
    assert p.clv == pytest.approx(p.expected_orders * 75.0)
    assert p.next_order_in_days == pytest.approx(10.0)


def test_no_next_purchase_for_a_probably_lapsed_customer():
    fit = clv.PopulationFit(rate_shape=1.0, rate_scale=10.0, value_mean=50.0, value_weight=4.0)
    lapsed = H(orders=4, total=400, age_days=400, active_days=30)
    p = clv.predict(lapsed, fit, 365, 730)
    assert p.p_active < clv.NEXT_PURCHASE_MIN_ACTIVE
    assert p.next_order_in_days is None
    active = clv.predict(H(orders=4, total=400, age_days=30, active_days=25), fit, 365, 730)
    assert p.clv < active.clv / 10


def _poisson(rng: random.Random, mean: float) -> int:
    threshold, k, product = math.exp(-mean), 0, rng.random()
    while product > threshold:
        k += 1
        product *= rng.random()
    return k


def test_rate_prior_recovers_a_known_gamma_population():
    rng = random.Random(7)
    r, alpha = 2.0, 100.0  # mean rate 0.02/day, spread r/α² = 0.0002
    histories = []
    for _ in range(4000):
        rate = rng.gammavariate(r, 1 / alpha)
        T = rng.uniform(100, 400)
        x = _poisson(rng, rate * T)
        histories.append(H(orders=x + 1, total=0, age_days=T, active_days=T / 2))
    shape, scale, fitted = clv.fit_rate_prior(histories)
    assert fitted
    assert shape / scale == pytest.approx(r / alpha, rel=0.05)  # the mean rate
    assert shape == pytest.approx(r, rel=0.25)
    assert scale == pytest.approx(alpha, rel=0.25)


def test_value_prior_recovers_a_known_credibility_weight():
    rng = random.Random(11)
    histories = []
    for _ in range(3000):
        own_mean = rng.gauss(100, 20)  # between-customer variance 400
        values = [rng.gauss(own_mean, 40) for _ in range(rng.randint(2, 6))]  # within 1600
        histories.append(H(len(values), sum(values), 100, 50, sum(v * v for v in values)))
    mean, k, fitted = clv.fit_value_prior(histories)
    assert fitted
    assert mean == pytest.approx(100, rel=0.02)
    assert k == pytest.approx(1600 / 400, rel=0.3)


def test_priors_fall_back_without_enough_data():
    few = [H(2, 100, 50, 20, 5000)] * 5
    shape, scale, fitted = clv.fit_rate_prior(few)
    assert not fitted and scale == clv.FALLBACK_PRIOR_DAYS
    assert shape == pytest.approx(1 / 50 * clv.FALLBACK_PRIOR_DAYS)
    mean, k, fitted = clv.fit_value_prior(few)
    assert (mean, k, fitted) == (50.0, clv.FALLBACK_VALUE_WEIGHT, False)
    assert clv.fit_rate_prior([]) == (0.0, clv.FALLBACK_PRIOR_DAYS, False)
    assert clv.fit_value_prior([]) == (0.0, clv.FALLBACK_VALUE_WEIGHT, False)


def test_identical_customers_pool_fully():
    same = [H(3, 300, 100, 60, 3 * 100**2)] * 30  # every order is 100
    mean, k, fitted = clv.fit_value_prior(same)
    assert mean == 100 and k == clv.MAX_PRIOR and fitted
