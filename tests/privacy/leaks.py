"""Find personal data of one person left in any model of the installed ecrm apps.

Generic on purpose: it walks ``apps.get_models()`` for every app label starting with
``ecrm_`` and checks every concrete field, so a model added later (by any app, automation
included) that keeps a user link, an email or a name after erasure is reported.
"""

from __future__ import annotations

from django.apps import apps
from django.conf import settings
from django.db import models
from django.db.models.functions import Cast


def ecrm_models() -> list[type[models.Model]]:
    return [m for m in apps.get_models() if m._meta.app_label.startswith("ecrm_")]


def _is_user_fk(field) -> bool:
    if not field.is_relation or field.related_model is None:
        return False
    return field.related_model._meta.label == settings.AUTH_USER_MODEL or (
        field.related_model._meta.label_lower == settings.AUTH_USER_MODEL.lower()
    )


def _user_number(field) -> bool:
    """An integer field that stores a user id without a foreign key (``user_id`` copies)."""
    return isinstance(field, models.IntegerField) and not field.primary_key and "user" in field.name


def leaks(user_id: int, needles: list[str]) -> list[str]:
    """``"<model>.<field>"`` of every row that still points at or names the person."""
    found = []
    needles = [n for n in needles if n]
    exact = f"user:{user_id}"
    for model in ecrm_models():
        manager = model._base_manager
        for field in model._meta.concrete_fields:
            where = f"{model._meta.label}.{field.name}"
            if _is_user_fk(field):
                if manager.filter(**{field.attname: user_id}).exists():
                    found.append(where)
            elif isinstance(field, (models.CharField, models.TextField)):
                if manager.filter(**{field.name: exact}).exists():
                    found.append(f"{where} = {exact}")
                for needle in needles:
                    if manager.filter(**{f"{field.name}__icontains": needle}).exists():
                        found.append(f"{where} ~ {needle}")
            elif isinstance(field, models.JSONField):
                text = manager.annotate(_as_text=Cast(field.name, models.TextField()))
                for needle in [*needles, f'"{exact}"']:
                    if text.filter(_as_text__icontains=needle).exists():
                        found.append(f"{where} ~ {needle}")
            elif _user_number(field) and manager.filter(**{field.name: user_id}).exists():
                found.append(f"{where} = {user_id}")
    return found
