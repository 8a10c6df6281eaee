"""Predicted customer lifetime value and next purchase: the maths, without the database.

The method (docs/customers.md has the derivation and its assumptions):

1. **Purchase rate, shrunk to the population (Gamma–Poisson).** While active, customer *i*
   orders as a Poisson process with rate λᵢ (orders per day); the rates vary across
   customers as Gamma(r, α). Having seen xᵢ = nᵢ − 1 repeat orders in the Tᵢ days since
   the first order, the posterior mean rate is ``λ̂ᵢ = (r + xᵢ) / (α + Tᵢ)``: a customer
   with little history gets close to the population's rate r/α, one with a long history
   close to their own xᵢ/Tᵢ. r and α are fitted on all customers by the method of
   moments (:func:`fit_rate_prior`).
2. **Still active? (exponential lifetime).** Customers stop buying after an exponential
   lifetime with mean L days (``ECRM_CLV_LIFETIME_DAYS``, dropout rate μ = 1/L). For a
   customer with rate λ whose last order was g days before the reference time, the
   probability of still being active is ``1 / (1 + μ/(λ+μ) · (e^{(λ+μ)g} − 1))``
   (Pareto/NBD's P(alive) with λ and μ known).
3. **Expected orders in the horizon** H days (``ECRM_CLV_HORIZON_DAYS``):
   ``P(active) · λ̂ · (1 − e^{−μH}) / μ`` (the expected active time in the horizon times
   the rate).
4. **Expected order value, shrunk to the population (Bühlmann–Straub credibility).**
   ``m̂ᵢ = Zᵢ·m̄ᵢ + (1 − Zᵢ)·m̄`` with ``Zᵢ = nᵢ / (nᵢ + k)``; m̄ is the mean order value
   of the shop, k = (variance of one customer's order values) / (variance of customers'
   true means), both estimated from all orders (:func:`fit_value_prior`). This is the
   posterior-mean form of the Gamma–Gamma model with k estimated by moments.
5. **CLV** = expected orders × m̂ᵢ (revenue, undiscounted, over the horizon).
6. **Next purchase** = last order + 1/λ̂ᵢ days (the customer's expected interval), when
   P(active) ≥ 0.5; a date before the reference time means the customer is overdue.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

#: Below this many customers the moments are too noisy: the fallbacks below are used.
MIN_CUSTOMERS_FOR_FIT = 20
#: Rate prior when it cannot be fitted: worth one year of observation at the mean rate.
FALLBACK_PRIOR_DAYS = 365.0
#: Order-value prior weight when it cannot be fitted: worth one order at the shop's mean.
FALLBACK_VALUE_WEIGHT = 1.0
#: Upper bound for α and k (a population with no detectable spread: full pooling).
MAX_PRIOR = 1e9
#: Next purchase dates are only predicted for customers at least this likely active.
NEXT_PURCHASE_MIN_ACTIVE = 0.5


@dataclass(frozen=True)
class CustomerHistory:
    """What the maths needs of one customer (times in days, money as float)."""

    orders: int  # n ≥ 1
    total: float  # sum of order values
    age_days: float  # T: first order → reference time
    active_days: float  # t_x: first order → last order
    sum_squares: float = 0.0  # Σ order value², only for fitting the value prior

    @property
    def repeat_orders(self) -> int:
        return self.orders - 1

    @property
    def mean_value(self) -> float:
        return self.total / self.orders

    @property
    def gap_days(self) -> float:
        """Days since the last order."""
        return max(0.0, self.age_days - self.active_days)


@dataclass(frozen=True)
class PopulationFit:
    rate_shape: float  # r
    rate_scale: float  # α, in days
    value_mean: float  # m̄
    value_weight: float  # k, in orders
    rate_fitted: bool = True
    value_fitted: bool = True


def fit_rate_prior(histories: Iterable[CustomerHistory]) -> tuple[float, float, bool]:
    """(r, α, fitted) of the Gamma prior on purchase rates, by the method of moments.

    With xᵢ ~ Poisson(λᵢ Tᵢ) and λ ~ Gamma(r, α): E[xᵢ] = μTᵢ and
    Var[xᵢ] = μTᵢ + σ²Tᵢ², where μ = r/α and σ² = r/α². So μ̂ = Σx / ΣT and
    σ̂² = (Σ(xᵢ − μ̂Tᵢ)² − μ̂ΣTᵢ) / ΣTᵢ²; then r = μ̂²/σ̂², α = μ̂/σ̂².
    Without enough customers or spread, α falls back to one year and r = μ̂α.
    """
    rows = [(h.repeat_orders, h.age_days) for h in histories if h.age_days > 0]
    sum_t = sum(t for _, t in rows)
    if not rows or sum_t <= 0:
        return 0.0, FALLBACK_PRIOR_DAYS, False
    mean_rate = sum(x for x, _ in rows) / sum_t
    sum_t2 = sum(t * t for _, t in rows)
    spread = (sum((x - mean_rate * t) ** 2 for x, t in rows) - mean_rate * sum_t) / sum_t2
    if len(rows) < MIN_CUSTOMERS_FOR_FIT or spread <= 0 or mean_rate <= 0:
        return mean_rate * FALLBACK_PRIOR_DAYS, FALLBACK_PRIOR_DAYS, False
    alpha = min(mean_rate / spread, MAX_PRIOR)
    return mean_rate * alpha, alpha, True


def fit_value_prior(histories: Iterable[CustomerHistory]) -> tuple[float, float, bool]:
    """(m̄, k, fitted): Bühlmann–Straub estimates for order values.

    m̄ = Σ totals / Σ orders; the within-customer variance
    s² = Σ(Σv² − n·mean²) / Σ(n − 1) over customers with two or more orders; the
    between-customer variance a = (Σ n(meanᵢ − m̄)² − (C − 1)s²) / (N − Σn²/N);
    k = s²/a (capped; a ≤ 0 means no detectable difference between customers).
    """
    histories = list(histories)
    n_total = sum(h.orders for h in histories)
    if n_total == 0:
        return 0.0, FALLBACK_VALUE_WEIGHT, False
    mean = sum(h.total for h in histories) / n_total
    repeaters = [h for h in histories if h.orders > 1]
    dof = sum(h.orders - 1 for h in repeaters)
    if len(histories) < MIN_CUSTOMERS_FOR_FIT or dof == 0:
        return mean, FALLBACK_VALUE_WEIGHT, False
    within = sum(max(0.0, h.sum_squares - h.orders * h.mean_value**2) for h in repeaters) / dof
    denominator = n_total - sum(h.orders**2 for h in histories) / n_total
    between_sum = sum(h.orders * (h.mean_value - mean) ** 2 for h in histories)
    between = (between_sum - (len(histories) - 1) * within) / denominator if denominator else 0
    if between <= 0:
        return mean, MAX_PRIOR, True
    return mean, min(within / between, MAX_PRIOR), True


def fit_population(histories: Iterable[CustomerHistory]) -> PopulationFit:
    histories = list(histories)
    r, alpha, rate_fitted = fit_rate_prior(histories)
    mean, weight, value_fitted = fit_value_prior(histories)
    return PopulationFit(r, alpha, mean, weight, rate_fitted, value_fitted)


def purchase_rate(history: CustomerHistory, fit: PopulationFit) -> float:
    """λ̂ = (r + x) / (α + T), orders per day."""
    return (fit.rate_shape + history.repeat_orders) / (fit.rate_scale + history.age_days)


def probability_active(rate: float, gap_days: float, lifetime_days: float) -> float:
    """P(still active) after ``gap_days`` without an order, for a known rate and lifetime."""
    dropout = 1.0 / lifetime_days
    exponent = (rate + dropout) * gap_days
    if exponent > 700:  # e^700 overflows soon after; the probability is 0 to 300 digits
        return 0.0
    return 1.0 / (1.0 + dropout / (rate + dropout) * math.expm1(exponent))


def expected_orders(rate: float, p_active: float, horizon_days: float, lifetime_days: float):
    """Expected number of orders in the next ``horizon_days``."""
    dropout = 1.0 / lifetime_days
    return p_active * rate * (-math.expm1(-dropout * horizon_days)) / dropout


def expected_order_value(history: CustomerHistory, fit: PopulationFit) -> float:
    """Credibility-weighted mean of the customer's and the shop's order values."""
    z = history.orders / (history.orders + fit.value_weight)
    return z * history.mean_value + (1 - z) * fit.value_mean


@dataclass(frozen=True)
class Prediction:
    rate: float  # orders per day
    p_active: float
    expected_orders: float
    expected_value: float  # per order
    clv: float
    next_order_in_days: float | None  # after the last order; None when not expected


def predict(
    history: CustomerHistory, fit: PopulationFit, horizon_days: float, lifetime_days: float
) -> Prediction:
    rate = purchase_rate(history, fit)
    p_active = probability_active(rate, history.gap_days, lifetime_days)
    orders = expected_orders(rate, p_active, horizon_days, lifetime_days)
    value = expected_order_value(history, fit)
    next_in = 1.0 / rate if rate > 0 and p_active >= NEXT_PURCHASE_MIN_ACTIVE else None
    return Prediction(rate, p_active, orders, value, orders * value, next_in)
