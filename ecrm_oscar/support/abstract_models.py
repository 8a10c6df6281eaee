"""Support cases and their messages, abstract so projects can extend them Oscar-style."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext_lazy as _


class CaseStatus(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting on customer")
    SOLVED = "solved", _("Solved")


def new_case_number() -> str:
    """A short reference shoppers can quote (not guessable, not a sequence)."""
    return get_random_string(8, "ABCDEFGHJKLMNPQRSTUVWXYZ23456789")


class AbstractSupportCase(models.Model):
    number = models.CharField(_("reference"), max_length=12, unique=True, default=new_case_number)
    subject = models.CharField(_("subject"), max_length=200)
    status = models.CharField(
        _("status"), max_length=16, choices=CaseStatus.choices, default=CaseStatus.NEW
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="ecrm_support_cases",
        verbose_name=_("customer"),
    )
    email = models.EmailField(_("customer email"), blank=True)
    order = models.ForeignKey(
        "order.Order",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("order"),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        limit_choices_to={"is_staff": True},
        verbose_name=_("assigned to"),
    )
    channel = models.CharField(_("channel"), max_length=16, default="web")
    #: What the shopper had done before asking: assistant question, articles seen (ids).
    context = models.JSONField(_("context"), default=dict, blank=True)
    created_at = models.DateTimeField(_("opened"), default=timezone.now)
    updated_at = models.DateTimeField(_("last activity"), default=timezone.now)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)

    class Meta:
        abstract = True
        app_label = "ecrm_support"
        ordering = ["-updated_at"]
        verbose_name = _("support case")
        verbose_name_plural = _("support cases")
        indexes = [models.Index(fields=["status", "-updated_at"], name="ecrm_case_status")]

    def __str__(self) -> str:
        return f"#{self.number} {self.subject}"

    @property
    def customer_email(self) -> str:
        return self.email or (self.user.email if self.user_id else "")

    def seen_articles(self):
        """The help articles the shopper had read before opening the case (live ones)."""
        ids = [i for i in (self.context or {}).get("articles", []) if isinstance(i, int)]
        if not ids:
            return []
        try:
            from ecrm_wagtail.helpcenter.models import HelpArticlePage
        except (ImportError, RuntimeError):
            return []
        pages = {p.pk: p for p in HelpArticlePage.objects.live().filter(pk__in=ids)}
        return [pages[i] for i in ids if i in pages]


class AbstractCaseMessage(models.Model):
    case = models.ForeignKey(
        "ecrm_support.SupportCase",
        on_delete=models.CASCADE,
        related_name="messages",
        verbose_name=_("case"),
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("author"),
    )
    from_staff = models.BooleanField(_("from staff"), default=False)
    body = models.TextField(_("message"), max_length=10_000)
    created_at = models.DateTimeField(_("sent"), default=timezone.now)

    class Meta:
        abstract = True
        app_label = "ecrm_support"
        ordering = ["created_at", "id"]
        verbose_name = _("case message")
        verbose_name_plural = _("case messages")

    def __str__(self) -> str:
        return f"{self.case_id}: {self.body[:40]}"
