"""Behaviour capture: one append-only stream of every touchpoint, written by ``capture.record``."""
