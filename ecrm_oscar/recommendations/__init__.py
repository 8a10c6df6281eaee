"""Personalised recommendations: offline evaluation and the numerics the live strategies share."""
