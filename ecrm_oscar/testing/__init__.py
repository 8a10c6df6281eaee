"""Helpers for tests of django-ecrm and of the projects that use it (import in tests only)."""
