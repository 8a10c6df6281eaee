from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ConsentRecord(models.Model):
    """One answer of a person to one purpose, at one time, from one source.

    Records are only ever added: the newest record for a person and purpose is their
    current choice, the older ones are the proof of what they said when. A person is a
    user, an email address (shoppers who are not registered), or both.
    """

    SOURCE_CHOICES = [
        ("registration", _("Registration form")),
        ("checkout", _("Checkout")),
        ("preferences", _("Preference page")),
        ("unsubscribe", _("Unsubscribe link")),
        ("banner", _("Consent banner")),
        ("dashboard", _("Staff in the dashboard")),
        ("import", _("Import")),
        ("api", _("API")),
    ]

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="ecrm_consents",
        verbose_name=_("user"),
    )
    email = models.EmailField(_("email"), blank=True, db_index=True)
    purpose = models.CharField(_("purpose"), max_length=64)
    granted = models.BooleanField(_("granted"))
    source = models.CharField(_("source"), max_length=32, choices=SOURCE_CHOICES)
    created_at = models.DateTimeField(_("recorded at"), default=timezone.now)

    class Meta:
        db_table = "ecrm_privacy_consent"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("consent record")
        verbose_name_plural = _("consent records")
        indexes = [
            models.Index(fields=["user", "purpose", "created_at"], name="ecrm_consent_user_idx"),
            models.Index(fields=["email", "purpose", "created_at"], name="ecrm_consent_email_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(user__isnull=True, email=""), name="ecrm_consent_has_person"
            )
        ]

    def __str__(self) -> str:
        who = self.email or f"user {self.user_id}"
        verb = "granted" if self.granted else "withdrew"
        return f"{who} {verb} {self.purpose} ({self.source})"


class ErasureLog(models.Model):
    """One erasure of a person: who erased, when, and how many rows per app and model.

    It holds no personal data of the erased person: ``subject`` is a keyed hash of the
    account's id (``services.subject_ref``), so staff can answer "was account 123 erased,
    and when?" without the log naming anybody.
    """

    subject = models.CharField(_("erased account (keyed hash)"), max_length=64, db_index=True)
    performed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("erased by"),
    )
    source = models.CharField(_("requested through"), max_length=32, default="dashboard")
    counts = models.JSONField(_("rows erased or anonymised"), default=dict)
    created_at = models.DateTimeField(_("erased at"), default=timezone.now)

    class Meta:
        db_table = "ecrm_privacy_erasure_log"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("erasure log entry")
        verbose_name_plural = _("erasure log")
        permissions = [
            ("export_personal_data", _("Can export a customer's personal data")),
            ("erase_personal_data", _("Can erase a customer's personal data")),
        ]

    def __str__(self) -> str:
        return f"erasure {self.subject[:12]} at {self.created_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(n for models_ in self.counts.values() for n in models_.values())
