"""Flows as data: a flow (one per kind) has ordered steps; every email is a logged message.

Abstract bases (Oscar style) so a project can extend them; concrete models in models.py.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class FlowKind(models.TextChoices):
    ABANDONED_BASKET = "abandoned_basket", _("Abandoned basket")
    BROWSE_ABANDONMENT = "browse_abandonment", _("Browse abandonment")
    WELCOME = "welcome", _("Welcome series")
    BIRTHDAY = "birthday", _("Birthday greeting")
    WIN_BACK = "win_back", _("Win-back")
    POST_PURCHASE_SURVEY = "post_purchase_survey", _("Post-purchase survey")


class Incentive(models.TextChoices):
    NONE = "", _("No discount")
    PERCENTAGE = "Percentage", _("Percentage off the basket")
    ABSOLUTE = "Absolute", _("Fixed amount off the basket")


class MessageStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    OPENED = "opened", pgettext_lazy("email", "Opened")  # not a support case's "Opened"
    CLICKED = "clicked", _("Clicked")
    CONVERTED = "converted", _("Converted")
    FAILED = "failed", _("Failed")
    CANCELLED = "cancelled", _("Cancelled")
    HELD_OUT = "held_out", _("Held out (control group)")


#: Statuses of messages that reached the shopper's mailbox.
DELIVERED = (
    MessageStatus.SENT,
    MessageStatus.OPENED,
    MessageStatus.CLICKED,
    MessageStatus.CONVERTED,
)


class AbstractFlow(models.Model):
    """One automated journey. Off until the owner switches it on in the dashboard."""

    kind = models.CharField(_("kind"), max_length=32, choices=FlowKind.choices, unique=True)
    name = models.CharField(_("name"), max_length=128)
    enabled = models.BooleanField(_("switched on"), default=False)
    holdout_percent = models.PositiveSmallIntegerField(
        _("hold-out group (%)"),
        default=0,
        validators=[MaxValueValidator(50)],
        help_text=_(
            "This share of shoppers gets no email from this flow, so its lift can be measured."
        ),
    )
    incentive = models.CharField(
        _("discount"), max_length=16, choices=Incentive.choices, blank=True, default=""
    )
    incentive_value = models.DecimalField(
        _("discount value"), max_digits=10, decimal_places=2, default=0
    )
    incentive_valid_days = models.PositiveSmallIntegerField(
        _("discount code valid for (days)"), default=7
    )
    include_recommendations = models.BooleanField(_("include recommendations"), default=True)
    #: The Oscar voucher offer behind this flow's single-use codes (created on first use).
    offer = models.ForeignKey(
        "offer.ConditionalOffer",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("voucher offer"),
    )
    paused_at = models.DateTimeField(_("paused by an error at"), null=True, blank=True)
    pause_reason = models.TextField(_("error"), blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "ecrm_automation"
        ordering = ["pk"]
        verbose_name = _("automation flow")
        verbose_name_plural = _("automation flows")

    def __str__(self) -> str:
        return self.name

    @property
    def is_active(self) -> bool:
        """Switched on and not paused by a template error."""
        return self.enabled and self.paused_at is None


class AbstractFlowStep(models.Model):
    """One email of a flow: sent ``delay_hours`` after the trigger, with an Oscar
    communication template (``code``) the owner edits in Dashboard → Content → Emails."""

    flow = models.ForeignKey("ecrm_automation.Flow", on_delete=models.CASCADE, related_name="steps")
    position = models.PositiveSmallIntegerField(_("position"), default=1)
    delay_hours = models.PositiveIntegerField(_("delay (hours after the trigger)"), default=0)
    code = models.CharField(_("email template code"), max_length=128)
    with_incentive = models.BooleanField(
        _("with the discount code"),
        default=False,
        help_text=_("Only when the flow has a discount."),
    )

    class Meta:
        abstract = True
        app_label = "ecrm_automation"
        ordering = ["flow", "position"]
        unique_together = [("flow", "position")]
        verbose_name = _("flow step")
        verbose_name_plural = _("flow steps")

    def __str__(self) -> str:
        return f"{self.flow} #{self.position}"


class AbstractMessage(models.Model):
    """One email of one step to one shopper for one trigger: the log and the send lock.

    ``key`` (step, shopper, trigger) is unique, so a message exists at most once however
    often a scan or a receiver runs; the send task claims the row (queued → sending) in a
    transaction before it sends, so it is sent at most once even if a worker dies or a task
    is retried.
    """

    # A scan inserts up to one row per open basket, so every per-row cost counts:
    # - unique by a constraint (Meta), not ``unique=True``: on PostgreSQL that would add a
    #   second, pattern-ops index every insert maintains;
    # - the foreign keys' own indexes are left out: the composite indexes below start with
    #   each of them;
    # - the foreign keys have no database constraint (``db_constraint=False``): PostgreSQL
    #   checks each with a row-locking look-up per inserted row, a fifth of a first scan's
    #   time. Django still applies ``on_delete`` (a deleted account's messages lose their
    #   link, a deleted flow's messages go), and the scans insert only ids they just read.
    key = models.CharField(_("idempotency key"), max_length=255)
    flow = models.ForeignKey(
        "ecrm_automation.Flow",
        on_delete=models.CASCADE,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    step = models.ForeignKey(
        "ecrm_automation.FlowStep",
        on_delete=models.SET_NULL,
        null=True,
        related_name="messages",
        db_index=False,
        db_constraint=False,
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("shopper"),
        db_index=False,
        db_constraint=False,
    )
    email = models.CharField(_("email address"), max_length=254, blank=True, default="")
    trigger = models.CharField(_("trigger"), max_length=100)
    status = models.CharField(
        _("status"), max_length=16, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    holdout = models.BooleanField(_("in the hold-out group"), default=False)
    context = models.JSONField(_("trigger details"), default=dict, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True, default="")
    voucher_code = models.CharField(_("discount code"), max_length=128, blank=True, default="")
    error = models.TextField(_("error / reason"), blank=True, default="")
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    scheduled_at = models.DateTimeField(_("due"), default=timezone.now)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    opened_at = models.DateTimeField(_("opened"), null=True, blank=True)
    clicked_at = models.DateTimeField(_("clicked"), null=True, blank=True)
    #: An order by the shopper within the attribution window after the message (or, in
    #: the hold-out group, after it would have been sent): the basis of the lift.
    ordered_at = models.DateTimeField(_("ordered"), null=True, blank=True)
    order_number = models.CharField(_("order"), max_length=128, blank=True, default="")
    #: Last-touch attribution: the order followed a click in this message within the window.
    converted_at = models.DateTimeField(_("converted"), null=True, blank=True)
    revenue = models.DecimalField(
        _("attributed revenue"), max_digits=14, decimal_places=2, null=True, blank=True
    )

    class Meta:
        abstract = True
        app_label = "ecrm_automation"
        ordering = ["-created_at", "-pk"]
        verbose_name = _("automation message")
        verbose_name_plural = _("automation messages")
        indexes = [
            models.Index(fields=["status", "scheduled_at"], name="ecrm_autom_due"),
            models.Index(fields=["step", "trigger"], name="ecrm_autom_step_trigger"),
            models.Index(fields=["user", "sent_at"], name="ecrm_autom_user_sent"),
            models.Index(fields=["email", "sent_at"], name="ecrm_autom_email_sent"),
            models.Index(fields=["flow", "status"], name="ecrm_autom_flow_status"),
        ]
        constraints = [models.UniqueConstraint(fields=["key"], name="ecrm_autom_message_key")]

    def __str__(self) -> str:
        return f"{self.flow_id}:{self.trigger} → {self.email or self.user_id} ({self.status})"


class AbstractSurveyResponse(models.Model):
    """A 0–10 answer to "how likely are you to recommend us?" and an optional comment."""

    message = models.OneToOneField(
        "ecrm_automation.Message", on_delete=models.CASCADE, related_name="survey_response"
    )
    score = models.PositiveSmallIntegerField(
        pgettext_lazy("survey", "score"), validators=[MaxValueValidator(10)]
    )
    comment = models.TextField(_("comment"), blank=True, default="")
    created_at = models.DateTimeField(_("answered"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "ecrm_automation"
        ordering = ["-created_at"]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self) -> str:
        return f"{self.score}/10"

    @property
    def category(self) -> str:
        """NPS category: promoter (9–10), passive (7–8) or detractor (0–6)."""
        if self.score >= 9:
            return "promoter"
        return "passive" if self.score >= 7 else "detractor"


class AbstractGuestBasket(models.Model):
    """The email address an anonymous shopper gave at Oscar's checkout gateway, linked to
    their basket: a "known shopper" whose abandoned basket may be reminded (when they
    agreed to marketing email there)."""

    basket = models.OneToOneField(
        "basket.Basket", on_delete=models.CASCADE, related_name="ecrm_guest_email"
    )
    email = models.EmailField(_("email address"), max_length=254, db_index=True)
    created_at = models.DateTimeField(_("given at"), default=timezone.now)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        abstract = True
        app_label = "ecrm_automation"
        verbose_name = _("guest basket email")
        verbose_name_plural = _("guest basket emails")

    def __str__(self) -> str:
        return f"{self.basket_id} → {self.email}"
