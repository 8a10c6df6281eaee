"""Shared fixtures. The suite runs twice under ``make test`` (see tests/settings.py)."""
