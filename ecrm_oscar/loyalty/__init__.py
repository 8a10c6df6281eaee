"""Loyalty programme: points, tiers, redemption at checkout and personal coupons.

Every write to the ledger goes through :mod:`ecrm_oscar.loyalty.facade`; see docs/loyalty.md.
"""
