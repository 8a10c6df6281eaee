"""Receivers that turn Oscar and Wagtail signals into events (connected in ``ready()``)."""


def connect() -> None:
    """Connect every tracking receiver. Each one goes through ``safe_receiver``."""
