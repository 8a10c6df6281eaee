"""Errors of the loyalty facade. Each carries a message fit to show the shopper or owner."""

from __future__ import annotations


class LoyaltyError(Exception):
    """Base class: the operation was refused and nothing was written."""


class InvalidPoints(LoyaltyError, ValueError):
    """Zero, negative, fractional, non-numeric or absurdly large point amounts."""


class InsufficientPoints(LoyaltyError):
    """The account does not hold the points the operation would take."""


class ReasonRequired(LoyaltyError, ValueError):
    """Manual adjustments need a reason (they are audited)."""


class IdempotencyConflict(LoyaltyError):
    """The key was already used for a different operation."""


class ReservationClosed(LoyaltyError):
    """The checkout reservation was already redeemed or released."""


class ReservationExists(LoyaltyError):
    """The basket already has points reserved; release them first."""


class RedemptionRefused(LoyaltyError):
    """A redemption request broke a programme rule (step, share of the order, basket)."""
