"""The django-ecrm demo shop (django-oscar + Wagtail)."""

from sandbox.celery import app as celery_app

__all__ = ["celery_app"]
