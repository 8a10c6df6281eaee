"""Shared helpers for every django-ecrm app (no models): receivers, tasks, settings access."""
